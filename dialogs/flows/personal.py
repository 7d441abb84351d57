"""Personal elements of a worker's caseload score, agreed by their manager.

Schemes weigh more than cases: Derbyshire adds 12 points for each duty day in the month and up
to 20 points per additional responsibility agreed in supervision (DCC 000:542-548,555);
Nottinghamshire adds personal capacity elements such as a PQ module or being a practice
educator (001:1552-1603). Which elements exist, their unit and points come from the council's
scheme (`personal` in scoring/schemes/*.yaml); a manager records what applies, from when and
until when, and the worker's score counts it on those days.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from dialogs.flow import Outcome, Turn
from dialogs.flows.common import day_value, field, joined_problem, resolve_person
from dialogs.flows.form_flow import ManagerRecordFlow
from dialogs.i18n import N_, _
from dialogs.inputs import AROUND_NOW, Window, parse_id
from dialogs.messages import AskForm, Card, CardSection, FieldKind, Notify, Option, Say, Tone
from dialogs.scores import caseload_of
from dialogs.views import StaffView
from dialogs.when import describe_day
from policy.citations import cite
from scoring.explain import points_text
from scoring.scheme_model import PersonalItem, PersonalUnit

_UNIT = {
    # duty days count per month (000:548); after a number, Welsh takes the singular noun
    PersonalUnit.PER_DAY: (N_("a day"), N_("days"), Decimal(31)),
    PersonalUnit.PER_HOUR: (N_("an hour"), N_("hours"), Decimal(200)),
    PersonalUnit.PER_SESSION: (N_("a session"), N_("sessions"), Decimal(100)),
    PersonalUnit.PER_COMMITMENT: (N_("a commitment"), N_("commitments"), Decimal(20)),
    PersonalUnit.PER_CASE: (N_("a case"), N_("cases"), Decimal(100)),
    PersonalUnit.PER_WORKER: ("", "", Decimal(1)),
}
_NUMBER = re.compile(r"\d{1,4}(\.\d{1,2})?")


def elements(turn: Turn) -> tuple[PersonalItem, ...]:
    """What a manager may record under the council's scheme (fixed elements always count)."""
    rule = turn.pack.caseload.weighting_scheme
    if rule is None:
        return ()
    return tuple(i for i in turn.ports.packs.scheme(rule.value).personal if not i.fixed)


def _item(turn: Turn, element_id: str) -> PersonalItem | None:
    return next((i for i in elements(turn) if i.id == element_id), None)


def _name(turn: Turn, element_id: str) -> str:
    item = _item(turn, element_id)
    return item.name if item is not None else element_id


def _label(item: PersonalItem) -> str:
    each = _UNIT[item.unit][0]
    points = points_text(item.points)
    worth = (
        _("up to {points} points").format(points=points)
        if item.up_to
        else _("{points} points").format(points=points)
    )
    return f"{item.name}: {worth}" + (f" {_(each)}" if each else "")


def _limit_note(turn: Turn, item: PersonalItem, recorded: set[str], counted: set[str]) -> str:
    """NOTTS 001:1533-1536: only so many elements of a group count, the highest first. Name
    the worker's elements in the group that no longer count, if any."""
    rule = turn.pack.caseload.weighting_scheme
    if rule is None or item.group is None:
        return ""
    scheme = turn.ports.packs.scheme(rule.value)
    limit = scheme.personal_limits.get(item.group)
    left_out = [
        i.name
        for i in scheme.personal
        if i.group == item.group and i.id in recorded and i.id not in counted
    ]
    if limit is None or not left_out:
        return ""
    cited = cite(turn.pack, limit.source) or _("your council's scheme")
    return _(
        "Note: your council counts at most {count} of these elements, the highest first "
        "({cited}), so {names} does not count now."
    ).format(count=limit.max_items, cited=cited, names=", ".join(left_out))


def _number(raw: str) -> Decimal | None:
    text = raw.strip().replace(",", ".")
    return Decimal(text) if _NUMBER.fullmatch(text) else None


class PersonalElementFlow(ManagerRecordFlow):
    name = "element"
    title = N_("Record a personal element of a caseload score")
    summary = N_(
        "add a worker's duty days, an extra responsibility or another element to their score"
    )
    usage = N_("element [person] | element end [person]")
    menu = False  # typed by managers a few times a month; Teams menus hold 12 commands
    what = N_("personal elements of a caseload score")
    windows: ClassVar[Mapping[str, Window]] = {"start": AROUND_NOW}

    def form(self, turn: Turn) -> AskForm:
        options = tuple(Option(i.id, _label(i)) for i in elements(turn))
        return AskForm(
            form_id=self.name,
            title=_(self.title),
            intro=_("Your council's scheme counts these besides cases; agree them in supervision."),
            fields=(
                field("person", _("Worker"), help=_("Name or email")),
                field("element", _("Element"), FieldKind.SELECT, options=options),
                field(
                    "quantity",
                    _("How many"),
                    required=False,
                    help=_("Days, hours, sessions or commitments; leave empty for one"),
                ),
                field(
                    "points",
                    _("Agreed points"),
                    required=False,
                    help=_("Only for an 'up to' element: the points you agreed"),
                ),
                field("start", _("Counts from"), FieldKind.DATE, value=_("today")),
                field(
                    "end",
                    _("Counts until"),
                    FieldKind.DATE,
                    required=False,
                    help=_("Duty days count in their month: give its last day. Empty: ongoing"),
                ),
            ),
        )

    async def start(self, turn: Turn, argument: str) -> Outcome:
        # "element end Sam Taylor" lists Sam's elements with an End button each; the button
        # comes back as "end:<id>".
        words = argument.split(maxsplit=1)
        if words and words[0].lower() in {"end", "diwedd"}:
            return await self._list(turn, words[1] if len(words) > 1 else "")
        if argument.lower().startswith("end:"):
            return await self._end(turn, parse_id(argument[4:]))
        if not elements(turn):
            text = (
                _("Your council's caseload scheme has no personal elements to record.")
                if turn.pack.caseload.weighting_scheme
                else _(
                    "Your council counts cases rather than weighting them, so there is nothing "
                    "to add to a score."
                )
            )
            return Outcome(replies=[Say(text, Tone.WARNING)])
        return await super().start(turn, argument)

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        worker, refused = await self.managed_worker(turn, values["person"])
        if worker is None:
            return refused
        item = _item(turn, values["element"])
        assert item is not None  # the form's options are these elements
        found: dict[str, str] = {}
        quantity = _number(values.get("quantity") or "1")
        limit = _UNIT[item.unit][2]
        if quantity is None or quantity <= 0:
            found["quantity"] = _("How many: write a number, such as 3 or 2.5.")
        elif item.unit is PersonalUnit.PER_WORKER and quantity != 1:
            found["quantity"] = _("{name} counts once; leave How many empty.").format(
                name=item.name
            )
        elif quantity > limit:
            found["quantity"] = _("How many: at most {limit} {unit} at a time.").format(
                limit=limit, unit=_(_UNIT[item.unit][1])
            )
        raw_points = (values.get("points") or "").strip()
        if raw_points and not item.up_to:
            found["points"] = _(
                "Your council's scheme sets {name} at {worth}; leave Agreed points empty."
            ).format(name=item.name, worth=_label(item).split(": ", 1)[1])
        elif raw_points:
            points = _number(raw_points)
            if points is None or not 0 < points <= item.points:
                found["points"] = _("Agreed points: a number above 0 and at most {points}.").format(
                    points=points_text(item.points)
                )
        ends = bool((values.get("end") or "").strip())
        if joined := joined_problem(worker, day_value(values, "start", turn), _("Counts from")):
            found["start"] = joined
        elif ends and day_value(values, "end", turn) < day_value(values, "start", turn):
            found["end"] = _("Counts until: on or after the Counts from date.")
        return found

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        worker, _unused = await resolve_person(turn, values["person"])
        assert worker is not None
        item = _item(turn, values["element"])
        assert item is not None  # the form's options are these elements
        quantity = _number(values.get("quantity") or "1") or Decimal(1)
        points = _number(values.get("points") or "") if item.up_to else None
        start = day_value(values, "start", turn)
        end: date | None = (
            day_value(values, "end", turn) if (values.get("end") or "").strip() else None
        )
        element_id = await turn.ports.notes.personal_element(
            staff_id=worker.id,
            element=item.id,
            quantity=quantity,
            points=points,
            start=start,
            end=end,
            recorded_by_id=turn.actor.id,
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="personal_element",
            subject_id=str(element_id),
            target_staff_id=worker.id,
        )
        what = (
            item.name
            if quantity == 1
            else _("{quantity} {unit} of {name}").format(
                quantity=quantity, unit=_(_UNIT[item.unit][1]), name=item.name
            )
        )
        when = (
            _("from {start} until {end}").format(start=describe_day(start), end=describe_day(end))
            if end
            else _("from {start}").format(start=describe_day(start))
        )
        replies: list[Say] = [
            Say(
                _("Recorded for {name}: {what}, {when}.").format(
                    name=worker.name, what=what, when=when
                ),
                Tone.SUCCESS,
            )
        ]
        if start <= turn.today and (end is None or turn.today <= end):
            now = await caseload_of(turn, await _as_now(turn, worker))
            if now.score is not None:
                replies.append(Say(_score_now(now.score.total)))
                recorded = await turn.ports.facts.personal_elements([worker.id], turn.today)
                limit = _limit_note(
                    turn,
                    item,
                    {e.id for e in recorded[worker.id]},
                    {line.item_id for line in now.score.personal},
                )
                if limit:
                    replies.append(Say(limit, Tone.WARNING))
        tell = Say(
            _(
                "{manager} added {what} to your caseload score, {when}. Ask for your caseload "
                "score to see it."
            ).format(manager=turn.actor.name, what=what, when=when)
        )
        notes = [Notify(worker.id, (tell,), key=f"personal-element:{element_id}")]
        saved = _("{what} for {name}, {when}").format(what=what, name=worker.name, when=when)
        return Outcome(replies=list(replies), notifications=notes, recorded=saved)

    async def _list(self, turn: Turn, typed: str) -> Outcome:
        worker, refused = await self.managed_worker(turn, typed or "?")
        if worker is None:
            return Outcome(replies=[Say(refused["person"], Tone.WARNING)])
        found = await turn.ports.notes.personal_elements_of(worker.id, turn.today)
        if not found:
            text = _("{name} has no personal elements counting now.").format(name=worker.name)
            return Outcome(replies=[Say(text)])
        lines, buttons = [], []
        for element in found:
            name = _name(turn, element.element)
            start = describe_day(element.start)
            when = (
                _("from {start} until {end}").format(start=start, end=describe_day(element.end))
                if element.end
                else _("from {start}, ongoing").format(start=start)
            )
            lines.append(f"{name} × {element.quantity:g}: {when}")
            buttons.append(
                Option(f"start:{self.name}:end:{element.id}", _("End {name}").format(name=name))
            )
        card = Card(
            title=_("Personal elements: {name}").format(name=worker.name),
            subtitle=_("Ending one stops it counting from today."),
            sections=(CardSection(_("Counting now or later"), tuple(lines)),),
            actions=tuple(buttons),
        )
        return Outcome(replies=[card])

    async def _end(self, turn: Turn, element_id: int | None) -> Outcome:
        element = await turn.ports.notes.personal_element_by_id(element_id) if element_id else None
        worker = await turn.ports.directory.staff(element.staff_id) if element else None
        if element is None or worker is None:
            return Outcome(replies=[Say(_("That element is no longer recorded."), Tone.WARNING)])
        _ok, refused = await self.managed_worker(turn, str(worker.id))
        if refused:
            return Outcome(replies=[Say(refused["person"], Tone.WARNING)])
        last_day = turn.today - timedelta(days=1)
        if element.end is not None and element.end <= last_day:
            return Outcome(replies=[Say(_("That element had already ended."))])
        await turn.ports.notes.end_personal_element(element.id, last_day)
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="personal_element",
            subject_id=str(element.id),
            target_staff_id=worker.id,
            detail={"ended": last_day.isoformat()},
        )
        name = _name(turn, element.element)
        replies = [
            Say(
                _("Ended: {name} no longer counts for {worker} from today.").format(
                    name=name, worker=worker.name
                ),
                Tone.SUCCESS,
            )
        ]
        now = await caseload_of(turn, await _as_now(turn, worker))
        if now.score is not None:
            replies.append(Say(_score_now(now.score.total)))
        tell = Say(
            _("{manager} ended {name} on your caseload score from today.").format(
                manager=turn.actor.name, name=name
            )
        )
        notes = [Notify(worker.id, (tell,), key=f"personal-element-end:{element.id}")]
        return Outcome(replies=list(replies), notifications=notes)


def _score_now(total: Decimal) -> str:
    return _("Their score is now {points} points.").format(points=points_text(total))


async def _as_now(turn: Turn, worker: StaffView) -> StaffView:
    """The worker read again after a write: the element just written bumped their caseload
    stamp (storage.caseload_triggers), so a score kept from before it is not used."""
    return await turn.ports.directory.staff(worker.id) or worker
