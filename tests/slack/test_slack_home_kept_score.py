"""Issue 24 item 2: the App Home tab uses the kept score (dialogs.scores.ScoreCache) as the
`caseload` answer does, for the person as read when the tab opens, and the manager's team panel
keeps and reuses its members' scores the same way. Over real HTTP on loopback."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import event, text
from sqlmodel import select

from storage.db import session_factory
from storage.models import Staff
from tests.slack.conftest import SlackHarness


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))


async def _open(slack: SlackHarness, user: str, count: int) -> tuple[str, Statements]:
    statements = Statements()
    event.listen(slack.database.sync_engine, "before_cursor_execute", statements)
    try:
        await slack.as_user(user).open_home()
        published = await slack.fake.wait_for("views.publish", count)
    finally:
        event.remove(slack.database.sync_engine, "before_cursor_execute", statements)
    view = published[count - 1].payload["view"]
    return view if isinstance(view, str) else json.dumps(view), statements


def _points(view: str) -> str:
    found = re.search(r"My caseload score\*\\n([0-9.,]+) points", view) or re.search(
        r"My caseload\*\\n([0-9]+) cases", view
    )
    assert found, view
    return found.group(1)


async def test_a_second_home_tab_reads_no_cases_and_a_change_shows_at_once(
    slack: SlackHarness,
) -> None:
    first, _ = await _open(slack, "USAM", 1)
    again, statements = await _open(slack, "USAM", 2)
    assert _points(again) == _points(first)
    # The score kept from the first: none of Sam's cases, approvals or personal elements read.
    own = [s for s in statements.seen if "caseallocation.staff_id = ?" in s]
    assert own == [], own
    assert not [s for s in statements.seen if "FROM overcapapproval" in s and "= ?" in s]

    # One of Sam's cases moves to someone else. Sam's account is remembered for a minute
    # (bot/known.py), but the tab reads Sam's row, whose caseload_version the triggers bumped:
    # the kept score is not used, and the tab shows the new one straight away.
    async with session_factory(slack.database)() as session:
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
    async with slack.database.begin() as connection:
        await connection.execute(
            text(
                "DELETE FROM caseallocation WHERE id IN (SELECT id FROM caseallocation "
                "WHERE staff_id = :sam AND role = 'lead' AND end_date IS NULL LIMIT 2)"
            ),
            {"sam": sam.id},
        )
    changed, statements = await _open(slack, "USAM", 3)
    assert [s for s in statements.seen if "caseallocation.staff_id = ?" in s]
    assert _points(changed) != _points(first)


async def test_a_managers_team_panel_keeps_its_members_scores(slack: SlackHarness) -> None:
    first, reading = await _open(slack, "UPRIYA", 1)
    assert "Caseloads by band" in first
    again, statements = await _open(slack, "UPRIYA", 2)
    assert again == first
    # The team's cases for the scores: read the first time, kept the second (the compliance
    # figures still read the team's facts, which hold their cases: one statement of those).
    team_cases = [s for s in reading.seen if "caseallocation.staff_id IN" in s and "FROM" in s]
    again_cases = [s for s in statements.seen if "caseallocation.staff_id IN" in s and "FROM" in s]
    assert len(again_cases) == len(team_cases) - 1, (team_cases, again_cases)
