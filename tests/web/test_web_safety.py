"""The playground has no sign-in, so it must never be reachable from a production configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import SETTINGS, create_app
from bot.cli import main as cli
from bot.settings import Settings
from bot.web.playground import PlaygroundRefused, setup


def production(*, demo_mode: bool = False) -> Settings:
    key = Fernet.generate_key().decode()
    return Settings(
        _env_file=None, environment="production", record_encryption_key=key, demo_mode=demo_mode
    )


def playground_routes(app: web.Application) -> list[str]:
    paths = [route.resource.canonical for route in app.router.routes() if route.resource]
    return [path for path in paths if path.startswith("/playground")]


@pytest.fixture
async def production_server(engine: AsyncEngine) -> AsyncIterator[TestServer]:
    app = create_app(production(), engine, run_scheduler=False)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server


async def test_a_production_app_has_no_playground(production_server: TestServer) -> None:
    assert playground_routes(production_server.app) == []
    async with aiohttp.ClientSession() as client:
        async with client.get(production_server.make_url("/")) as response:
            assert response.status == 200
            page = await response.text()
        assert "Supervision Assistant is running" in page
        assert "playground" not in page
        for path in ("/playground/api/people", "/playground/static/playground.js"):
            async with client.get(production_server.make_url(path)) as response:
                assert response.status == 404


def test_a_development_app_without_demo_mode_has_no_playground() -> None:
    app = create_app(Settings(_env_file=None), run_scheduler=False)
    assert playground_routes(app) == []


def test_production_settings_refuse_demo_mode() -> None:
    with pytest.raises(ValidationError, match="DEMO_MODE must be off in production"):
        production(demo_mode=True)


def test_setup_refuses_without_demo_mode_or_in_production() -> None:
    app = web.Application()
    app[SETTINGS] = Settings(_env_file=None)
    with pytest.raises(PlaygroundRefused, match="DEMO_MODE"):
        setup(app)
    # Even if validation were bypassed, the playground checks for itself.
    forced = production().model_copy(update={"demo_mode": True})
    app = web.Application()
    app[SETTINGS] = forced
    with pytest.raises(PlaygroundRefused, match="production"):
        setup(app)
    assert playground_routes(app) == []


def test_serve_demo_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.chdir(str(tmp_path))  # no .env from the working tree
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("RECORD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("DEMO_MODE", raising=False)
    assert cli(["serve", "--demo", "--port", "1"]) == 2
    assert "--demo is refused" in capsys.readouterr().out
