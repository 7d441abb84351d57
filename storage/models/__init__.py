"""All tables, imported together so SQLModel.metadata (and Alembic) sees every one."""

from storage.models.base import metadata, utcnow
from storage.models.cases import (
    Case,
    CaseAllocation,
    CaseCategoryChange,
    OverCapApproval,
    PersonalElement,
)
from storage.models.decisions import InformalSupervision, ManagerDecision
from storage.models.obligations import Obligation, ObligationState
from storage.models.operations import (
    AuditCovered,
    AuditEvent,
    ConversationReference,
    DialogState,
    OutboxMessage,
    PlaygroundTurn,
    ProcessedInbound,
    Snooze,
)
from storage.models.organisation import Organisation, Team
from storage.models.people import Absence, CourseCompletion, Staff
from storage.models.slack import SlackInstallation, SlackOAuthState, SlackPendingForm
from storage.models.supervision import (
    MissedMonth,
    RecordAction,
    RecordCaseDiscussion,
    RecordDecision,
    SessionAttendee,
    SessionReflection,
    SupervisionRecord,
    SupervisionSession,
)
from storage.models.tallies import ComplianceTally

__all__ = [
    "Absence",
    "AuditCovered",
    "AuditEvent",
    "Case",
    "CaseAllocation",
    "CaseCategoryChange",
    "ComplianceTally",
    "ConversationReference",
    "CourseCompletion",
    "DialogState",
    "InformalSupervision",
    "ManagerDecision",
    "MissedMonth",
    "Obligation",
    "ObligationState",
    "Organisation",
    "OutboxMessage",
    "OverCapApproval",
    "PersonalElement",
    "PlaygroundTurn",
    "ProcessedInbound",
    "RecordAction",
    "RecordCaseDiscussion",
    "RecordDecision",
    "SessionAttendee",
    "SessionReflection",
    "SlackInstallation",
    "SlackOAuthState",
    "SlackPendingForm",
    "Snooze",
    "Staff",
    "SupervisionRecord",
    "SupervisionSession",
    "Team",
    "metadata",
    "utcnow",
]
