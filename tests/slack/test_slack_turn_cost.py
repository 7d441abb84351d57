"""Issue 24: the SQL a Slack answer costs, counted over real HTTP on loopback.

Before, every `/supervision caseload` read the organisation list and found the person twice (once
by Slack account in a session of its own, once by id in the turn). The account is now remembered
for a minute (bot.known) and the organisations for half a minute (storage.unit_of_work), so an
answer reads the person once, by id, in its own transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.slack.conftest import SlackHarness


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def reading(self, table: str) -> list[str]:
        return [s for s in self.seen if s.startswith("SELECT") and f"FROM {table} " in f"{s} "]


async def test_a_known_person_s_answer_reads_them_once_and_no_organisation_list(
    slack: SlackHarness,
) -> None:
    sam = slack.as_user("USAM")
    await sam.command("caseload")  # the first: Sam matched by email, identity learned
    await slack.fake.wait_for("chat.postMessage", 1)
    await sam.command("caseload")
    await slack.fake.wait_for("chat.postMessage", 2)

    statements = Statements()
    event.listen(slack.database.sync_engine, "before_cursor_execute", statements)
    try:
        await sam.command("caseload")
        posted = await slack.fake.wait_for("chat.postMessage", 3)
    finally:
        event.remove(slack.database.sync_engine, "before_cursor_execute", statements)

    assert "Your caseload" in str(posted[-1].payload["blocks"])
    assert statements.reading("organisation") == []
    assert len(statements.reading("staff")) == 1, statements.seen


async def test_answers_reuse_one_connection_to_slack(slack: SlackHarness) -> None:
    sam = slack.as_user("USAM")
    for count in (1, 2, 3):
        await sam.command("caseload")
        await slack.fake.wait_for("chat.postMessage", count)

    # Every Web API call of the three answers (users.info, conversations.open, the posts) went
    # over one kept-alive connection, not a new one per call.
    assert len(slack.fake.ports) >= 3
    assert len(set(slack.fake.ports)) == 1, slack.fake.ports
