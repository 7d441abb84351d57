"""The demo council as a test fixture: seeded once per session, copied for each test."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from testing_keys import TEST_RECORD_KEY

from bot.commands.demo import demo_template, review_templates
from policy.packs import builtin_pack
from storage import crypto
from storage.db import create_engine
from storage.demo import seed_demo
from storage.migrate import upgrade


def build_demo(path: Path, today: date, pack_id: str = "derbyshire") -> Path:
    """Migrate a SQLite file at `path` and seed the demo council as of `today`."""
    url = f"sqlite+aiosqlite:///{path}"
    crypto.configure(TEST_RECORD_KEY)  # the key every test starts with (tests/conftest.py)

    async def build() -> None:
        await upgrade(url)
        engine = create_engine(url)
        pack = builtin_pack(pack_id)
        session_type, template = demo_template(pack)
        await seed_demo(
            engine,
            today,
            pack_id=pack_id,
            session_type=session_type,
            template=template,
            reviews=review_templates(pack),
        )
        await engine.dispose()

    asyncio.run(build())
    return path


def copy_of(template: Path, folder: Path) -> tuple[Path, AsyncEngine]:
    """A private copy of a seeded file, and an engine on it."""
    copy = folder / template.name
    shutil.copy(template, copy)
    return copy, create_engine(f"sqlite+aiosqlite:///{copy}")
