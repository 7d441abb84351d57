"""What every flow needs: form fields with validation, finding people and cases, checking access."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from dialogs.access import Relation, relation
from dialogs.flow import Turn
from dialogs.i18n import _
from dialogs.inputs import ANY_DATE, Window, clean_text, is_number, parse_id, quoted
from dialogs.messages import AskForm, FieldKind, FormField, Option
from dialogs.views import CaseView, StaffView
from dialogs.when import WhenError, describe_day, parse_day, parse_when

LONG_TEXT = 10_000  # a record section: generous, but a pasted document is refused, not cut
SHORT_TEXT = 500
NAME_TEXT = 200  # a name or an email: anything longer is not one


def clean(text: str) -> str:
    """Keep what people typed (Welsh, emoji, markup as text) but drop invisible control bytes
    and what no database can store (NUL, half an emoji)."""
    return clean_text(text).strip()


@dataclass(frozen=True, slots=True)
class Checked:
    """A form's answers after validation: the form again with errors, or the parsed values."""

    form: AskForm
    values: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.form.has_errors


def check_form(
    form: AskForm,
    submitted: Mapping[str, str],
    turn: Turn,
    *,
    future_only: Sequence[str] = (),
    windows: Mapping[str, Window] | None = None,
) -> Checked:
    """Validate each field by its kind; every typed value is kept, errors say what to write.
    A date outside its window (`ANY_DATE` unless given) names the dates it can take."""
    fields: list[FormField] = []
    values: dict[str, str] = {}
    for field in form.fields:
        raw = clean(str(submitted.get(field.name, "")))
        error = ""
        if not raw:
            if field.required:
                error = _("{label} is required.").format(label=field.label)
        elif len(raw) > field.max_length:
            error = _(
                "{label} is {length:,} characters; the limit is {limit:,}. "
                "Shorten it (your text is kept here)."
            ).format(label=field.label, length=len(raw), limit=field.max_length)
        elif field.kind is FieldKind.DATETIME:
            try:
                moment = parse_when(raw, turn.now, turn.zone)
                if field.name in future_only and moment <= turn.now:
                    error = _("{label}: that time has passed. Choose a time in the future.").format(
                        label=field.label
                    )
                else:
                    window = (windows or {}).get(field.name, ANY_DATE)
                    day = moment.astimezone(turn.zone).date()
                    error = window.problem(field.label, day, turn.today)
            except WhenError as exc:
                error = f"{field.label}: {exc}."  # the WhenError is in the person's language
        elif field.kind is FieldKind.DATE:
            try:
                day = parse_day(raw, turn.today)
                window = (windows or {}).get(field.name, ANY_DATE)
                error = window.problem(field.label, day, turn.today)
            except WhenError as exc:
                error = f"{field.label}: {exc}."
        elif field.kind is FieldKind.NUMBER and not re.fullmatch(r"\d{1,4}", raw):
            error = _("{label}: write a whole number, such as 90.").format(label=field.label)
        elif field.kind is FieldKind.SELECT and raw not in {o.value for o in field.options}:
            error = _("{label}: choose one of the options.").format(label=field.label)
        fields.append(replace(field, value=raw, error=error))
        values[field.name] = raw
    return Checked(replace(form, fields=tuple(fields)), values)


def when_value(values: Mapping[str, str], name: str, turn: Turn) -> datetime:
    return parse_when(values[name], turn.now, turn.zone)


def day_value(values: Mapping[str, str], name: str, turn: Turn) -> date:
    return parse_day(values[name], turn.today)


def joined_problem(person: StaffView, day: date, label: str) -> str:
    """Nothing about a person is dated before they started here."""
    if person.start_date is None or day >= person.start_date:
        return ""
    started = describe_day(person.start_date)
    return _("{label}: {name} started here on {started}. Use that date or a later one.").format(
        label=label, name=person.name, started=started
    )


def with_error(form: AskForm, name: str, error: str) -> AskForm:
    fields = tuple(replace(f, error=error) if f.name == name else f for f in form.fields)
    return replace(form, fields=fields)


def prefilled(form: AskForm, values: Mapping[str, str]) -> AskForm:
    fields = tuple(replace(f, value=values.get(f.name, f.value)) for f in form.fields)
    return replace(form, fields=fields)


def people_options(people: Sequence[StaffView]) -> tuple[Option, ...]:
    return tuple(Option(str(p.id), f"{p.name} ({p.role.value.replace('_', ' ')})") for p in people)


async def resolve_person(turn: Turn, typed: str) -> tuple[StaffView | None, str]:
    """One person from a typed name or email, or why not ("2 people match 'Sam': ...")."""
    text = clean(typed)
    if len(text) > NAME_TEXT:
        return None, _("That is too long for a name or an email: type the person's name or email.")
    if is_number(text):
        staff_id = parse_id(text)
        person = await turn.ports.directory.staff(staff_id) if staff_id else None
        if person is not None and person.organisation_id == turn.actor.organisation_id:
            return person, ""
        if staff_id is None:
            return None, _("No staff member has the number {number}: type a name or email.").format(
                number=quoted(text)
            )
    found = await turn.ports.directory.find_staff(turn.actor.organisation_id, text)
    if not found:
        return None, _(
            "Nobody called '{name}' works here. Check the spelling or use their email."
        ).format(name=quoted(text))
    if len(found) > 1:
        names = ", ".join(p.name for p in found[:5])
        return None, _("{count} people match '{text}': {names}. Type more of the name.").format(
            count=len(found), text=text, names=names
        )
    return found[0], ""


async def relation_to(turn: Turn, subject: StaffView) -> Relation:
    chain = await turn.ports.directory.management_chain(subject.id)
    teams = await turn.ports.directory.teams_managed_by(turn.actor.id)
    return relation(turn.actor, subject, chain, [t.id for t in teams])


_CASE_REF = re.compile(r"\b([A-Za-z]{1,4}-?\d{2,10})\b")


def find_case_reference(text: str) -> str | None:
    match = _CASE_REF.search(text)
    return match.group(1).upper() if match else None


async def resolve_case(turn: Turn, reference: str) -> tuple[CaseView | None, str]:
    case = await turn.ports.cases.by_reference(turn.actor.organisation_id, reference)
    if case is None:
        return None, _(
            "There is no case {reference} here. Use the case reference from the case "
            "management system, such as C-1042."
        ).format(reference=quoted(reference))
    return case, ""


def field(
    name: str,
    label: str,
    kind: FieldKind = FieldKind.TEXT,
    *,
    required: bool = True,
    help: str = "",
    options: tuple[Option, ...] = (),
    max_length: int = SHORT_TEXT,
    value: str = "",
) -> FormField:
    return FormField(
        name=name,
        label=label,
        kind=kind,
        required=required,
        help=help,
        options=options,
        max_length=max_length,
        value=value,
    )
