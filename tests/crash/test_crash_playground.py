"""SIGKILL after every step: the real server loses nothing and writes nothing twice.

The real `supervision-bot serve --demo` runs as a child process on a temporary copy of the demo
council. Through the playground's HTTP API a team manager books a supervision, writes it up (every
step of the record flow, one form sent with a mistake), signs it, the worker signs it, and the
manager records a decision. After every step the server is killed with SIGKILL and started again;
then the test checks, against the database itself, that:

- nothing entered is lost: each person's conversation is at the same step with the same data,
  and a form shown again carries the values already typed;
- nothing is written twice: the rows (sessions, records and their parts, decisions, signatures,
  audited writes, notices) are the same as before the kill, and the same message sent again after
  the restart (the page retrying with its message id) changes nothing; a confirmation clicked
  again as a new message is answered "Already recorded" and writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from crash_helpers import Server
from demo_data import build_demo

from storage import crypto

DEMO_DAY = date(2026, 11, 23)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 10:00 in London (GMT): book for tomorrow
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # an hour after the booked session began
NUDGE = "where was I"
ITEMS_1_10 = (
    "issue 19 item 1 / item 10: a step sent again after a restart was applied twice, or a "
    "confirmation clicked again was not answered 'Already recorded' (the playground's client "
    "message id and exactly-once confirmations are still landing)"
)

# What a crash must neither lose nor duplicate, as (name, SQL counting it).
COUNTS = {
    "sessions": "SELECT count(*) FROM supervisionsession",
    "records": "SELECT count(*) FROM supervisionrecord",
    "record decisions": "SELECT count(*) FROM recorddecision",
    "record actions": "SELECT count(*) FROM recordaction",
    "cases discussed": "SELECT count(*) FROM recordcasediscussion",
    "manager decisions": "SELECT count(*) FROM managerdecision",
    "supervisor signatures": "SELECT count(*) FROM supervisionrecord "
    "WHERE supervisor_signed_at IS NOT NULL",
    "supervisee signatures": "SELECT count(*) FROM supervisionrecord "
    "WHERE supervisee_signed_at IS NOT NULL",
    "audited writes": "SELECT count(*) FROM auditevent WHERE action <> 'read'",
    "notices": "SELECT count(*) FROM outboxmessage WHERE kind = 'notice'",
}
# Each once, over the whole walk (the booking, the record, two signatures, the decision).
WRITTEN_ONCE = {
    "sessions": 1,
    "records": 1,
    "record decisions": 1,
    "record actions": 1,
    "cases discussed": 1,
    "manager decisions": 1,
    "supervisor signatures": 1,
    "supervisee signatures": 1,
    "audited writes": 4,  # the session, the record (signed by its writer), a signature, a decision
    # booked; record to sign; signed by both; a decision on the worker's case; and, booked for
    # tomorrow after the day's agenda run, the day-before agenda to both and the reflection
    # questions to the supervisee (issue 27)
    "notices": 7,
}


@dataclass
class Snapshot:
    counts: dict[str, int]
    conversations: dict[str, tuple[str, str, Any] | None]


@dataclass
class Walk:
    """The server, the database it writes, and what the test has seen so far."""

    server: Server
    database: Path
    people: dict[str, int] = field(default_factory=dict)
    clock: datetime = MONDAY
    steps: int = 0

    def snapshot(self) -> Snapshot:
        connection = sqlite3.connect(self.database, timeout=30)
        try:
            counts = {name: connection.execute(sql).fetchone()[0] for name, sql in COUNTS.items()}
            conversations: dict[str, tuple[str, str, Any] | None] = {}
            for name, staff_id in self.people.items():
                row = connection.execute(
                    "SELECT flow, step, data FROM dialogstate WHERE key = ?", (f"web:{staff_id}",)
                ).fetchone()
                conversations[name] = (
                    None if row is None else (row[0], row[1], json.loads(crypto.unseal(row[2])))
                )
        finally:
            connection.close()
        return Snapshot(counts, conversations)

    def step(
        self,
        who: str,
        expect: Callable[[dict[str, Any]], bool],
        *,
        confirmation: bool = False,
        reshows: bool = True,
        **payload: Any,
    ) -> dict[str, Any]:
        """Send one message, check the answer, then kill the server and check what survived.

        `reshows`: the flow answers a typed word at a form step by showing the form again.
        """
        self.steps += 1
        message_id = f"crash-step-{self.steps:02d}"
        staff_id = self.people[who]
        answer = self.server.send(staff_id, message_id, **payload)
        assert expect(answer), f"step {self.steps} ({who}, {payload}): {_shown(answer)}"
        before = self.snapshot()

        self.server.restart(self.clock)
        after = self.snapshot()
        assert after.counts == before.counts, f"step {self.steps}: rows changed across the kill"
        assert after.conversations == before.conversations, f"step {self.steps}: progress lost"

        # The page retries the same message after the restart: it must not be applied again.
        again = self.server.send(staff_id, message_id, **payload)
        if self.snapshot() != before:
            _applied_twice(f"step {self.steps} ({who}, {payload}) resent: {_shown(again)}")
        if confirmation:
            # A second click on the confirmation, as a new message: answered, not written.
            clicked = self.server.send(staff_id, f"{message_id}-again", **payload)
            written = self.snapshot().counts != before.counts
            if written or "Already recorded" not in _said(clicked):
                _applied_twice(f"step {self.steps} clicked again: {_shown(clicked)}")

        form = _last(answer, "form")
        if form is not None and reshows:
            # The form resumes where it was, with what was typed, after the crash.
            resumed = _last(self.server.send(staff_id, text=NUDGE), "form")
            assert resumed is not None, f"step {self.steps}: the form did not come back"
            assert resumed["form_id"] == form["form_id"]
            assert _values(resumed) == _values(form), f"step {self.steps}: typed values lost"
            assert self.snapshot().conversations == before.conversations
        return answer


def _applied_twice(what: str) -> None:
    """The one expected failure until items 1 and 10 land: the walk stops here, as an xfail (a
    state moved on by a resend would derail the steps after it)."""
    pytest.xfail(f"{ITEMS_1_10}: {what}")


def _last(answer: dict[str, Any], kind: str) -> dict[str, Any] | None:
    found = [reply for reply in answer["replies"] if reply["type"] == kind]
    return found[-1] if found else None


def _values(form: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in form["fields"]}


def _said(answer: dict[str, Any]) -> str:
    return " ".join(str(reply.get("text", "")) for reply in answer["replies"])


def _shown(answer: dict[str, Any]) -> str:
    return json.dumps(answer["replies"])[:600]


def _form(form_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda answer: (_last(answer, "form") or {}).get("form_id") == form_id


def _choice(words: str) -> Callable[[dict[str, Any]], bool]:
    return lambda answer: words in ((_last(answer, "choice") or {}).get("prompt") or "")


def _card(words: str) -> Callable[[dict[str, Any]], bool]:
    return lambda answer: words in ((_last(answer, "card") or {}).get("title") or "")


def _says(words: str) -> Callable[[dict[str, Any]], bool]:
    return lambda answer: words in _said(answer)


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    database = build_demo(tmp_path / "demo.db", DEMO_DAY)
    server = Server(tmp_path, database)
    try:
        server.start(MONDAY)
        yield Walk(server, database)
    finally:
        server.kill()  # also when the test failed half way


def test_sigkill_after_every_step_loses_nothing_and_writes_nothing_twice(walk: Walk) -> None:
    people = {p["name"]: p["id"] for p in walk.server.get("/people")["people"]}
    walk.people = {"manager": people["Priya Shah"], "worker": people["Sam Taylor"]}
    first = walk.snapshot()
    assert first.conversations == {"manager": None, "worker": None}

    # Booking (on Monday, for Tuesday 09:00).
    form = _last(walk.step("manager", _form("book"), command={"name": "book"}), "form")
    assert form is not None
    booking = _values(form) | {"person": "Sam Taylor", "when": "tomorrow 9am", "venue": "Room 2"}
    walk.step("manager", _card("Book supervision"), form={"form_id": "book", "values": booking})
    walk.step("manager", _card("Booked"), confirmation=True, choice="confirm")

    # Recording it, from Tuesday 10:00: the next restart brings the server up an hour after the
    # session began (the demo clock restarts at CLOCK_START).
    walk.clock = TUESDAY
    walk.server.restart(walk.clock)
    listed = walk.step("manager", _choice("Which supervision"), command={"name": "record"})
    options = _last(listed, "choice")
    assert options is not None
    (session,) = [o["value"] for o in options["options"] if "Tue 24 Nov 2026, 09:00" in o["label"]]
    sections = _last(walk.step("manager", _form("record_sections_0"), choice=session), "form")
    assert sections is not None
    typed: dict[str, str] = {}

    def fill(form: dict[str, Any] | None, **given: str) -> dict[str, Any]:
        assert form is not None
        values = {
            f["name"]: given.get(f["name"], f"{f['label']}: noted at step {walk.steps}")
            for f in form["fields"]
        }
        typed.update({k: v for k, v in values.items() if "noted at step" in v})
        return {"form_id": form["form_id"], "values": values}

    answer = walk.step("manager", _form("record_sections_1"), form=fill(sections))
    answer = walk.step("manager", _form("record_cases"), form=fill(_last(answer, "form")))
    cases = _last(answer, "form")
    assert cases is not None
    case = cases["fields"][0]["options"][0]["value"]
    answer = walk.step("manager", _form("record_case"), form=fill(cases, cases=case))
    walk.step("manager", _choice("decisions"), form=fill(_last(answer, "form")))
    answer = walk.step("manager", _form("record_decision"), choice="add")
    walk.step("manager", _choice("1 decision so far"), form=fill(_last(answer, "form"), case=case))
    walk.step("manager", _choice("actions"), choice="done")
    answer = walk.step("manager", _form("record_action"), choice="add")
    action = _last(answer, "form")
    # A mistake (no owner): the form comes back with what was typed, and keeps it across a kill.
    mistaken = fill(action, owner="", due="20/12/2026", review="")
    answer = walk.step("manager", _form("record_action"), form=mistaken)
    assert "required" in json.dumps(_last(answer, "form"))
    corrected = fill(_last(answer, "form"), owner="Sam Taylor", due="20/12/2026", review="")
    walk.step("manager", _choice("1 action so far"), form=corrected)
    answer = walk.step("manager", _form("record_next"), choice="done")
    walk.step(
        "manager",
        _choice("caseload"),
        form=fill(_last(answer, "form"), next_at="22/12/2026 10:00", book=""),
    )
    review = walk.step("manager", _card("Record of Supervision"), choice="skip")
    shown = json.dumps(review)
    lost = [text for text in typed.values() if json.dumps(text)[1:-1] not in shown]
    assert not lost, f"the review card lacks what was typed before the kills: {lost}"
    walk.step("manager", _says("Saved the Record"), confirmation=True, choice="confirm")

    # The worker signs.
    answer = walk.step("worker", _choice("to sign"), command={"name": "sign"})
    offered = _last(answer, "choice")
    assert offered is not None
    (record,) = [o["value"] for o in offered["options"] if "Tue 24 Nov 2026, 09:00" in o["label"]]
    walk.step("worker", _card("Record of Supervision"), choice=record)
    walk.step("worker", _says("Both of you have now signed"), confirmation=True, choice="confirm")

    # The manager's decision on a case.
    # (The decision flow answers a typed word at its form with "Use Confirm or Change on the card
    # above" rather than the form: only the stored state is checked there.)
    opened = walk.step("manager", _form("decision"), reshows=False, command={"name": "decision"})
    form = _last(opened, "form")
    decision = fill(form, case=case, decided_on="today")
    walk.step("manager", _card(f"Decision: {case}"), form=decision)
    walk.step("manager", _says(f"Decision on {case}"), confirmation=True, choice="confirm")

    last = walk.snapshot()
    written = {name: last.counts[name] - first.counts[name] for name in COUNTS}
    assert walk.server.starts == walk.steps + 2  # a kill and a restart after every step
    assert written == WRITTEN_ONCE
