"""Which reminders to send today, planned from the policy engine's due items (pure).

Timings come from the pack's `reminders` (days before due, daily while overdue, then escalation
to the supervisor's manager). Each planned message carries a stable idempotency key, so planning
twice, or on several instances, or again after downtime, sends it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogs.messages import Card, Fact, Option, Reply
from dialogs.when import describe_day
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


def send_time(now: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """Now, or the end of the person's quiet hours if now falls inside them."""
    local = now.astimezone(zone)
    inside = (
        local.hour >= quiet.start or local.hour < quiet.end
        if quiet.start > quiet.end
        else quiet.start <= local.hour < quiet.end
    )
    if not inside:
        return now
    day = local.date() if local.hour < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(quiet.end), tzinfo=zone)


def _subject(item: DueItem) -> str:
    # One session's records of two kinds due on one day are two reminders (LAM 004:350,356);
    # a pack with one kind keeps the keys it always had.
    kind = f"{item.kind}.{item.record_kind}" if item.record_kind else item.kind
    return f"{kind}:{item.case_reference or item.session_id or '-'}:{item.due}"


def _card(title: str, item: DueItem, pack: Pack, about: str | None = None) -> Card:
    facts = [Fact("What", item.description)]
    if about:
        facts.insert(0, Fact("Who", about))
    if item.case_reference:
        facts.append(Fact("Case", item.case_reference))
    if item.due is not None:
        facts.append(Fact("Due", describe_day(item.due)))
    if cited := cite(pack, item.source):
        facts.append(Fact("Policy", cited))
    actions = [Option("start:book", "Book"), Option(f"start:snooze:{item.kind}:1", "Snooze a day")]
    actions.append(Option(f"start:snooze:{item.kind}:7", "Snooze a week"))
    if item.kind in {"record", "record_signoff"} or item.session_id:
        actions = [Option("start:due", "Show what's due")]
    else:
        actions.append(Option("start:held", "Mark as held"))
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
) -> list[Planned]:
    """Reminders for one person today; nothing while they are on recorded absence."""
    if absent_today:
        return []
    rules = pack.reminders
    before = sorted(rules.days_before_due)
    at = send_time(now, zone, quiet)
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
                title = f"Due in {days_left} day{'s' if days_left > 1 else ''}: {item.description}"
                planned.append(
                    Planned(
                        f"rem:{staff.id}:{subject}:before{threshold}",
                        staff.id,
                        "reminder",
                        (_card(title, item, pack),),
                        at,
                    )
                )
        elif days_left == 0:
            planned.append(
                Planned(
                    f"rem:{staff.id}:{subject}:today",
                    staff.id,
                    "reminder",
                    (_card(f"Due today: {item.description}", item, pack),),
                    at,
                )
            )
        else:
            overdue = -days_left
            if rules.overdue_reminders_per_day and overdue <= rules.escalate_after_overdue_days:
                title = f"Overdue by {overdue} day{'s' if overdue > 1 else ''}: {item.description}"
                planned.append(
                    Planned(
                        f"rem:{staff.id}:{subject}:overdue:{today}",
                        staff.id,
                        "reminder",
                        (_card(title, item, pack),),
                        at,
                    )
                )
            elif escalate_to is not None:
                title = f"Escalation: {staff.name} is {overdue} days overdue"
                planned.append(
                    Planned(
                        f"esc:{staff.id}:{subject}",
                        escalate_to,
                        "escalation",
                        (_card(title, item, pack, about=staff.name),),
                        at,
                    )
                )
    return planned
