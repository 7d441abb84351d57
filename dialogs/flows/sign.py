""" "Sign my record": the supervisee reads the record and confirms it, or asks for changes.

DCC 000:103: both parties have a jointly signed copy. DCC 000:147: records are confidential
between the two parties, so only they may read or sign one here, and every read and write is
audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import LONG_TEXT, check_form, field
from dialogs.flows.record_content import content_from_view, length_flags, record_card
from dialogs.flows.record_plan import plan_for, record_title, template_type, timing_text
from dialogs.i18n import N_, _, pack_word
from dialogs.inputs import is_number, parse_id, quoted
from dialogs.messages import (
    AskChoice,
    AskForm,
    Choice,
    Fact,
    FieldKind,
    FormSubmit,
    Notify,
    Option,
    Payload,
    Say,
    Text,
    Tone,
)
from dialogs.recipients import notice
from dialogs.views import RecordView, SessionView
from dialogs.when import describe

_CONFIRM = frozenset({"confirm", "yes", "y", "sign", "agree", "cadarnhau", "ie", "llofnodi"})
_CHANGES = frozenset({"changes", "change", "ask for changes", "no", "newid", "newidiadau", "na"})


def _changes_form(text: str = "") -> AskForm:
    return AskForm(
        form_id="sign_changes",
        title=_("Ask for changes"),
        intro=_("Say what should change; your supervisor is told and the record stays unsigned."),
        fields=(
            field(
                "changes",
                _("What should change"),
                FieldKind.TEXTAREA,
                max_length=LONG_TEXT,
                value=text,
            ),
        ),
        submit_label=_("Send"),
    )


class SignFlow:
    name = "sign"
    title = N_("Sign a supervision record")
    summary = N_("read a supervision record and confirm it, or ask for changes")
    usage = N_("sign [record]")

    async def _audit(self, turn: Turn, action: str, record_id: int, target: int | None) -> None:
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action=action,
            subject_type="supervision_record",
            subject_id=str(record_id),
            target_staff_id=target,
        )

    async def _load(self, turn: Turn, record_id: int) -> tuple[RecordView, SessionView] | str:
        """The record and its session, or why this person may not have them."""
        record = await turn.ports.records.get(record_id)
        session = await turn.ports.sessions.get(record.session_id) if record else None
        if record is None or session is None:
            return _("There is no supervision record {number}.").format(number=record_id)
        if turn.actor.id != session.supervisor_id and turn.actor.id not in session.supervisee_ids:
            # DCC 000:147: no-one has access without the staff member's consent.
            target = session.supervisee_ids[0] if session.supervisee_ids else None
            await self._audit(turn, "read_refused", record_id, target)
            return _("Only the people in that supervision can read or sign its record.")
        return record, session

    def _signed(self, turn: Turn, record: RecordView, session: SessionView) -> bool:
        if turn.actor.id == session.supervisor_id:
            return record.supervisor_signed_at is not None
        return record.supervisee_signed_at is not None

    async def start(self, turn: Turn, argument: str) -> Outcome:
        wanted = argument.split(":")[0].strip()
        if is_number(wanted):
            return await self._show_typed(turn, wanted)
        waiting = await turn.ports.records.awaiting_signature(turn.actor.id)
        if not waiting:
            return Outcome(replies=[Say(_("No supervision record is waiting for your signature."))])
        if len(waiting) == 1:  # issue 21 item 11: one record is shown, not asked "which one?"
            shown = await self._show(turn, waiting[0].id)
            lead = Say(_("One record is waiting for your signature: here it is."))
            return Outcome(replies=[lead, *shown.replies], state=shown.state)
        options = []
        for record in waiting[:10]:
            session = await turn.ports.sessions.get(record.session_id)
            when = describe(session.start, turn.zone) if session else _("an earlier session")
            # Each kind of a session's records is signed apart (LAM 004:350,356).
            what = _("Record")
            if session is not None and len(turn.pack.recording.record_kinds) > 1:
                what = record_title(turn.pack, record.kind, session.type)
            options.append(
                Option(f"open:{record.id}", _("{what} of {when}").format(what=what, when=when))
            )
        prompt = _("{n} records to sign. Which one?").format(n=len(waiting))
        return Outcome(
            replies=[AskChoice(prompt, tuple(options))],
            state=FlowState(self.name, "pick", {}),
        )

    async def _show_typed(self, turn: Turn, typed: str) -> Outcome:
        record_id = parse_id(typed)
        if record_id is None:  # beyond any id: nothing has that number
            text = _("There is no supervision record {number}.").format(number=quoted(typed))
            return Outcome(replies=[Say(text, Tone.WARNING)])
        return await self._show(turn, record_id)

    async def _show(self, turn: Turn, record_id: int) -> Outcome:
        loaded = await self._load(turn, record_id)
        if isinstance(loaded, str):
            return Outcome(replies=[Say(loaded, Tone.WARNING)])
        record, session = loaded
        await self._audit(turn, "read", record.id, _target(turn, session))
        names = {turn.actor.id: turn.actor.name}
        for staff_id in (session.supervisor_id, *session.supervisee_ids):
            person = await turn.ports.directory.staff(staff_id)
            names[staff_id] = person.name if person else _("staff {number}").format(number=staff_id)
        for action in record.actions:
            if action.owner_id not in names:
                owner = await turn.ports.directory.staff(action.owner_id)
                names[action.owner_id] = owner.name if owner else _("someone")
        plan = plan_for(turn.pack, template_type(turn.pack, session.type, record.kind))
        signed = self._signed(turn, record, session)
        facts = [
            Fact(_("Session"), describe(session.start, turn.zone)),
            Fact(_("Supervisor"), names[session.supervisor_id]),
            Fact(_("Supervisee"), _(" and ").join(names[i] for i in session.supervisee_ids)),
            Fact(_("Written"), timing_text(turn.pack, session.end, record.written_at, record.kind)),
            Fact(_("Supervisor signed"), _when(record.supervisor_signed_at, turn)),
            Fact(_("Supervisee signed"), _when(record.supervisee_signed_at, turn)),
            *await length_flags(
                turn, session.type, session.start, session.end, session.supervisee_ids
            ),
        ]
        if record.changes_requested:
            facts.append(Fact(_("Changes asked for"), record.changes_requested))
        buttons: tuple[Option, ...] = ()
        if not signed:
            buttons = (Option("confirm", _("Confirm and sign")),)
        if not signed and turn.actor.id != session.supervisor_id:
            buttons += (Option("changes", _("Ask for changes")),)
        if record.supervisor_signed_at and record.supervisee_signed_at:
            buttons += (Option(f"start:pdf:{record.id}", _("Download PDF")),)
        template = pack_word(
            turn.pack,
            next(
                (t.title for t in turn.pack.templates if t.id == record.template_id),
                plan.template.title,
            ),
        )
        title = record_title(turn.pack, record.kind, session.type)
        card = record_card(
            f"{title}: {describe(session.start, turn.zone)}",
            template,
            tuple(facts),
            content_from_view(plan, record, names, turn.zone),
            buttons,
            pack=turn.pack,
        )
        if signed:
            return Outcome(replies=[card, Say(_("You have signed this record."))])
        data = {"record_id": record.id, "supervisee": turn.actor.id != session.supervisor_id}
        return Outcome(replies=[card], state=FlowState(self.name, "read", data))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        word = ""
        if isinstance(payload, Choice):
            word = payload.value
        elif isinstance(payload, Text):
            word = payload.text.strip().lower()
        if state.step == "pick":
            chosen = word.removeprefix("open:")
            if is_number(chosen):
                return await self._show_typed(turn, chosen)
            return Outcome(
                replies=[Say(_("Pick a record from the list."), Tone.WARNING)], state=state
            )
        record_id = int(state.data["record_id"])
        if state.step == "changes":
            if isinstance(payload, FormSubmit):
                return await self._changes(turn, state, payload.values.get("changes", ""))
            if isinstance(payload, Text):
                return await self._changes(turn, state, payload.text)
        elif word in _CONFIRM:
            return await self._sign(turn, record_id)
        elif word in _CHANGES and state.data.get("supervisee"):
            state.step = "changes"
            return Outcome(replies=[_changes_form()], state=state)
        hint = Say(
            _("Use Confirm or Ask for changes on the card above, or type cancel."), Tone.WARNING
        )
        return Outcome(replies=[hint], state=state)

    async def _sign(self, turn: Turn, record_id: int) -> Outcome:
        loaded = await self._load(turn, record_id)
        if isinstance(loaded, str):
            return Outcome(replies=[Say(loaded, Tone.WARNING)])
        record, session = loaded
        if self._signed(turn, record, session):
            return Outcome(replies=[Say(_("You have signed this record already."))])
        signed = await turn.ports.records.sign(record.id, turn.actor.id, turn.now)
        await self._audit(turn, "sign", record.id, _target(turn, session))
        both = signed.supervisor_signed_at is not None and signed.supervisee_signed_at is not None
        held = describe(session.start, turn.zone)
        text = _("Signed: the record of {when}.").format(when=held) + (
            " " + _("Both of you have now signed it.") if both else ""
        )
        notes = await self._tell_other(
            turn,
            session,
            lambda: _("{name} signed the record of {when}.").format(
                name=turn.actor.name, when=describe(session.start, turn.zone)
            ),
            f"signed:{record.id}",
        )
        recorded = _("your signature on the record of {when}").format(when=held)
        return Outcome(replies=[Say(text, Tone.SUCCESS)], notifications=notes, recorded=recorded)

    async def _changes(self, turn: Turn, state: FlowState, text: str) -> Outcome:
        checked = check_form(_changes_form(), {"changes": text}, turn)
        if not checked.ok:
            return Outcome(replies=[checked.form], state=state)
        loaded = await self._load(turn, int(state.data["record_id"]))
        if isinstance(loaded, str):
            return Outcome(replies=[Say(loaded, Tone.WARNING)])
        record, session = loaded
        wanted = checked.values["changes"]
        await turn.ports.records.request_changes(record.id, wanted)
        await self._audit(turn, "request_changes", record.id, _target(turn, session))
        notes = await self._tell_other(
            turn,
            session,
            lambda: _("{name} asked for changes to the record of {when}: {changes}").format(
                name=turn.actor.name, when=describe(session.start, turn.zone), changes=wanted
            ),
            f"changes:{record.id}:{turn.now.isoformat()}",
        )
        reply = Say(_("Sent: your supervisor has been asked to change the record."), Tone.SUCCESS)
        return Outcome(replies=[reply], notifications=notes)

    async def _tell_other(
        self, turn: Turn, session: SessionView, text: Callable[[], str], key: str
    ) -> list[Notify]:
        """`text()` to the other party, rendered in each recipient's language (issue 28)."""
        others = [session.supervisor_id, *session.supervisee_ids]
        return [
            await notice(turn, other, f"{key}:{other}", lambda: (Say(text()),))
            for other in others
            if other != turn.actor.id
        ]


def _target(turn: Turn, session: SessionView) -> int | None:
    if turn.actor.id != session.supervisor_id:
        return turn.actor.id
    return session.supervisee_ids[0] if session.supervisee_ids else None


def _when(moment: datetime | None, turn: Turn) -> str:
    return describe(moment, turn.zone) if moment is not None else _("not yet")
