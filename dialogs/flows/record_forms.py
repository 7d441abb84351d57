"""The forms of the record flow, built from the pack's template; every typed value is kept.

Multi-select answers come back as comma-separated option values and checkboxes as "true" (or
"yes"/"on"/"1"): the platform renderers and the playground send them that way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dialogs.flow import Turn
from dialogs.flows.common import LONG_TEXT, Checked, check_form, field, prefilled, with_error
from dialogs.flows.record_plan import CHECK_IN, RecordPlan
from dialogs.i18n import _, pack_word
from dialogs.messages import AskForm, FieldKind, FormField, Option
from policy.citations import cite, cite_in_text
from policy.packs.schema import TemplateSection

CHECK_IN_AGREED = "check_in_agreed"
_TICKED = frozenset({"true", "yes", "y", "on", "1", "checked"})
DECISION_TEXT = 2000


def ticked(value: object) -> bool:
    return str(value).strip().lower() in _TICKED


def _section_field(section_id: str, title: str, required: bool, help: str | None) -> FormField:
    return field(
        section_id,
        title,
        FieldKind.TEXTAREA,
        required=required,
        help=help or "",
        max_length=LONG_TEXT,
    )


def help_of(turn: Turn, section: TemplateSection) -> str:
    """A section's help in the template's words, citations named as people can look them up."""
    return cite_in_text(turn.pack, section.help or "")


def sections_form(
    plan: RecordPlan, index: int, turn: Turn, values: Mapping[str, str], intro: str = ""
) -> AskForm:
    fields: list[FormField] = []
    for section in plan.groups[index]:
        if section.id == CHECK_IN and plan.ask_check_in:
            source = cite(turn.pack, turn.pack.recording.check_in_recorded.source)
            fields.append(
                field(
                    CHECK_IN_AGREED,
                    _("Both agree to record the check-in"),
                    FieldKind.CHECKBOX,
                    required=False,
                    help=_(
                        "The check-in is a confidential space: it is not recorded unless you "
                        "both agree"
                    )
                    + (f" ({source})" if source else "")
                    + ".",
                )
            )
            title = pack_word(turn.pack, section.title)
            fields.append(_section_field(section.id, title, False, help_of(turn, section)))
            continue
        title = pack_word(turn.pack, section.title)
        fields.append(_section_field(section.id, title, section.required, help_of(turn, section)))
    form = AskForm(
        form_id=f"record_sections_{index}",
        title=pack_word(turn.pack, plan.template.title),
        fields=tuple(fields),
        submit_label=_("Next"),
        intro=intro,
        step=f"{plan.label(f'sections:{index}')}",
    )
    return prefilled(form, values)


def check_sections(
    plan: RecordPlan, index: int, submitted: Mapping[str, str], turn: Turn
) -> Checked:
    checked = check_form(sections_form(plan, index, turn, {}), submitted, turn)
    values = checked.values
    if CHECK_IN_AGREED in values and values.get(CHECK_IN) and not ticked(values[CHECK_IN_AGREED]):
        source = cite(turn.pack, turn.pack.recording.check_in_recorded.source)
        error = _(
            "The check-in is not recorded unless you both agree{cited}: tick 'Both agree to "
            "record the check-in', or clear this box."
        ).format(cited=f" ({source})" if source else "")
        return Checked(with_error(checked.form, CHECK_IN, error), values)
    return checked


def cases_form(
    plan: RecordPlan, options: Sequence[tuple[str, str]], value: str, supervisee: str
) -> AskForm:
    form = AskForm(
        form_id="record_cases",
        title=_("Cases discussed"),
        intro=_(
            "Pick the cases from {name}'s caseload by reference (never a child's name)."
        ).format(name=supervisee),
        fields=(
            field(
                "cases",
                _("Cases discussed"),
                FieldKind.MULTISELECT,
                required=plan.cases_required,
                options=tuple(Option(ref, label) for ref, label in options),
                help=_("Leave empty if no case was discussed."),
                max_length=2000,
            ),
        ),
        submit_label=_("Next"),
        step=plan.label("cases"),
    )
    return prefilled(form, {"cases": value})


def parse_cases(raw: str, known: Sequence[str], supervisee: str) -> tuple[list[str], str]:
    """The chosen references in caseload order, or what is wrong with what was typed."""
    chosen: list[str] = []
    for token in raw.replace(";", ",").split(","):
        reference = token.strip().upper()
        if not reference:
            continue
        if reference not in known:
            return [], _(
                "{typed} is not one of {name}'s open cases. Choose from the list: {known}."
            ).format(
                typed=token.strip(), name=supervisee, known=", ".join(known) or _("there are none")
            )
        if reference not in chosen:
            chosen.append(reference)
    return [ref for ref in known if ref in chosen], ""


def case_form(
    plan: RecordPlan, turn: Turn, reference: str, number: int, total: int, values: Mapping[str, str]
) -> AskForm:
    fields = tuple(
        _section_field(s.id, pack_word(turn.pack, s.title), s.required, help_of(turn, s))
        for s in plan.case_headings
    )
    form = AskForm(
        form_id="record_case",
        title=_("Case {number} of {total}: {reference}").format(
            number=number, total=total, reference=reference
        ),
        fields=fields,
        submit_label=_("Next"),
        intro=_(
            "{note} for {reference}. Decisions come in the next step, each with its rationale."
        ).format(
            note=pack_word(turn.pack, turn.pack.terms.case_discussion_note.value),
            reference=reference,
        ),
        step=plan.label("cases"),
    )
    return prefilled(form, values)


def decision_form(
    plan: RecordPlan, references: Sequence[str], values: Mapping[str, str]
) -> AskForm:
    which = ", ".join(references) if references else _("none were picked")
    form = AskForm(
        form_id="record_decision",
        title=_("A decision"),
        fields=(
            field(
                "case",
                _("Case reference"),
                required=False,
                help=_(
                    "Cases discussed: {which}. Leave empty for a decision about no one case."
                ).format(which=which),
                max_length=40,
            ),
            field("decision", _("Decision"), FieldKind.TEXTAREA, max_length=DECISION_TEXT),
            field(
                "rationale",
                _("Rationale"),
                FieldKind.TEXTAREA,
                max_length=LONG_TEXT,
                help=_("Why: every decision needs its rationale (LAM 004:543)"),
            ),
        ),
        submit_label=_("Add decision"),
        step=plan.label("decision"),
    )
    return prefilled(form, values)


def check_decision(
    plan: RecordPlan, references: Sequence[str], submitted: Mapping[str, str], turn: Turn
) -> Checked:
    """The decision form checked; an error shows it again naming the cases picked."""
    checked = check_form(decision_form(plan, references, {}), submitted, turn)
    if not checked.values.get("rationale"):
        error = _("Every decision needs its rationale: say why it was decided (LAM 004:543).")
        return Checked(with_error(checked.form, "rationale", error), checked.values)
    return checked


def _success_field(plan: RecordPlan) -> tuple[FormField, ...]:
    """The template's success column (LAM 004:547,606 "I will know this works when?"), asked
    of every action where the template has one."""
    label = plan.template.action_success
    if label is None:
        return ()
    return (
        field(
            "success",
            label.value,
            FieldKind.TEXTAREA,
            max_length=2000,
            help=_("How you will both know the action has worked"),
        ),
    )


def action_form(plan: RecordPlan, supervisee: str, values: Mapping[str, str]) -> AskForm:
    form = AskForm(
        form_id="record_action",
        title=_("An action"),
        intro=_("Actions planned, by whom and when (DCC 000:103)."),
        fields=(
            field("description", _("What needs to be done"), FieldKind.TEXTAREA, max_length=2000),
            field(
                "owner",
                _("Who will do it"),
                help=_("'me', '{name}', or a colleague's name or email").format(name=supervisee),
                max_length=200,
            ),
            field("due", _("Done by"), FieldKind.DATE, help=_("e.g. 4/12, Fri or in 2 weeks")),
            field(
                "review",
                _("Reviewed on"),
                FieldKind.DATE,
                required=False,
                help=_("Optional: on or after the date it is due"),
            ),
            *_success_field(plan),
        ),
        submit_label=_("Add action"),
        step=plan.label("action"),
    )
    return prefilled(form, values)


def next_form(plan: RecordPlan, values: Mapping[str, str], help: str = "") -> AskForm:
    form = AskForm(
        form_id="record_next",
        title=_("Date and time of the next meeting"),
        fields=(
            field(
                "next_at",
                _("Next meeting"),
                FieldKind.DATETIME,
                help=help or "e.g. 21/12 10:00 or next Tue 2pm",
                max_length=100,
            ),
            field(
                "book",
                _("Book it now"),
                FieldKind.CHECKBOX,
                required=False,
                help=_("Books a session with the same people, type and length"),
            ),
        ),
        submit_label=_("Next"),
        step=plan.label("next"),
    )
    return prefilled(form, values)
