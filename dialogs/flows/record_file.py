"""The signed record as a PDF from the chat ("Download PDF" on a record), for the supervision file.

Only the record's two parties and the supervisee's line management (as the pack allows) get it;
every download is audited like an export.
"""

from __future__ import annotations

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.record_plan import record_title
from dialogs.i18n import N_, _, format_long_day, pack_word
from dialogs.inputs import is_number, parse_id, quoted
from dialogs.messages import Attachment, Payload, Say, Tone
from dialogs.outputs.record_pdf import RecordDocument, record_pdf

NOT_FOUND = N_("There is no signed record {id} that you can download.")


class RecordFileFlow:
    name = "pdf"
    title = N_("Download a record as PDF")
    summary = N_("the signed supervision record as a PDF")
    usage = N_("pdf <record number>")
    captures_text = False
    listed = False  # a button on a record card

    async def start(self, turn: Turn, argument: str) -> Outcome:
        text = argument.strip().lstrip("#")
        if not is_number(text):
            return Outcome(
                replies=[Say(_("Use the Download PDF button on a record."), Tone.WARNING)]
            )
        record_id = parse_id(text)
        record = await turn.ports.records.get(record_id) if record_id else None
        session = await turn.ports.sessions.get(record.session_id) if record else None
        if record is None or session is None:
            return Outcome(replies=[Say(_(NOT_FOUND).format(id=quoted(text)), Tone.WARNING)])
        allowed = turn.actor.id in {session.supervisor_id, *session.supervisee_ids}
        levels = turn.pack.record_access.chain_levels.value
        for supervisee in session.supervisee_ids:
            chain = list(await turn.ports.directory.management_chain(supervisee))
            allowed = allowed or turn.actor.id in chain[:levels]
        supervisor = await turn.ports.directory.staff(session.supervisor_id)
        if (
            not allowed
            or supervisor is None
            or supervisor.organisation_id != turn.actor.organisation_id
        ):
            return Outcome(replies=[Say(_(NOT_FOUND).format(id=record_id), Tone.WARNING)])
        if record.supervisor_signed_at is None or record.supervisee_signed_at is None:
            return Outcome(
                replies=[
                    Say(
                        _(
                            "This record is not signed by both of you yet, so it is not ready "
                            "for the supervision file."
                        ),
                        Tone.WARNING,
                    )
                ]
            )
        names = {supervisor.id: supervisor.name}
        for staff_id in {*session.supervisee_ids, *(a.owner_id for a in record.actions)}:
            person = await turn.ports.directory.staff(staff_id)
            names[staff_id] = person.name if person else _("someone")
        # A template the pack no longer has (the council changed packs): the record's own keys.
        template = next((t for t in turn.pack.templates if t.id == record.template_id), None)
        sections = (
            [(s.id, pack_word(turn.pack, s.title)) for s in template.sections]
            if template
            else [(k, k.replace("_", " ").capitalize()) for k in record.sections]
        )
        document = RecordDocument(
            council=turn.ports.packs.organisation_name(turn.actor.organisation_id),
            title=record_title(
                turn.pack, record.kind, session.type
            ),  # each kind its own file (LAM 004:350,356)
            supervisor=supervisor.name,
            supervisee=_(" and ").join(names[i] for i in session.supervisee_ids),
            held_at=session.start,
            section_titles=sections,
            owners=names,
            zone=turn.zone,
            action_success=(
                pack_word(turn.pack, template.action_success.value)
                if template and template.action_success
                else _("I will know this works when")
            ),
        )
        pdf = record_pdf(record, document)
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="export",
            subject_type="supervision_record",
            subject_id=str(record.id),
            target_staff_id=next(iter(session.supervisee_ids), None),
            detail={"format": "pdf"},
        )
        day = session.start.astimezone(turn.zone).date()
        file = Attachment(
            f"supervision-record-{day.isoformat()}.pdf",
            "application/pdf",
            pdf,
            _("Supervision record of {day}: {supervisee} with {supervisor}").format(
                day=format_long_day(day), supervisee=document.supervisee, supervisor=supervisor.name
            ),
        )
        return Outcome(replies=[file])

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return Outcome()
