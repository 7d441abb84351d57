"""Actions chased (issue 27) over the playground's HTTP API: What's due offers its open actions,
each with Done, Not yet and No longer needed; only the owner closes one, once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage.db import session_factory
from storage.models import RecordAction
from tests.web.test_web_api import ids, send


async def _actions(engine: AsyncEngine, owner: int) -> list[RecordAction]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(RecordAction)
            .where(RecordAction.owner_id == owner)
            .order_by(col(RecordAction.due_date), col(RecordAction.id))
        )
        return list(rows.all())


def _buttons(reply: dict[str, Any]) -> dict[str, str]:
    return {option["label"]: option["value"] for option in reply.get("actions", [])}


def _texts(body: dict[str, Any]) -> str:
    return " ".join(str(r.get("text") or r.get("title") or "") for r in body["replies"])


async def test_an_action_is_closed_in_one_tap_by_its_owner_only(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    sam, grace = people["Sam Taylor"], people["Grace Lee"]
    open_before = [a for a in await _actions(web_engine, sam) if a.done_at is None]
    assert len(open_before) >= 2, "the demo gives Sam open actions from his last supervision"
    due = await send(playground, sam, text="what's due")
    card = next(r for r in due["replies"] if r.get("title") == "What's due")
    assert _buttons(card)["Update my actions"] == "start:action"
    listed = await send(playground, sam, choice="start:action")
    cards = [r for r in listed["replies"] if r.get("title") == "An action from your supervision"]
    assert [c["subtitle"] for c in cards] == [a.description for a in open_before][:10]
    first, second = open_before[0], open_before[1]
    buttons = _buttons(cards[0])
    assert buttons == {
        "Done": f"start:action:done:{first.id}",
        "Not yet": f"start:action:later:{first.id}",
        "No longer needed": f"start:action:drop:{first.id}",
    }
    # Someone else's click changes nothing and reveals nothing.
    refused = await send(playground, grace, choice=buttons["Done"])
    assert "not one of your actions" in _texts(refused)
    assert {a.id: a.done_at for a in await _actions(web_engine, sam)}[first.id] is None
    done = await send(playground, sam, choice=buttons["Done"])
    assert f"Marked as done: {first.description}" in _texts(done)
    again = await send(playground, sam, choice=buttons["Done"])  # a double click
    assert f"Already closed as done: {first.description}" in _texts(again)
    later = await send(playground, sam, choice=f"start:action:later:{second.id}")
    assert "Still open" in _texts(later)
    assert "I'll ask again on" in _texts(later)
    rows = {a.id: a for a in await _actions(web_engine, sam)}
    assert rows[first.id].closed_as == "done"
    assert isinstance(rows[first.id].done_at, datetime)
    assert rows[second.id].done_at is None
    assert rows[second.id].asked_on is not None  # the next ask waits the pack's interval
    dropped = await send(playground, sam, choice=f"start:action:drop:{second.id}")
    assert f"Closed as no longer needed: {second.description}" in _texts(dropped)
    assert {a.id: a.closed_as for a in await _actions(web_engine, sam)}[second.id] == "not_needed"
    nonsense = await send(playground, sam, choice="start:action:finish:abc")
    assert "Use the buttons" in _texts(nonsense)
