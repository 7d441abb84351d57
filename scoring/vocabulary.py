"""Words shared by every layer: staff roles, case categories and allocation roles."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    """A staff member's role; drives supervision frequency, caseload caps and capacity bands."""

    SOCIAL_WORKER = "social_worker"
    SENIOR_PRACTITIONER = "senior_practitioner"
    NQSW = "nqsw"  # newly qualified, on the ASYE (Assessed and Supported Year in Employment)
    STUDENT = "student"
    CONSULTANT_SOCIAL_WORKER = "consultant_social_worker"
    ADVANCED_PRACTITIONER = "advanced_practitioner"
    PRACTICE_MANAGER = "practice_manager"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"
    ASSISTANT_DIRECTOR = "assistant_director"
    IRO = "iro"  # Independent Reviewing Officer
    FAMILY_SUPPORT_WORKER = "family_support_worker"
    ADMIN_SUPPORT = "admin_support"
    AUDITOR = "auditor"  # quality assurance: reads records only with a recorded reason
    OTHER = "other"

    @property
    def is_manager(self) -> bool:
        return self in _MANAGERS

    @property
    def is_qualified_social_worker(self) -> bool:
        return self in _QUALIFIED


_MANAGERS = frozenset(
    {
        StaffRole.PRACTICE_MANAGER,
        StaffRole.TEAM_MANAGER,
        StaffRole.SERVICE_MANAGER,
        StaffRole.ASSISTANT_DIRECTOR,
    }
)
_QUALIFIED = frozenset(
    {
        StaffRole.SOCIAL_WORKER,
        StaffRole.SENIOR_PRACTITIONER,
        StaffRole.CONSULTANT_SOCIAL_WORKER,
        StaffRole.ADVANCED_PRACTITIONER,
        StaffRole.IRO,
    }
)


class CaseCategory(StrEnum):
    """The child's (or family's) current status, as the case management system records it."""

    EARLY_HELP = "early_help"
    CIN = "cin"  # child in need
    CP = "cp"  # child protection plan
    CLA = "cla"  # child looked after / child in care
    SIXTEEN_PLUS = "sixteen_plus"
    CARE_LEAVER = "care_leaver"
    PRIVATE_FOSTERING = "private_fostering"  # privately fostered child (WARR 001:5717, NOTTS 2100)
    FOSTERING_HOUSEHOLD = "fostering_household"  # approved foster carers (WARR 001:5701)


class AllocationRole(StrEnum):
    """A worker's part in a case: the lead (allocated) worker or a co-worker (joint working)."""

    LEAD = "lead"
    CO_WORKER = "co_worker"
