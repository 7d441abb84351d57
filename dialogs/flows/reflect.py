"""Before supervision (issue 27): the supervisee answers the pack's reflection questions, if they
want to, and the answer is shown on the session's agenda to its supervisor and to them.

Started from the button on the prompt the scheduler sends the day before (scheduling.agenda);
only a supervisee of that booked session may answer, and answering again replaces the answer.
Where the pack's record has a place for it (a section `from_agenda: reflection`), they are then
asked whether it may be copied into the record (issue 27 item 4): no unless they say yes, asked
again after a new answer, and their answer audited.
"""

from __future__ import annotations

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.i18n import N_, _, pack_word
from dialogs.inputs import parse_id
from dialogs.messages import Card, Option, Payload, Say, Text, Tone
from dialogs.when import describe
from policy.vocabulary import SessionStatus

_SHARE, _KEEP = "share", "keep"
LONGEST = 4000  # characters: a few paragraphs, as a record section would hold


class ReflectFlow:
    name = "reflect"
    title = N_("Reflection before supervision")
    summary = N_("answer the reflection questions before your supervision")
    usage = N_("reflect")
    listed = False  # started from the button on the day-before prompt

    async def start(self, turn: Turn, argument: str) -> Outcome:
        answer, _sep, rest = argument.partition(":")
        if answer in (_SHARE, _KEEP):
            return await self._consent(turn, answer == _SHARE, parse_id(rest))
        reflection = turn.pack.reflection
        session_id = parse_id(argument)
        session = await turn.ports.sessions.get(session_id) if session_id else None
        if (
            reflection is None
            or session is None
            or session.status is not SessionStatus.BOOKED
            or turn.actor.id not in session.supervisee_ids
        ):
            return Outcome(
                replies=[
                    Say(
                        _(
                            "There is no booked supervision of yours to reflect on from that "
                            "button. 'agenda' shows your next one."
                        ),
                        Tone.WARNING,
                    )
                ]
            )
        earlier = await turn.ports.sessions.reflection(session.id, turn.actor.id)
        lines = [
            _("Before your supervision on {when}:").format(when=describe(session.start, turn.zone))
        ]
        lines += [f"• {pack_word(turn.pack, question)}" for question in reflection.questions]
        lines.append(
            _(
                "Type your thoughts in one message (optional; your supervisor will see them on "
                "the agenda), or 'cancel'."
            )
        )
        if earlier:
            lines.append(_("What you type replaces what you wrote before."))
        return Outcome(
            replies=[Say("\n".join(lines))],
            state=FlowState(self.name, "answer", {"session": session.id}),
        )

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        if not isinstance(payload, Text) or not payload.text.strip():
            return Outcome(
                replies=[Say(_("Type your reflection in one message, or 'cancel'."), Tone.WARNING)],
                state=state,
            )
        text = payload.text.strip()
        if len(text) > LONGEST:
            return Outcome(
                replies=[
                    Say(
                        _(
                            "That is {count} characters; a reflection can be up to {most}. "
                            "Shorten it and send it again (nothing was saved yet)."
                        ).format(count=len(text), most=LONGEST),
                        Tone.WARNING,
                    )
                ],
                state=state,
            )
        session = await turn.ports.sessions.get(int(state.data["session"]))
        if session is None or turn.actor.id not in session.supervisee_ids:
            return Outcome(replies=[Say(_("That supervision is no longer booked."), Tone.WARNING)])
        saved = _("Saved: it is on the agenda for you and your supervisor.")
        recorded = _("your reflection before supervision")
        await turn.ports.sessions.save_reflection(session.id, turn.actor.id, text, turn.now)
        if not any(
            s.from_agenda == "reflection" for t in turn.pack.templates for s in t.sections
        ):  # the pack's record has no place for it: nothing to ask
            return Outcome(replies=[Say(saved, Tone.SUCCESS)], recorded=recorded)
        # Item 4: copied into the record only if they say so; until then, and by default, no.
        return Outcome(
            replies=[
                Say(saved, Tone.SUCCESS),
                Card(
                    title=_("Into the record?"),
                    subtitle=_(
                        "May your supervisor copy it into the record of this supervision? "
                        "Until you say yes, it stays on the agenda only."
                    ),
                    actions=(
                        Option(f"start:reflect:{_SHARE}:{session.id}", _("Yes, copy it")),
                        Option(f"start:reflect:{_KEEP}:{session.id}", _("No, the agenda only")),
                    ),
                ),
            ],
            recorded=recorded,
        )

    async def _consent(self, turn: Turn, agreed: bool, session_id: int | None) -> Outcome:
        """Their yes or no from the buttons after answering (a later click changes it)."""
        session = await turn.ports.sessions.get(session_id) if session_id else None
        if (
            session is None
            or turn.actor.id not in session.supervisee_ids
            or not await turn.ports.sessions.share_reflection(
                session.id, turn.actor.id, agreed, turn.now
            )
        ):
            return Outcome(
                replies=[
                    Say(_("There is no reflection of yours for that supervision."), Tone.WARNING)
                ]
            )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="reflection",
            subject_id=str(session.id),
            target_staff_id=turn.actor.id,
            detail={"event": "copy to record agreed" if agreed else "copy to record refused"},
        )
        said = (
            _("Your supervisor may copy it into the record.")
            if agreed
            else _("It stays on the agenda only: it is not copied into the record.")
        )
        return Outcome(replies=[Say(said, Tone.SUCCESS)])
