"""Issue 28: after a record is saved, the supervisee's months without supervision whose reason is
not recorded (DCC 000:176) are offered in the writer's language: a supervisor who chose Cymraeg
reads the offer and its buttons in Welsh (the council's own word for the follow-up as it
writes it)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from test_dialogs_record import fill, finish, held_session
from welsh_check import assert_welsh

from dialogs.messages import AskChoice, Say
from tests.dialogs.conftest import staff_id


async def test_months_without_a_reason_are_offered_in_welsh(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # In the demo Sam Taylor had no supervision in October and no reason is recorded.
    sam = await staff_id(database, "Sam Taylor")
    session_id = await held_session(database)
    priya = await chat_as("Priya Shah")
    await priya.send("Cymraeg")
    await priya.command("record", str(session_id))
    await fill(priya)
    await fill(priya)
    await priya.submit(cases="")
    replies = await finish(priya)
    assert isinstance(replies[0], Say)
    (offer,) = [r for r in replies if isinstance(r, AskChoice)]
    assert offer.prompt.startswith("Dim goruchwyliaeth, a dim rheswm wedi'i gofnodi eto")
    assert [(o.value, o.label) for o in offer.options] == [
        (f"start:missed:{sam}:2026-10", "Sam Taylor: Hydref 2026")
    ]
    assert_welsh([{"text": offer.prompt}], set())
