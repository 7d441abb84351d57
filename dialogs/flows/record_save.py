"""Saving a confirmed record: the record, the session held, the supervisor's signature, the audit
entry, the next meeting booked if asked, and a request to the supervisee to confirm it.

DCC 000:103: both parties have a jointly signed copy; the supervisor signs by confirming here.
"""

from __future__ import annotations

from datetime import date, datetime

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import with_error
from dialogs.flows.record_content import final_sections
from dialogs.flows.record_forms import next_form
from dialogs.flows.record_plan import RecordPlan, timing_text
from dialogs.flows.record_steps import clash, session_of, supervisee_names
from dialogs.messages import Card, Fact, Notify, Option, Say, Tone
from dialogs.when import describe
from policy.vocabulary import SessionType


async def save(turn: Turn, plan: RecordPlan, state: FlowState) -> Outcome:
    data = state.data
    session = await turn.ports.sessions.get(data["session_id"])
    if session is None or session.has_record:
        text = "That session has been written up already (or removed): nothing more was saved."
        return Outcome(replies=[Say(text, Tone.WARNING)])
    if session.supervisor_id != turn.actor.id:
        return Outcome(replies=[Say("Only the supervisor writes the record.", Tone.WARNING)])
    case_ids = {ref: case_id for ref, case_id, _ in data["case_options"]}
    next_at = datetime.fromisoformat(data["next"]["at"])
    booked_text = ""
    if data["next"]["book"]:
        found = await clash(turn, data, next_at)
        if found is not None:
            state.step = "next"
            error = (
                f"Since you chose it, a session was booked at {describe(found.start, turn.zone)}: "
                "choose another time, or untick 'Book it now'."
            )
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
        booked_text = f" Next meeting booked: {describe(booked.start, turn.zone)}."
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
            detail={"session_id": session.id, "template": plan.template.id},
        )
    timing = timing_text(turn.pack, session.end, turn.now)
    held = describe(session.start, turn.zone)
    term = turn.pack.terms.supervision_record.value
    notes = [
        Notify(
            staff_id=staff_id,
            messages=(
                Card(
                    title="Please confirm your supervision record",
                    subtitle=f"{turn.actor.name} wrote up your supervision of {held}.",
                    facts=(
                        Fact("Written", timing),
                        Fact("Next meeting", describe(next_at, turn.zone)),
                    ),
                    actions=(Option(f"start:sign:{record.id}", "Read it and confirm"),),
                ),
            ),
            key=f"record:{record.id}:sign:{staff_id}",
        )
        for staff_id in data["supervisee_ids"]
    ]
    text = (
        f"Saved the {term} of your supervision with {supervisee_names(data)} on {held}, "
        f"signed by you. {timing}{booked_text} {supervisee_names(data)} has been asked to "
        "confirm it."
    )
    recorded = f"the {term} of {held} with {supervisee_names(data)}"
    return Outcome(replies=[Say(text, Tone.SUCCESS)], notifications=notes, recorded=recorded)
