"""The aiohttp application over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.settings import Settings


@pytest.fixture
async def server(engine: AsyncEngine) -> AsyncIterator[TestServer]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, engine, run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


async def test_health_answers_when_the_database_does(server: TestServer) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(server.make_url("/healthz")) as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok"}
        async with client.get(server.make_url("/")) as response:
            assert response.status == 200
            assert "Supervision Assistant is running" in await response.text()


async def test_unknown_path_is_404_not_a_traceback(server: TestServer) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.get(server.make_url("/api/nothing")) as response,
    ):
        assert response.status == 404
        assert "Traceback" not in await response.text()
