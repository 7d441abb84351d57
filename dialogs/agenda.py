"""The agenda for a booked supervision (issue 27): prepared for the supervisor and the supervisee.

Every seed template has the supervisor go through the worker's cases, children due case
supervision first and child protection before the others (LAM 004:257-262 set the interval by
the child's status), with the last decision and the actions agreed last time (DCC 000:155-160,
"Agreed actions and by whom"). The agenda lists them, from the same due items "What's due"
uses (policy.obligations), the caseload score (dialogs.scores), the last record's actions and
the pack's template headings. Case references only, never names; a private card, never posted
in a channel (the actions are record content).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta

from dialogs.allocation import score_on
from dialogs.flow import Turn
from dialogs.i18n import N_, _, category_label, pack_word, use_language
from dialogs.messages import Card, CardSection, Fact, Notify, Option, Reply
from dialogs.recipients import language_of, notice
from dialogs.scores import CaseloadResult, caseload_of
from dialogs.views import ActionView, CaseView, SessionView, StaffView
from dialogs.when import describe, describe_day
from policy.actions import ActionOutcome
from policy.obligations import due_items
from scoring.explain import points_text
from scoring.vocabulary import CaseCategory

# Child protection first, then children looked after, then children in need (LAM 004:257-262:
# the shortest intervals first); any other status the pack gives an interval comes after.
ORDER = {CaseCategory.CP: 0, CaseCategory.CLA: 1, CaseCategory.CIN: 2}
CASES_ON_AGENDA = 20
ACTIONS_ON_AGENDA = 12


TITLE = N_("Agenda for your supervision")


def agenda_key(session_id: int, supervisee_id: int, reader: int, day: date) -> str:
    """The day-before agenda's key (the outbox adds the platform): the scheduler's run and a
    booking made after it use the same one, so each reader has it once whichever sends it."""
    return f"agenda:{session_id}:{supervisee_id}:{reader}:{day.isoformat()}"


def reflect_key(session_id: int, supervisee_id: int, day: date) -> str:
    return f"reflect:{session_id}:{supervisee_id}:{day.isoformat()}"


def record_option(session_id: int) -> Option:
    """The supervisor's button on the agenda: the record flow starts from it (issue 27 item 3)."""
    return Option(f"start:record:agenda:{session_id}", _("Write up from this agenda"))


def for_supervisor(card: Card, session: SessionView) -> Card:
    """The supervisor's copy of an agenda: the same card with the button to write it up."""
    return replace(card, actions=(*card.actions, record_option(session.id)))


def reflection_card(session: SessionView, turn: Turn) -> Card:
    """The pack's reflection questions (e.g. DCC 000:241-251), with a button to answer them."""
    pack = turn.pack
    assert pack.reflection is not None
    return Card(
        title=_("Before your supervision"),
        subtitle=_("{when}: optional, your supervisor sees your answer").format(
            when=describe(session.start, pack.zone)
        ),
        sections=(
            CardSection(
                _("To think about"), tuple(pack_word(pack, q) for q in pack.reflection.questions)
            ),
        ),
        actions=(Option(f"start:reflect:{session.id}", _("Answer")),),
    )


def day_before_passed(turn: Turn, session: SessionView) -> bool:
    """The scheduler sends a session's agenda on the first tick of the day before it: a session
    booked (or moved) for today or tomorrow has missed that run, or will find it done."""
    return session.start.astimezone(turn.zone).date() <= turn.today + timedelta(days=1)


@dataclass(slots=True)
class BookingAgendas:
    """What the booking of `session` sends of its agenda (issue 27): `own` to show the person
    booking, `with_notice` to add to the other party's booking notice, `notes` to send apart."""

    own: list[Reply] = field(default_factory=list)
    with_notice: dict[int, list[Reply]] = field(default_factory=dict)
    notes: list[Notify] = field(default_factory=list)


async def booking_agendas(turn: Turn, session: SessionView) -> BookingAgendas:
    """The agenda so far, for both parties, privately, when a supervision is booked. Where the
    day-before run has passed (booked this afternoon for tomorrow, or for later today), this is
    the day-before agenda, under its key, to both parties and with the reflection prompt:
    sent once whether the scheduler or the booking sends it."""
    out = BookingAgendas()
    day = session.start.astimezone(turn.zone).date()
    late = day_before_passed(turn, session)
    for supervisee_id in session.supervisee_ids:
        supervisee = await turn.ports.directory.staff(supervisee_id)
        if supervisee is None:
            continue
        for reader in sorted({session.supervisor_id, supervisee_id}):
            # Issue 28 item 1: each reader's agenda in their own language.
            with use_language(await language_of(turn.ports, reader, turn.pack.language.default)):
                card = await agenda_card(turn, session, supervisee)
                mine = for_supervisor(card, session) if reader == session.supervisor_id else card
            if late:
                out.notes.append(
                    Notify(reader, (mine,), agenda_key(session.id, supervisee_id, reader, day))
                )
            elif reader == turn.actor.id:
                out.own.append(mine)
            else:
                out.with_notice.setdefault(reader, []).append(mine)
        if late and turn.pack.reflection is not None:
            out.notes.append(
                await notice(
                    turn,
                    supervisee_id,
                    reflect_key(session.id, supervisee_id, day),
                    lambda: (reflection_card(session, turn),),
                )
            )
    return out


def _rank(category: CaseCategory | None) -> int:
    return ORDER.get(category, len(ORDER)) if category is not None else len(ORDER)


def action_status(action: ActionView, on: date) -> str:
    if action.done:
        return _("no longer needed") if action.closed_as == ActionOutcome.NOT_NEEDED else _("done")
    late = (on - action.due_date).days
    if late > 0:
        return _("open, due {day} ({late} days overdue)").format(
            day=describe_day(action.due_date), late=late
        )
    return _("open, due {day}").format(day=describe_day(action.due_date))


async def agenda_card(turn: Turn, session: SessionView, supervisee: StaffView) -> Card:
    """The agenda of `session` for `supervisee`, as of the session's day: children whose case
    supervision is due by then, the caseload, the last record's actions, the template's
    headings. The same card for the supervisor and the supervisee."""
    on = session.start.astimezone(turn.zone).date()
    pack = turn.pack
    sections: list[CardSection] = []

    section, _listed = await agenda_cases(turn, on, supervisee)
    sections.append(section)

    result = await caseload_of(turn, supervisee)
    facts = [
        Fact(_("When"), describe(session.start, turn.zone)),
        Fact(_("Supervisee"), supervisee.name),
    ]
    if result.score is not None:
        facts.append(
            Fact(_("Caseload"), caseload_text(result) + await _since_last(turn, supervisee, result))
        )
    facts.append(Fact(_("Cases (children)"), str(result.case_count)))

    sections.append(
        CardSection(
            _("Actions from the last record"),
            await agenda_actions(turn, supervisee) or (_("No actions recorded."),),
        )
    )

    if pack.reflection is not None:
        answer = await turn.ports.sessions.reflection(session.id, supervisee.id)
        sections.append(
            CardSection(
                _("{name}'s reflection").format(name=supervisee.first_name),
                (answer,) if answer else (_("Not answered (optional)."),),
            )
        )

    template = next((t for t in pack.templates if session.type in t.used_for), None)
    if template is not None:
        sections.append(
            CardSection(
                _("Headings ({template})").format(template=pack_word(pack, template.title)),
                tuple(pack_word(pack, s.title) for s in template.sections),
            )
        )
    return Card(
        title=_(TITLE),
        subtitle=_("Prepared {day}; private to you").format(day=describe_day(turn.today)),
        facts=tuple(facts),
        sections=tuple(sections),
    )


async def agenda_cases(
    turn: Turn, on: date, supervisee: StaffView
) -> tuple[CardSection, list[tuple[CaseView, str]]]:
    """The agenda's cases section, and its cases in order, each with what it says of them
    (due or overdue, last manager's decision): the record flow started from the agenda
    pre-lists the same ones."""
    held = await turn.ports.cases.open_cases(supervisee.id, turn.today)
    if turn.pack.case_supervision is None:
        # No per-child interval (DCC): the cases discussed in the 1:1 are named in its record
        # (000:153), so all the worker's open cases are listed, CP first.
        return await _cases_to_review(turn, held)
    return await _cases_due(turn, supervisee, held, on)


async def agenda_actions(turn: Turn, supervisee: StaffView) -> tuple[str, ...]:
    """The last record's actions and any still open, each with its status, open ones first."""
    actions: dict[int, ActionView] = {}
    for action in await turn.ports.records.last_actions(supervisee.id):
        actions[action.id] = action
    for action in await turn.ports.records.open_actions(supervisee.id):
        actions.setdefault(action.id, action)
    ordered = sorted(actions.values(), key=lambda a: (a.done, a.due_date, a.id))
    return tuple(
        f"{a.description}: {action_status(a, turn.today)}" for a in ordered[:ACTIONS_ON_AGENDA]
    )


async def _since_last(turn: Turn, supervisee: StaffView, result: CaseloadResult) -> str:
    """Issue 27: the caseload score "and its change since last time": against the score on the
    day of their last recorded supervision (dialogs.allocation.score_on: the allocation history,
    each case as recorded now)."""
    began = await turn.ports.records.last_recorded_at(supervisee.id)
    if result.score is None or began is None:
        return ""
    if began.tzinfo is None:  # an aggregate may come back naive on SQLite
        began = began.replace(tzinfo=UTC)
    day = began.astimezone(turn.zone).date()
    if day >= turn.today:
        return ""
    then = await score_on(turn, supervisee, day)
    if then is None or then.score is None:
        return ""
    change = result.score.total - then.score.total
    since = describe_day(day)
    if change == 0:
        return " " + _("(no change since {day})").format(day=since)
    way = _("(up {points} since {day})") if change > 0 else _("(down {points} since {day})")
    return " " + way.format(points=points_text(abs(change)), day=since)


def caseload_text(result: CaseloadResult) -> str:
    if result.score is None:
        return _("{count} cases (children)").format(count=result.case_count)
    band = f", {result.score.band.label}" if result.score.band is not None else ""
    return _("{points} points").format(points=points_text(result.score.total)) + band


async def _cases_due(
    turn: Turn, supervisee: StaffView, held: Sequence[CaseView], on: date
) -> tuple[CardSection, list[tuple[CaseView, str]]]:
    """Children whose case supervision is due by the session's day (LAM 004:257-262), CP
    first, then CLA, CIN, each by due date, with the day of its last manager's decision."""
    inputs = await turn.ports.facts.for_staff([supervisee.id], turn.today)
    me = next((s for s in inputs.staff if s.id == supervisee.id), None)
    due = []
    if me is not None:
        items = due_items(me, turn.pack, inputs.sessions, inputs.absences, inputs.cases, turn.today)
        due = [
            i
            for i in items
            if i.kind == "case_supervision" and i.case_reference and i.due and i.due <= on
        ]
    by_reference = {c.reference: c for c in held}
    due.sort(
        key=lambda i: (
            _rank(
                by_reference[i.case_reference].category
                if i.case_reference in by_reference
                else None
            ),
            i.due,
            i.case_reference,
        )
    )
    cases = [by_reference[i.case_reference] for i in due if i.case_reference in by_reference]
    decided = await turn.ports.cases.last_decisions([c.id for c in cases])
    listed: list[tuple[CaseView, str]] = []
    lines: list[str] = []
    for item in due[:CASES_ON_AGENDA]:
        case = by_reference.get(item.case_reference or "")
        if case is None or item.due is None:
            continue
        overdue = item.due < turn.today
        when = (
            _("case supervision overdue since {day}")
            if overdue
            else _("case supervision due {day}")
        ).format(day=describe_day(item.due))
        short = (_("overdue since {day}") if overdue else _("due {day}")).format(
            day=describe_day(item.due)
        )
        rest = f"; {_decision(decided.get(case.id))}{_next_key_date(turn, case)}"
        listed.append((case, when + rest))
        lines.append(f"{_label(turn, case)}: {short}{rest}")
    if len(due) > CASES_ON_AGENDA:
        lines.append(
            _("and {count} more: 'due' lists them all").format(count=len(due) - CASES_ON_AGENDA)
        )
    section = CardSection(
        _("Children due case supervision"), tuple(lines) or (_("None due by this session."),)
    )
    return section, listed


async def _cases_to_review(
    turn: Turn, held: Sequence[CaseView]
) -> tuple[CardSection, list[tuple[CaseView, str]]]:
    ordered = sorted(held, key=lambda c: (_rank(c.category), c.reference))
    decided = await turn.ports.cases.last_decisions([c.id for c in ordered[:CASES_ON_AGENDA]])
    listed = [
        (c, _decision(decided.get(c.id)) + _next_key_date(turn, c))
        for c in ordered[:CASES_ON_AGENDA]
    ]
    lines = [f"{_label(turn, c)}: {text}" for c, text in listed]
    if len(ordered) > CASES_ON_AGENDA:
        lines.append(_("and {count} more").format(count=len(ordered) - CASES_ON_AGENDA))
    return CardSection(_("Cases to review"), tuple(lines) or (_("No open cases."),)), listed


def _label(turn: Turn, case: CaseView) -> str:
    return f"{case.reference} ({category_label(turn.pack, case.category.value)})"


def _next_key_date(turn: Turn, case: CaseView) -> str:
    """Issue 27: "its next key date (review conference, CLA review, court) where the import has
    it": the earliest of the case's dated facts still to come that the council's weighting
    scheme declares (its `facts.dates`, e.g. `conference`, `first_lac_review`), named in the
    scheme's own words. Nothing where the import gave none."""
    rule = turn.pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(rule.value) if rule else None
    if scheme is None:
        return ""
    coming: list[tuple[date, str]] = []
    for key, description in scheme.facts.dates.items():
        value = case.facts.get(key)
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is not None and day >= turn.today:
            name = description.split(" (")[0].split(",")[0].removeprefix("the ")
            coming.append((day, name))
    if not coming:
        return ""
    day, name = min(coming)
    return "; " + _("next key date: {name}, {day}").format(name=name, day=describe_day(day))


def _decision(day: date | None) -> str:
    if day is None:
        return _("no manager's decision recorded here")
    return _("last manager's decision {day}").format(day=describe_day(day))
