"""Issue 23 item 5: a Teams person the app is not installed for is reached through Graph where
the council permits it, and otherwise their messages are held (not sent, not lost, not
dead-lettered), counted, and sent once the app is installed for them. Over real HTTP: the bot,
the fake Teams connector and a fake Graph with its token endpoint, each on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.app import SENDERS, create_app
from bot.dispatcher import Dispatcher
from dialogs.messages import Say
from dialogs.serialise import to_dict
from storage.db import session_factory
from storage.models import ConversationReference, OutboxMessage, Staff
from storage.outbox import enqueue
from storage.queries.reach import held_counts, unreachable
from tests.teams.conftest import (
    PRIYA,
    SAM,
    FakeConnector,
    TeamsBot,
    fixed_clock,
    personal_install,
    settings,
)
from tests.teams.graph_fake import CATALOG_APP, FakeGraph, graph  # noqa: F401  (a fixture)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def person(database: AsyncEngine, name: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.name == name))).one()


async def hold_a_reminder(
    database: AsyncEngine,
    staff: Staff,
    key: str = "reminder:1",
    *,
    text: str = "Your supervision is due on Friday.",
    kind: str = "reminder",
    at: datetime = NOW,
) -> None:
    """What the scheduler queues for someone with no chat: the inbox row (destinations_of)."""
    async with session_factory(database)() as session:
        await enqueue(
            session,
            key=f"{key}:web",
            platform="web",
            target=f"staff:{staff.id}",
            kind=kind,
            payload={"replies": [to_dict(Say(text))]},
            due_at=at,
        )
        await session.commit()


async def rows(database: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(database)() as session:
        return list((await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def deliver(bot: TeamsBot, database: AsyncEngine, at: datetime = NOW) -> None:
    await Dispatcher(database, bot.app[SENDERS], lambda: at).run_once()


@pytest.fixture
async def bot_with_graph(
    database: AsyncEngine,
    connector: FakeConnector,
    graph: FakeGraph,  # noqa: F811
) -> AsyncIterator[TeamsBot]:
    values: dict[str, Any] = graph.settings(
        teams_install_for_people=True,
        teams_catalog_app_id=CATALOG_APP,
        # Never used when another chat in the tenant gives the service URL.
        teams_service_url="https://smba.invalid/teams/",
    )
    app = create_app(settings(**values), database, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as server:
        yield TeamsBot(server, app, connector)


async def test_without_the_graph_permission_a_reminder_is_held_then_sent_once_installed(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    priya = await person(database, PRIYA.name)
    assert priya.teams_aad_object_id  # a Teams user the app is not installed for
    await hold_a_reminder(database, priya)

    await deliver(teams_bot, database)
    await deliver(teams_bot, database, NOW + timedelta(hours=1))  # no retry storm meanwhile

    (row,) = await rows(database)
    assert row.status == "held"  # not "sent" to an inbox nobody reads, not dead
    assert row.attempts == 0
    assert "not installed" in (row.last_error or "")
    assert teams_bot.connector.sent() == []
    async with database.connect() as connection:
        assert priya.id in {p.staff_id for p in await unreachable(connection, 1, NOW.date())}
        assert (await held_counts(connection, [priya.id or 0]))[priya.id or 0] == 1

    # Held over the days before: last week's reminder about the same thing, and a notice.
    earlier = NOW - timedelta(days=3)
    await hold_a_reminder(database, priya, "reminder:0", text="Due in 7 days.", at=earlier)
    await hold_a_reminder(
        database, priya, "notice:0", text="Sam booked supervision.", kind="notice", at=earlier
    )
    await deliver(teams_bot, database, NOW + timedelta(hours=1))
    assert [r.status for r in await rows(database)] == ["held"] * 3

    # Rolled out through the admin centre: Teams tells the bot, which stores her chat ...
    await teams_bot.post(personal_install(teams_bot, PRIYA))
    chat = "a:chat-priya"
    await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(chat))  # the welcome
    await deliver(teams_bot, database, NOW + timedelta(minutes=5))

    # ... and what was held goes: today's reminder and the notice; the older reminder is
    # superseded by today's, not sent as a backlog.
    statuses = {r.idempotency_key: r.status for r in await rows(database)}
    assert statuses == {
        "reminder:1:web": "sent",
        "reminder:0:web": "superseded",
        "notice:0:web": "sent",
    }
    texts = [c.body.get("text") for c in teams_bot.connector.sent(chat)]
    assert "Your supervision is due on Friday." in texts
    assert "Sam booked supervision." in texts
    assert "Due in 7 days." not in texts


async def test_with_the_graph_permission_the_bot_installs_the_app_and_sends(
    bot_with_graph: TeamsBot,
    database: AsyncEngine,
    graph: FakeGraph,  # noqa: F811
) -> None:
    connector = bot_with_graph.connector
    await bot_with_graph.post(personal_install(bot_with_graph, SAM))  # another chat: its URL
    priya = await person(database, PRIYA.name)
    user = priya.teams_aad_object_id or ""
    await hold_a_reminder(database, priya)

    await deliver(bot_with_graph, database)

    (row,) = await rows(database)
    assert (row.status, row.last_error) == ("sent", None)
    # Client credentials for Graph, then the install, the installation and its chat.
    (token,) = graph.tokens
    assert token["grant_type"] == "client_credentials"
    assert token["scope"] == "https://graph.microsoft.com/.default"
    install, listed, chat = graph.calls
    assert (install.method, install.path) == ("POST", f"/v1.0/users/{user}/teamwork/installedApps")
    assert install.body == {
        "teamsApp@odata.bind": f"{graph.graph_url}appCatalogs/teamsApps/{CATALOG_APP}"
    }
    assert install.auth == "Bearer graph-token-1"
    assert listed.query["$filter"] == f"teamsApp/id eq '{CATALOG_APP}'"
    assert chat.path.endswith(f"/installedApps/{graph.installed[user]}/chat")
    # The message went to the new chat, through the tenant's connector.
    (post,) = connector.sent(graph.chat_of(user))
    assert post.body["text"] == "Your supervision is due on Friday."
    async with session_factory(database)() as session:
        stored = (
            await session.exec(
                select(ConversationReference).where(
                    ConversationReference.conversation_id == graph.chat_of(user)
                )
            )
        ).one()
    assert stored.staff_id == priya.id  # reachable from now on: `reach` no longer lists her
    async with database.connect() as connection:
        assert priya.id not in {p.staff_id for p in await unreachable(connection, 1, NOW.date())}

    # The next person: the token is reused, and an app installed already (409) is fine.
    other = await person(database, "Tom Evans")
    graph.installed[other.teams_aad_object_id or ""] = "installation-by-policy"
    await hold_a_reminder(database, other, "reminder:2")
    await deliver(bot_with_graph, database)
    assert [r.status for r in await rows(database)] == ["sent", "sent"]
    assert len(graph.tokens) == 1
    assert connector.sent(graph.chat_of(other.teams_aad_object_id or ""))


async def test_a_graph_refusal_holds_the_message_and_says_why(
    bot_with_graph: TeamsBot,
    database: AsyncEngine,
    graph: FakeGraph,  # noqa: F811
) -> None:
    graph.refuse["install"] = 403  # the permission was never granted
    await bot_with_graph.post(personal_install(bot_with_graph, SAM))
    priya = await person(database, PRIYA.name)
    await hold_a_reminder(database, priya)
    await hold_a_reminder(database, priya, "notice:1", kind="notice", text="Booked.")

    await deliver(bot_with_graph, database)

    for row in await rows(database):
        assert row.status == "held"
        assert row.attempts == 0
        assert "Graph answered 403 (Forbidden)" in (row.last_error or "")
        assert "graph-token" not in (row.last_error or "")
        assert row.due_at > NOW + timedelta(hours=5)  # tried again in hours, not in seconds
    assert len(graph.graph_calls("POST")) == 1  # one refusal per person, not one per message

    del graph.refuse["install"]  # granted meanwhile: the next try installs and sends
    reach = bot_with_graph.app[SENDERS]["web"]
    reach._refused.clear()  # type: ignore[attr-defined]  # (an hour has passed)
    await deliver(bot_with_graph, database, NOW + timedelta(hours=7))
    assert [r.status for r in await rows(database)] == ["sent", "sent"]


async def test_someone_slack_knows_keeps_the_inbox_its_app_home_reads(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    priya = await person(database, PRIYA.name)
    async with session_factory(database)() as session:
        row = await session.get(Staff, priya.id)
        assert row is not None
        row.slack_user_id = "U0PRIYA"
        session.add(row)
        await session.commit()
    await hold_a_reminder(database, priya)
    await deliver(teams_bot, database)
    assert [r.status for r in await rows(database)] == ["sent"]


async def test_a_wrong_graph_secret_holds_and_names_entra_ids_error(
    database: AsyncEngine,
    connector: FakeConnector,
    graph: FakeGraph,  # noqa: F811
) -> None:
    values = graph.settings(
        teams_install_for_people=True,
        teams_catalog_app_id=CATALOG_APP,
        graph_client_secret="an-expired-secret",
    )
    app = create_app(settings(**values), database, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as server:
        bot = TeamsBot(server, app, connector)
        await hold_a_reminder(database, await person(database, PRIYA.name))
        await deliver(bot, database)
    (row,) = await rows(database)
    assert row.status == "held"
    assert "Graph token refused (401: invalid_client)" in (row.last_error or "")
    assert "an-expired-secret" not in (row.last_error or "")
    assert graph.calls == []  # nothing asked of Graph without a token


async def test_someone_who_has_left_is_not_held_for(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    priya = await person(database, PRIYA.name)
    async with session_factory(database)() as session:
        row = await session.get(Staff, priya.id)
        assert row is not None
        row.leaving_date = NOW.date() - timedelta(days=30)
        session.add(row)
        await session.commit()
    await hold_a_reminder(database, priya)
    await deliver(teams_bot, database)
    assert [r.status for r in await rows(database)] == ["sent"]  # the inbox, as before


async def test_the_playground_keeps_its_inbox(database: AsyncEngine) -> None:
    app = create_app(settings(demo_mode=True), database, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1"):
        priya = await person(database, PRIYA.name)
        await hold_a_reminder(database, priya)
        await Dispatcher(database, app[SENDERS], lambda: NOW).run_once()
    (row,) = await rows(database)
    assert row.status == "sent"  # the playground's inbox shows it


def test_installing_for_people_without_the_catalog_id_or_credentials_says_what_to_set() -> None:
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, teams_install_for_people=True)
    message = str(refused.value)
    assert "TEAMS_CATALOG_APP_ID is required with TEAMS_INSTALL_FOR_PEOPLE" in message
    assert "GRAPH_CLIENT_ID or TEAMS_APP_ID is required" in message
    assert "GRAPH_TENANT_ID or TEAMS_TENANT_ID is required" in message
