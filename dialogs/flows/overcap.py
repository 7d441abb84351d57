"""Over-cap allocation: reason, approver and a maximum end date (policy_rules §10).

WSX/LUT 001:85: allocation above the maximum needs the reason explained and recorded and a clear
maximum timescale; CAP003 003:70-71: more than 22 cases needs the operations manager's agreement
before allocation. The pack says who approves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from dialogs.flow import Outcome, Turn
from dialogs.flows.common import LONG_TEXT, day_value, field, joined_problem, resolve_person
from dialogs.flows.form_flow import ManagerRecordFlow
from dialogs.i18n import N_, _, pack_word
from dialogs.inputs import AROUND_NOW, Window
from dialogs.messages import AskForm, FieldKind, Notify, Say, Tone
from dialogs.when import describe_day


class OverCapFlow(ManagerRecordFlow):
    name = "overcap"
    title = N_("Record an over-cap allocation")
    summary = N_(
        "record why a worker is allocated above the caseload cap, who agreed, and until when"
    )
    usage = N_("overcap [person]")
    what = N_("over-cap allocations")
    windows: ClassVar[Mapping[str, Window]] = {"start": AROUND_NOW, "max_end": AROUND_NOW}

    def form(self, turn: Turn) -> AskForm:
        approver = pack_word(turn.pack, turn.pack.caseload.over_cap.approver_label)
        return AskForm(
            form_id=self.name,
            title=_(self.title),
            intro=_("Your policy: agreed by the {approver}, with a maximum timescale.").format(
                approver=approver
            ),
            fields=(
                field("person", _("Worker"), help=_("Name or email")),
                field(
                    "approver",
                    _("Agreed by"),
                    help=_("The {approver} who agreed it").format(approver=approver),
                ),
                field("reason", _("Reason"), FieldKind.TEXTAREA, max_length=LONG_TEXT),
                field("start", _("From"), FieldKind.DATE, value=_("today")),
                field(
                    "max_end",
                    _("Back within the cap by"),
                    FieldKind.DATE,
                    help=_("The latest date; it will be reviewed in supervision"),
                ),
            ),
        )

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        worker, refused = await self.managed_worker(turn, values["person"])
        if worker is None:
            return refused
        approver, problem = await resolve_person(turn, values["approver"])
        if approver is None:
            return {"approver": problem}
        if not approver.role.is_manager:
            return {"approver": _("{name} is not a manager.").format(name=approver.name)}
        start, end = day_value(values, "start", turn), day_value(values, "max_end", turn)
        if joined := joined_problem(worker, start, _("From")):
            return {"start": joined}
        if end <= start:
            return {"max_end": _("The end date must be after the start date.")}
        return {}

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        worker, _unused = await resolve_person(turn, values["person"])
        approver, _unused = await resolve_person(turn, values["approver"])
        assert worker is not None
        assert approver is not None
        start, end = day_value(values, "start", turn), day_value(values, "max_end", turn)
        approval_id = await turn.ports.notes.over_cap_approval(
            staff_id=worker.id,
            approver_id=approver.id,
            recorded_by_id=turn.actor.id,
            reason=values["reason"],
            start=start,
            max_end=end,
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="over_cap_approval",
            subject_id=str(approval_id),
            target_staff_id=worker.id,
        )
        text = _(
            "Recorded: {name} may hold cases above the cap until {day}, agreed by {approver}. "
            "You will be reminded before that date."
        ).format(name=worker.name, day=describe_day(end), approver=approver.name)
        tell = Say(
            _(
                "{manager} recorded that your caseload may be above the cap until {day} (agreed "
                "by {approver}). Talk to them in supervision if this worries you."
            ).format(manager=turn.actor.name, day=describe_day(end), approver=approver.name)
        )
        notes = [Notify(worker.id, (tell,), key=f"overcap:{approval_id}")]
        recorded = _("over-cap approval for {name} until {day}").format(
            name=worker.name, day=describe_day(end)
        )
        return Outcome(replies=[Say(text, Tone.SUCCESS)], notifications=notes, recorded=recorded)
