"""Policy pack model: every rule a council can set, each value with the clause it comes from."""

from __future__ import annotations

from decimal import Decimal
from functools import cache, cached_property
from types import MappingProxyType
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from policy.packs.rules import (
    WEIGHTING_SCHEMES,
    BoolRule,
    Document,
    Id,
    IntRule,
    Model,
    PeriodKind,
    Sourced,
    TextRule,
)
from policy.vocabulary import Nation, SessionType
from scoring.caps import CountCapPolicy, RoleCap, builtin_count_cap_policies, builtin_count_caps
from scoring.vocabulary import CaseCategory, StaffRole


class Frequency(Sourced):
    """An obligation recurring per period for some roles, met by a held session of listed types."""

    obligation: Id
    description: str
    roles: tuple[StaffRole, ...] | None = None  # None: everyone
    asye: bool | None = None  # True: only during the ASYE; False: only outside it
    case_holding: bool | None = None  # False: only staff holding no open cases (LAM 004:271)
    satisfied_by: tuple[SessionType, ...] = Field(min_length=1)
    period: PeriodKind
    interval: int = Field(gt=0)
    counts_for_compliance: bool = False

    def applies(self, role: StaffRole, in_asye: bool, holds_cases: bool) -> bool:
        return (
            (self.roles is None or role in self.roles)
            and self.asye in (None, in_asye)
            and self.case_holding in (None, holds_cases)
        )


class DueDateAdjustment(Sourced):
    value: Literal["previous_working_day", "next_working_day", "none"] = "previous_working_day"


class DirectObservation(Sourced):
    every_nth: int = Field(gt=1)
    roles: tuple[StaffRole, ...] | None = None
    counted: tuple[SessionType, ...] = (SessionType.PROFESSIONAL,)
    satisfied_by: tuple[SessionType, ...] = (SessionType.DIRECT_OBSERVATION,)


class Supervision(Model):
    frequencies: tuple[Frequency, ...] = Field(min_length=1)
    due_date_adjustment: DueDateAdjustment = DueDateAdjustment(basis="product")
    ratio_max: IntRule | None = None
    agreement_review: Frequency | None = None
    my_plan: Frequency | None = None
    file_audit: Frequency | None = None
    direct_observation: DirectObservation | None = None

    @field_validator("frequencies")
    @classmethod
    def _no_overlap(cls, value: tuple[Frequency, ...]) -> tuple[Frequency, ...]:
        seen: set[tuple[str, StaffRole | None, bool | None, bool | None]] = set()
        for freq in value:
            for role in freq.roles or (None,):
                key = (freq.obligation, role, freq.asye, freq.case_holding)
                if key in seen:
                    raise ValueError(
                        f"obligation {freq.obligation!r} is given twice for role {role}; "
                        "give each role one frequency per obligation"
                    )
                seen.add(key)
        return value


class AsyeLabels(Model):
    """The words people see for the steps of the ASYE plan (the pack's, never internal ids).
    `{months}` in a review's label is replaced by its month (LAM 004:319 "3, 6 and 9")."""

    programme: str = "ASYE"
    weekly: str = "Weekly supervision"
    fortnightly: str = "Fortnightly supervision"
    monthly: str = "Monthly supervision"
    review: str = "ASYE {months}-month review"
    final_review: str = "ASYE final review ({months} months)"

    @field_validator("review", "final_review")
    @classmethod
    def _months_only(cls, value: str) -> str:
        try:
            value.format(months=3)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError("a review label may use {months} and no other placeholder") from error
        return value

    def review_label(self, months: int, final: bool) -> str:
        return (self.final_review if final else self.review).format(months=months)


class Asye(Sourced):
    """LAM 3.3 (004:317-319): weekly 6 weeks, fortnightly to the 6-month review, then monthly."""

    weekly_weeks: int = Field(gt=0)  # also how many weekly sessions (LAM 004:317 "first 6 weeks")
    fortnightly_until_month: int = Field(gt=0)  # the review that ends fortnightly (LAM 004:268)
    monthly_requires_review: bool = True
    duration_months: int = Field(gt=0)
    review_months: tuple[int, ...] = Field(min_length=1)
    # A review held this many months before its date counts as that review, not the one before
    # (a choice: the text gives dates only, LAM 004:319).
    review_early_months: int = Field(default=1, ge=0)
    session_minutes: int = Field(gt=0)
    # The council's own words for the length (LAM 004:317 "up to 1½ hours"), shown when a
    # shorter ASYE session is flagged; without them the flag says `session_minutes`.
    session_wording: TextRule | None = None
    satisfied_by: tuple[SessionType, ...] = Field(min_length=1)
    labels: AsyeLabels = AsyeLabels()

    @field_validator("review_months")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if list(value) != sorted(set(value)) or value[0] <= 0:
            raise ValueError("review months must be positive and ascending, e.g. [3, 6, 9, 11]")
        return value

    @model_validator(mode="after")
    def _review_ends_fortnightly(self) -> Self:
        if self.monthly_requires_review and self.fortnightly_until_month not in self.review_months:
            raise ValueError(
                f"monthly supervision waits for the {self.fortnightly_until_month}-month review, "
                "so review_months must include fortnightly_until_month"
            )
        if self.review_months[-1] > self.duration_months:
            raise ValueError("every review must fall within duration_months")
        return self


class CaseInterval(Sourced):
    category: CaseCategory
    weeks: int = Field(gt=0)


class WeeksRule(Sourced):
    weeks: int = Field(gt=0)


class Extension(Sourced):
    allowed: bool
    categories: tuple[CaseCategory, ...] = (CaseCategory.CLA,)
    approver: StaffRole | None = None


class CaseSupervision(Model):
    intervals: tuple[CaseInterval, ...] = Field(min_length=1)
    nqsw_override: WeeksRule | None = None
    matched_stable_extension: Extension | None = None
    satisfied_by: tuple[SessionType, ...] = Field(min_length=1)

    @field_validator("intervals")
    @classmethod
    def _one_per_category(cls, value: tuple[CaseInterval, ...]) -> tuple[CaseInterval, ...]:
        categories = [item.category for item in value]
        if len(categories) != len(set(categories)):
            raise ValueError("each case category may appear once")
        return value


DEFAULT_RECORD_KIND = "record"


class RecordKind(Sourced):
    """One record a held session produces, with its own deadline: LAM 004:348,350 (the case
    record on Mosaic) and 004:356 (the professional supervision minutes), each within 2 working
    days. A pack that lists none has one, `record`, with the recording section's deadline."""

    id: Id
    label: str = Field(min_length=1, max_length=80)
    deadline_working_days: int | None = Field(default=None, ge=0)  # None: as soon as possible
    applies_to: tuple[SessionType, ...] = Field(min_length=1)


class Recording(Model):
    deadline_working_days: IntRule | None  # None: "as soon as possible" (DCC 000:103)
    deadline_note: TextRule | None = None
    both_parties_sign: BoolRule
    check_in_recorded: BoolRule
    applies_to: tuple[SessionType, ...] = Field(min_length=1)
    kinds: tuple[RecordKind, ...] = ()

    @model_validator(mode="after")
    def _kinds_cover_applies_to(self) -> Self:
        ids = [kind.id for kind in self.kinds]
        if len(set(ids)) != len(ids):
            raise ValueError("recording.kinds: each kind needs its own id")
        covered = {t for kind in self.kinds for t in kind.applies_to}
        if self.kinds and not covered <= set(self.applies_to):
            extra = ", ".join(sorted(covered - set(self.applies_to)))
            raise ValueError(f"recording.kinds: {extra} not in recording.applies_to")
        if self.kinds and covered != set(self.applies_to):
            missing = ", ".join(sorted(set(self.applies_to) - covered))
            raise ValueError(f"recording.kinds: no kind of record for {missing}")
        return self

    @cached_property
    def record_kinds(self) -> tuple[RecordKind, ...]:
        """The pack's kinds, or its one default kind (no user-visible change for such packs)."""
        if self.kinds:
            return self.kinds
        deadline = self.deadline_working_days
        return (
            RecordKind(
                id=DEFAULT_RECORD_KIND,
                label="Supervision record",
                deadline_working_days=deadline.value if deadline else None,
                applies_to=self.applies_to,
                source=deadline.source if deadline else self.both_parties_sign.source,
                basis=deadline.basis if deadline else "own",
            ),
        )


class Target(Sourced):
    percent: Decimal = Field(ge=0, le=100)


class ExclusionDays(Sourced):
    days: int = Field(gt=0)


class StaffGroups(Sourced):
    """What the compliance figures' staff groups are called (policy.compliance.staff_group):
    POWYS 002:13,29 reports qualified, newly qualified and agency social workers."""

    qualified: str = Field(default="Qualified social workers", min_length=1)
    newly_qualified: str = Field(default="Newly qualified social workers", min_length=1)
    agency: str = Field(default="Agency social workers", min_length=1)

    def label(self, group: str) -> str | None:
        """The pack's words for a group; None for "other" (not reported, 002:29)."""
        return {
            "qualified": self.qualified,
            "newly_qualified": self.newly_qualified,
            "agency": self.agency,
        }.get(group)


class MissedReason(Sourced):
    """DCC 000:176: where monthly supervision has not happened, "the reason for this and the
    follow up action should be explicitly recorded": the chat asks for them, and the figures
    count a missed month with its reason apart from one without. The words people see."""

    reason_given: str = Field(default="Missed, reason given", min_length=1)
    no_reason: str = Field(default="Missed, no reason recorded", min_length=1)
    follow_up: str = Field(default="Follow-up action", min_length=1)
    follow_up_help: str = Field(
        default="Needed when this leaves the month without supervision", min_length=1
    )


class Compliance(Model):
    target: Target
    absence_exclusion: ExclusionDays | None
    # None: the council asks for no reason for a missed month.
    missed_reason: MissedReason | None = None
    period: Literal["calendar_month"] = "calendar_month"
    unit: Literal["person", "fte"] = "person"
    roles: tuple[StaffRole, ...] = Field(min_length=1)
    session_types: tuple[SessionType, ...] = Field(min_length=1)
    # The weekly digest splits each team's figures by these groups, in these words (002:29).
    staff_groups: StaffGroups = StaffGroups(basis="default", source="002:13")


class CapRule(Sourced):
    role: StaffRole
    max: int = Field(ge=0)
    kind: Literal["hard", "benchmark"] = "hard"


class OverCap(Sourced):
    approver: str  # the role that agrees it (an id)
    before_allocation: bool
    max_timescale_required: bool = True
    label: str | None = None  # how messages name that role; default: the id in words

    @property
    def approver_label(self) -> str:
        return self.label or self.approver.replace("_", " ")


class Escalation(Sourced):
    after_months: int = Field(gt=0)
    to: str  # the role escalated to (an id)
    label: str | None = None  # how the digest names that role; default: the id in words

    @property
    def to_label(self) -> str:
        return self.label or self.to.replace("_", " ")


class Caseload(Model):
    weighting_scheme: TextRule | None
    unit: TextRule
    caps_preset: str | None = None  # a policy id in scoring/count_caps.yaml
    caps: tuple[CapRule, ...] = ()
    prorate_caps_by_fte: bool = False
    over_cap: OverCap
    escalation: Escalation
    analysis: Frequency | None = None

    @field_validator("caps_preset")
    @classmethod
    def _known_preset(cls, value: str | None) -> str | None:
        known = builtin_count_cap_policies()
        if value is not None and value not in known:
            raise ValueError(
                f"unknown caps preset {value!r}; known (scoring/count_caps.yaml): "
                f"{', '.join(sorted(known))}"
            )
        return value

    @field_validator("caps")
    @classmethod
    def _one_cap_per_role(cls, value: tuple[CapRule, ...]) -> tuple[CapRule, ...]:
        roles = [cap.role for cap in value]
        twice = sorted({role.value for role in roles if roles.count(role) > 1})
        if twice:
            raise ValueError(
                f"role {', '.join(twice)} is given more than one cap, which contradict each "
                "other; give each role one cap"
            )
        return value

    @field_validator("weighting_scheme")
    @classmethod
    def _known_scheme(cls, value: TextRule | None) -> TextRule | None:
        if value is not None and value.value not in WEIGHTING_SCHEMES:
            known = ", ".join(sorted(WEIGHTING_SCHEMES))
            raise ValueError(f"unknown weighting scheme {value.value!r}; known: {known}")
        return value

    @model_validator(mode="after")
    def _has_some_measure(self) -> Self:
        if self.weighting_scheme is None and self.caps_preset is None and not self.caps:
            raise ValueError("with no weighting scheme, give count caps (caps_preset or caps)")
        return self


class Reminders(Sourced):
    days_before_due: tuple[int, ...] = (7, 1)
    overdue_reminders_per_day: int = Field(default=1, ge=0)
    escalate_after_overdue_days: int = Field(default=14, gt=0)


class ActionChasing(Sourced):
    """Issue 27: the owner of an action from a signed record is asked about it from this many
    days before it is due, then again this many days after they were last asked, until they
    answer Done or No longer needed (policy.actions.ask_about_action)."""

    remind_days_before: int = Field(default=2, ge=0)
    chase_every_days: int = Field(default=7, gt=0)


class Reflection(Sourced):
    """Issue 27: the questions a supervisee is asked, optionally, the day before a booked
    supervision; their answer is shown on the session's agenda (dialogs.agenda)."""

    questions: tuple[str, ...] = Field(min_length=1)


class Digest(Sourced):
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday"] = "monday"
    time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    trend_periods: int = Field(default=12, gt=0)


class Terms(Model):
    manager_decision: TextRule
    case_discussion_note: TextRule
    supervision_record: TextRule
    supervision_agreement: TextRule
    development_plan: TextRule


class TemplateSection(Model):
    id: Id
    title: str
    required: bool = True
    per_case: bool = False
    help: str | None = None


class RecordTemplate(Sourced):
    id: Id
    title: str
    used_for: tuple[SessionType, ...] = ()
    per_case: bool = False
    sections: tuple[TemplateSection, ...] = Field(min_length=1)

    @field_validator("sections")
    @classmethod
    def _unique_ids(cls, value: tuple[TemplateSection, ...]) -> tuple[TemplateSection, ...]:
        ids = [s.id for s in value]
        if len(ids) != len(set(ids)):
            raise ValueError("section ids must be unique within a template")
        return value


class RecordAccess(Model):
    consent_required: BoolRule
    chain_levels: IntRule
    notify_on_access_without_consent: BoolRule


class Retention(Sourced):
    value: Literal["length_of_employment"] | int


class Choice(Sourced):
    """Where the council's own documents disagree (reference §19.6), the pack says what it chose."""

    topic: str
    decision: str


class Pack(Model):
    id: Id
    council: str
    nation: Nation
    timezone: str = "Europe/London"
    documents: tuple[Document, ...] = Field(min_length=1)
    provenance: str
    supervision: Supervision
    asye: Asye | None
    case_supervision: CaseSupervision | None
    recording: Recording
    compliance: Compliance
    caseload: Caseload
    reminders: Reminders = Reminders(basis="product")
    digest: Digest = Digest(basis="product")
    actions: ActionChasing = ActionChasing(basis="product")
    reflection: Reflection | None = None
    terms: Terms
    templates: tuple[RecordTemplate, ...] = Field(min_length=1)
    record_access: RecordAccess
    retention: Retention
    choices: tuple[Choice, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use e.g. Europe/London") from exc
        return value

    @field_validator("templates")
    @classmethod
    def _unique_templates(cls, value: tuple[RecordTemplate, ...]) -> tuple[RecordTemplate, ...]:
        ids = [t.id for t in value]
        if len(ids) != len(set(ids)):
            raise ValueError("template ids must be unique")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def template(self, template_id: str) -> RecordTemplate:
        for item in self.templates:
            if item.id == template_id:
                return item
        raise KeyError(template_id)

    def count_caps(self) -> CountCapPolicy | None:
        """The count caps this council uses: the preset it names in scoring/count_caps.yaml (the
        one source of preset caps), with the pack's own `caps` replacing it role by role. The
        digest, the chat and the workload file all read caps from here."""
        return _count_caps(self.caseload, self.id, self.council)

    def cap_for(self, role: StaffRole) -> CapRule | None:
        """The fixed cap for a role (the pack's own, else the preset's); None where the role has
        none, or only a share of the team's caseload (CAP003 003:36, students)."""
        for cap in self.caseload.caps:
            if cap.role == role:
                return cap
        policy = self.count_caps()
        found = policy.roles.get(role) if policy is not None else None
        if found is None or found.cap is None:
            return None
        return CapRule(
            role=role, max=found.cap, kind=found.kind, source=found.source, basis="default"
        )


@cache
def _count_caps(caseload: Caseload, pack_id: str, council: str) -> CountCapPolicy | None:
    preset = builtin_count_caps(caseload.caps_preset) if caseload.caps_preset else None
    if not caseload.caps:
        return preset
    unit = preset.unit if preset else "children"  # stored cases are counted in children
    roles = dict(preset.roles) if preset else {}
    for cap in caseload.caps:
        text = cap.note or f"at most {cap.max} {unit}"
        roles[cap.role] = RoleCap(cap.max, None, None, text, text, cap.source or "", cap.kind)
    return CountCapPolicy(
        id=preset.id if preset else pack_id,
        name=preset.name if preset else council,
        source=preset.source if preset else "",
        unit=unit,
        count_co_worked=preset.count_co_worked if preset else False,
        roles=MappingProxyType(roles),
        team_roles=preset.team_roles if preset else frozenset(),
    )
