"""Words of supervision: session types, statuses, absence kinds, cancel reasons, nations."""

from __future__ import annotations

from enum import StrEnum


class SessionType(StrEnum):
    """Kinds of supervision a council distinguishes (policy_rules §1)."""

    ONE_TO_ONE = "one_to_one"  # DCC: line management + case + professional in one session (000:300)
    CASE_MANAGEMENT = "case_management"  # LAM 004:101
    PROFESSIONAL = "professional"  # LAM 004:102
    REFLECTIVE_GROUP = "reflective_group"  # LAM 004:103 reflective team case discussion
    PEER_REFLECTION = "peer_reflection"  # LAM 004:276,281
    ASYE_REVIEW = "asye_review"  # LAM 004:319-321
    DIRECT_OBSERVATION = "direct_observation"  # LAM 004:218
    MY_PLAN = "my_plan"  # DCC 000:81-83
    AGREEMENT_REVIEW = "agreement_review"  # LAM 004:385-388
    APPRAISAL = "appraisal"  # LAM 004:124
    CASELOAD_ANALYSIS = "caseload_analysis"  # WSX/LUT 001:86: at least every 12 weeks
    FILE_AUDIT = "file_audit"  # DCC 000:172: District Managers' 6-monthly sample audit


class SessionStatus(StrEnum):
    BOOKED = "booked"
    HELD = "held"
    CANCELLED = "cancelled"


class AbsenceKind(StrEnum):
    """Kinds of absence that suspend what is due (POWYS 002:33)."""

    ANNUAL_LEAVE = "annual_leave"
    SICKNESS = "sickness"
    MATERNITY = "maternity"
    OTHER = "other"


class CancelReason(StrEnum):
    """DCC 000:93: the reason for any interruption or cancellation MUST be recorded."""

    SICKNESS = "sickness"
    ANNUAL_LEAVE = "annual_leave"
    URGENT_WORK = "urgent_work"
    PERSONAL = "personal"
    LEAVING = "leaving"
    OTHER = "other"


class Nation(StrEnum):
    """UK nation whose bank holidays apply to working-day deadlines."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"
