""" "What's due": my next supervision, what is overdue, records to write or sign, my actions.

Built on the policy engine's due items for the person's council pack (policy/obligations.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from dialogs.due_words import due_text
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.i18n import N_, _, format_month, format_month_name, pack_word
from dialogs.messages import Card, CardSection, Fact, Option, Payload
from dialogs.views import BookedSession, DueRecords, StaffView
from dialogs.when import describe, describe_day
from policy.asye import asye_on
from policy.citations import cite
from policy.frequencies import DueItem
from policy.obligations import MissedMonth, due_items, missed_since, missed_supervision
from policy.record_review import pick_for_review

HORIZON = timedelta(days=14)
ASYE_KINDS = frozenset({"asye_supervision"})


async def _reviewees(turn: Turn) -> Sequence[StaffView]:
    """The supervisees whose records a manager reviews in supervision (DCC 000:125-135)."""
    if turn.pack.supervision.record_review is None or not turn.actor.role.is_manager:
        return ()
    return await turn.ports.directory.supervisees(turn.actor.id)


async def _records_to_review(turn: Turn, people: Sequence[StaffView]) -> CardSection | None:
    """A manager's supervisees' service user records to review in supervision this month,
    in rotation (DCC 000:125-135, 000:321-327; policy.record_review). References only.
    Their open cases and when each was last discussed, in one read (issue 24 item 1)."""
    rule = turn.pack.supervision.record_review
    if rule is None or not people:
        return None
    ids = [p.id for p in people]
    candidates = await turn.ports.facts.last_reviewed(
        ids, [turn.actor.id, *ids], turn.pack, turn.today
    )
    lines = []
    for person in sorted(people, key=lambda p: p.name):
        picks = pick_for_review(
            person.id, candidates.get(person.id, ()), turn.today, rule.per_month
        )
        if picks:
            listed = ", ".join(
                p.reference
                + (_(" (last discussed {day})").format(day=describe_day(p.last_reviewed))
                   if p.last_reviewed else _(" (not discussed yet)"))
                for p in picks
            )  # fmt: skip
            lines.append(f"{person.name}: {listed}")
    if not lines:
        return None
    where = cite(turn.pack, rule.source)
    heading = _("Service user records to review in supervision, {month}").format(
        month=format_month_name(turn.today)
    )
    tail = (rule.note or "") + (f" ({where})" if where else "")
    return CardSection(heading, (*lines[:15], *((tail.strip(),) if tail.strip() else ())))


async def owed(turn: Turn) -> tuple[list[DueItem], list[MissedMonth]]:
    """What the person owes today and the months missed lately: as the scheduler keeps them
    when those rows are current (one read), else recomputed from their history as the
    scheduler would (for_staff: nine reads). The kept rows go stale the moment a fact of
    theirs changes (a session just booked, a record just signed, an absence, a pack edit) and
    stay so until the scheduler's next pass, about a minute; `kept_due` sees that in the row it
    reads and answers None, so an answer never shows what was owed before the change."""
    actor, since = turn.actor, missed_since(turn.today)
    kept = await turn.ports.facts.kept_due(actor.id, turn.pack, turn.today)
    if kept is not None:
        return list(kept.items), [m for m in kept.missed if m.month >= since]
    inputs = await turn.ports.facts.for_staff([actor.id], turn.today)
    me = next((s for s in inputs.staff if s.id == actor.id), None)
    if me is None:
        return [], []
    items = due_items(me, turn.pack, inputs.sessions, inputs.absences, inputs.cases, turn.today)
    # DCC 000:174-176: a month that closed without supervision is missed, not carried on as
    # overdue; the reason and the follow-up are to be recorded.
    missed = missed_supervision(
        me, turn.pack, inputs.sessions, inputs.absences, inputs.cases, turn.today, since
    )
    return items, missed


class DueFlow:
    name = "due"
    title = N_("What's due")
    summary = N_("your next supervision, anything overdue, records to write or sign, your actions")
    usage = N_("due")
    captures_text = False

    async def start(self, turn: Turn, argument: str) -> Outcome:
        actor = turn.actor
        reviewees = await _reviewees(turn)
        items, missed = await owed(turn)
        overdue = [i for i in items if i.overdue_days > 0]
        soon = [
            i
            for i in items
            if i.overdue_days == 0 and i.due is not None and i.due <= turn.today + HORIZON
        ]
        upcoming = await turn.ports.sessions.booked_after(actor.id, turn.now)
        mine = await turn.ports.records.for_due(actor.id, agreed=not upcoming)
        to_sign, actions = mine.to_sign, mine.actions

        names = {actor.id: actor.name, **{p.id: p.name for p in reviewees}}
        facts = [await self._next_supervision(turn, upcoming, items, mine, names)]
        facts.append(Fact(_("Overdue"), str(len(overdue)) if overdue else _("nothing")))

        def what(item: DueItem) -> str:
            name = due_text(turn.pack, item)
            return f"{name} ({item.case_reference})" if item.case_reference else name

        sections = []
        if overdue:
            sections.append(
                CardSection(
                    _("Overdue"),
                    tuple(
                        _("{what}: due {day}, {n} days ago").format(
                            what=what(i), day=describe_day(i.due), n=i.overdue_days
                        )
                        for i in overdue[:10]
                        if i.due is not None
                    )
                    + tuple(
                        _("{what}: as soon as possible").format(what=what(i))
                        for i in overdue
                        if i.due is None
                    ),
                )
            )
        if missed:
            sections.append(
                CardSection(
                    _("Months missed"),
                    tuple(
                        f"{pack_word(turn.pack, m.description)}: {format_month(m.month)}"
                        + (f" ({c})" if (c := cite(turn.pack, m.source)) else "")
                        for m in missed[-10:]
                    ),
                )
            )
        if soon:
            sections.append(
                CardSection(
                    _("Due in the next two weeks"),
                    tuple(
                        f"{what(i)}: {describe_day(i.due)}" for i in soon[:10] if i.due is not None
                    ),
                )
            )
        if to_sign:
            sections.append(
                CardSection(
                    _("Records waiting for your signature"),
                    tuple(
                        _("Record written {day}").format(
                            day=describe_day(written.astimezone(turn.zone).date())
                        )
                        for written in to_sign[:10]
                    ),
                )
            )
        reviews = await _records_to_review(turn, reviewees)
        if reviews:
            sections.append(reviews)
        if actions:
            sections.append(
                CardSection(
                    _("Your open actions"),
                    tuple(
                        _("{what}: due {day}").format(
                            what=a.description, day=describe_day(a.due_date)
                        )
                        for a in actions[:10]
                    ),
                )
            )
        if not sections:
            sections.append(CardSection(_("All clear"), (_("Nothing overdue or due soon."),)))
        # Book only when there is something to book: not when the person's own next supervision
        # is already in the diary (a manager books for their team, so keeps the button).
        own_booked = any(actor.id in session.supervisee_ids for session in upcoming)
        buttons = (
            []
            if own_booked and not actor.role.is_manager
            else [Option("start:book", _("Book supervision"))]
        )
        asye = turn.pack.asye
        if asye is not None and asye_on(asye, actor.asye_start, turn.today):
            buttons.append(
                Option("start:asye", _("{programme} plan").format(programme=asye.labels.programme))
            )
        if to_sign:
            buttons.append(Option("start:sign", _("Sign records")))
        if actions:  # issue 27: each with Done, Not yet and No longer needed
            buttons.append(Option("start:action", _("Update my actions")))
        card = Card(
            title=_("What's due"),
            subtitle=_("For {name}, {day}").format(name=actor.name, day=describe_day(turn.today)),
            facts=tuple(facts),
            sections=tuple(sections),
            actions=tuple(buttons),
        )
        return Outcome(replies=[card])  # a view: asking writes nothing

    async def _next_supervision(
        self,
        turn: Turn,
        upcoming: Sequence[BookedSession],
        items: Sequence[DueItem],
        mine: DueRecords,
        names: Mapping[int, str],
    ) -> Fact:
        """The next booked session; else when the next is due (however far off) and the next
        meeting agreed in the last signed record (DCC 000:271-273, the record's section 8)."""
        actor = turn.actor
        if upcoming:
            first = upcoming[0]
            with_whom = (
                first.supervisee_ids if first.supervisor_id == actor.id else (first.supervisor_id,)
            )
            people = []
            for staff_id in with_whom:
                if staff_id in names:  # read already, with the policy's facts
                    people.append(names[staff_id])
                    continue
                person = await turn.ports.directory.staff(staff_id)
                people.append(person.name if person else _("someone who has left"))
            return Fact(
                _("Next supervision"),
                _("{when} with {names}").format(
                    when=describe(first.start, turn.zone), names=", ".join(people)
                ),
            )
        parts = [_("none booked")]
        kinds = {f.obligation for f in turn.pack.supervision.frequencies if f.counts_for_compliance}
        due = min(
            (i.due for i in items if i.due is not None and i.kind in kinds | ASYE_KINDS),
            default=None,
        )
        if due is not None:
            parts.append(_("due by {day}").format(day=describe_day(due)))
        agreed = mine.agreed_next  # only from a record both have signed
        if agreed is not None and agreed > turn.now:
            parts.append(
                _("agreed at your last supervision: {when}").format(
                    when=describe(agreed, turn.zone)
                )
            )
        return Fact(_("Next supervision"), "; ".join(parts))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return await self.start(turn, "")
