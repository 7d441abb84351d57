"""A record started from the session's agenda (issue 27 item 3): what the agenda listed goes into
the record's form to begin with, where the pack's template has a section for it (a section's
`from_agenda` in the pack): the last record's actions with their status (DCC 000:255 "Review plan
of action from previous meeting"), the caseload score, the supervisee's reflection only where
they agreed it may be copied (item 4), and the children the agenda listed, pre-picked as the
cases discussed, each with its due date and last manager's decision in its per-case section.

Nothing is written: it is the flow's state, which the supervisor changes and confirms as any
record (dialogs.flows.record_save).
"""

from __future__ import annotations

from typing import Any

from dialogs.agenda import agenda_actions, agenda_cases, caseload_text
from dialogs.flow import Turn
from dialogs.flows.record_plan import RecordPlan
from dialogs.i18n import _, pack_word
from dialogs.scores import caseload_of
from dialogs.views import SessionView


async def prefill(turn: Turn, plan: RecordPlan, session: SessionView, data: dict[str, Any]) -> str:
    """Fill `data` from the agenda; returns what was filled in, in the template's words."""
    on = session.start.astimezone(turn.zone).date()
    general = [s for group in plan.groups for s in group if s.from_agenda]
    per_case = [s for s in plan.case_headings if s.from_agenda == "case"]
    texts: dict[str, list[str]] = {}
    listed: dict[str, str] = {}
    several = len(session.supervisee_ids) > 1
    for staff_id in session.supervisee_ids:
        supervisee = await turn.ports.directory.staff(staff_id)
        if supervisee is None:
            continue
        _section, cases = await agenda_cases(turn, on, supervisee)
        for case, text in cases:
            listed.setdefault(case.reference, text)
        whose = f"{supervisee.name}: " if several else ""
        for section in general:
            found: tuple[str, ...] = ()
            if section.from_agenda == "actions":
                found = await agenda_actions(turn, supervisee)
            elif section.from_agenda == "caseload":
                found = (caseload_text(await caseload_of(turn, supervisee)),)
            elif (
                section.from_agenda == "reflection"
                and await turn.ports.sessions.reflection_shared(session.id, staff_id)
            ):  # only with their yes (item 4)
                answer = await turn.ports.sessions.reflection(session.id, staff_id)
                found = (answer,) if answer else ()
            texts.setdefault(section.id, []).extend(f"{whose}{line}" for line in found)
    filled = []
    for section in general:
        if texts.get(section.id):
            data["sections"][section.id] = "\n".join(texts[section.id])
            filled.append(pack_word(turn.pack, section.title))
    chosen = [ref for ref, *_rest in data["case_options"] if ref in listed]
    if chosen:
        data["cases"] = chosen
        filled.append(_("the cases discussed ({cases})").format(cases=", ".join(chosen)))
        for ref in chosen:
            for section in per_case:
                note = listed[ref][:1].upper() + listed[ref][1:]
                data["case_notes"].setdefault(ref, {})[section.id] = _(
                    "From the agenda: {note}."
                ).format(note=note)
    return "; ".join(filled)
