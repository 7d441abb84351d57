"""What booking and rearranging share: who with whom, types, clashes, due dates, the agenda."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from dialogs.access import may_act_for
from dialogs.flow import Turn
from dialogs.flows.common import relation_to
from dialogs.i18n import (
    N_,
    WELSH,
    _,
    format_clock,
    format_month,
    format_month_name,
    format_weekday,
    language,
    ngettext,
    pack_word,
)
from dialogs.inputs import NEXT_YEAR
from dialogs.messages import CardSection, Fact, Option
from dialogs.views import SessionView, StaffView
from dialogs.when import describe, describe_day
from policy.asye import short_asye_session
from policy.availability import unavailable
from policy.calendar import add_months
from policy.citations import cite
from policy.frequencies import DueItem
from policy.packs import Pack
from policy.rearrange import TimingWarning, session_timing, timing_warnings
from policy.vocabulary import SessionStatus, SessionType

MIN_MINUTES, MAX_MINUTES = 15, 480
WINDOWS = {"when": NEXT_YEAR}  # supervision is planned months ahead, not years
DEFAULT_MINUTES = 60
_ACTIONS_ON_AGENDA = 10
_MY_MANAGER = re.compile(
    r"\bmy (?:line )?manager\b|\bfy (?:rheolwr|ngoruchwyliwr)(?: llinell)?\b", re.I
)
_FILLER = {"a", "an", "the", "book", "schedule", "arrange", "set", "up", "new", "supervision"}
_FILLER |= {"session", "meeting", "with", "for", "please", "1:1", "one-to-one"}
# Issue 28: the same in Welsh ("trefnu goruchwyliaeth gyda Sam yfory 2pm").
_FILLER |= {"trefnu", "drefnu", "archebu", "goruchwyliaeth", "sesiwn", "goruchwylio", "gyda"}
_FILLER |= {"hoffwn", "gosod", "cyfarfod", "ar", "gyfer", "angen"}
_DATE_WORDS = {"today", "tomorrow", "next", "this", "on", "at", "noon", "midday", "am", "pm"}
_DATE_WORDS |= {d.lower() for d in (*calendar.day_name, *calendar.day_abbr, "tues", "thurs")}
_DATE_WORDS |= {"yfory", "heddiw", "dydd", "llun", "mawrth", "mercher", "iau", "gwener", "nesaf"}
_MONTHS = {m.lower() for m in (*calendar.month_name, *calendar.month_abbr, "sept") if m}
_DATE_TOKEN = re.compile(r"\d[\d:./-]*(?:am|pm|a\.m\.|p\.m\.|st|nd|rd|th)?")

_LABELS = {
    SessionType.ONE_TO_ONE: N_("1:1 supervision"),
    SessionType.CASE_MANAGEMENT: N_("Case management supervision"),
    SessionType.PROFESSIONAL: N_("Professional supervision"),
    SessionType.REFLECTIVE_GROUP: N_("Reflective group case discussion"),
    SessionType.PEER_REFLECTION: N_("Peer reflection"),
    SessionType.ASYE_REVIEW: N_("ASYE review"),
    SessionType.DIRECT_OBSERVATION: N_("Direct observation of practice"),
    SessionType.MY_PLAN: N_("My Plan meeting"),
    SessionType.AGREEMENT_REVIEW: N_("Supervision agreement review"),
    SessionType.APPRAISAL: N_("Appraisal"),
    SessionType.CASELOAD_ANALYSIS: N_("Caseload analysis"),
    SessionType.FILE_AUDIT: N_("Supervision file audit"),
}


NATIONS = {
    "england": N_("England"),
    "wales": N_("Wales"),
    "scotland": N_("Scotland"),
    "northern_ireland": N_("Northern Ireland"),
}


def type_label(kind: SessionType) -> str:
    label = _LABELS.get(kind)
    return _(label) if label else kind.value.replace("_", " ").capitalize()


def type_words(kind: SessionType) -> str:
    """A session type inside a sentence: "case management" in English (as always written
    there), its Welsh name in Welsh."""
    if language() == WELSH:
        return type_label(kind)
    return kind.value.replace("_", " ")


def on_asye(pack: Pack, person: StaffView, on: date) -> bool:
    asye, start = pack.asye, person.asye_start
    if asye is None or start is None:
        return False
    return start <= on < add_months(start, asye.duration_months)


def session_types(pack: Pack, person: StaffView | None, on: date) -> tuple[SessionType, ...]:
    """The types the pack uses for this person (everyone's, while the person is not known)."""
    found: list[SessionType] = []
    if person is not None and pack.asye is not None and on_asye(pack, person, on):
        found += pack.asye.satisfied_by  # first, so an NQSW's booking defaults to ASYE supervision
    found += pack.compliance.session_types
    for rule in pack.supervision.frequencies:
        if person is None or rule.roles is None or person.role in rule.roles:
            found += rule.satisfied_by
    if person is None and pack.asye is not None:
        found += pack.asye.satisfied_by
    return tuple(dict.fromkeys(found))


def type_options(types: Iterable[SessionType]) -> tuple[Option, ...]:
    return tuple(Option(kind.value, type_label(kind)) for kind in types)


def short_asye(
    turn: Turn, supervisee: StaffView, kind: SessionType, start: datetime, minutes: int
) -> str | None:
    """Why a booking is flagged as a short ASYE session (LAM 004:317, policy.asye), or None:
    it is booked all the same."""
    day = start.astimezone(turn.zone).date()
    return short_asye_session(turn.pack.asye, supervisee.asye_start, kind, day, minutes)


def default_minutes(pack: Pack, supervisee: StaffView, on: date) -> int:
    if pack.asye is not None and on_asye(pack, supervisee, on):
        return pack.asye.session_minutes
    return DEFAULT_MINUTES


async def parties(
    turn: Turn, person: StaffView, doing: str = N_("book supervision")
) -> tuple[StaffView, StaffView] | str:
    """(supervisor, supervisee) when the actor meets `person` for supervision, or why they may
    not: the actor supervises the people they manage (their line management, their team) and
    is supervised by their own line manager (DCC 000:58, LAM 004:270-282), nobody else."""
    if person.id == turn.actor.id:
        return _("That is you: name the person you are meeting.")
    if may_act_for(await relation_to(turn, person)):
        return turn.actor, person
    if person.id == turn.actor.line_manager_id:
        return person, turn.actor
    return _(
        "You can {doing} with people you supervise or with your own line manager; "
        "{name} is neither."
    ).format(doing=_(doing), name=person.name)


def span(start: datetime, end: datetime, turn: Turn) -> str:
    return f"{describe(start, turn.zone)}–{format_clock(end.astimezone(turn.zone))}"


async def clash(
    turn: Turn,
    people: Sequence[StaffView],
    start: datetime,
    end: datetime,
    ignore: int | None = None,
) -> str:
    """Why the time is taken for one of the people, or "" (a rearranged session is ignored)."""
    for person in people:
        for other in await turn.ports.sessions.between(person.id, start, end):
            if other.id == ignore:
                continue
            when = span(other.start, other.end, turn)
            if person.id == turn.actor.id:
                return _(
                    "You are already booked for supervision {when}. Choose another time."
                ).format(when=when)
            return _(
                "{name} is already booked for supervision {when}. Choose another time."
            ).format(name=person.name, when=when)
    return ""


def leaving_problem(people: Sequence[StaffView], day: date) -> str:
    for person in people:
        if person.leaving_date is not None and day > person.leaving_date:
            leaves = describe_day(person.leaving_date)
            return _("{name} leaves on {day}: choose an earlier date.").format(
                name=person.name, day=leaves
            )
    return ""


async def availability(
    turn: Turn, people: Sequence[StaffView], start: datetime
) -> tuple[str, list[str]]:
    """(why the pack refuses the day, or ""; warnings to show before confirming): a weekend, a
    bank holiday of the council's nation, or a recorded absence of either person (issue 23
    item 2). An absence is never named by its kind: the other party sees "away" only."""
    day = start.astimezone(turn.zone).date()
    ids = [p.id for p in people]
    absences = (await turn.ports.facts.for_staff(ids, turn.today)).absences
    names = {p.id: p.name for p in people}
    refused: list[str] = []
    warned: list[str] = []
    nation = _(NATIONS.get(turn.pack.nation.value, turn.pack.nation.value))
    for found in unavailable(day, turn.pack, ids, absences):
        if found.kind == "bank_holiday":
            text = _("{day} is a bank holiday in {nation} ({holiday}).").format(
                day=describe_day(day), nation=nation, holiday=found.holiday
            )
        elif found.kind == "weekend":
            text = _("{day} is a {weekday}, not a working day.").format(
                day=describe_day(day), weekday=format_weekday(day)
            )
        else:
            assert found.start is not None
            assert found.end is not None
            away = {"start": describe_day(found.start), "end": describe_day(found.end)}
            if found.staff_id == turn.actor.id:
                text = _("You are away that day (recorded absence, {start} to {end}).").format(
                    **away
                )
            else:
                text = _("{name} is away that day (recorded absence, {start} to {end}).").format(
                    name=names[found.staff_id or 0], **away
                )
        (refused if found.refused else warned).append(text)
    if refused:
        return " ".join(refused) + " " + _(
            "Your council does not book supervision then: choose another day."
        ), warned
    return "", warned


def date_warnings(
    whose: str, day: date, items: Sequence[tuple[DueItem, bool]], pack: Pack
) -> list[str]:
    """Warnings for a session on `day` against due items (each flagged if its period is a
    calendar month, where the month's figures are what count): policy.rearrange's, in words."""
    return warning_lines(whose, timing_warnings(day, items), pack)


def warning_lines(whose: str, warnings: Sequence[TimingWarning], pack: Pack) -> list[str]:
    """policy.rearrange's timing warnings in words."""
    lines: list[str] = []
    for warning in warnings:
        item, late = warning.item, warning.days_late
        if item.due is None:  # never: a warning is about a dated item
            continue
        source = cite(pack, item.source)
        cited = f" ({source})" if source else ""
        lines.append(
            ngettext(
                "{whose} {what} is due by {day}{cited}: this date is {n} day after that.",
                "{whose} {what} is due by {day}{cited}: this date is {n} days after that.",
                late,
            ).format(
                whose=whose,
                what=pack_word(pack, item.description),
                day=describe_day(item.due),
                cited=cited,
                n=late,
            )
        )
        if warning.misses_month is not None:
            lines.append(
                _(
                    "It falls in {month}, after the {cutoff} cut-off, so it will not count for "
                    "{cutoff}'s supervision figures (Powys 002:45)."
                ).format(
                    month=format_month(warning.day),
                    cutoff=format_month_name(warning.misses_month),
                )
            )
    return lines


async def due_warnings(
    turn: Turn,
    supervisee: StaffView,
    kind: SessionType,
    start: datetime,
    ignore: int | None = None,
) -> list[str]:
    """Is a session at `start` later than what it should meet is due (policy.rearrange)?"""
    inputs = await turn.ports.facts.for_staff([supervisee.id], turn.today)
    me = next((s for s in inputs.staff if s.id == supervisee.id), None)
    if me is None:
        return []
    found = session_timing(
        me, turn.pack, inputs.sessions, inputs.absences, inputs.cases, kind, start, ignore
    )
    whose = (
        _("Your") if supervisee.id == turn.actor.id else _("{name}'s").format(name=supervisee.name)
    )
    return warning_lines(whose, found, turn.pack)


async def agenda(turn: Turn, kind: SessionType, supervisee: StaffView) -> tuple[str, list[str]]:
    """The template's name and the agenda: matters arising (open actions), then its sections."""
    template = next((t for t in turn.pack.templates if kind in t.used_for), None)
    actions = {}
    last = await turn.ports.records.last_for(supervisee.id)
    for action in last.actions if last else ():
        if not action.done:
            actions[action.id] = action
    for action in await turn.ports.records.open_actions(supervisee.id):
        actions.setdefault(action.id, action)
    ordered = sorted(actions.values(), key=lambda a: (a.due_date, a.id))[:_ACTIONS_ON_AGENDA]
    items = [
        _("Matters arising: {what} (due {day})").format(
            what=a.description, day=describe_day(a.due_date)
        )
        for a in ordered
    ]
    if not items:
        items = [_("Matters arising: no open actions from the last record")]
    if template is None:
        return "", items
    pack = turn.pack
    sections = [pack_word(pack, section.title) for section in template.sections]
    return pack_word(pack, template.title), items + sections


def booking_facts(turn: Turn, booking: Mapping[str, Any]) -> tuple[Fact, ...]:
    """A booking as stored in flow state: type, [id, name] of each party, ISO times, venue."""
    start, end = datetime.fromisoformat(booking["start"]), datetime.fromisoformat(booking["end"])
    minutes = int((end - start).total_seconds() // 60)
    venue = booking["venue"]
    where = (_("Virtual") if booking["virtual"] else _("In person")) + (
        f": {venue}" if venue else ""
    )
    return (
        Fact(
            _("When"),
            _("{span} ({minutes} minutes)").format(span=span(start, end, turn), minutes=minutes),
        ),
        Fact(_("Type"), type_label(SessionType(booking["type"]))),
        Fact(_("Supervisor"), booking["supervisor"][1]),
        Fact(_("Supervisee"), booking["supervisee"][1]),
        Fact(_("Where"), where),
    )


def agenda_section(template_title: str, items: Sequence[str]) -> CardSection:
    heading = (
        _("Agenda (from {template})").format(template=template_title)
        if template_title
        else _("Agenda")
    )
    return CardSection(heading, tuple(items))


def parties_of(session: SessionView) -> tuple[int, ...]:
    return (session.supervisor_id, *session.supervisee_ids)


async def people_of(turn: Turn, session: SessionView) -> tuple[list[StaffView], list[StaffView]]:
    """Everyone in the session (supervisor first), and its supervisees; leavers dropped."""
    supervisor = await turn.ports.directory.staff(session.supervisor_id)
    found = [await turn.ports.directory.staff(i) for i in session.supervisee_ids]
    supervisees = [p for p in found if p is not None]
    return [*([supervisor] if supervisor else []), *supervisees], supervisees


async def bookable(turn: Turn, session_id: int) -> SessionView | None:
    """Still booked, still ahead, and the actor is one of its parties."""
    session = await turn.ports.sessions.get(session_id)
    if session is None or session.status is not SessionStatus.BOOKED:
        return None
    if session.start <= turn.now or turn.actor.id not in parties_of(session):
        return None
    return session


async def session_label(turn: Turn, session: SessionView, *, with_time: bool = True) -> str:
    others = [i for i in parties_of(session) if i != turn.actor.id]
    names = [p.name for p in [await turn.ports.directory.staff(i) for i in others] if p]
    kind = type_label(session.type)
    who = _("{kind} with {names}").format(
        kind=kind, names=", ".join(names) or _("someone who has left")
    )
    return f"{span(session.start, session.end, turn)}: {who}" if with_time else who


def split_argument(text: str) -> dict[str, str]:
    """'with Sam tomorrow 2pm' -> person 'Sam', when 'tomorrow 2pm' (either may be missing)."""
    values: dict[str, str] = {}
    if _MY_MANAGER.search(text):
        values["person"] = "my manager"
        text = _MY_MANAGER.sub(" ", text)
    tokens = text.replace(",", " ").split()
    numbers = [bool(_DATE_TOKEN.fullmatch(t.lower())) for t in tokens]
    when: list[str] = []
    person: list[str] = []
    for index, token in enumerate(tokens):
        word = token.lower()
        beside_number = any(numbers[max(0, index - 1) : index + 2])
        if numbers[index] or word in _DATE_WORDS or (word in _MONTHS and beside_number):
            when.append(token)  # a month name only beside a day number: "April Jones" is a name
        elif word not in _FILLER:
            person.append(token)
    if person and "person" not in values:
        values["person"] = " ".join(person)
    if any(w.lower() not in {"on", "at"} for w in when):
        values["when"] = " ".join(when)
    return values
