"""Reading a supervision record: its two parties, their line management as the pack allows, and,
for an exceptional reason, senior managers and auditors (DCC 000:147).

A record is confidential between the parties; nobody else reads it without the staff member's
consent, except in exceptional cases (audits, disciplinary proceedings), when the reason is
recorded and the staff member is notified as soon as practicable. Admins manage configuration
and people, never record content.
"""

from __future__ import annotations

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import SHORT_TEXT, check_form, field
from dialogs.flows.record_content import content_from_view, length_flags, record_card
from dialogs.flows.record_plan import plan_for, record_title, template_type
from dialogs.i18n import N_, _
from dialogs.inputs import is_number, parse_id, quoted
from dialogs.messages import (
    AskForm,
    Fact,
    FieldKind,
    FormSubmit,
    Option,
    Payload,
    Reply,
    Say,
    Tone,
)
from dialogs.recipients import notice
from dialogs.views import RecordView, SessionView
from dialogs.when import describe
from scoring.vocabulary import StaffRole

EXCEPTIONAL = {StaffRole.SERVICE_MANAGER, StaffRole.ASSISTANT_DIRECTOR, StaffRole.AUDITOR}
NOT_FOUND = N_("There is no record {id} that you can see.")


def _reason_form(record_id: int, value: str = "") -> AskForm:
    return AskForm(
        form_id="view_reason",
        title=_("Reason for reading record {number}").format(number=record_id),
        intro=_(
            "This record is confidential to the supervisor and supervisee. Say why you need it "
            "(for example an audit or disciplinary proceedings): the reason is kept in the audit "
            "trail and the staff member is told that you read it."
        ),
        fields=(
            field("reason", _("Reason"), FieldKind.TEXTAREA, max_length=SHORT_TEXT, value=value),
        ),
        submit_label=_("Read the record"),
    )


class ViewRecordFlow:
    name = "view"
    title = N_("Read a supervision record")
    summary = N_("read a supervision record you are a party to (managers: with a reason)")
    usage = N_("view <record number>")

    async def start(self, turn: Turn, argument: str) -> Outcome:
        text = argument.strip().removeprefix("record").strip().lstrip("#")
        if not is_number(text):
            return Outcome(
                replies=[Say(_("Which record? Type 'view' and its number."), Tone.WARNING)]
            )
        record_id = parse_id(text)
        loaded = await self._load(turn, record_id) if record_id else None
        if record_id is None or loaded is None:
            return Outcome(replies=[Say(_(NOT_FOUND).format(id=quoted(text)), Tone.WARNING)])
        record, session = loaded
        parties = {session.supervisor_id, *session.supervisee_ids}
        if turn.actor.id in parties:
            return await self._show(turn, record, session, reason="")
        levels = turn.pack.record_access.chain_levels.value
        for supervisee in session.supervisee_ids:
            chain = list(await turn.ports.directory.management_chain(supervisee))
            if turn.actor.id in chain[:levels]:
                return await self._show(turn, record, session, reason="line management")
        if turn.actor.role in EXCEPTIONAL:
            state = FlowState(self.name, "reason", {"record_id": record_id})
            return Outcome(replies=[_reason_form(record_id)], state=state)
        await self._refused(turn, record, session)
        return Outcome(replies=[Say(_(NOT_FOUND).format(id=record_id), Tone.WARNING)])

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        record_id = int(state.data["record_id"])
        if not isinstance(payload, FormSubmit):
            return Outcome(replies=[_reason_form(record_id)], state=state)
        checked = check_form(_reason_form(record_id), payload.values, turn)
        if not checked.ok:
            return Outcome(replies=[checked.form], state=state)
        loaded = await self._load(turn, record_id)
        if loaded is None or turn.actor.role not in EXCEPTIONAL:
            return Outcome(replies=[Say(_(NOT_FOUND).format(id=record_id), Tone.WARNING)])
        record, session = loaded
        outcome = await self._show(turn, record, session, reason=checked.values["reason"])
        reason = checked.values["reason"]

        def tell() -> list[Reply]:  # issue 28: in the supervisee's language, not the reader's
            text = _(
                "{name} read your supervision record of {when}. Reason given: {reason}. Talk to "
                "them or to HR if you have concerns."
            )
            when = describe(session.start, turn.zone)
            return [Say(text.format(name=turn.actor.name, when=when, reason=reason))]

        key = f"read:{record.id}:{turn.actor.id}:{turn.now:%Y%m%d%H%M}"
        outcome.notifications = [
            await notice(turn, staff_id, key, tell) for staff_id in session.supervisee_ids
        ]
        return outcome

    async def _load(self, turn: Turn, record_id: int) -> tuple[RecordView, SessionView] | None:
        record = await turn.ports.records.get(record_id)
        if record is None:
            return None
        session = await turn.ports.sessions.get(record.session_id)
        if session is None:
            return None
        supervisor = await turn.ports.directory.staff(session.supervisor_id)
        if supervisor is None or supervisor.organisation_id != turn.actor.organisation_id:
            return None  # another organisation's record does not exist, as far as anyone here sees
        return record, session

    async def _refused(self, turn: Turn, record: RecordView, session: SessionView) -> None:
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="refused",
            subject_type="supervision_record",
            subject_id=str(record.id),
            target_staff_id=session.supervisee_ids[0],
        )

    async def _show(
        self, turn: Turn, record: RecordView, session: SessionView, reason: str
    ) -> Outcome:
        target = next(iter(session.supervisee_ids), None)
        if turn.actor.id not in {session.supervisor_id, *session.supervisee_ids}:
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="read",
                subject_type="supervision_record",
                subject_id=str(record.id),
                target_staff_id=target,
                reason=reason,
            )
        names: dict[int, str] = {}
        for staff_id in {
            session.supervisor_id,
            *session.supervisee_ids,
            *(a.owner_id for a in record.actions),
        }:
            person = await turn.ports.directory.staff(staff_id)
            names[staff_id] = person.name if person else _("someone")
        plan = plan_for(turn.pack, template_type(turn.pack, session.type, record.kind))
        signed = record.supervisor_signed_at is not None and record.supervisee_signed_at is not None
        # The PDF goes on the supervision file: for the parties and their line management only.
        buttons: tuple[Option, ...] = ()
        if signed and reason in ("", "line management"):
            buttons = (Option(f"start:pdf:{record.id}", _("Download PDF")),)
        facts = (
            Fact(_("Supervisor"), names[session.supervisor_id]),
            Fact(_("Supervisee"), _(" and ").join(names[i] for i in session.supervisee_ids)),
            *await length_flags(
                turn, session.type, session.start, session.end, session.supervisee_ids
            ),
        )
        title = record_title(turn.pack, record.kind, session.type)
        card = record_card(
            f"{title}: {describe(session.start, turn.zone)}",
            _("Confidential staff record"),
            facts,
            content_from_view(plan, record, names, turn.zone),
            buttons,
            pack=turn.pack,
        )
        return Outcome(replies=[card])
