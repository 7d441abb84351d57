"""The team manager's desk over the playground's HTTP API on loopback (issue 26): a team's
manager, a worker who asks, and the manager of another team."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from test_web_api import API, get, ids, send

from storage.db import session_factory
from storage.models import AuditEvent


def cards(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in body["replies"] if r["type"] == "card"]


def said(body: dict[str, Any]) -> str:
    return " ".join(r["text"] for r in body["replies"] if r["type"] == "say")


async def audited(engine: AsyncEngine) -> list[AuditEvent]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(AuditEvent).where(
                AuditEvent.subject_type.in_(  # type: ignore[attr-defined]
                    ["allocation_what_if", "supervision_compliance"]
                )
            )
        )
        return list(rows.all())


async def test_a_team_manager_gets_the_desk_privately(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    priya = people["Priya Shah"]
    body = await send(playground, priya, text="who in my team is overdue supervision")
    (card,) = cards(body)
    assert card["title"] == "Supervision compliance: Safeguarding North"
    headings = [s["heading"] for s in card["sections"]]
    assert "Overdue" in headings
    assert "By staff group" in headings
    assert card["actions"], "each line has a button to act on"

    body = await send(playground, priya, text="who can take a new CP case")
    (ranked,) = cards(body)
    assert ranked["title"] == "Who can take a CP case: Safeguarding North"
    lines = ranked["sections"][0]["lines"]
    assert lines[0].startswith("1. ")
    assert "→" in lines[0]
    assert body["flow"] is None  # a view: nothing waits for an answer, nothing is saved

    details = ranked["actions"][0]["value"]
    assert details.startswith("start:whatif:")
    (one,) = cards(await send(playground, priya, choice=details))
    assert one["title"].startswith("What if ")
    assert {a.actor_id for a in await audited(web_engine)} == {priya}


async def test_a_worker_is_refused_and_told_who_can(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    sam = (await ids(playground))["Sam Taylor"]
    for text in ("how's my team's compliance", "who can take a new CP case"):
        body = await send(playground, sam, text=text)
        assert not cards(body), text
        assert "ask your team manager, Priya Shah" in said(body)
    body = await send(playground, sam, text="what if Tom Evans took a CP case")
    assert not cards(body)
    assert "Only Tom and their managers" in said(body)
    assert await audited(web_engine) == []


async def test_another_team_s_manager_sees_only_their_team(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    daniel, sam = people["Daniel Hughes"], people["Sam Taylor"]
    body = await send(playground, daniel, text="team compliance")
    assert [c["title"] for c in cards(body)] == ["Supervision compliance: Children in Care"]
    body = await send(playground, daniel, text="what would Sam Taylor's score be with a CP case")
    assert not cards(body)
    assert "Only Sam and their managers" in said(body)
    body = await send(playground, daniel, text="who has room for a new CLA case")
    text = str(cards(body))
    assert "Sam Taylor" not in text
    assert "Grace Lee" in text
    assert all(a.target_staff_id != sam for a in await audited(web_engine))


async def test_remind_reaches_the_person_s_inbox_once(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    """Issue 26 item 1 over the playground: the Remind button on team compliance puts one
    private reminder in the person's inbox; the second tap is told it was already sent."""
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    (card,) = cards(await send(playground, priya, text="team compliance"))
    remind = next(a for a in card["actions"] if a["label"] == "Remind Sam")
    body = await send(playground, priya, choice=remind["value"])
    assert said(body).startswith("Sent Sam a private reminder")
    assert body["notified"] == 1
    _, inbox = await get(playground, f"{API}/inbox/{sam}")
    (message,) = inbox["messages"]
    assert message["status"] == "posted"
    (reminder,) = message["replies"]
    assert reminder["title"] == "A reminder: overdue supervision work"

    body = await send(playground, priya, choice=remind["value"])
    assert "already been sent a reminder today" in said(body)
    assert body["notified"] == 0
    _, inbox = await get(playground, f"{API}/inbox/{sam}")
    assert len(inbox["messages"]) == 1
    _, mine = await get(playground, f"{API}/inbox/{priya}")
    assert mine["messages"] == []
    async with session_factory(web_engine)() as session:
        rows = await session.exec(
            select(AuditEvent).where(AuditEvent.subject_type == "supervision_reminder")
        )
        assert [(e.action, e.actor_id, e.target_staff_id) for e in rows.all()] == [
            ("remind", priya, sam)
        ]


async def test_who_can_take_a_case_from_the_form(playground: TestServer) -> None:
    """Issue 26 ("or a form") over the playground: the form's answers rank the team as the
    same words typed do."""
    priya = (await ids(playground))["Priya Shah"]
    (typed,) = cards(await send(playground, priya, text="who can take a CP sibling group of 2"))
    (form,) = (await send(playground, priya, choice="start:whocan:(form)"))["replies"]
    assert form["type"] == "form"
    values = {f["name"]: f["value"] for f in form["fields"]} | {"kind": "cp", "children": "2"}
    body = await send(playground, priya, form={"form_id": form["form_id"], "values": values})
    (ranked,) = cards(body)
    assert (
        ranked["title"]
        == typed["title"]
        == "Who can take a CP sibling group of 2: Safeguarding North"
    )
    assert ranked["sections"][0] == typed["sections"][0]
