"""Settings: typed, read from the environment, and every problem listed at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout


def test_defaults_run_on_sqlite_with_no_configuration() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.port == 3978
    assert not settings.slack_enabled
    assert not settings.teams_enabled


def test_every_invalid_setting_is_listed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "PORT" in message
    assert "TIMEZONE: unknown time zone 'Mars/Olympus'" in message
    assert "DATABASE_URL" in message


def test_missing_platform_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    monkeypatch.setenv("SLACK_SOCKET_MODE", "true")
    monkeypatch.setenv("TEAMS_APP_ID", "00000000-0000-0000-0000-000000000001")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    for expected in (
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "TEAMS_APP_PASSWORD",
        "TEAMS_TENANT_ID",
    ):
        assert expected in message
    assert "xoxb-secret-value" not in message


def test_production_refuses_the_playground_and_plain_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DEMO_MODE", "true")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "DEMO_MODE must be off in production" in str(raised.value)
    assert "RECORD_ENCRYPTION_KEY is required" in str(raised.value)


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=4000\nLOG_LEVEL=DEBUG\n")
    settings = load_settings()
    assert settings.port == 4000
    assert settings.log_level == "DEBUG"


def test_env_example_documents_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} <= documented
