"""DCC 000:176 in the record flow (issue 20 item 5): "Where it is evident that monthly
supervision of a staff member has not been complied with, the reason for this and the follow up
action should be explicitly recorded on the staff member's supervision file."

Writing up a supervision is when the supervisor has that person's file in mind, so once a record
is saved the flow offers, one button each, the supervisee's recent closed months without
supervision whose reason is not recorded yet (the figures' own judgement, policy.compliance;
the cancel flow asks when a cancellation causes one). The button starts `missed`, which asks the
reason and the follow-up action and records them. Nothing already typed is at stake: the record
is saved before it is offered, and a month left alone stays "missed, no reason recorded" in the
figures until someone records it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import check_form, field, prefilled, with_error
from dialogs.flows.rearrange import REASONS, note_field, shown
from dialogs.i18n import N_, _, format_month, pack_word
from dialogs.inputs import parse_id
from dialogs.messages import (
    AskChoice,
    AskForm,
    FieldKind,
    FormField,
    FormSubmit,
    Option,
    Payload,
    Reply,
    Say,
    Tone,
)
from policy.calendar import add_months
from policy.citations import cite, cite_in_text
from policy.compliance import monthly_compliance
from policy.packs.schema import MissedReason
from policy.vocabulary import CancelReason

MONTHS_BACK = 3  # the closed months asked about, as "what's due" lists missed ones
# policy.packs.schema.MissedReason's words where a pack keeps them: in the catalog, so they are
# shown in Welsh where the pack gives none (issue 28).
_DEFAULT_WORDS = (
    N_("Missed, reason given"),
    N_("Missed, no reason recorded"),
    N_("Follow-up action"),
    N_("Needed when this leaves the month without supervision"),
)


async def unexplained(
    turn: Turn, supervisee_ids: Sequence[int], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The supervisees' recent months without supervision whose reason is not recorded, oldest
    first: [{"staff_id", "month" (its first day, ISO), "name"}]. None where the pack does not
    ask for reasons."""
    if turn.pack.compliance.missed_reason is None or not supervisee_ids:
        return []
    inputs = await turn.ports.facts.for_staff(list(supervisee_ids), turn.today)
    mine = [person for person in inputs.staff if person.id in supervisee_ids]
    who = {person.id: person for person in mine}
    found: list[dict[str, Any]] = []
    this_month = turn.today.replace(day=1)
    for back in range(MONTHS_BACK, 0, -1):  # the closed months, oldest first
        month = add_months(this_month, -back)
        # The figures' own judgement (policy.compliance): not supervised, not excused by
        # absence or dates in post, and no reason recorded yet.
        report = monthly_compliance(
            mine, inputs.sessions, inputs.absences, turn.pack, month.year, month.month,
            inputs.missed_reasons,
        )  # fmt: skip
        for staff_id in report.not_supervised:
            if staff_id in report.reason_given or staff_id not in who:
                continue
            name = names.get(str(staff_id), who[staff_id].name)
            found.append({"staff_id": staff_id, "month": month.isoformat(), "name": name})
    return found


def _follow_up(words: MissedReason, turn: Turn) -> FormField:
    return field(
        "follow_up",
        pack_word(turn.pack, words.follow_up),
        FieldKind.TEXTAREA,
        required=False,
        max_length=2000,
        help=cite_in_text(turn.pack, pack_word(turn.pack, words.follow_up_help)),
    )


def missed_form(turn: Turn, item: Mapping[str, Any], values: Mapping[str, str]) -> AskForm:
    words = turn.pack.compliance.missed_reason
    assert words is not None  # `unexplained` finds nothing otherwise
    month = date.fromisoformat(item["month"])
    where = cite(turn.pack, words.source)
    reason = field("reason", _("Reason"), FieldKind.SELECT, options=shown(REASONS))
    intro = _(
        "The reason for this month and the follow-up action are recorded on {name}'s "
        "supervision file"
    ).format(name=item["name"])
    form = AskForm(
        form_id="record_missed_month",
        title=_("No supervision for {name} in {month}").format(
            name=item["name"], month=format_month(month)
        ),
        intro=intro + (f" ({where})" if where else "") + ".",
        fields=(reason, note_field(), _follow_up(words, turn)),
        submit_label=_("Record it"),
    )
    return prefilled(form, values)


def checked(
    turn: Turn, item: Mapping[str, Any], submitted: Mapping[str, str]
) -> tuple[AskForm, dict[str, str]]:
    """The form as submitted with every problem beside its field (nothing typed is lost)."""
    result = check_form(missed_form(turn, item, {}), submitted, turn)
    form, values = result.form, result.values
    words = turn.pack.compliance.missed_reason
    assert words is not None
    if values["reason"] == CancelReason.OTHER.value and not values["note"]:
        form = with_error(form, "note", _("Say what the reason is: Other needs its details."))
    if not values["follow_up"]:
        form = with_error(
            form,
            "follow_up",
            _("Say what the {follow_up} is: it is recorded with the reason.").format(
                follow_up=_lower(pack_word(turn.pack, words.follow_up))
            ),
        )
    return form, values


async def offer(turn: Turn, supervisee_ids: Sequence[int], names: Mapping[str, str]) -> list[Reply]:
    """After a record is saved: the supervisees' months still without a reason, a button each."""
    months = await unexplained(turn, supervisee_ids, names)
    if not months:
        return []
    buttons = tuple(
        Option(
            f"start:missed:{m['staff_id']}:{m['month'][:7]}",
            f"{m['name']}: {format_month(date.fromisoformat(m['month']))}",
        )
        for m in months[-5:]
    )
    words = turn.pack.compliance.missed_reason
    follow = _lower(pack_word(turn.pack, words.follow_up) if words else _("Follow-up action"))
    text = _(
        "No supervision, and no reason recorded yet, in these months. Record the reason and "
        "the {follow_up} for each:"
    ).format(follow_up=follow)
    return [AskChoice(text, buttons)]


class MissedMonthFlow:
    """The reason for a month without supervision and its follow-up (DCC 000:176), for a
    supervisee of yours; started from the button the record flow offers."""

    name = "missed"
    title = N_("Record why a month had no supervision")
    summary = N_("the reason and follow-up action for a month without supervision")
    usage = N_("missed")
    listed = False  # started from the record flow's buttons

    async def start(self, turn: Turn, argument: str) -> Outcome:
        staff_text, _sep, month_text = argument.partition(":")
        staff_id = parse_id(staff_text)
        try:
            month = date.fromisoformat(f"{month_text}-01")
        except ValueError:
            month = None
        mine = {p.id: p for p in await turn.ports.directory.supervisees(turn.actor.id)}
        person = mine.get(staff_id) if staff_id is not None else None
        if person is None or month is None:
            return Outcome(
                replies=[Say(_("Use the buttons offered after saving a record of your "
                               "supervisee's."), Tone.WARNING)]
            )  # fmt: skip
        item = {"staff_id": person.id, "month": month.isoformat(), "name": person.name}
        pending = await unexplained(turn, [person.id], {str(person.id): person.name})
        if item not in pending:
            text = _("{name}'s {month} needs no reason: it is recorded or not missed.").format(
                name=person.name, month=format_month(month)
            )
            return Outcome(replies=[Say(text)])
        state = FlowState(self.name, "form", {"item": item})
        return Outcome(replies=[missed_form(turn, item, {})], state=state)

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        item = state.data["item"]
        if not isinstance(payload, FormSubmit):
            hint = Say(_("Fill in the form above, or type cancel."))
            return Outcome(replies=[hint, missed_form(turn, item, {})], state=state)
        form, values = checked(turn, item, payload.values)
        if form.has_errors:
            return Outcome(replies=[form], state=state)
        staff_id, month = int(item["staff_id"]), date.fromisoformat(item["month"])
        await turn.ports.notes.missed_month(
            staff_id=staff_id,
            month=month,
            reason=CancelReason(values["reason"]),
            note=values["note"],
            follow_up=values["follow_up"],
            session_id=None,
            recorded_by_id=turn.actor.id,
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="missed_month",
            subject_id=f"{staff_id}:{month:%Y-%m}",
            target_staff_id=staff_id,
            detail={"reason": values["reason"]},
        )
        shown = format_month(month)
        text = _("Recorded on {name}'s supervision file for {month}.").format(
            name=item["name"], month=shown
        )
        recorded = _("{name}'s {month}").format(name=item["name"], month=shown)
        return Outcome(replies=[Say(text, Tone.SUCCESS)], recorded=recorded)


def _lower(words: str) -> str:
    """A label inside a sentence: "Follow up action" -> "follow up action" (a capital that only
    starts the label; "ASYE" and the like are kept)."""
    return words[:1].lower() + words[1:] if words[1:2].islower() else words
