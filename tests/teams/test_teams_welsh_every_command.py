"""Issue 28: every command the bot lists, typed from a Welsh Teams client (locale cy-GB), as a
worker and as a manager in Powys, is answered in Welsh: real Activity JSON to /api/messages on
loopback, every text, title, label and placeholder the posted cards show checked for English
sentences (the pack's own words in Welsh from its `language.welsh`).

The list comes from the registry, so a new conversation is held to Welsh from the day it is
added."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from test_teams_welsh import NAMES, _ask
from welsh_check import assert_welsh

from bot.keys import ENGINE
from dialogs.registry import commands
from storage.db import session_factory
from storage.models import RecordAction
from tests.teams.conftest import PRIYA, SAM, TODAY, TeamsBot

PEOPLE = {"worker": SAM, "manager": PRIYA}


@pytest.fixture(scope="module")
def powys_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("teams-powys") / "demo.db", TODAY.date(), "powys")


@pytest.fixture
async def database(powys_database: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The Teams tests' fixture, on Powys's demo council rather than Derbyshire's."""
    _, engine = copy_of(powys_database, tmp_path)
    yield engine
    await engine.dispose()


# A policy cited is named by its document's own title, as published (in English): docs/welsh.md.
CITED = re.compile(r"\(Powys County Council,.*\)$")


@pytest.mark.parametrize("who", sorted(PEOPLE))
@pytest.mark.parametrize("command", commands())
async def test_every_command_is_answered_in_welsh(
    teams_bot: TeamsBot, command: str, who: str
) -> None:
    async with session_factory(teams_bot.app[ENGINE])() as session:
        # What people wrote (an action agreed in supervision) is theirs, in their own words.
        written = set((await session.exec(select(RecordAction.description))).all())
    lines = await _ask(teams_bot, PEOPLE[who], command, len(teams_bot.connector.sent()))
    assert lines, f"{command!r} ({who}) was not answered"
    assert_welsh([{"text": CITED.sub("", line["text"])} for line in lines], NAMES | written)
