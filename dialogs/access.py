"""Who may see or act on whose data (DCC 000:147: records are confidential between the parties)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from dialogs.views import StaffView
from scoring.vocabulary import StaffRole


class Relation(StrEnum):
    SELF = "self"
    LINE_MANAGER = "line_manager"  # in the subject's line-management chain
    TEAM_MANAGER = "team_manager"  # manages the subject's team
    SERVICE = "service"  # a service manager or assistant director in the same organisation
    NONE = "none"


_SENIOR = {StaffRole.SERVICE_MANAGER, StaffRole.ASSISTANT_DIRECTOR}


def relation(
    actor: StaffView,
    subject: StaffView,
    subject_chain: Sequence[int],
    actor_team_ids: Sequence[int],
) -> Relation:
    """How the actor stands to the subject, from the subject's management chain and teams."""
    if actor.organisation_id != subject.organisation_id:
        return Relation.NONE
    if actor.id == subject.id:
        return Relation.SELF
    if actor.id in subject_chain:
        return Relation.LINE_MANAGER
    if subject.team_id is not None and subject.team_id in actor_team_ids:
        return Relation.TEAM_MANAGER
    if actor.role in _SENIOR:
        return Relation.SERVICE
    return Relation.NONE


def may_see_score(rel: Relation) -> bool:
    """Scores are shared with the worker and their management (DCC 000:460 WMS is transparent
    within the team's management; a colleague's score is not a colleague's business)."""
    return rel is not Relation.NONE


def may_see_plan(rel: Relation) -> bool:
    """An ASYE plan is the NQSW's and their managers' (LAM 004:312: team managers supervise
    NQSWs with the ASYE handbook): the worker, their line management and their team manager."""
    return rel in (Relation.SELF, Relation.LINE_MANAGER, Relation.TEAM_MANAGER)


def may_act_for(rel: Relation) -> bool:
    """Booking, recording and decisions for someone: themselves or their managers."""
    return rel in (Relation.SELF, Relation.LINE_MANAGER, Relation.TEAM_MANAGER)


def may_decide(rel: Relation) -> bool:
    """A manager's decision on a case is its worker's managers' to make and record (DCC 000:60
    "input ... by the Manager", 000:182 "decisions are taken by managers"; LAM 004:292 "line
    managers"): the worker's line management and their team manager, never the worker."""
    return rel in (Relation.LINE_MANAGER, Relation.TEAM_MANAGER)
