""" "Agenda": the agenda for the next booked supervision (issue 27), for its supervisor or its
supervisee; a manager may look at a team member's ("agenda Sam Taylor"), and every such look is
audited as a read of someone else's record is (DCC 000:147)."""

from __future__ import annotations

from dialogs.access import Relation, may_see_score
from dialogs.agenda import agenda_card, for_supervisor
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import relation_to, resolve_person
from dialogs.i18n import N_, _
from dialogs.messages import Payload, Say, Tone
from dialogs.views import StaffView
from policy.vocabulary import SessionStatus

_ME = {"", "me", "mine", "my", "fi", "fy un i"}


class AgendaFlow:
    name = "agenda"
    title = N_("Agenda")
    summary = N_("the agenda for your next booked supervision")
    usage = N_("agenda [person]")
    captures_text = False
    menu = False  # typed, or from the card sent the day before (scheduling.agenda)

    async def start(self, turn: Turn, argument: str) -> Outcome:
        typed = argument.strip()
        if typed.lower() in _ME:
            return await self._for(turn, turn.actor, Relation.SELF)
        person, problem = await resolve_person(turn, typed)
        if person is None:
            return Outcome(replies=[Say(problem, Tone.WARNING)])
        relation = await relation_to(turn, person)
        supervising = any(
            turn.actor.id == s.supervisor_id and person.id in s.supervisee_ids
            for s in await turn.ports.sessions.upcoming(person.id, turn.now)
            if s.status is SessionStatus.BOOKED
        )  # the session's supervisor (not always a line manager) sees its agenda
        if relation is not Relation.SELF and not supervising and not may_see_score(relation):
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="refused",
                subject_type="agenda",
                subject_id=str(person.id),
                target_staff_id=person.id,
            )
            return Outcome(
                replies=[
                    Say(
                        _(
                            "Only {name}, their supervisor and their managers can see their agenda."
                        ).format(name=person.first_name),
                        Tone.WARNING,
                    )
                ]
            )
        return await self._for(turn, person, relation)

    async def _for(self, turn: Turn, person: StaffView, relation: Relation) -> Outcome:
        upcoming = [
            s
            for s in await turn.ports.sessions.upcoming(person.id, turn.now)
            if s.status is SessionStatus.BOOKED
        ]
        if person.id == turn.actor.id:
            # As supervisor or supervisee: the first session either way.
            session = upcoming[0] if upcoming else None
        else:  # someone else's: their next supervision as the supervisee
            session = next((s for s in upcoming if person.id in s.supervisee_ids), None)
        if session is None:
            text = (
                _("You have no supervision booked. 'book' books one.")
                if person.id == turn.actor.id
                else _("{name} has no supervision booked. 'book' books one.")
            ).format(name=person.name)
            return Outcome(replies=[Say(text)])
        supervisee_id = (
            person.id if person.id in session.supervisee_ids else session.supervisee_ids[0]
        )
        supervisee = (
            person
            if supervisee_id == person.id
            else await turn.ports.directory.staff(supervisee_id)
        )
        if supervisee is None:
            return Outcome(replies=[Say(_("That supervisee is no longer here."), Tone.WARNING)])
        parties = {session.supervisor_id, *session.supervisee_ids}
        if turn.actor.id not in parties:
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="read",
                subject_type="agenda",
                subject_id=str(session.id),
                target_staff_id=supervisee.id,
            )
        card = await agenda_card(turn, session, supervisee)
        if turn.actor.id == session.supervisor_id:  # issue 27 item 3: the record starts here
            card = for_supervisor(card, session)
        return Outcome(replies=[card])  # a view: asking writes nothing but the audit

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return await self.start(turn, "")
