"""Which template a record follows, how its steps are split, and how late it was written.

DCC 000:253-276 (Appendix 1, Record of Supervision) and LAM 004:490-663 (Appendices B-E) are
packs' `templates`; a record follows the one used for the session's type. Each child discussed
gets the pack's per-case headings (DCC 000:155-160 case note; LAM 004:490-606 case tools).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialogs.i18n import N_, _, ngettext, pack_word
from policy.calendar import WorkingCalendar, local_date
from policy.citations import cite
from policy.packs.schema import Pack, RecordTemplate, TemplateSection
from policy.recording import pack_kind
from policy.vocabulary import SessionType

GROUP_SIZE = 3  # sections per form: long records are split across steps
CHECK_IN = "check_in"
NEXT_MEETING = "next_meeting"
# Sections the flow asks for in their own structured step (or, signatures, in the sign flow).
DEDICATED = frozenset({NEXT_MEETING, "signatures", "actions", "decisions"})
_GENERIC_CASE = TemplateSection(id="discussion", title=N_("Discussion"))


@dataclass(frozen=True, slots=True)
class RecordPlan:
    template: RecordTemplate
    groups: tuple[tuple[TemplateSection, ...], ...]  # general sections, one form per group
    case_headings: tuple[TemplateSection, ...]  # asked for each case discussed
    case_section_ids: tuple[str, ...]  # sections that list the cases (DCC 000:153 section four)
    cases_required: bool  # a per-case template: the record is its cases
    ask_check_in: bool  # LAM 004:433: the check-in is recorded only when both agree
    scored: bool  # the pack has a weighting scheme: the caseload step is offered

    @property
    def step_keys(self) -> tuple[str, ...]:
        keys = [f"sections:{n}" for n in range(len(self.groups))]
        keys += ["cases", "decisions", "actions", "next"]
        if self.scored:
            keys.append("caseload")
        return (*keys, "review")

    def label(self, step: str) -> str:
        """'Step 3 of 8' for a flow step ('case:2' is part of the cases step)."""
        key = step
        if step.startswith("case:"):
            key = "cases"
        elif step in ("decision", "action"):
            key = step + "s"
        elif step.startswith("caseload"):
            key = "caseload"
        keys = self.step_keys
        number = keys.index(key) + 1 if key in keys else 1
        return _("Step {number} of {total}").format(number=number, total=len(keys))

    @property
    def first_step(self) -> str:
        return "sections:0" if self.groups else "cases"

    def section_title(self, section_id: str) -> str:
        return next((s.title for s in self.template.sections if s.id == section_id), section_id)


def main_template(pack: Pack, session_type: SessionType) -> RecordTemplate:
    """The pack's template for this kind of session: a whole-record one before a per-case one."""
    used = [t for t in pack.templates if session_type in t.used_for]
    for template in used:
        if not template.per_case:
            return template
    return used[0] if used else pack.templates[0]


def _case_template(
    pack: Pack, session_type: SessionType, main: RecordTemplate
) -> RecordTemplate | None:
    if main.per_case:
        return main
    for template in pack.templates:
        if template.per_case and session_type in template.used_for:
            return template
    # e.g. LAM professional supervision: the pack's case discussion tool (004:490-547).
    return next((t for t in pack.templates if t.per_case and t.used_for), None)


def plan_for(pack: Pack, session_type: SessionType) -> RecordPlan:
    main = main_template(pack, session_type)
    general = [
        s for s in main.sections if not main.per_case and not s.per_case and s.id not in DEDICATED
    ]
    case_template = _case_template(pack, session_type, main)
    main_per_case = tuple(s for s in main.sections if s.per_case and not main.per_case)
    if case_template is not None:
        # Decisions are asked in their own step, each with its case and rationale (LAM 004:543).
        headings = tuple(s for s in case_template.sections if s.id != "decisions")
    else:
        headings = main_per_case or (_GENERIC_CASE,)
    groups = tuple(tuple(general[n : n + GROUP_SIZE]) for n in range(0, len(general), GROUP_SIZE))
    return RecordPlan(
        template=main,
        groups=groups,
        case_headings=headings,
        case_section_ids=tuple(s.id for s in main_per_case),
        cases_required=main.per_case,
        ask_check_in=not pack.recording.check_in_recorded.value
        and any(s.id == CHECK_IN for s in general),
        scored=pack.caseload.weighting_scheme is not None,
    )


def record_title(pack: Pack, kind_id: str, session_type: SessionType) -> str:
    """What a record is called: the kind's label where the pack keeps more than one kind of
    record (LAM 004:350,356; a record written before the kinds were listed is the first kind
    its session calls for), else the pack's own word for a supervision record."""
    kinds = pack.recording.record_kinds
    if len(kinds) > 1:
        wanted = pack_kind(kind_id, session_type, pack)
        for kind in kinds:
            if kind.id == wanted:
                return pack_word(pack, kind.label)
    return pack_word(pack, pack.terms.supervision_record.value)


def template_type(pack: Pack, session_type: SessionType, kind_id: str) -> SessionType:
    """The session type whose template a record of this kind follows: the session's own, unless
    the kind is for other sessions (a case record written for a professional session that gave
    time to case discussion follows the case discussion template; LAM 004:202,348)."""
    for kind in pack.recording.record_kinds:
        if kind.id == kind_id and session_type not in kind.applies_to:
            return kind.applies_to[0]
    return session_type


def _days(count: int) -> str:
    return ngettext("{n} working day", "{n} working days", count).format(n=count)


def timing_text(
    pack: Pack, session_end: datetime, written_at: datetime, kind_id: str | None = None
) -> str:
    """When the record was written against the pack's deadline (LAM 004:350,356; DCC 000:103),
    that of its kind where the pack lists kinds, each with its own."""
    calendar = WorkingCalendar(pack.nation)
    held_on = local_date(session_end, pack.zone)
    written_on = local_date(written_at, pack.zone)
    gap = calendar.working_days_between(held_on, written_on)
    when = (
        _("on the day of the session")
        if gap <= 0
        else _("{days} after the session").format(days=_days(gap))
    )
    rules = pack.recording
    kind = next((k for k in rules.kinds if k.id == kind_id), None)
    allowed: int | None = None
    source: str | None = None
    if kind is not None:
        allowed, source = kind.deadline_working_days, kind.source
    elif rules.deadline_working_days is not None:
        allowed, source = rules.deadline_working_days.value, rules.deadline_working_days.source
    if allowed is None:
        note = (
            pack_word(pack, rules.deadline_note.value)
            if rules.deadline_note
            else _("as soon as possible")
        )
        source = cite(pack, rules.deadline_note.source) if rules.deadline_note else None
        cited = f" ({source})" if source else ""
        return _("Written {when}; {council} expects it {note}{cited}.").format(
            when=when, council=pack.council, note=f"{note[:1].lower()}{note[1:]}", cited=cited
        )
    due = calendar.add_working_days(held_on, allowed)
    cited = f" ({c})" if (c := cite(pack, source)) else ""
    if written_on <= due:
        verdict = _("on time")
    else:
        verdict = _("{days} late").format(
            days=_days(calendar.working_days_between(due, written_on))
        )
    expects = ""
    if rules.deadline_note:  # the council's own words, then the days they come to (DCC 000:103)
        note = pack_word(pack, rules.deadline_note.value)
        own = cite(pack, rules.deadline_note.source)
        noted = f" ({own})" if own and f" ({own})" != cited else ""  # one citation if the same
        expects = _("{council} expects it {note}, ").format(
            council=pack.council, note=f"{note[:1].lower()}{note[1:]}{noted}"
        )
    return _("Written {when}; {expects}{days} allowed{cited}: {verdict}.").format(
        when=when, expects=expects, days=_days(allowed), cited=cited, verdict=verdict
    )
