"""The Remind button on team compliance: a team manager nudges someone who is overdue.

One tap sends that person a private reminder of what they owe today (supervision, records to
write, records to sign) in the pack's own words, with no record content: the same due items
the team's compliance and the person's own "what's due" show. At most one a person a day from
here, whoever asks: a second tap, a double click or another manager's tap sends nothing more,
and the manager is told it was already sent. The outbox's idempotency key is what decides, in
the turn's own transaction, so two taps at once still send one. Every reminder sent, and every
refused one, is audited (who reminded whom).
"""

from __future__ import annotations

from datetime import datetime

from dialogs.desk import desk_teams, members_of, who_to_ask
from dialogs.due_words import due_text
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import resolve_person
from dialogs.i18n import N_, _, format_clock, ngettext
from dialogs.messages import Card, CardSection, Fact, Option, Payload, Say, Tone
from dialogs.recipients import notice
from dialogs.reminders import QuietHours, WorkingHours, send_time
from dialogs.views import StaffView
from dialogs.when import describe_day
from policy.calendar import WorkingCalendar
from policy.citations import cite
from policy.frequencies import DueItem
from policy.history import SessionIndex
from policy.obligations import due_items

SUBJECT = "supervision_reminder"
_RECORD_KINDS = frozenset({"record", "record_signoff"})


def nudge_key(staff_id: int, turn: Turn) -> str:
    """Once a person a day, whoever sends it (the outbox ignores a second row with the key)."""
    return f"nudge:{staff_id}:{turn.today.isoformat()}"


def _line(item: DueItem, turn: Turn) -> str:
    line = due_text(turn.pack, item)  # the pack's words, in its Welsh where it gives them
    if item.case_reference:
        line += f" [{item.case_reference}]"
    if item.due is not None:
        days = ngettext("{n} day", "{n} days", item.overdue_days).format(n=item.overdue_days)
        line += _(": due {day}, {days} overdue").format(day=describe_day(item.due), days=days)
    return line


def reminder_card(manager: StaffView, items: list[DueItem], turn: Turn) -> Card:
    """What the person is sent: their overdue items in the pack's words, cited; no record
    content, nothing about anyone else."""
    facts = [Fact(_("From"), _("{name}, your manager").format(name=manager.name))]
    sources = "; ".join(dict.fromkeys(i.source for i in items if i.source))
    if cited := cite(turn.pack, sources):
        facts.append(Fact(_("Policy"), cited))
    actions = [Option("start:due", _("Show what's due"))]
    if any(i.kind not in _RECORD_KINDS and i.session_id is None for i in items):
        actions.insert(0, Option("start:book", _("Book")))
    return Card(
        title=_("A reminder: overdue supervision work"),
        subtitle=_("Sent to you alone"),
        facts=tuple(facts),
        sections=(CardSection(_("Overdue"), tuple(_line(i, turn) for i in items)),),
        actions=tuple(actions),
    )


class RemindFlow:
    name = "remind"
    title = N_("Remind someone who is overdue")
    summary = N_("a private reminder to someone in your team who is overdue, once a day")
    usage = N_("remind <person>")
    captures_text = False
    menu = False
    listed = False  # started from team compliance's Remind buttons

    async def start(self, turn: Turn, argument: str) -> Outcome:
        teams = await desk_teams(turn)
        if not teams:
            ask = await who_to_ask(turn)
            return Outcome(
                replies=[
                    Say(
                        _(
                            "Reminding someone about their supervision is for their team "
                            "manager: ask {ask}."
                        ).format(ask=ask),
                        Tone.WARNING,
                    )
                ]
            )
        if not argument:
            return Outcome(
                replies=[
                    Say(
                        _(
                            'Who should I remind? Use a Remind button on "team compliance", or '
                            'type "remind" and their name.'
                        ),
                        Tone.WARNING,
                    )
                ]
            )
        if argument.lower().split()[0] in {"me", "myself"}:
            return Outcome(
                replies=[
                    Say(
                        _(
                            "I remind you of what you owe myself, before it is due and while it "
                            'is overdue; "what\'s due" lists it now.'
                        )
                    )
                ]
            )
        person, problem = await resolve_person(turn, argument)
        if person is None:
            return Outcome(replies=[Say(problem, Tone.WARNING)])
        if person.id == turn.actor.id:
            return Outcome(replies=[Say(_('That is you: "what\'s due" lists what you owe.'))])
        members = await members_of(turn, teams)
        if person.id not in {m.id for m in members}:
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="refused",
                subject_type=SUBJECT,
                subject_id=str(person.id),
                target_staff_id=person.id,
            )
            return Outcome(
                replies=[
                    Say(
                        _(
                            "{name} is not in a team you manage, so I cannot remind them from "
                            "here; their own team manager can."
                        ).format(name=person.name),
                        Tone.WARNING,
                    )
                ]
            )
        return await self._remind(turn, person)

    async def _remind(self, turn: Turn, person: StaffView) -> Outcome:
        inputs = await turn.ports.facts.for_staff([person.id], turn.today)
        me = next((s for s in inputs.staff if s.id == person.id), None)
        first = person.first_name
        if me is None:
            return Outcome(replies=[Say(_("{name} has nothing overdue.").format(name=person.name))])
        away = [a for a in inputs.absences if a.start <= turn.today <= a.end]
        if away:
            # As the daily reminders do: nothing goes to someone on recorded absence.
            back = max(a.end for a in away)
            return Outcome(
                replies=[
                    Say(
                        _(
                            "{name} is on recorded absence until {day}: no reminder was sent. "
                            "Their reminders start again when they are back."
                        ).format(name=person.name, day=describe_day(back))
                    )
                ]
            )
        history = SessionIndex(inputs.sessions, turn.pack.zone)
        calendar = WorkingCalendar(turn.pack.nation)
        owed = due_items(
            me, turn.pack, history, inputs.absences, inputs.cases, turn.today, calendar
        )
        items = [i for i in owed if i.overdue_days > 0]
        items.sort(key=lambda i: -i.overdue_days)
        if not items:
            return Outcome(
                replies=[
                    Say(
                        _("{name} has nothing overdue now: no reminder was sent.").format(
                            name=person.name
                        )
                    )
                ]
            )
        # Issue 28 item 1: in the language of the person reminded, not the manager's.
        key = nudge_key(person.id, turn)
        note = await notice(turn, person.id, key, lambda: (reminder_card(turn.actor, items, turn),))
        at = send_time(turn.now, turn.zone, QuietHours(), WorkingHours.of(turn.pack))
        if not await turn.ports.outbox.notify([note], at):
            return Outcome(
                replies=[
                    Say(
                        _(
                            "{name} has already been sent a reminder today: one a day is the "
                            "most anyone is sent from here. Nothing more was sent."
                        ).format(name=person.name),
                    )
                ]
            )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="remind",
            subject_type=SUBJECT,
            subject_id=str(person.id),
            target_staff_id=person.id,
            detail={"kinds": sorted({i.kind for i in items}), "items": len(items)},
        )
        what = "; ".join(_line(i, turn) for i in items[:3])
        more = _(" and {n} more").format(n=len(items) - 3) if len(items) > 3 else ""
        when = (
            ""
            if at <= turn.now
            else _(" It goes {when}, in working hours.").format(when=_when(at, turn))
        )
        sent = ngettext(
            "Sent {name} a private reminder of {n} overdue item: {what}{more}.{when}",
            "Sent {name} a private reminder of {n} overdue items: {what}{more}.{when}",
            len(items),
        ).format(name=first, n=len(items), what=what, more=more, when=when)
        return Outcome(
            replies=[Say(sent, Tone.SUCCESS)],
            notifications=[note],
        )

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return Outcome(replies=[Say(_("Ask me again, or type help."))])


def _when(at: datetime, turn: Turn) -> str:
    local = at.astimezone(turn.zone)
    return _("at {time} on {day}").format(time=format_clock(local), day=describe_day(local.date()))
