""" "My ASYE plan": the whole ASYE year's supervision and reviews with their dates.

An NQSW sees their own plan; a manager names their NQSW ("asye Aled Rhys") or, typing "asye"
alone, picks from the NQSWs they manage. Anyone else is refused, and every look at someone
else's plan is audited. The plan is policy.asye.asye_plan (LAM 004:268,317,319), in the pack's
words (its `asye.labels`).
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.access import Relation, may_see_plan
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import relation_to, resolve_person
from dialogs.i18n import N_, _, ngettext, pack_word
from dialogs.messages import AskChoice, Card, CardSection, Fact, Option, Payload, Say, Tone
from dialogs.views import StaffView
from dialogs.when import describe_day
from policy.asye import AsyeStep, PlannedStep, asye_plan, early_career_unset
from policy.calendar import WorkingCalendar, add_months
from policy.citations import cite
from policy.packs.schema import Asye, AsyeLabels

_ME = {"", "me", "my", "mine", "myself", "plan", "my plan"}
_FILLER = {"asye", "plan", "schedule", "for", "show", "the", "my", "of", "please", "what", "is"}
_FILLER |= {"when", "are", "reviews", "review", "dates", "nqsw", "nqsw's", "me", "see"}

# The pack's words for the plan's steps where it keeps the product's (policy.packs.schema
# AsyeLabels): in the catalog, so they are shown in Welsh where the pack gives none (issue 28).
_DEFAULT_LABELS = (
    N_("Weekly supervision"),
    N_("Fortnightly supervision"),
    N_("Monthly supervision"),
    N_("ASYE {months}-month review"),
    N_("ASYE final review ({months} months)"),
)

# policy.asye.NO_PROGRAMME, for the catalog (shown through pack_word).
_NO_PROGRAMME = N_("Your council's policy pack sets no early-career supervision programme.")


def _label(turn: Turn, step: PlannedStep, labels: AsyeLabels, last_review: int) -> str:
    """A step's label in the reader's language: the pack's Welsh, else the catalog's."""
    if step.step is not AsyeStep.REVIEW:
        return pack_word(turn.pack, step.label)
    final = step.number == last_review
    template = labels.final_review if final else labels.review
    return pack_word(turn.pack, template).format(months=step.number)


def plan_card(turn: Turn, asye: Asye, person: StaffView, own: bool) -> Card:
    """The plan from the person's ASYE start, one section per step, the next one named."""
    assert person.asye_start is not None
    start = person.asye_start
    steps = asye_plan(
        start, asye, turn.pack.supervision.due_date_adjustment, WorkingCalendar(turn.pack.nation)
    )
    labels = asye.labels
    programme = pack_word(turn.pack, labels.programme)
    last_review = asye.review_months[-1]
    steps = tuple(
        PlannedStep(s.step, s.number, s.due, _label(turn, s, labels, last_review)) for s in steps
    )
    sections = [
        CardSection(heading, lines) for heading, lines in _grouped(steps, turn, programme) if lines
    ]
    upcoming = next((s for s in steps if s.due >= turn.today), None)
    facts = [
        Fact(_("Started"), describe_day(start)),
        Fact(_("Ends"), describe_day(add_months(start, asye.duration_months) - timedelta(days=1))),
        Fact(
            _("Next"),
            _("{what}: {day}").format(what=upcoming.label, day=describe_day(upcoming.due))
            if upcoming
            else _("nothing left"),
        ),
    ]
    if asye.session_wording is not None:
        facts.append(Fact(_("Each supervision"), pack_word(turn.pack, asye.session_wording.value)))
    else:
        minutes = ngettext("{n} minute", "{n} minutes", asye.session_minutes)
        facts.append(Fact(_("Each supervision"), minutes.format(n=asye.session_minutes)))
    who = (
        _("Your {programme} plan").format(programme=programme)
        if own
        else _("{programme} plan: {name}").format(programme=programme, name=person.name)
    )
    source = cite(turn.pack, asye.source)
    cited = f" ({source})" if source else ""
    return Card(
        title=who,
        subtitle=_("Dates due, on working days, as your council's policy sets them") + cited,
        facts=tuple(facts),
        sections=tuple(sections),
        actions=(Option("start:book", _("Book supervision")),),
    )


def _grouped(
    steps: tuple[PlannedStep, ...], turn: Turn, programme: str
) -> list[tuple[str, tuple[str, ...]]]:
    """Sessions under their step's label, in order; reviews each with their own label."""
    groups: dict[AsyeStep, list[PlannedStep]] = {step: [] for step in AsyeStep}
    for step in steps:
        groups[step.step].append(step)
    found = []
    for kind in (AsyeStep.WEEKLY, AsyeStep.FORTNIGHTLY, AsyeStep.MONTHLY):
        mine = groups[kind]
        heading = (
            ngettext("{what}, {n} session", "{what}, {n} sessions", len(mine)).format(
                what=mine[0].label, n=len(mine)
            )
            if mine
            else ""
        )
        found.append((heading, tuple(_line(s, turn, str(s.number)) for s in mine)))
    reviews = groups[AsyeStep.REVIEW]
    heading = _("{programme} reviews").format(programme=programme)
    found.append((heading, tuple(_line(s, turn, s.label) for s in reviews)))
    return found


def _line(step: PlannedStep, turn: Turn, name: str) -> str:
    when = describe_day(step.due)
    return f"{name}: {when}" + (_(" (past)") if step.due < turn.today else "")


class AsyePlanFlow:
    name = "asye"
    title = N_("ASYE plan")
    summary = N_("the ASYE year's supervision sessions and reviews with their dates")
    usage = N_("asye [person]")
    captures_text = False
    menu = False  # an NQSW's "What's due" card has the button; Teams menus hold 12 commands

    # A plan is a view: it saves no state, so asking writes nothing but the audit of a look
    # at someone else's.
    async def start(self, turn: Turn, argument: str) -> Outcome:
        asye = turn.pack.asye
        if asye is None:
            # The pack's own words, in its Welsh where it gives them (issue 28).
            said = early_career_unset(turn.pack, lambda text: pack_word(turn.pack, text))
            return Outcome(replies=[Say(said)])
        target = _target(argument)
        if not target:
            if turn.actor.asye_start is not None:
                return Outcome(replies=[plan_card(turn, asye, turn.actor, own=True)])
            return await self._choose(turn, asye)
        person, problem = await resolve_person(turn, target)
        if person is None:
            return Outcome(replies=[Say(problem, Tone.WARNING)])
        return await self._other(turn, asye, person)

    async def _other(self, turn: Turn, asye: Asye, person: StaffView) -> Outcome:
        programme = pack_word(turn.pack, asye.labels.programme)
        rel = await relation_to(turn, person)
        if not may_see_plan(rel):
            return Outcome(
                replies=[
                    Say(
                        _("Only {name} and their managers can see their {programme} plan.").format(
                            name=person.first_name, programme=programme
                        ),
                        Tone.WARNING,
                    )
                ]
            )
        if person.asye_start is None:
            text = _("{name} has no {programme} start date recorded.")
            return Outcome(replies=[Say(text.format(name=person.name, programme=programme))])
        if rel is not Relation.SELF:
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="read",
                subject_type="asye_plan",
                subject_id=str(person.id),
                target_staff_id=person.id,
            )
        return Outcome(replies=[plan_card(turn, asye, person, rel is Relation.SELF)])

    async def _choose(self, turn: Turn, asye: Asye) -> Outcome:
        """A manager typing the command alone: their NQSWs on the ASYE, one button each."""
        programme = pack_word(turn.pack, asye.labels.programme)
        people = {p.id: p for p in await turn.ports.directory.supervisees(turn.actor.id)}
        for team in await turn.ports.directory.teams_managed_by(turn.actor.id):
            people.update({p.id: p for p in await turn.ports.directory.team_members(team.id)})
        end = turn.today
        nqsws = [
            p
            for p in people.values()
            if p.id != turn.actor.id
            and p.asye_start is not None
            and add_months(p.asye_start, asye.duration_months) > end
            and (p.leaving_date is None or p.leaving_date >= end)
        ]
        if not nqsws:
            return Outcome(
                replies=[
                    Say(
                        _(
                            "You are not on the {programme} and manage nobody who is. "
                            "Type `asye` and a name to see someone's {programme} plan."
                        ).format(programme=programme)
                    )
                ]
            )
        if len(nqsws) == 1:
            return await self._other(turn, asye, nqsws[0])
        options = tuple(
            Option(f"start:asye:{p.id}", p.name) for p in sorted(nqsws, key=lambda p: p.name)
        )
        prompt = _("Whose {programme} plan?").format(programme=programme)
        return Outcome(replies=[AskChoice(prompt, options)])

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        # Nothing is waited for: the choices start the flow afresh with the person's id.
        return await self.start(turn, "")


def _target(argument: str) -> str:
    """Who is asked about: '' for me, else the name typed ("asye plan for Aled Rhys")."""
    text = argument.strip().replace("?", " ")
    if text.lower() in _ME:
        return ""
    words = [w.removesuffix("'s") for w in text.split() if w.lower() not in _FILLER]
    return " ".join(words)
