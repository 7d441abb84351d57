"""CLOCK_START: a server that starts on a chosen moment (the benchmarks' Monday morning)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import create_app
from bot.clock import Clock
from bot.keys import CLOCK
from bot.settings import Settings, SettingsError, load_settings

MONDAY = datetime(2026, 11, 23, 8, 59, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout


def test_the_app_clock_starts_at_clock_start_and_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOCK_START", "2026-11-23T08:59:05+00:00")
    app = create_app(load_settings())
    first = app[CLOCK]()
    assert MONDAY <= first < MONDAY + timedelta(minutes=1)
    assert app[CLOCK]() >= first  # real time moves it on


def test_without_clock_start_the_clock_is_real_time() -> None:
    app = create_app(load_settings())
    assert abs(app[CLOCK]() - datetime.now(UTC)) < timedelta(minutes=1)
    assert Clock.starting_at(None).offset == timedelta(0)


def test_a_clock_start_without_an_offset_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOCK_START", "2026-11-23T08:59:05")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "CLOCK_START" in str(raised.value)


def test_production_refuses_clock_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("RECORD_ENCRYPTION_KEY", "YmVuY2gtcmVjb3JkLWtleS0wMDAwMDAwMDAwMDAwMDA=")
    monkeypatch.setenv("CLOCK_START", "2026-11-23T08:59:05+00:00")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "CLOCK_START must be unset in production" in str(raised.value)
