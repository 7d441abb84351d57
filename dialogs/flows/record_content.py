"""A record as the supervisor reviews it and the supervisee signs it: one card for both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.flow import Turn
from dialogs.flows.record_forms import CHECK_IN_AGREED, ticked
from dialogs.flows.record_plan import CHECK_IN, NEXT_MEETING, RecordPlan
from dialogs.i18n import _, pack_word
from dialogs.messages import Card, CardSection, Fact, Option
from dialogs.views import RecordView
from dialogs.when import describe, describe_day
from policy.asye import short_asye_session
from policy.packs import Pack
from policy.vocabulary import SessionType


@dataclass(frozen=True, slots=True)
class RecordContent:
    sections: tuple[tuple[str, str], ...]  # (title, text) in template order
    cases: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (reference, (heading, text))
    decisions: tuple[tuple[str, str, str], ...]  # (reference or "", decision, rationale)
    # (what, who, due, review, success: LAM 004:547,606 "I will know this works when?")
    actions: tuple[tuple[str, str, date, date | None, str | None], ...]
    next_meeting: str
    action_success: str = "I will know this works when"  # the template's words for it


def _success_label(plan: RecordPlan) -> str:
    label = plan.template.action_success
    return label.value if label is not None else "I will know this works when"


async def length_flags(
    turn: Turn, kind: SessionType, start: datetime, end: datetime, supervisee_ids: Sequence[int]
) -> tuple[Fact, ...]:
    """A flag on the record where it is a shorter ASYE session than the pack expects (LAM
    004:317, policy.asye.short_asye_session): recorded and counted all the same."""
    minutes = int((end - start).total_seconds() // 60)
    day = start.astimezone(turn.zone).date()
    flags: list[Fact] = []
    for staff_id in supervisee_ids:
        person = await turn.ports.directory.staff(staff_id)
        start_of_asye = person.asye_start if person is not None else None
        note = short_asye_session(turn.pack.asye, start_of_asye, kind, day, minutes)
        if note:
            who = f"{person.name}: " if person is not None and len(supervisee_ids) > 1 else ""
            flags.append(Fact(_("Length"), f"{who}{note}"))
    return tuple(flags)


def final_sections(plan: RecordPlan, data: Mapping[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """The record's sections as saved: the check-in only when agreed (LAM 004:433)."""
    answers: Mapping[str, str] = data.get("sections", {})
    agreed = not plan.ask_check_in or ticked(answers.get(CHECK_IN_AGREED, ""))
    sections: dict[str, str] = {}
    for group in plan.groups:
        for section in group:
            text = answers.get(section.id, "")
            if text and (section.id != CHECK_IN or agreed):
                sections[section.id] = text
    cases = data.get("cases", [])
    for section_id in plan.case_section_ids:
        # DCC 000:153: section four names each child discussed (by case reference here).
        sections[section_id] = cases_named(cases)
    next_at = data.get("next", {}).get("at")
    if next_at and any(s.id == NEXT_MEETING for s in plan.template.sections):
        sections[NEXT_MEETING] = describe(datetime.fromisoformat(next_at), zone)
    return sections


def cases_named(cases: Sequence[str]) -> str:
    """The text of a section that lists the cases discussed: the product's words, not the
    writer's, so a reader sees them in their own language (issue 28)."""
    if not cases:
        return _("No cases discussed.")
    return _("Cases discussed: {cases}").format(cases=", ".join(cases))


def _ordered(plan: RecordPlan, sections: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    ids = [s.id for s in plan.template.sections]
    ids += [key for key in sections if key not in ids]
    return tuple(
        (plan.section_title(key), sections[key])
        for key in ids
        if key in sections and key != NEXT_MEETING
    )


def _headings(
    plan: RecordPlan, notes: Mapping[str, Mapping[str, str]]
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    titles = {h.id: h.title for h in plan.case_headings}
    return tuple(
        (ref, tuple((titles.get(key, key), text) for key, text in headings.items() if text))
        for ref, headings in notes.items()
    )


def content_from_draft(
    plan: RecordPlan, data: Mapping[str, Any], names: Mapping[str, str], zone: ZoneInfo
) -> RecordContent:
    notes = data.get("case_notes", {})
    next_at = data.get("next", {}).get("at")
    return RecordContent(
        sections=_ordered(plan, final_sections(plan, data, zone)),
        cases=_headings(plan, {ref: notes.get(ref, {}) for ref in data.get("cases", [])}),
        decisions=tuple((d["case"], d["decision"], d["rationale"]) for d in data["decisions"]),
        actions=tuple(
            (
                a["description"],
                names.get(str(a["owner_id"]), _("someone")),
                date.fromisoformat(a["due"]),
                date.fromisoformat(a["review"]) if a.get("review") else None,
                a.get("success"),
            )
            for a in data["actions"]
        ),
        next_meeting=describe(datetime.fromisoformat(next_at), zone) if next_at else _("not set"),
        action_success=_success_label(plan),
    )


def content_from_view(
    plan: RecordPlan, record: RecordView, names: Mapping[int, str], zone: ZoneInfo
) -> RecordContent:
    # The sections listing the cases were written by the product from the record's cases:
    # written again in the reader's language (nothing a person typed is in them).
    sections = dict(record.sections)
    for section_id in plan.case_section_ids:
        if section_id in sections:
            sections[section_id] = cases_named(record.case_references)
    return RecordContent(
        sections=_ordered(plan, sections),
        cases=_headings(plan, record.case_notes)
        or tuple((ref, ()) for ref in record.case_references),
        decisions=tuple(
            (d.case_reference or "", d.decision, d.rationale) for d in record.decisions
        ),
        actions=tuple(
            (
                a.description,
                names.get(a.owner_id, _("someone")),
                a.due_date,
                a.review_date,
                a.success,
            )
            for a in record.actions
        ),
        next_meeting=(
            describe(record.next_meeting_at, zone) if record.next_meeting_at else _("not set")
        ),
        action_success=_success_label(plan),
    )


def record_card(
    title: str,
    subtitle: str,
    facts: tuple[Fact, ...],
    content: RecordContent,
    actions: tuple[Option, ...] = (),
    pack: Pack | None = None,
) -> Card:
    """`pack`: for its template's words in the reader's language (issue 28)."""

    def word(text: str) -> str:
        return pack_word(pack, text) if pack is not None else text

    sections = [CardSection(word(title), (text,)) for title, text in content.sections]
    for reference, headings in content.cases:
        lines = tuple(f"{word(heading)}: {text}" for heading, text in headings)
        sections.append(
            CardSection(
                _("Case {reference}").format(reference=reference), lines or (_("Discussed."),)
            )
        )
    sections.append(
        CardSection(
            _("Decisions"),
            tuple(
                (f"{ref}: " if ref else "")
                + _("{decision} (rationale: {rationale})").format(
                    decision=decision, rationale=rationale
                )
                for ref, decision, rationale in content.decisions
            )
            or (_("No decisions recorded."),),
        )
    )
    sections.append(
        CardSection(
            _("Actions"),
            tuple(
                _("{what} ({who}, by {day}").format(what=what, who=who, day=describe_day(due))
                + (_(", review {day}").format(day=describe_day(review)) if review else "")
                + ")"
                + (f". {word(content.action_success)}: {success}" if success else "")
                for what, who, due, review, success in content.actions
            )
            or (_("No actions recorded."),),
        )
    )
    sections.append(CardSection(_("Date and time of next meeting"), (content.next_meeting,)))
    return Card(
        title=title, subtitle=subtitle, facts=facts, sections=tuple(sections), actions=actions
    )
