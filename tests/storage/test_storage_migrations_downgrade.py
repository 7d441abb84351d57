"""Every migration can be undone on a database with data, and upgrading again reads it back.

The chain is walked as it stands when the test runs (revisions added later are walked too). Record
text encrypted at rest is decrypted on the way down with the record key; without the key the
downgrade is refused, says what to do, and changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select as sm_select
from testing_keys import TEST_RECORD_KEY

import storage.models as models
from bot.commands.demo import demo_template, review_templates
from policy.packs import builtin_pack
from storage import crypto
from storage.crypto import EncryptedJSON, EncryptedText
from storage.db import create_engine, session_factory
from storage.demo import seed_demo
from storage.migrate import (
    MigrationRefused,
    _inventory,
    current_revision,
    downgrade,
    revisions,
    upgrade,
)

ENCRYPTION = "5188e6c90297"  # record text encrypted at rest
SLACK_ENCRYPTION = "285e33ad964c"  # Slack tokens and pending forms encrypted at rest
TODAY = date(2026, 12, 7)
EXE = shutil.which("supervision-bot") or str(Path(sys.executable).parent / "supervision-bot")
SECTION_TEXT = "Discussed CASE-0042: visits on time; “quotes”, émigré and 🙂 survive the trip."


async def _seed(url: str) -> None:
    """Head, the demo council, and a row in each table the demo leaves empty that holds text."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        pack = builtin_pack("derbyshire")
        session_type, template = demo_template(pack)
        await seed_demo(
            engine,
            TODAY,
            pack_id="derbyshire",
            session_type=session_type,
            template=template,
            reviews=review_templates(pack),
        )
        await _extras(engine)
    finally:
        await engine.dispose()


async def _extras(engine: AsyncEngine) -> None:
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)
    async with session_factory(engine)() as session:
        staff = (await session.exec(sm_select(models.Staff).order_by(models.Staff.id))).all()
        worker, manager = staff[-1], staff[0]
        assert worker.id is not None
        assert manager.id is not None
        record = (
            await session.exec(
                sm_select(models.SupervisionRecord).order_by(models.SupervisionRecord.id)
            )
        ).first()
        assert record is not None
        record.sections = {**record.sections, "wellbeing": SECTION_TEXT}
        record.changes_requested = "Please add the action for CASE-0042."
        session.add(record)
        # Issue 25 item 1 (LAM 004:547): an action's "I will know this works when".
        action = (
            await session.exec(sm_select(models.RecordAction).order_by(models.RecordAction.id))
        ).first()
        assert action is not None
        action.success = "The chronology is up to date"
        session.add(action)
        session.add_all(
            [
                models.DialogState(
                    key="playground:worker",
                    flow="record",
                    step="sections",
                    data={"sections": {"wellbeing": SECTION_TEXT}, "session_id": record.session_id},
                    expires_at=now + timedelta(days=1),
                ),
                models.OutboxMessage(
                    idempotency_key="reminder:x",
                    platform="playground",
                    target="worker",
                    kind="reminder",
                    payload={"text": "Your record is due", "case": "CASE-0042"},
                    due_at=now,
                ),
                models.SlackInstallation(
                    client_id="c1", team_id="T1", data={"bot_token": "xoxb-not-a-real-token"}
                ),
                models.SlackPendingForm(key="slack:T1:U1", form={"title": "Record", "fields": []}),
                models.SlackOAuthState(state="s1", expires_at=now),
                models.Snooze(staff_id=worker.id, kind="record", until=TODAY),
                models.PersonalElement(
                    staff_id=worker.id,
                    element="duty_day",
                    quantity=Decimal("2"),
                    start_date=TODAY,
                    recorded_by_id=manager.id,
                ),
                # Issue 27: a supervisee's reflection before a session.
                models.SessionReflection(
                    session_id=record.session_id,
                    staff_id=worker.id,
                    text="Stuck on CASE-0042's core group reports",
                    answered_at=now,
                ),
                models.InformalSupervision(
                    supervisor_id=manager.id,
                    supervisee_id=worker.id,
                    occurred_at=now,
                    discussed="Talked through CASE-0042",
                    decided="Visit this week",
                ),
                # Issue 20 item 5 (DCC 000:176): a missed month's reason and follow-up.
                models.MissedMonth(
                    staff_id=worker.id,
                    month=date(2026, 11, 1),
                    reason="sickness",
                    note="Off sick most of the month",
                    follow_up="Supervision booked for 2 December",
                    recorded_by_id=manager.id,
                ),
                models.Absence(
                    staff_id=worker.id,
                    kind="annual_leave",
                    start_date=TODAY + timedelta(days=30),
                    end_date=TODAY + timedelta(days=31),
                    note="Booked in advance",
                ),
                # Issue 22: the playground's conversation, kept across a restart.
                models.PlaygroundTurn(
                    staff_id=worker.id,
                    turn={"you": "what's my caseload score", "replies": [{"type": "say"}]},
                    said_at=now,
                ),
                models.AuditEvent(
                    action="read",
                    subject_type="record",
                    subject_id=str(record.id),
                    reason="migration test",
                    prev_hash="0" * 64,
                    hash="1" * 64,
                ),
            ]
        )
        await session.commit()


def _encrypted_columns() -> list[tuple[str, str, bool]]:
    """(table, column, is_json) of every column the models encrypt at rest."""
    found = []
    for name, model_table in models.metadata.tables.items():
        for model_column in model_table.columns:
            if isinstance(model_column.type, EncryptedJSON | EncryptedText):
                found.append(
                    (name, model_column.name, isinstance(model_column.type, EncryptedJSON))
                )
    return sorted(found)


async def _decrypted(url: str, skip: str = "-") -> dict[tuple[str, str], dict[Any, Any]]:
    """Every encrypted column's values by primary key, read through the models (decrypted);
    tables whose name starts with `skip`, and tables a downgrade has removed, are left out."""
    present = await _inventory(url)
    engine = create_engine(url)
    values: dict[tuple[str, str], dict[Any, Any]] = {}
    try:
        async with engine.connect() as connection:
            for name, column_name, _ in _encrypted_columns():
                if name.startswith(skip) or name not in present:
                    continue
                if column_name not in present[name][1]:
                    continue  # a column a later revision added, gone with its downgrade
                model_table = models.metadata.tables[name]
                key = next(iter(model_table.primary_key.columns))
                rows = await connection.execute(select(key, model_table.c[column_name]))
                values[(name, column_name)] = {k: v for k, v in rows.all() if v is not None}
    finally:
        await engine.dispose()
    return values


async def _stored(url: str, name: str, column_name: str, key: str) -> dict[Any, str]:
    """What the database holds in a column, as text, with no model type in between."""
    engine = create_engine(url)
    raw = table(name, column(key), column(column_name))
    try:
        async with engine.connect() as connection:
            text_of = raw.c[column_name]
            rows = await connection.execute(select(raw.c[key], text_of))
            return {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in rows.all()
                if v is not None
            }
    finally:
        await engine.dispose()


async def _assert_plain_as_before(url: str, entered: dict[tuple[str, str], dict[Any, Any]]) -> int:
    """Below the encryption revisions every value is plain and equal to what was entered."""
    present = await _inventory(url)
    checked = 0
    for name, column_name, is_json in _encrypted_columns():
        if name not in present or column_name not in present[name][1]:
            continue
        key = next(iter(models.metadata.tables[name].primary_key.columns)).name
        stored = await _stored(url, name, column_name, key)
        for row_key, value in entered[(name, column_name)].items():
            assert not stored[row_key].startswith(crypto.PREFIX), (name, column_name, row_key)
            assert (json.loads(stored[row_key]) if is_json else stored[row_key]) == value
            checked += 1
    return checked


async def test_every_downgrade_keeps_the_data_and_upgrading_again_reads_it_back(
    database_url: str,
) -> None:
    await _seed(database_url)
    chain = revisions(database_url)
    below_encryption = chain[chain.index(ENCRYPTION) + 1]
    at_head = await _inventory(database_url)
    entered = await _decrypted(database_url)
    sealed = await _stored(database_url, "supervisionrecord", "sections", "id")
    # The test can fail: at head the record text is ciphertext, and there is plenty of it.
    assert all(value.startswith(crypto.PREFIX) for value in sealed.values())
    assert len(entered[("supervisionrecord", "sections")]) > 100
    assert all(entered[(name, c)] for name, c, _ in _encrypted_columns() if name in at_head)

    walked, previous = [], at_head
    for revision in chain:
        removed = await downgrade(database_url, "-1")
        now = await current_revision(database_url)
        walked.append(revision)
        assert now == (chain[chain.index(revision) + 1] if revision != chain[-1] else None)
        present = await _inventory(database_url)
        for name, (rows, _) in present.items():
            assert rows == at_head[name][0], f"{name} lost or gained rows undoing {revision}"
        # What the downgrade says it removed is what went, with the rows it held.
        assert {(r.table, r.rows) for r in removed if r.column is None} == {
            (name, previous[name][0]) for name in set(previous) - set(present)
        }
        previous = present
        if now == below_encryption:
            assert await _assert_plain_as_before(database_url, entered) > 100
            await upgrade(database_url)
            assert await current_revision(database_url) == chain[0]
            again = await _decrypted(database_url)
            for key, values in entered.items():
                # A column a later revision added goes with its downgrade (reported in
                # `removed`), as a table does.
                if key[0] in present and key[1] in present[key[0]][1]:
                    assert again[key] == values, key
            await downgrade(database_url, below_encryption)
            assert await _assert_plain_as_before(database_url, entered) > 100
    assert walked == chain
    assert await _inventory(database_url) == {}
    await upgrade(database_url)
    assert await current_revision(database_url) == chain[0]
    assert set(await _inventory(database_url)) == set(at_head)


async def test_downgrade_without_the_record_key_is_refused_and_changes_nothing(
    database_url: str,
) -> None:
    await _seed(database_url)
    head = revisions(database_url)[0]
    at_head = await _inventory(database_url)
    entered = await _decrypted(database_url)
    crypto.configure(Fernet.generate_key().decode())  # another key than the one that wrote it

    with pytest.raises(MigrationRefused) as refused:
        await downgrade(database_url, "base")
    message = str(refused.value)
    assert f"cannot undo revision {SLACK_ENCRYPTION}" in message
    assert "slack_" in message
    assert "encrypted with another key" in message
    for advice in ("RECORD_ENCRYPTION_KEY", "supervision-bot init --downgrade-to", "backup"):
        assert advice in message
    assert "Nothing was changed" in message
    assert await current_revision(database_url) == head
    assert await _inventory(database_url) == at_head

    crypto.configure(None)  # no key at all, as under plain `alembic downgrade`
    with pytest.raises(MigrationRefused, match="needs RECORD_ENCRYPTION_KEY"):
        await downgrade(database_url, ENCRYPTION)  # undoes the Slack encryption on the way
    assert await current_revision(database_url) == head

    crypto.configure(TEST_RECORD_KEY)
    await downgrade(database_url, ENCRYPTION)  # Slack rows decrypt with the right key
    crypto.configure(Fernet.generate_key().decode())
    with pytest.raises(MigrationRefused, match=f"cannot undo revision {ENCRYPTION}"):
        await downgrade(database_url, "base")
    assert await current_revision(database_url) == ENCRYPTION

    crypto.configure(TEST_RECORD_KEY)
    again = await _decrypted(database_url, skip="slack_")  # plain JSON columns again
    # Tables added after the encryption revisions (missedmonth) went with their revisions.
    present = await _inventory(database_url)
    assert again == {
        k: v
        for k, v in entered.items()
        if not k[0].startswith("slack_") and k[0] in present and k[1] in present[k[0]][1]
    }


def run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real command on its own SQLite file (as tests/bot/cli_helpers.py does)."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_"))
    }
    environment.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", **env)
    # This checkout's code and migrations, whichever copy the editable install points at.
    root = str(Path(__file__).resolve().parents[2])
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))
    return subprocess.run(
        [EXE, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="the CLI runs on SQLite")
async def test_cli_downgrade_lists_what_it_undoes_then_needs_yes(tmp_path: Path) -> None:
    key = {"RECORD_ENCRYPTION_KEY": TEST_RECORD_KEY}
    assert run(tmp_path, "demo", env=key).returncode == 0
    chain = revisions()

    asked = run(tmp_path, "init", "--downgrade-to", "8fa6879cd7b8", env=key)
    assert asked.returncode == 2
    for said in (ENCRYPTION, "--yes", "Back up"):
        assert said in asked.stdout

    wrong = {"RECORD_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    refused = run(tmp_path, "init", "--downgrade-to", "8fa6879cd7b8", "--yes", env=wrong)
    assert refused.returncode == 2
    assert "cannot undo revision" in refused.stderr
    assert "Traceback" not in refused.stderr

    unknown = run(tmp_path, "init", "--downgrade-to", "nope", "--yes", env=key)
    assert unknown.returncode == 2
    assert "no revision 'nope'" in unknown.stderr

    done = run(tmp_path, "init", "--downgrade-to", "8fa6879cd7b8", "--yes", env=key)
    assert done.returncode == 0, done.stderr
    assert f"from {chain[0]} to 8fa6879cd7b8" in done.stdout
    assert "table snooze" in done.stdout
    assert "table personalelement" in done.stdout

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    plain = await _stored(url, "supervisionrecord", "sections", "id")
    assert plain
    assert not any(value.startswith(crypto.PREFIX) for value in plain.values())

    upgraded = run(tmp_path, "init", env=key)
    assert upgraded.returncode == 0, upgraded.stderr
    assert await current_revision(url) == chain[0]
    read_back = await _decrypted(url)
    assert {k: json.loads(v) for k, v in plain.items()} == read_back[
        ("supervisionrecord", "sections")
    ]

    with sqlite3.connect(tmp_path / "cli.db") as connection:  # as a newer release leaves it
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeedf00d'")
    newer = run(tmp_path, "init", "--downgrade-to", "8fa6879cd7b8", "--yes", env=key)
    assert newer.returncode == 2
    assert "f00dfeedf00d, which this version does not know" in newer.stderr
