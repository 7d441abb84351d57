""" "Write up supervision": record a held session section by section in the council's template.

DCC 000:103: a record of each session covers areas discussed, decisions and actions by whom and
when, and is signed by both parties; DCC 000:253-276 / LAM 004:490-663 give the templates. Steps:
sections, cases discussed (with per-case headings), decisions (each with its rationale), actions,
next meeting (booked on the spot if asked), an optional caseload update, then a review to confirm.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.booking_checks import type_words
from dialogs.flows.record_agenda import prefill
from dialogs.flows.record_content import length_flags
from dialogs.flows.record_kinds import kind_option, outstanding_text, to_write
from dialogs.flows.record_plan import plan_for, record_title, template_type
from dialogs.flows.record_save import save
from dialogs.flows.record_steps import choose, confirm_word, keep_going, show
from dialogs.flows.record_submit import submit
from dialogs.i18n import N_, _
from dialogs.inputs import is_number, parse_id
from dialogs.messages import (
    AskChoice,
    AskForm,
    Choice,
    FormSubmit,
    Option,
    Payload,
    Say,
    Text,
    Tone,
)
from dialogs.views import SessionView
from dialogs.when import describe
from policy.recording import KindToWrite
from policy.vocabulary import SessionStatus, SessionType

LOOK_BACK = timedelta(days=183)  # six months of sessions waiting for their record
_LISTED = 10
_FILLER = frozenset(
    {
        "a", "an", "the", "my", "our", "up", "write", "record", "recording", "notes", "minutes",
        "supervision", "supervisions", "session", "sessions", "of", "for", "with", "please",
        "i", "want", "to", "last", "latest", "today's", "yesterday's", "from",
    }
)  # fmt: skip


def _who(argument: str) -> str:
    """The name in "write up supervision with Sam": the words of the request itself dropped."""
    return " ".join(w for w in argument.split() if w.lower().strip("?.!,") not in _FILLER)


class RecordFlow:
    name = "record"
    title = N_("Record supervision")
    summary = N_(
        "write up a held supervision in your council's template, for the supervisee to sign"
    )
    usage = N_("record [session or person]")

    async def _waiting(self, turn: Turn) -> list[SessionView]:
        sessions = await turn.ports.sessions.recent(turn.actor.id, turn.now - LOOK_BACK)
        return [
            s
            for s in sessions
            if s.supervisor_id == turn.actor.id
            and s.start <= turn.now
            and s.status in (SessionStatus.BOOKED, SessionStatus.HELD)
            # A record of each kind the session calls for, however old the others (item 14).
            and any(k.outstanding for k in to_write(turn, s))
        ]

    async def _names(self, turn: Turn, ids: tuple[int, ...]) -> dict[str, str]:
        names: dict[str, str] = {str(turn.actor.id): turn.actor.name}
        for staff_id in ids:
            person = await turn.ports.directory.staff(staff_id)
            names[str(staff_id)] = person.name if person else f"staff {staff_id}"
        return names

    async def start(self, turn: Turn, argument: str) -> Outcome:
        if argument.startswith("agenda:"):  # the button on the supervisor's agenda (issue 27)
            return await self._begin(turn, parse_id(argument.removeprefix("agenda:")), agenda=True)
        if is_number(argument):
            return await self._begin(turn, parse_id(argument))
        wanted, _sep, kind = argument.partition(":")  # a button's "12:case_record"
        if is_number(wanted) and kind:
            return await self._begin(turn, parse_id(wanted), kind.strip())
        waiting = await self._waiting(turn)
        names = await self._names(turn, tuple({i for s in waiting for i in s.supervisee_ids}))
        wanted = _who(argument).lower()
        if wanted:
            waiting = [
                s for s in waiting if any(wanted in names[str(i)].lower() for i in s.supervisee_ids)
            ]
        if not waiting:
            if wanted:
                text = _(
                    "No supervision you held with '{name}' in the last six months is waiting to "
                    "be written up. Records are written by the supervisor once the session has "
                    "started."
                ).format(name=_who(argument))
            else:
                text = _(
                    "No supervision you held in the last six months is waiting to be written up. "
                    "Records are written by the supervisor once the session has started."
                )
            return Outcome(replies=[Say(text)])
        options = tuple(
            Option(
                f"session:{s.id}",
                _("{when}: {kind} with {names}").format(
                    when=describe(s.start, turn.zone),
                    kind=type_words(s.type),
                    names=_(" and ").join(names[str(i)] for i in s.supervisee_ids),
                ),
            )
            for s in reversed(waiting[-_LISTED:])
        )
        prompt = _("Which supervision are you writing up?")
        return Outcome(
            replies=[AskChoice(prompt, options)], state=FlowState(self.name, "session", {})
        )

    async def _begin(
        self, turn: Turn, session_id: int | None, kind: str = "", agenda: bool = False
    ) -> Outcome:
        session = await turn.ports.sessions.get(session_id) if session_id else None
        problem = ""
        kinds = to_write(turn, session) if session is not None else ()
        if session is None or session.supervisor_id != turn.actor.id:
            problem = _(
                "That is not a supervision you held: only its supervisor writes the record."
            )
        elif session.start > turn.now:
            problem = _("That session is on {when}: record it after.").format(
                when=describe(session.start, turn.zone)
            )
        elif session.status is SessionStatus.CANCELLED:
            problem = _("That session was cancelled, so there is nothing to write up.")
        elif not kinds:
            problem = _("That session has each of its records already: use 'sign' to read them.")
        if session is None or problem:
            return Outcome(replies=[Say(problem, Tone.WARNING)])
        chosen = next((k for k in kinds if k.id == kind), None)
        if kind and chosen is None:
            # A button for a record written since (a second click, another device): say so,
            # and never start another kind unasked.
            word = record_title(turn.pack, kind, session.type)
            done = Say(
                _("The {record} of that session is written already.").format(record=word),
                Tone.WARNING,
            )
            return self._ask_kind(turn, session, kinds, done, agenda=agenda)
        if chosen is None and len(kinds) == 1:
            chosen = kinds[0]
        if chosen is None:
            return self._ask_kind(turn, session, kinds, agenda=agenda)
        cases: list[list[Any]] = []
        for staff_id in session.supervisee_ids:
            for case in await turn.ports.cases.open_cases(staff_id, turn.today):
                if all(case.reference != c[0] for c in cases):
                    children = f", {case.children} children" if case.children > 1 else ""
                    label = f"{case.reference} ({case.category.value.upper()}{children})"
                    cases.append([case.reference, case.id, label])
        data: dict[str, Any] = {
            "session_id": session.id,
            "type": session.type.value,
            # Which of the pack's kinds of record this is (LAM 004:350,356), in its words.
            "kind": chosen.id,
            "kind_label": chosen.label,
            "template_type": template_type(turn.pack, session.type, chosen.id).value,
            "start": session.start.isoformat(),
            "end": session.end.isoformat(),
            "supervisee_ids": list(session.supervisee_ids),
            "names": await self._names(turn, session.supervisee_ids),
            # LAM 004:317: a short ASYE session is flagged on the record (kept as shown).
            "flags": [
                [f.label, f.value]
                for f in await length_flags(
                    turn, session.type, session.start, session.end, session.supervisee_ids
                )
            ],
            "case_options": cases,
            "sections": {},
            "cases": [],
            "case_notes": {},
            "decisions": [],
            "actions": [],
            "next": {},
            "caseload": [],
            "typed": {},
        }
        plan = plan_for(turn.pack, SessionType(data["template_type"]))
        state = FlowState(self.name, plan.first_step, data)
        if not agenda:
            return await show(turn, plan, state)
        filled = await prefill(turn, plan, session, data)
        note = (
            f"Started from the agenda: {filled} are filled in to begin with. Change anything; "
            "nothing is saved until you confirm."
            if filled
            else "Started from the agenda: it had nothing this template has a place for."
        )
        shown = await show(turn, plan, state)
        # In the form itself, so that a modal (Slack) or a card (Teams) shows it with the form.
        shown.replies = [
            replace(r, intro=f"{note} {r.intro}".strip()) if isinstance(r, AskForm) else r
            for r in shown.replies
        ]
        return shown

    def _ask_kind(
        self,
        turn: Turn,
        session: SessionView,
        kinds: tuple[KindToWrite, ...],
        *before: Say,
        agenda: bool = False,
    ) -> Outcome:
        """The pack keeps more than one kind of record and more than one can still be written
        for this session: the supervisor says which one this is."""
        owed = outstanding_text(kinds)
        prompt = (
            _("Which record of the {kind} session of {when} are you writing?").format(
                kind=type_words(session.type), when=describe(session.start, turn.zone)
            )
            + f" {owed}"
        ).strip()
        options = tuple(kind_option(k) for k in kinds)
        state = FlowState(self.name, "kind", {"session_id": session.id, "agenda": agenda})
        return Outcome(replies=[*before, AskChoice(prompt, options)], state=state)

    async def _kind_chosen(self, turn: Turn, state: FlowState, value: str) -> Outcome:
        session_id = int(state.data["session_id"])
        session = await turn.ports.sessions.get(session_id)
        kinds = to_write(turn, session) if session is not None else ()
        if not kinds:  # written meanwhile, or the session gone: the usual checks and replies
            return await self._begin(turn, session_id)
        word = value.strip().lower()
        chosen = next((k for k in kinds if word in (f"kind:{k.id}", k.label.lower())), None)
        if chosen is None and word:
            # Typed: the one kind whose name contains what was typed ("minutes", "case").
            named = [k for k in kinds if word in k.label.lower()]
            chosen = named[0] if len(named) == 1 else None
        if chosen is None:
            names = ", ".join(k.label for k in kinds)
            hint = _(
                "Pick which record this is from the list above ({names}), or type cancel."
            ).format(names=names)
            return Outcome(replies=[Say(hint, Tone.WARNING)], state=state)
        return await self._begin(turn, session_id, chosen.id, bool(state.data.get("agenda")))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        if state.step == "session":
            value = payload.value if isinstance(payload, Choice) else ""
            value = payload.text.strip() if isinstance(payload, Text) else value
            chosen = value.removeprefix("session:")
            if is_number(chosen):
                return await self._begin(turn, parse_id(chosen))
            return Outcome(
                replies=[
                    Say(_("Pick a session from the list above, or type cancel."), Tone.WARNING)
                ],
                state=state,
            )
        if state.step == "kind":
            value = payload.value if isinstance(payload, Choice) else ""
            value = payload.text if isinstance(payload, Text) else value
            return await self._kind_chosen(turn, state, value)
        data = state.data
        plan = plan_for(turn.pack, SessionType(data.get("template_type", data["type"])))
        match payload:
            case FormSubmit():
                return await submit(turn, plan, state, payload)
            case Choice(value=value) | Text(text=value):
                if confirm_word(state.step, value):
                    return await save(turn, plan, state)
                moved = await choose(turn, plan, state, value)
                if moved is not None:
                    return moved
        return await show(turn, plan, state, keep_going(turn, plan, state))
