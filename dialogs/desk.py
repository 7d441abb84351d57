"""The team manager's desk: whose teams a person may ask about, and who to ask instead.

A team's manager sees their own teams; the roles the pack allows (`team_desk.across_teams`, by
default a service manager or assistant director) see the teams of the managers they line-manage
(a service manager for several teams, DCC 000:147: records are confidential between the parties
and their management). Nobody sees another team's.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.flow import Turn
from dialogs.i18n import _
from dialogs.views import StaffView, TeamView


async def desk_teams(turn: Turn) -> list[TeamView]:
    """The teams this person manages, and for senior managers the teams under them."""
    directory = turn.ports.directory
    teams = {t.id: t for t in await directory.teams_managed_by(turn.actor.id)}
    if turn.actor.role in turn.pack.team_desk.across_teams:
        for person in await directory.supervisees(turn.actor.id):
            for team in await directory.teams_managed_by(person.id):
                teams.setdefault(team.id, team)
    return sorted(teams.values(), key=lambda t: t.name)


async def members_of(turn: Turn, teams: list[TeamView]) -> list[StaffView]:
    """Everyone in these teams (their managers too), each once, by name."""
    found: dict[int, StaffView] = {}
    for team in teams:
        for member in await turn.ports.directory.team_members(team.id):
            found.setdefault(member.id, member)
    return sorted(found.values(), key=lambda m: m.name)


async def who_to_ask(turn: Turn) -> str:
    """For someone without a team to manage: who can answer ("your team manager, Priya Shah")."""
    directory = turn.ports.directory
    team = await directory.team(turn.actor.team_id) if turn.actor.team_id else None
    manager_id = team.manager_id if team is not None else turn.actor.line_manager_id
    if manager_id is None or manager_id == turn.actor.id:
        manager_id = turn.actor.line_manager_id
    manager = await directory.staff(manager_id) if manager_id else None
    if manager is None:
        # Translators: follows "ask" in "...: ask {ask}." (Welsh: "gofynnwch i {ask}").
        return _("your team manager")
    # Translators: follows "ask", as above.
    return _("your team manager, {name}").format(name=manager.name)


async def audit_reads(
    turn: Turn, subject_type: str, people: Sequence[StaffView], detail: str
) -> None:
    """Every answer that reveals someone else's standing is audited: one event per person (who
    asked about whom), the asker's own standing apart."""
    others = [p.id for p in people if p.id != turn.actor.id]
    await turn.ports.audit.record_reads(
        actor_id=turn.actor.id,
        subject_type=subject_type,
        staff_ids=list(dict.fromkeys(others)),
        detail={"asked": detail},
    )
