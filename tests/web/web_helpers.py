"""Playground test helpers: the demo day, a demo clock that starts on it, and demo settings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.settings import Settings

LONDON = ZoneInfo("Europe/London")
DEMO_DAY = date(2026, 11, 23)  # a Monday: the Derbyshire digest is due at 09:00
DEMO_START = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def demo_clock() -> Clock:
    """Real time, shifted so the demo starts at DEMO_START whatever day the tests run."""
    return Clock(offset=DEMO_START - datetime.now(UTC))


def playground_settings(database: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=sqlite_url(database),
        demo_mode=True,
        scheduler_enabled=False,
    )
