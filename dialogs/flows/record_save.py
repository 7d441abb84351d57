"""Saving a confirmed record: the record, the session held, the supervisor's signature, the audit
entry, the next meeting booked if asked, and a request to the supervisee to confirm it.

DCC 000:103: both parties have a jointly signed copy; the supervisor signs by confirming here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import with_error
from dialogs.flows.record_content import final_sections
from dialogs.flows.record_forms import next_form
from dialogs.flows.record_kinds import outstanding_text, to_write
from dialogs.flows.record_missed import offer
from dialogs.flows.record_plan import RecordPlan, timing_text
from dialogs.flows.record_steps import clash, record_word, session_of, supervisee_names
from dialogs.i18n import _
from dialogs.messages import AskChoice, Card, Fact, Option, Reply, Say, Tone
from dialogs.recipients import notice
from dialogs.views import SessionView
from dialogs.when import describe
from policy.packs.schema import DEFAULT_RECORD_KIND
from policy.vocabulary import SessionType


async def save(turn: Turn, plan: RecordPlan, state: FlowState) -> Outcome:
    data = state.data
    session = await turn.ports.sessions.get(data["session_id"])
    left = to_write(turn, session) if session is not None else ()
    # A draft begun before records had kinds is the first record the session still needs.
    kind = str(data.get("kind") or (left[0].id if left else DEFAULT_RECORD_KIND))
    word = record_word(turn, data)
    # One record per session and kind (issue 20 item 14): another kind of the same session is
    # still to be written; this kind, written meanwhile, is not written twice.
    if session is None or all(k.id != kind for k in left):
        text = _(
            "The {record} of that session has been written already (or the session removed): "
            "nothing more was saved."
        ).format(record=word)
        return Outcome(replies=[Say(text, Tone.WARNING)])
    if session.supervisor_id != turn.actor.id:
        return Outcome(replies=[Say(_("Only the supervisor writes the record."), Tone.WARNING)])
    case_ids = {ref: case_id for ref, case_id, _ in data["case_options"]}
    next_at = datetime.fromisoformat(data["next"]["at"])
    booked_text = ""
    if data["next"]["book"]:
        found = await clash(turn, data, next_at)
        if found is not None:
            state.step = "next"
            error = _(
                "Since you chose it, a session was booked at {when}: choose another time, or "
                "untick 'Book it now'."
            ).format(when=describe(found.start, turn.zone))
            form = with_error(next_form(plan, data["typed"].get("next", {})), "next_at", error)
            return Outcome(replies=[form], state=state)
        start, end = session_of(data)
        booked = await turn.ports.sessions.book(
            organisation_id=turn.actor.organisation_id,
            type=SessionType(data["type"]),
            supervisor_id=turn.actor.id,
            supervisee_ids=data["supervisee_ids"],
            start=next_at,
            end=next_at + (end - start),
            venue=session.venue,
            virtual=session.virtual,
            agenda=[],
            created_by_id=turn.actor.id,
        )
        booked_text = " " + _("Next meeting booked: {when}.").format(
            when=describe(booked.start, turn.zone)
        )
    record = await turn.ports.records.save(
        session_id=session.id,
        template_id=plan.template.id,
        sections=final_sections(plan, data, turn.zone),
        case_discussions={case_ids[ref]: data["case_notes"].get(ref, {}) for ref in data["cases"]},
        decisions=[
            (case_ids.get(d["case"]) if d["case"] else None, d["decision"], d["rationale"])
            for d in data["decisions"]
        ],
        actions=[
            (
                a["description"],
                a["owner_id"],
                date.fromisoformat(a["due"]),
                date.fromisoformat(a["review"]) if a["review"] else None,
                a.get("success"),
            )
            for a in data["actions"]
        ],
        next_meeting_at=next_at,
        written_by_id=turn.actor.id,
        written_at=turn.now,
        kind=kind,
    )
    await turn.ports.sessions.mark_held(session.id)
    await turn.ports.records.sign(record.id, turn.actor.id, turn.now)
    for staff_id in data["supervisee_ids"]:
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="supervision_record",
            subject_id=str(record.id),
            target_staff_id=staff_id,
            detail={"session_id": session.id, "template": plan.template.id, "kind": kind},
        )
    timing = timing_text(turn.pack, session.end, turn.now, kind)
    held = describe(session.start, turn.zone)
    several = len(turn.pack.recording.record_kinds) > 1

    def asked() -> list[Reply]:  # issue 28 item 1: in the supervisee's language
        word_now = record_word(turn, data)
        return [
            Card(
                title=_("Please confirm your {record}").format(
                    record=f"{word_now[:1].lower()}{word_now[1:]}"
                )
                if several
                else _("Please confirm your supervision record"),
                subtitle=_("{name} wrote up your supervision of {when}.").format(
                    name=turn.actor.name, when=describe(session.start, turn.zone)
                ),
                facts=(
                    Fact(_("Written"), timing_text(turn.pack, session.end, turn.now, kind)),
                    Fact(_("Next meeting"), describe(next_at, turn.zone)),
                ),
                actions=(Option(f"start:sign:{record.id}", _("Read it and confirm")),),
            )
        ]

    notes = [
        await notice(turn, staff_id, f"record:{record.id}:sign:{staff_id}", asked)
        for staff_id in data["supervisee_ids"]
    ]
    who = supervisee_names(data)
    text = (
        _("Saved the {record} of your supervision with {who} on {when}, signed by you.").format(
            record=word, who=who, when=held
        )
        + f" {timing}{booked_text} "
        + _("{who} has been asked to confirm it.").format(who=who)
    )
    replies: list[Reply] = [Say(text, Tone.SUCCESS)]
    if several:
        replies.extend(_still_to_write(turn, session, kind))
    # DCC 000:176: months the supervisee went without supervision and no reason yet.
    replies.extend(await offer(turn, data["supervisee_ids"], data["names"]))
    recorded = _("the {record} of {when} with {who}").format(record=word, when=held, who=who)
    return Outcome(replies=replies, notifications=notes, recorded=recorded)


def _still_to_write(turn: Turn, session: SessionView, saved: str) -> list[Reply]:
    """The session's other records, outstanding with their deadlines or that it may also have,
    each with a button to write it now (LAM 004:350,356; 004:202)."""
    left = tuple(
        k
        for k in to_write(turn, replace(session, record_kinds=(*session.record_kinds, saved)))
        if k.id != saved
    )
    if not left:
        return []
    text = outstanding_text(left) or _(
        "Every record this session calls for is written. If it also gave time to another "
        "area, write that record too:"
    )
    buttons = tuple(
        Option(
            f"start:record:{session.id}:{k.id}",
            _("Write the {record}").format(record=f"{k.label[:1].lower()}{k.label[1:]}"),
        )
        for k in left
    )
    return [AskChoice(text, buttons)]
