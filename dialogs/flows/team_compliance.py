""" "How is my team doing?": the team's supervision compliance, privately, on demand.

The same figures as the weekly digest, from the same code (policy.digest.team_digest over the
team's facts, as the App Home's team panel reads them), but for the manager alone and with
names and dates: who is overdue and by how long, records late or unsigned, caseloads over the
cap and since when, and who the figures leave out for absence (POWYS 002:33). A worker who asks
is told who can answer; a manager sees only their own teams, and every person whose standing
the answer shows is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from dialogs.allocation import over_band, over_band_since, scored_team
from dialogs.band_words import band_words
from dialogs.desk import audit_reads, desk_teams, who_to_ask
from dialogs.due_words import due_text
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.i18n import N_, _, format_month, ngettext, pack_word
from dialogs.messages import Card, CardSection, Fact, Option, Payload, Reply, Say, Tone
from dialogs.scores import CaseloadResult
from dialogs.summary_card import figure_text
from dialogs.views import StaffView, TeamView
from dialogs.when import describe_day
from policy.calendar import month_from_index, month_index
from policy.compliance import ComplianceReport, Figure, monthly_compliance
from policy.digest import TeamDigest, team_digest
from policy.history import SessionIndex
from policy.packs import Pack
from scoring.explain import points_text

LISTED = 15  # lines a section lists before "and N more"
BUTTONS = 10  # Slack wraps them in rows, Teams in an action set


# A record's kind as policy.recording names it where the pack lists no kinds (issue 28: shown
# in the reader's language, like the pack's own kinds).
DEFAULT_RECORD = N_("Supervision record")


def _target(figure: Figure, target: Decimal) -> str:
    met = figure.meets(target)  # the exact fraction, not the rounded percentage (002:24)
    verdict = {True: _("met so far"), False: _("below it so far"), None: _("no one due yet")}[met]
    return _("{percent}% ({verdict})").format(percent=f"{target:.0f}", verdict=verdict)


def _days(n: int) -> str:
    return ngettext("{n} day", "{n} days", n).format(n=n)


def _listed(lines: Sequence[str]) -> tuple[str, ...]:
    more = len(lines) - LISTED
    return (*lines[:LISTED], *((_("and {n} more").format(n=more),) if more > 0 else ()))


def compliance_card(
    team: TeamView,
    digest: TeamDigest,
    month: ComplianceReport,
    names: Mapping[int, str],
    pack: Pack,
    record_ids: Mapping[int, int],
    manager_id: int | None = None,
) -> Card:
    """One team's figures for its manager (names and dates; never record content)."""

    def name(staff_id: int) -> str:
        return names.get(staff_id, _("someone"))

    def named(ids: Sequence[int]) -> str:
        return ", ".join(name(i) for i in ids)

    facts = [
        Fact(_("This month so far"), figure_text(digest.month_to_date)),
        Fact(_("Target"), _target(digest.month_to_date, digest.target)),
        Fact(_("Last month"), figure_text(digest.last_month)),
    ]
    if digest.case_supervision.open_cases and digest.case_supervision.percent is not None:
        facts.append(Fact(_("Case supervision in time"), f"{digest.case_supervision.percent:.0f}%"))
    sections = []
    if digest.by_group:
        # POWYS 002:13,29: each staff group in the pack's words (its Welsh, issue 28).
        groups = tuple(
            _("{group}: {now}; last month {before}").format(
                group=pack_word(pack, g.label),
                now=figure_text(g.month_to_date),
                before=figure_text(g.last_month),
            )
            for g in digest.by_group
        )
        sections.append(CardSection(_("By staff group"), groups))
    overdue = [
        _("{name}: {what}, {days} overdue").format(
            name=p.name, what=due_text(pack, p.item), days=_days(p.item.overdue_days)
        )
        + (_(" (due {day})").format(day=describe_day(p.item.due)) if p.item.due else "")
        + (f" [{p.item.case_reference}]" if p.item.case_reference else "")
        for p in digest.overdue
    ]
    sections.append(CardSection(_("Overdue"), _listed(overdue) or (_("Nobody is overdue."),)))
    late = []
    for r in digest.late_records:
        who = _("{supervisor} with {supervisees}").format(
            supervisor=name(r.supervisor_id), supervisees=named(r.supervisee_ids)
        )
        if r.outstanding:
            state = _("not written, {days} past the deadline").format(days=_days(r.late_days))
        elif r.late:
            state = _("written {days} late").format(days=_days(r.late_days))
        else:
            state = ""
        if r.unsigned_by:
            unsigned = _("not signed by {names}").format(names=named(r.unsigned_by))
            state = f"{state}; {unsigned}" if state else unsigned
        shown = (
            _(" (record {number})").format(number=record_ids[r.session_id])
            if r.session_id in record_ids
            else ""
        )
        late.append(
            _("{record} of {day}, {who}{shown}: {state}").format(
                record=pack_word(pack, r.label),
                day=describe_day(r.held_on),
                who=who,
                shown=shown,
                state=state,
            )
        )
    if late:
        sections.append(CardSection(_("Records late or unsigned"), _listed(late)))
    if digest.cap_breaches:
        caps = [
            _("{name}: {count} of {cap}").format(name=name(b.staff_id), count=b.count, cap=b.cap)
            + (
                _(", over since {day}").format(day=describe_day(b.over_since))
                if b.over_since
                else ""
            )
            + {"active": _(" (approved)"), "expired": _(" (approval expired)")}.get(
                b.approval_status, _(" (no approval recorded)")
            )
            + (
                _("; escalate to the {who}").format(who=pack_word(pack, b.escalate_to))
                if b.escalate_to
                else ""
            )
            for b in digest.cap_breaches
        ]
        sections.append(CardSection(_("Caseloads over the cap"), _listed(caps)))
    if month.excluded:
        # POWYS 002:33: absent for the pack's period or more: left out of the figure both ways.
        left_out = ", ".join(sorted(name(i) for i in month.excluded))
        sections.append(CardSection(_("Not counted this month (absence)"), (left_out,)))
    if digest.missed_last_month:
        last = month_from_index(month_index(digest.week_start) - 1)
        sections.append(
            CardSection(
                _("Not supervised in {month}").format(month=format_month(last)),
                (named(digest.missed_last_month),),
            )
        )
    # A button per line to act on, most overdue first: book a supervision that is owed, open
    # a record that is owed a signature or was late, remind the person who owes it (once a
    # day, privately: dialogs.flows.remind).
    options: dict[str, str] = {}
    for p in digest.overdue:
        if p.item.session_id is None:
            first = p.name.split()[0]
            options.setdefault(f"start:book:{p.name}", _("Book {name}").format(name=first))
        elif p.item.session_id in record_ids:
            number = record_ids[p.item.session_id]
            options.setdefault(
                f"start:view:{number}", _("Open record {number}").format(number=number)
            )
        if p.item.staff_id != manager_id:
            first = p.name.split()[0]
            options.setdefault(
                f"start:remind:{p.item.staff_id}", _("Remind {name}").format(name=first)
            )
    for r in digest.late_records:
        if r.session_id in record_ids:
            number = record_ids[r.session_id]
            options.setdefault(
                f"start:view:{number}", _("Open record {number}").format(number=number)
            )
    actions = [Option(value, label) for value, label in options.items()][:BUTTONS]
    return Card(
        title=_("Supervision compliance: {team}").format(team=team.name),
        subtitle=_("{day}; for you only, not the team's channel").format(
            day=describe_day(digest.week_start)
        ),
        facts=tuple(facts),
        sections=tuple(sections),
        actions=tuple(actions),
    )


def _with_bands(
    card: Card,
    over: list[tuple[StaffView, CaseloadResult]],
    since: Mapping[int, date],
    not_headings: frozenset[str],
) -> Card:
    if not over:
        return card
    lines = tuple(
        _("{name}: {points} points, {band}").format(
            name=person.name,
            points=points_text(result.score.total),
            band=band_words(result.score.band.label),
        )
        + (
            _(", over since {day}").format(day=describe_day(since[person.id]))
            if person.id in since
            else ""
        )
        for person, result in over
        if result.score is not None and result.score.band is not None
    )
    section = CardSection(_("Caseloads over their band (score today)"), _listed(lines))
    # Before the "Not counted" / "Not supervised" sections, as in the digest's order.
    at = next(
        (i for i, s in enumerate(card.sections) if s.heading in not_headings),
        len(card.sections),
    )
    return replace(card, sections=(*card.sections[:at], section, *card.sections[at:]))


class ComplianceFlow:
    name = "compliance"
    title = N_("Team compliance")
    summary = N_(
        "your team's supervision compliance this month: who is overdue, late records, caps"
    )
    usage = N_("compliance")
    captures_text = False
    menu = False

    async def start(self, turn: Turn, argument: str) -> Outcome:
        teams = await desk_teams(turn)
        if not teams:
            ask = await who_to_ask(turn)
            return Outcome(
                replies=[
                    Say(
                        _(
                            "A team's compliance is for its managers: ask {ask}. For your own "
                            'supervision, ask "what\'s due".'
                        ).format(ask=ask),
                        Tone.WARNING,
                    )
                ]
            )
        replies: list[Reply] = []
        for team in teams:
            replies.append(await self._team(turn, team))
        return Outcome(replies=replies)

    async def _team(self, turn: Turn, team: TeamView) -> Card:
        members: Sequence[StaffView] = await turn.ports.directory.team_members(team.id)
        inputs = await turn.ports.facts.for_staff([m.id for m in members], turn.today)
        history = SessionIndex(inputs.sessions, turn.pack.zone)
        digest = team_digest(
            team.id,
            turn.pack,
            inputs.staff,
            history,
            inputs.absences,
            inputs.cases,
            inputs.caseload_counts,
            inputs.approvals,
            turn.today,
            caseload_history=await turn.ports.facts.caseload_history([m.id for m in members]),
            reasons=inputs.missed_reasons,
        )
        month = monthly_compliance(
            inputs.staff,
            history,
            inputs.absences,
            turn.pack,
            turn.today.year,
            turn.today.month,
            inputs.missed_reasons,
        )
        names = {m.id: m.name for m in members}
        owed = [p.item.session_id for p in digest.overdue if p.item.session_id is not None]
        owed += [r.session_id for r in digest.late_records if r.written_on is not None]
        record_ids = dict(await turn.ports.records.ids_for_sessions(list(dict.fromkeys(owed))))
        shown = {p.item.staff_id for p in digest.overdue}
        shown |= {b.staff_id for b in digest.cap_breaches} | set(month.excluded)
        shown |= set(digest.missed_last_month)
        for r in digest.late_records:
            shown |= {r.supervisor_id, *r.supervisee_ids}
        # People over their band's capacity now (the digest lists count caps; a council that
        # weights caseloads bands them, DCC 000:436-446): the caseload score, as "caseload" says.
        scored = await scored_team(turn, list(members))
        over = [(p, result) for p, result, _since in scored if over_band(result)]
        shown |= {p.id for p, _result in over}
        seen = [m for m in members if m.id in shown]
        await audit_reads(turn, "supervision_compliance", seen, "team compliance")
        card = compliance_card(
            team, digest, month, names, turn.pack, record_ids, manager_id=turn.actor.id
        )
        # The sections after the bands' place, as compliance_card heads them.
        last = month_from_index(month_index(digest.week_start) - 1)
        after = frozenset(
            {
                _("Not counted this month (absence)"),
                _("Not supervised in {month}").format(month=format_month(last)),
            }
        )
        since = await over_band_since(turn, over)
        return _with_bands(card, over, since, after)

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return Outcome(replies=[Say(_("Ask me again, or type help."))])
