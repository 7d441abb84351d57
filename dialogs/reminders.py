"""Which reminders to send today, planned from the policy engine's due items (pure).

Timings come from the pack's `reminders` (days before due, daily while overdue, then escalation
to the supervisor's manager). Each planned message carries a stable idempotency key, so planning
twice, or on several instances, or again after downtime, sends it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogs.due_words import due_text
from dialogs.i18n import _, ngettext, use_language
from dialogs.messages import Card, Fact, Option, Reply
from dialogs.when import describe_day
from policy.calendar import WorkingCalendar
from policy.citations import cite
from policy.facts import StaffFacts
from policy.frequencies import DueItem
from policy.packs.schema import Pack


@dataclass(frozen=True, slots=True)
class Planned:
    key: str
    staff_id: int  # who receives it
    kind: str  # reminder | escalation
    replies: tuple[Reply, ...]
    send_at: datetime


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: int = 18  # no reminders from 18:00 ...
    end: int = 8  # ... until 08:00, in the person's time zone


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The council's working days and hours (issue 23 item 2: nothing at 08:00 on a Saturday
    or a bank holiday). From the pack's `working_time` and its nation's calendar."""

    calendar: WorkingCalendar
    start: time = time(8)
    end: time = time(18)

    @classmethod
    def of(cls, pack: Pack) -> WorkingHours:
        rules = pack.working_time
        return cls(
            WorkingCalendar(pack.nation),
            time.fromisoformat(rules.start),
            time.fromisoformat(rules.end),
        )


def _windows(quiet: QuietHours, working: WorkingHours | None) -> list[tuple[time, time]]:
    """The parts of a day a message may go in: outside quiet hours, inside working hours."""
    if quiet.start == quiet.end:
        free = [(time.min, time.max)]
    elif quiet.start > quiet.end:  # e.g. 18:00 to 08:00, across midnight
        free = [(time(quiet.end), time(quiet.start))]
    else:
        free = [(time.min, time(quiet.start)), (time(quiet.end), time.max)]
    if working is None:
        return free
    found = [(max(lo, working.start), min(hi, working.end)) for lo, hi in free]
    return [(lo, hi) for lo, hi in found if lo < hi]


def send_time(
    now: datetime, zone: ZoneInfo, quiet: QuietHours, working: WorkingHours | None = None
) -> datetime:
    """Now, or the next moment outside the person's quiet hours (and, with `working`, inside
    the council's working hours on one of its working days: a Friday evening's goes on Monday
    morning, or Tuesday's after a bank holiday)."""
    local = now.astimezone(zone)
    windows = _windows(quiet, working)
    for offset in range(15):  # Christmas to New Year is the longest run of days off
        day = local.date() + timedelta(days=offset)
        if working is not None and not working.calendar.is_working_day(day):
            continue
        for lo, hi in windows:
            if offset == 0:
                if local.time() >= hi:
                    continue
                if local.time() >= lo:
                    return now
            return datetime.combine(day, lo, tzinfo=zone)
    return now


def _subject(item: DueItem) -> str:
    # One session's records of two kinds due on one day are two reminders (LAM 004:350,356);
    # a pack with one kind keeps the keys it always had.
    kind = f"{item.kind}.{item.record_kind}" if item.record_kind else item.kind
    return f"{kind}:{item.case_reference or item.session_id or '-'}:{item.due}"


def _card(title: str, item: DueItem, pack: Pack, about: str | None = None) -> Card:
    facts = [Fact(_("What"), due_text(pack, item))]
    if about:
        facts.insert(0, Fact(_("Who"), about))
    if item.case_reference:
        facts.append(Fact(_("Case"), item.case_reference))
    if item.due is not None:
        facts.append(Fact(_("Due"), describe_day(item.due)))
    if cited := cite(pack, item.source):
        facts.append(Fact(_("Policy"), cited))
    actions = [
        Option("start:book", _("Book")),
        Option(f"start:snooze:{item.kind}:1", _("Snooze a day")),
    ]
    actions.append(Option(f"start:snooze:{item.kind}:7", _("Snooze a week")))
    if item.kind in {"record", "record_signoff"} or item.session_id:
        actions = [Option("start:due", _("Show what's due"))]
    else:
        actions.append(Option("start:held", _("Mark as held")))
    return Card(title=title, facts=tuple(facts), actions=tuple(actions))


def plan_for_person(
    staff: StaffFacts,
    items: Iterable[DueItem],
    pack: Pack,
    today: date,
    now: datetime,
    *,
    zone: ZoneInfo,
    quiet: QuietHours,
    escalate_to: int | None,
    absent_today: bool,
    snoozed: Mapping[str, date],
    language_of: Callable[[int], str] | None = None,
) -> list[Planned]:
    """Reminders for one person today; nothing while they are on recorded absence, nor on a
    day the council does not work (the next working day's plan sends what is still due: the
    smallest threshold not passed, the day's overdue reminder, the escalation).

    Each message is written in its recipient's language (issue 28 item 1): `language_of` gives
    it for a staff id (the person reminded, or the manager an escalation goes to); without it,
    the council's default."""

    def to(staff_id: int) -> AbstractContextManager[None]:
        chosen = language_of(staff_id) if language_of is not None else pack.language.default
        return use_language(chosen)

    working = WorkingHours.of(pack)
    if absent_today or not working.calendar.is_working_day(today):
        return []
    rules = pack.reminders
    before = sorted(rules.days_before_due)
    at = send_time(now, zone, quiet, working)
    planned: list[Planned] = []
    for item in items:
        if item.due is None or snoozed.get(item.kind, date.min) >= today:
            continue
        days_left = (item.due - today).days
        subject = _subject(item)
        if days_left > 0:
            # The smallest threshold not yet passed: after downtime the reminder is still sent once.
            threshold = next((n for n in before if n >= days_left), None)
            if threshold is not None:
                with to(staff.id):
                    title = ngettext(
                        "Due in {n} day: {what}", "Due in {n} days: {what}", days_left
                    ).format(n=days_left, what=due_text(pack, item))
                    card = _card(title, item, pack)
                key = f"rem:{staff.id}:{subject}:before{threshold}"
                planned.append(Planned(key, staff.id, "reminder", (card,), at))
        elif days_left == 0:
            with to(staff.id):
                title = _("Due today: {what}").format(what=due_text(pack, item))
                card = _card(title, item, pack)
            key = f"rem:{staff.id}:{subject}:today"
            planned.append(Planned(key, staff.id, "reminder", (card,), at))
        else:
            overdue = -days_left
            if rules.overdue_reminders_per_day and overdue <= rules.escalate_after_overdue_days:
                with to(staff.id):
                    title = ngettext(
                        "Overdue by {n} day: {what}", "Overdue by {n} days: {what}", overdue
                    ).format(n=overdue, what=due_text(pack, item))
                    card = _card(title, item, pack)
                key = f"rem:{staff.id}:{subject}:overdue:{today}"
                planned.append(Planned(key, staff.id, "reminder", (card,), at))
            elif escalate_to is not None:
                with to(escalate_to):  # the manager's language, not the worker's
                    title = _("Escalation: {name} is {n} days overdue").format(
                        name=staff.name, n=overdue
                    )
                    card = _card(title, item, pack, about=staff.name)
                key = f"esc:{staff.id}:{subject}"
                planned.append(Planned(key, escalate_to, "escalation", (card,), at))
    return planned
