"""The old line manager confirms a handover (issue 27): from the button on the message the staff
import sends them when one of their supervisees moves to another manager (storage.imports.
handover). Only that old manager may confirm, once; the confirmation is audited and the new
manager is told."""

from __future__ import annotations

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.i18n import N_, _
from dialogs.inputs import parse_id
from dialogs.messages import Notify, Payload, Say, Tone


class HandoverFlow:
    name = "handover"
    title = N_("Confirm a handover")
    summary = N_("confirm the handover of a supervisee to their new line manager")
    usage = N_("handover")
    listed = False  # started from the button on the message the import sends

    async def start(self, turn: Turn, argument: str) -> Outcome:
        staff, _sep, new = argument.partition(":")
        staff_id, new_id = parse_id(staff), parse_id(new)
        found = await turn.ports.audit.handover(staff_id, new_id) if staff_id and new_id else None
        person = await turn.ports.directory.staff(staff_id) if staff_id else None
        if found is None or person is None or found[0] != turn.actor.id:
            return Outcome(
                replies=[
                    Say(
                        _(
                            "There is no handover of yours to confirm from that button: only the "
                            "previous line manager confirms one."
                        ),
                        Tone.WARNING,
                    )
                ]
            )
        assert new_id is not None
        manager = await turn.ports.directory.staff(new_id)
        new_name = manager.name if manager else _("the new line manager")
        if found[1]:
            text = _("Already confirmed: {name} has been told.").format(name=new_name)
            return Outcome(replies=[Say(text)])
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="handover",
            subject_id=str(person.id),
            target_staff_id=person.id,
            detail={"event": "confirmed", "from": turn.actor.id, "to": new_id},
        )
        told = Say(
            _("{manager} confirmed the handover of {name} to you.").format(
                manager=turn.actor.name, name=person.name
            )
        )
        done = _("Confirmed: {name}'s handover to {new}, who is told.").format(
            name=person.name, new=new_name
        )
        return Outcome(
            replies=[Say(done, Tone.SUCCESS)],
            notifications=[Notify(new_id, (told,), f"handover-confirmed:{person.id}:{new_id}")],
            recorded=_("the handover of {name}").format(name=person.name),
        )

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return await self.start(turn, "")
