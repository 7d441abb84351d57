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
    # Only in someone's first N months in post (DCC 000:89: "more frequent supervision may be
    # necessary during an employee's first 6 months in employment"); None: throughout.
    first_months: int | None = Field(default=None, gt=0)

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


class RecordReview(Sourced):
    """DCC 000:125-135, 000:321-327: supervision includes "a regular review of service user
    records"; the manager selects them "with a view to a rotation through the whole workload over
    time". `per_month`: how many of each supervisee's open cases come up each month."""

    per_month: int = Field(gt=0, le=20)


class Supervision(Model):
    frequencies: tuple[Frequency, ...] = Field(min_length=1)
    due_date_adjustment: DueDateAdjustment = DueDateAdjustment(basis="product")
    ratio_max: IntRule | None = None
    agreement_review: Frequency | None = None
    my_plan: Frequency | None = None
    file_audit: Frequency | None = None
    direct_observation: DirectObservation | None = None
    record_review: RecordReview | None = None

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
    """The early-career programme the council follows, with its own frequencies. England's is the
    ASYE: LAM 3.3 (004:317-319) weekly 6 weeks, fortnightly to the 6-month review, then monthly.
    `nation` says whose programme it is; a pack may only follow its own nation's (issue 25 item 7:
    Welsh staff must never be told English rules as if they were Welsh)."""

    nation: Nation = Nation.ENGLAND

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


class ExperienceStep(Sourced):
    """The cap from some years of practice on (RBWM 001:5062-5070: "Newly qualified social
    workers: 8 - 10 cases; After first year of practice: 10 - 12 cases; More than two years'
    practice: 12 - 15 cases"). The step holds once practice is longer than `after_years` years
    (0: from the start)."""

    after_years: int = Field(ge=0, le=40)
    max: int = Field(ge=0)
    label: str = Field(min_length=1, max_length=120)  # in the scheme's words


class CapRule(Sourced):
    role: StaffRole
    max: int = Field(ge=0)
    kind: Literal["hard", "benchmark"] = "hard"
    # Caps by years of practice (policy.caps.experience_cap); `max` is the cap where nothing is
    # known of the worker's practice.
    experience: tuple[ExperienceStep, ...] = ()

    @field_validator("experience")
    @classmethod
    def _steps_ascend(cls, value: tuple[ExperienceStep, ...]) -> tuple[ExperienceStep, ...]:
        years = [step.after_years for step in value]
        if value and (years != sorted(set(years)) or years[0] != 0):
            raise ValueError("experience steps start at after_years: 0 and ascend, each once")
        return value

    @property
    def lowest(self) -> int:
        """The lowest cap this rule gives anyone (the storage prefilter reads it)."""
        return min([self.max, *(step.max for step in self.experience)])


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


class AllocationRestriction(Sourced):
    """Work some staff must not lead (CAP003 003:64: NQSWs "should not lead child protection
    enquiries independently during the ASYE" but "may co-work ... agreed in supervision and
    recorded on their personal supervision record"). A case is such work while its fact
    `while_fact` is set and `until_fact` is not (the Section 47 enquiry: from the referral to the
    conference or closure, DCC 000:516 / SWIN 001:4626). policy.allocation applies it."""

    id: Id
    label: str = Field(min_length=1, max_length=80)  # the work, in the council's words
    who: str = Field(min_length=1, max_length=80)  # whom it restricts, in the council's words
    roles: tuple[StaffRole, ...] = Field(min_length=1)
    early_career: bool = True  # also anyone on the early-career programme (`asye`), any role
    while_fact: Id
    until_fact: Id | None = None
    as_lead: Literal["refuse", "flag"] = "refuse"
    co_working: Literal["allow", "flag"] = "flag"
    agreement: str | None = None  # what a co-working allocation needs, in the council's words
    # The restriction binds only someone with no completion of this course (a `courses` id)
    # recorded on or before the day: CAP003 003:30, the Section 47 course before leading one.
    unless_course: Id | None = None


class Course(Sourced):
    """A course some work needs first (CAP003 003:30: "Before independently undertaking child
    protection enquiries, social workers should have completed the 'Good Practice in
    Undertaking Section 47 Enquiries' course (or an equivalent where the social worker has
    worked in another local authority)"). Who completed it and when is recorded per person
    (the staff import's `course_<id>` column, or a manager's `course` in chat)."""

    id: Id
    label: str = Field(min_length=1, max_length=120)  # the course's name, in the council's words
    equivalent: str | None = Field(default=None, max_length=200)  # what else counts, their words


class TeamAverage(Sourced):
    """WSX/LUT 001:93: "If a team holds a caseload higher than the overall average levels set,
    this will have to be agreed by the relevant Service Lead. Such allocation must have a clear,
    maximum timescale and be subject to regular review." The level is the average children per
    case-holding worker of `roles` (001:44 "an average of 15-20 children")."""

    max_average: Decimal = Field(gt=0)
    roles: tuple[StaffRole, ...] = Field(min_length=1)
    approver: str = Field(min_length=1, max_length=80)  # who agrees it, in the council's words


class WeightingChanges(Sourced):
    """SWIN 001:4514: changes to the scheme "should not be made without the express approval of
    the Head of Service". A council's own copy of its scheme (SCHEMES_DIR) is refused unless it
    names who approved it and when (policy.weightings.weighting_change_problem)."""

    approver: str = Field(min_length=1, max_length=80)  # in the council's words


class Caseload(Model):
    weighting_scheme: TextRule | None
    unit: TextRule
    caps_preset: str | None = None  # a policy id in scoring/count_caps.yaml
    caps: tuple[CapRule, ...] = ()
    prorate_caps_by_fte: bool = False
    over_cap: OverCap
    escalation: Escalation
    analysis: Frequency | None = None
    restrictions: tuple[AllocationRestriction, ...] = ()
    courses: tuple[Course, ...] = ()
    team_average: TeamAverage | None = None
    weighting_changes: WeightingChanges | None = None

    @field_validator("restrictions")
    @classmethod
    def _one_rule_per_work(
        cls, value: tuple[AllocationRestriction, ...]
    ) -> tuple[AllocationRestriction, ...]:
        ids = [item.id for item in value]
        if len(ids) != len(set(ids)):
            raise ValueError("each restriction needs its own id")
        for item in value:
            if item.until_fact == item.while_fact:
                raise ValueError(
                    f"restriction {item.id!r}: until_fact equals while_fact, so it never applies"
                )
        return value

    @model_validator(mode="after")
    def _courses_named(self) -> Self:
        ids = [course.id for course in self.courses]
        if len(ids) != len(set(ids)):
            raise ValueError("each course needs its own id")
        for rule in self.restrictions:
            if rule.unless_course is not None and rule.unless_course not in ids:
                known = ", ".join(ids) or "none"
                raise ValueError(
                    f"restriction {rule.id!r}: unless_course {rule.unless_course!r} is not one "
                    f"of caseload.courses (known: {known})"
                )
        return self

    def course(self, course_id: str) -> Course | None:
        return next((c for c in self.courses if c.id == course_id), None)

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


class WorkloadReturn(Sourced):
    """A workload return the council owes on a day of the month (issue 25 item 2): NOTTS
    001:1285,1487 the quarterly team return by the 28th of March, June, September and December;
    WARR 001:5809 the previous month's workload per worker and team by the 15th. It is produced
    `send_working_days_before` working days before it is due (a day on no working day moves to
    the working day before), as a CSV to everyone holding a `send_to` role, and with counts only
    to the senior managers' channel. policy.returns computes the days and the content."""

    id: Id
    title: str = Field(min_length=1, max_length=80)
    months: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    due_day: int = Field(ge=1, le=28)
    covers: Literal["previous_month", "quarter"]
    send_working_days_before: int = Field(default=5, ge=0, le=15)
    send_to: tuple[StaffRole, ...] = Field(min_length=1)
    send_to_label: str = Field(min_length=1, max_length=120)  # in the council's words
    then: str | None = None  # what the recipient does with it, in the council's words
    channel: bool = True

    @field_validator("months")
    @classmethod
    def _months(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or not 1 <= value[0] <= value[-1] <= 12:
            raise ValueError("months are 1-12, ascending, each once, e.g. [3, 6, 9, 12]")
        return value


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


_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class WorkingTime(Sourced):
    """When the product books people and speaks to them (issue 23 item 2): on the nation's
    working days (weekends and its bank holidays off), within these hours. A booking on a day
    off or in someone's recorded absence is warned about, or refused where the pack says so."""

    start: str = Field(default="08:00", pattern=_CLOCK)  # nothing is sent before ...
    end: str = Field(default="18:00", pattern=_CLOCK)  # ... or from this time
    non_working_day_bookings: Literal["warn", "refuse"] = "warn"
    absence_bookings: Literal["warn", "refuse"] = "warn"

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class Meetings(Sourced):
    """What a calendar invitation says for LOCATION when the booking gave no venue (issue 23
    item 6: an empty LOCATION shows as nowhere in Outlook)."""

    virtual_location: str = Field(default="Microsoft Teams meeting", min_length=1)
    in_person_location: str = Field(default="In person: venue to be confirmed", min_length=1)


class TeamDesk(Sourced):
    """Issue 26: who besides a team's own manager may ask about a team on the desk (team
    compliance, who can take a case, remind): people of these roles, for the teams of the
    managers they line-manage (a service manager for several teams). Empty: team managers only."""

    across_teams: tuple[StaffRole, ...] = (StaffRole.SERVICE_MANAGER, StaffRole.ASSISTANT_DIRECTOR)


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
    # Issue 27: what a record started from the session's agenda puts in this section to begin
    # with (the supervisor changes it before confirming): the last record's actions with their
    # status, the caseload score, the supervisee's reflection (only if they agreed), or, in a
    # per-case section, the child's case supervision due date and last manager's decision.
    from_agenda: Literal["actions", "caseload", "reflection", "case"] | None = None


class RecordTemplate(Sourced):
    id: Id
    title: str
    used_for: tuple[SessionType, ...] = ()
    per_case: bool = False
    sections: tuple[TemplateSection, ...] = Field(min_length=1)
    # The action table's success column, in the template's words (LAM 004:547,606 "I will know
    # this works when?"): where set, every action asks it. None: the template has no such column.
    action_success: TextRule | None = None

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
    # DCC 000:105: "Where line management responsibilities change, supervision records should
    # be passed to the new line manager" (policy.record_handover).
    pass_on_manager_change: BoolRule | None = None


class Retention(Sourced):
    value: Literal["length_of_employment"] | int


class Choice(Sourced):
    """Where the council's own documents disagree (reference §19.6), the pack says what it chose."""

    topic: str
    decision: str


class Language(Model):
    """Issue 28: the language a council's people are written to unless they choose, whether its
    channel posts carry both languages (Welsh first, Welsh Language Standards), and the Welsh for
    the pack's own words (staff groups, case types, record kinds, template sections): each
    English label as written in this pack, and its Welsh. A label with no Welsh here is shown as
    written (tests/test_i18n.py holds a Welsh pack to having them all)."""

    default: Literal["en", "cy"] = "en"
    bilingual_channels: bool = False
    welsh: dict[str, str] = Field(default_factory=dict)

    def label(self, text: str, language: str) -> str:
        """The pack's word for `text` in `language`."""
        if language == "cy":
            return self.welsh.get(text, text)
        return text


class Pack(Model):
    id: Id
    council: str
    nation: Nation
    timezone: str = "Europe/London"
    documents: tuple[Document, ...] = Field(min_length=1)
    provenance: str
    supervision: Supervision
    asye: Asye | None
    # What people are told where the pack sets no early-career programme (`asye: null`): which
    # programme applies and why it is not set, with the clause (POWYS 002:57-63).
    early_career: TextRule | None = None
    case_supervision: CaseSupervision | None
    recording: Recording
    compliance: Compliance
    caseload: Caseload
    returns: tuple[WorkloadReturn, ...] = ()
    reminders: Reminders = Reminders(basis="product")
    digest: Digest = Digest(basis="product")
    actions: ActionChasing = ActionChasing(basis="product")
    working_time: WorkingTime = WorkingTime(basis="product")
    meetings: Meetings = Meetings(basis="product")
    team_desk: TeamDesk = TeamDesk(basis="product")
    reflection: Reflection | None = None
    terms: Terms
    templates: tuple[RecordTemplate, ...] = Field(min_length=1)
    record_access: RecordAccess
    retention: Retention
    choices: tuple[Choice, ...] = ()
    language: Language = Language()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use e.g. Europe/London") from exc
        return value

    @field_validator("returns")
    @classmethod
    def _unique_returns(cls, value: tuple[WorkloadReturn, ...]) -> tuple[WorkloadReturn, ...]:
        ids = [item.id for item in value]
        if len(ids) != len(set(ids)):
            raise ValueError("each return needs its own id")
        return value

    @field_validator("templates")
    @classmethod
    def _unique_templates(cls, value: tuple[RecordTemplate, ...]) -> tuple[RecordTemplate, ...]:
        ids = [t.id for t in value]
        if len(ids) != len(set(ids)):
            raise ValueError("template ids must be unique")
        return value

    @model_validator(mode="after")
    def _programme_of_its_nation(self) -> Self:
        if self.asye is not None and self.asye.nation != self.nation:
            raise ValueError(
                f"asye: the pack's nation is {self.nation.value} but its early-career programme "
                f"is {self.asye.nation.value}'s ({self.asye.labels.programme}, "
                f"{self.asye.source or 'no source'}); staff must not be told another nation's "
                "rules as their own. Give the programme the council follows (asye.nation: "
                f"{self.nation.value}, its frequencies and its source), or set `asye: null` and "
                "say in `early_career` why none is set"
            )
        if self.asye is not None and self.early_career is not None:
            raise ValueError(
                "early_career explains a missing programme, but `asye` sets one; remove one"
            )
        return self

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
