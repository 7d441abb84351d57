"""The App Home tab: my score and band, what's due for me, and for managers a team panel.

Read-only: built from the same flows and policy functions the conversations use, so the Home tab
and "what's due" in a DM never disagree. Team figures are counts and names, never record text.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack import render
from bot.slack.identity import UNKNOWN_PERSON
from bot.slack.runtime import SlackRuntime
from dialogs.engine import LANGUAGE_CHOICE
from dialogs.flow import Turn
from dialogs.flows.due import DueFlow
from dialogs.i18n import (
    ENGLISH,
    N_,
    WELSH,
    _,
    format_long_day,
    language,
    set_language,
)
from dialogs.messages import Card
from dialogs.ports import ConcurrentUpdate, Ports
from dialogs.scores import caseload_of, caseloads_of_team
from dialogs.views import StaffView, TeamView
from policy.digest import team_digest
from scoring.explain import points_text

SHORTCUTS = (("start:due", N_("What's due")), ("start:caseload", N_("My caseload")))
# Issue 28: the button that switches language, named in the language it switches to.
SWITCH_TO = {
    WELSH: (f"{LANGUAGE_CHOICE}{ENGLISH}", "English"),
    ENGLISH: (f"{LANGUAGE_CHOICE}{WELSH}", "Cymraeg"),
}


def stranger() -> dict[str, object]:
    """An unmatched person sees why, and nothing else."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Supervision Assistant")),
        SectionBlock(text=MarkdownTextObject(text=render.escape(UNKNOWN_PERSON))),
    ]
    return render.home_view(blocks)


async def build(runtime: SlackRuntime, staff: StaffView) -> dict[str, object]:
    try:
        return await _build(runtime, staff)
    except ConcurrentUpdate:  # an organisation newer than the cached list: read once more
        return await _build(runtime, staff)


async def _build(runtime: SlackRuntime, staff: StaffView) -> dict[str, object]:
    dialogs = runtime.conversations.dialogs
    async with dialogs.unit_of_work() as ports:
        pack = ports.packs.for_organisation(staff.organisation_id)
        # The language as stored now: who a Slack user is may be remembered for a minute
        # (bot/known.py), and a choice made with the button above must show at once.
        stored = await ports.directory.staff(staff.id)
        chosen = stored.language if stored is not None else staff.language
        set_language(chosen or pack.language.default)
        turn = Turn(
            ports=ports,
            # The person as read now, carrying their current caseload_version: the kept score
            # (dialogs.scores.ScoreCache) is used only for that row, so a caseload changed
            # within the minute the account is remembered shows at once (issue 24 item 2).
            actor=stored if stored is not None else staff,
            pack=pack,
            now=runtime.clock(),
            platform="slack",
            zone=dialogs.zone,
        )
        blocks: list[Block | render.BlockJson] = [
            HeaderBlock(
                text=PlainTextObject(text=_("Supervision: {name}").format(name=staff.name)[:150])
            ),
            *await _my_caseload(turn),
        ]
        due = await DueFlow().start(turn, "")
        for reply in due.replies:
            if isinstance(reply, Card):
                blocks.extend(render.card_blocks(reply))
        for team in await ports.directory.teams_managed_by(staff.id):
            blocks.append(DividerBlock())
            blocks.extend(await _team_panel(turn, ports, team))
    blocks.append(DividerBlock())
    buttons = [
        ButtonElement(text=_(label), action_id=f"{render.CHOICE_ACTION}:{90 + n}", value=value)
        for n, (value, label) in enumerate(SHORTCUTS)
    ]
    value, label = SWITCH_TO[language()]
    buttons.append(ButtonElement(text=label, action_id=f"{render.CHOICE_ACTION}:89", value=value))
    blocks.append(ActionsBlock(elements=buttons))
    return render.home_view(blocks)


async def _my_caseload(turn: Turn) -> list[Block]:
    result = await caseload_of(turn, turn.actor)
    if result.score is None:
        text = _("*My caseload*\n{count} cases (your council counts cases)").format(
            count=result.case_count
        )
    else:
        band = result.score.band.label if result.score.band else _("no band")
        text = _("*My caseload score*\n{points} points · band: {band}").format(
            points=points_text(result.score.total), band=band
        )
        if result.score.percent_of_capacity is not None:
            text += _(" · {percent}% of capacity").format(
                percent=points_text(result.score.percent_of_capacity)
            )
    return [SectionBlock(text=MarkdownTextObject(text=render.escape(text)))]


async def _team_panel(turn: Turn, ports: Ports, team: TeamView) -> list[Block]:
    members = [m for m in await ports.directory.team_members(team.id) if m.id != turn.actor.id]
    inputs = await ports.facts.for_staff([m.id for m in members], turn.today)
    digest = team_digest(
        team.id,
        turn.pack,
        inputs.staff,
        inputs.sessions,
        inputs.absences,
        inputs.cases,
        inputs.caseload_counts,
        inputs.approvals,
        turn.today,
    )
    figure = digest.month_to_date
    compliance = (
        _("{percent}% ({supervised} of {due})").format(
            percent=points_text(figure.percent),
            supervised=figure.supervised,
            due=figure.denominator,
        )
        if figure.percent is not None
        else _("no one due yet")
    )
    overdue = sorted({item.name for item in digest.overdue})
    bands: Counter[str] = Counter()
    # The team's caseloads in a read of each kind for the whole team, not three per member.
    for result in (await caseloads_of_team(turn, members, members)).values():
        score = result.score
        bands[score.band.label if score and score.band else _("not banded")] += 1
    overdue_names = render.escape(", ".join(overdue[:15])) if overdue else _("nobody")
    lines = [
        _("*Compliance this month*: {compliance}, target {target}%").format(
            compliance=compliance, target=points_text(digest.target)
        ),
        _("*Overdue*: {names}").format(names=overdue_names)
        + (_(" and {n} more").format(n=len(overdue) - 15) if len(overdue) > 15 else ""),
        _("*Caseloads by band*: ")
        + render.escape(", ".join(f"{label} {n}" for label, n in sorted(bands.items())) or "-"),
    ]
    return [
        HeaderBlock(
            text=PlainTextObject(text=render.clip(_("Team: {team}").format(team=team.name), 150))
        ),
        SectionBlock(text=MarkdownTextObject(text=render.clip("\n".join(lines), 3000))),
        ContextBlock(
            elements=[MarkdownTextObject(text=_("As of {day}").format(day=_day(turn.today)))]
        ),
    ]


def _day(day: date) -> str:
    return format_long_day(day)
