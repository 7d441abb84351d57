""" "What's my caseload score": the score, band, capacity used, top contributors, what drops off.

A manager can ask for a team member ("caseload Sam Taylor") or the whole team ("caseload team");
anyone else's score is refused, and every look at someone else's score is audited.
"""

from __future__ import annotations

from datetime import timedelta
from difflib import get_close_matches

from dialogs.access import Relation, may_see_score
from dialogs.band_words import band_words
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import relation_to, resolve_person
from dialogs.i18n import ENGLISH, N_, _, category_label, language
from dialogs.inputs import parse_id
from dialogs.messages import Card, CardSection, Choice, Fact, Option, Payload, Say, Tone
from dialogs.scores import CaseloadResult, caseload_of, caseloads_of_team
from dialogs.when import describe_day
from policy.citations import cite, cite_in_text
from policy.packs import Pack
from scoring.explain import points_text
from scoring.model import Change

_ME = {"", "mine", "myself"}
_EVERY_POINT = "breakdown:"
_TEAM = {"team"}
SOON = timedelta(days=31)
NO_POINTS = N_("Your council counts cases; there are no points.")


def change_text(change: Change) -> str:
    """A change to come, in the person's language (scoring writes the English sentence)."""
    if language() == ENGLISH or not change.kind:
        return change.text
    day = describe_day(change.on)
    ref = change.case_reference or ""
    if change.kind == "close":
        return _("points for {reference} end on {day} (case to be closed)").format(
            reference=ref, day=day
        )
    if change.kind == "start":
        return _("{item} points for {reference} start on {day}").format(
            item=change.item, reference=ref, day=day
        )
    return _("{item} points for {reference} end on {day}").format(
        item=change.item, reference=ref, day=day
    )


def _cap_text(result: CaseloadResult) -> str:
    caps = result.caps
    count = result.case_count
    cap = result.cap
    if cap is None:
        return _("{count} (your council sets no count cap for this role)").format(count=count)
    text = _("{count} of {cap}").format(count=count, cap=cap)
    if count > cap:
        approved = caps.approval_in_force if caps else False
        text += (
            _(" — over the cap (approved)")
            if approved
            else _(" — over the cap, no approval recorded")
        )
    return text


def _guide(result: CaseloadResult) -> tuple[Fact, ...]:
    # CAP003 003:36,54: a student's share and an NQSW's expected caseload follow the team's.
    return (Fact(_("Your council's guide"), result.guide),) if result.guide else ()


def summary_card(result: CaseloadResult, own: bool, pack: Pack | None = None) -> Card:
    who = _("Your caseload") if own else _("Caseload: {name}").format(name=result.person.name)
    score = result.score
    if score is None:
        return Card(
            title=who,
            subtitle=_("Your council counts cases rather than weighting them."),
            facts=(Fact(_("Cases (children)"), _cap_text(result)), *_guide(result)),
        )
    points = _("{points} points")
    facts = [Fact(_("Score"), points.format(points=points_text(score.total)))]
    if score.band is not None:
        facts.append(Fact(_("Band"), band_words(score.band.label)))
    if score.percent_of_capacity is not None:
        facts.append(Fact(_("Capacity used"), f"{points_text(score.percent_of_capacity)}%"))
    facts.append(Fact(_("Cases (children)"), _cap_text(result)))
    facts.extend(_guide(result))
    top = sorted(score.cases, key=lambda c: c.points, reverse=True)[:5]
    sections = [
        CardSection(
            _("Biggest contributors"),
            tuple(
                f"{c.reference} ({category_label(pack, c.category.value)}"
                + (_(", {n} children").format(n=c.children) if c.children > 1 else "")
                + "): "
                + points.format(points=points_text(c.points))
                for c in top
            ),
        )
    ]
    if score.personal:
        sections.append(
            CardSection(
                _("Your own elements"),
                tuple(f"{line.name}: {points_text(line.points)}" for line in score.personal),
            )
        )
    soon = [c for c in score.changes if c.on <= score.on + SOON]
    sections.append(
        CardSection(
            _("Changes coming"),
            tuple(change_text(c) for c in soon[:6]) or (_("Nothing drops off in the next month."),),
        )
    )
    if result.unused_facts:
        sections.append(
            CardSection(_("Recorded but not scored by your scheme"), result.unused_facts[:5])
        )
    return Card(
        title=f"{who}: " + points.format(points=points_text(score.total)),
        subtitle=_("{scheme}, on {day}").format(
            scheme=score.scheme_name, day=describe_day(score.on)
        ),
        facts=tuple(facts),
        sections=tuple(sections),
        actions=(
            Option(f"start:caseload:{_EVERY_POINT}{result.person.id}", _("Show every point")),
        ),
    )


def _cited(pack: Pack, source: str) -> str:
    return cite(pack, source) or _("your council's scheme")


def breakdown_card(result: CaseloadResult, pack: Pack) -> Card:
    """Every point with the rule it comes from: what makes people trust the score."""
    assert result.score is not None
    sections = []
    for case in result.score.cases:
        lines = tuple(
            f"{points_text(line.points)} — {line.name}: "
            f"{cite_in_text(pack, line.detail or line.rule)} [{_cited(pack, line.source)}]"
            + (
                _(" (until {day})").format(day=describe_day(line.expires_on))
                if line.expires_on
                else ""
            )
            for line in case.lines
        )
        sections.append(CardSection(f"{case.reference}: {points_text(case.points)}", lines))
    if result.score.personal:
        personal = tuple(
            f"{points_text(line.points)} — {line.name} [{_cited(pack, line.source)}]"
            for line in result.score.personal
        )
        sections.append(CardSection(_("Personal elements"), personal))
    return Card(
        title=_("Every point: {name}").format(name=result.person.name),
        subtitle=_("{points} points in all").format(points=points_text(result.score.total)),
        sections=tuple(sections),
    )


class CaseloadFlow:
    name = "caseload"
    title = N_("Caseload score")
    summary = N_("your weighted caseload score, band and what drops off soon")
    usage = N_("caseload [me | person | team]")
    captures_text = False

    # A score is a view, not a conversation: it saves no state, so asking writes nothing (the
    # "Show every point" button says whose score it is, and access is checked again on a click).
    async def start(self, turn: Turn, argument: str) -> Outcome:
        if argument.startswith(_EVERY_POINT):
            typed = argument.removeprefix(_EVERY_POINT)
            person_id = int(typed) if typed.isdecimal() and len(typed) < 10 else 0
            return await self._other(turn, person_id, every_point=True)
        target = _target(argument)
        if target.lower() in _ME:
            result = await caseload_of(turn, turn.actor)
            return Outcome(replies=[summary_card(result, own=True, pack=turn.pack)])
        if target in _TEAM:
            return await self._team(turn)
        person, problem = await resolve_person(turn, target)
        if person is None:
            return Outcome(replies=[Say(problem, Tone.WARNING)])
        return await self._other(turn, person.id)

    async def _other(self, turn: Turn, person_id: int, every_point: bool = False) -> Outcome:
        person = await turn.ports.directory.staff(person_id) if person_id else None
        if person is None:
            return Outcome(replies=[Say(_("That person is no longer here."), Tone.WARNING)])
        rel = await relation_to(turn, person)
        if not may_see_score(rel):
            return Outcome(
                replies=[
                    Say(
                        _("Only {name} and their managers can see their score.").format(
                            name=person.first_name
                        ),
                        Tone.WARNING,
                    )
                ]
            )
        result = await caseload_of(turn, person)
        if rel is not Relation.SELF:
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="read",
                subject_type="caseload_score",
                subject_id=str(person.id),
                target_staff_id=person.id,
            )
        if not every_point:
            return Outcome(replies=[summary_card(result, rel is Relation.SELF, turn.pack)])
        if result.score is None:
            return Outcome(replies=[Say(_(NO_POINTS))])
        return Outcome(replies=[breakdown_card(result, turn.pack)])

    async def _team(self, turn: Turn) -> Outcome:
        teams = await turn.ports.directory.teams_managed_by(turn.actor.id)
        if not teams:
            return Outcome(replies=[Say(_("Team views are for team managers."), Tone.WARNING)])
        cards = []
        covered: list[int] = []
        for team in teams:
            members = await turn.ports.directory.team_members(team.id)
            shown = [m for m in members if m.id != turn.actor.id]
            results = await caseloads_of_team(turn, members, shown)
            lines = []
            for member in shown:
                result = results[member.id]
                covered.append(member.id)
                if result.score is None:
                    lines.append(
                        _("{name}: {cases} cases").format(name=member.name, cases=_cap_text(result))
                    )
                    continue
                band = band_words(result.score.band.label) if result.score.band else _("no band")
                lines.append(
                    _("{name}: {points} points ({band}); cases {cases}").format(
                        name=member.name,
                        points=points_text(result.score.total),
                        band=band,
                        cases=_cap_text(result),
                    )
                )
            # Issue 26: from the team's caseloads to the rest of the manager's desk.
            desk = (
                Option("start:compliance:", _("Team compliance")),
                Option("start:whocan:", _("Who can take a case")),
            )
            cards.append(
                Card(
                    title=_("Caseloads: {team}").format(team=team.name),
                    sections=(CardSection(_("Team"), tuple(lines)),),
                    actions=desk,
                )
            )
        if covered:
            # One event for the request, listing whom it showed (issue 24); a subject access
            # request finds it by each of them (storage.subject_access).
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="read",
                subject_type="team_caseload",
                subject_id=str(teams[0].id) if len(teams) == 1 else f"{len(teams)} teams",
                target_staff_id=None,
                detail={"teams": [t.id for t in teams]},
                covered=covered,
            )
        return Outcome(replies=list(cards))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        if isinstance(payload, Choice) and payload.value.startswith("breakdown:"):
            person_id = parse_id(payload.value.split(":", 1)[1])
            if person_id is None or person_id not in state.data.get("people", []):
                return Outcome(replies=[Say(_("Ask for that score first."), Tone.WARNING)])
            person = await turn.ports.directory.staff(person_id)
            assert person is not None
            result = await caseload_of(turn, person)
            if result.score is None:
                return Outcome(replies=[Say(_(NO_POINTS))])
            return Outcome(replies=[breakdown_card(result, turn.pack)], state=state)
        # Anything else starts afresh: the score view is not a form to fill in.
        return Outcome(replies=[Say(_("Ask me again, or type help."))])


_FILLER = frozenset(
    {
        "a",
        "am",
        "at",
        "caseload",
        "cases",
        "casload",
        "current",
        "currently",
        "do",
        "for",
        "have",
        "how",
        "i",
        "i'm",
        "is",
        "many",
        "me",
        "much",
        "my",
        "now",
        "of",
        "on",
        "please",
        "points",
        "score",
        "scores",
        "show",
        "tell",
        "the",
        "weighted",
        "weighting",
        "what",
        "what's",
        "whats",
        "workload",
    }
)


def _target(argument: str) -> str:
    """Who is asked about: '' for me, 'team', or the name typed ("caseload Sam Taylor")."""
    words = argument.lower().replace("?", " ").replace("!", " ").split()
    if {"team", "everyone"} & set(words):
        return "team"
    remaining = [w for w in argument.replace("?", " ").split() if not _filler(w.lower())]
    return " ".join(remaining)


def _filler(word: str) -> bool:
    """Words of the question itself, typos included ("casload scroe"), are not a name."""
    if word in _FILLER:
        return True
    return len(word) >= 4 and bool(get_close_matches(word, _FILLER, n=1, cutoff=0.75))
