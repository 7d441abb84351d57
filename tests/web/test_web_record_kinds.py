"""One session, a record of each kind, through the playground over real HTTP on loopback (issue 20
item 14). LAM 004:348,350: the case record on Mosaic; 004:356: the professional supervision
minutes; each within its own number of working days; 004:202: one session can give time to each.

The council's pack here is Lambeth's with its case management sessions calling for both records,
the minutes within 5 working days (a council's own directory of packs, PACKS_DIR), so one session
has two outstanding records with two deadlines.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from web_helpers import LONDON, demo_clock, playground_settings

from bot.app import create_app
from policy.packs import Pack, builtin_pack, load_packs
from storage.db import session_factory
from storage.models import (
    AuditEvent,
    Organisation,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.queries.digest import late_records_sql
from storage.retention import erase, expired
from storage.subject_access import person_export
from tests.web.test_web_api import API, get, ids, post, send

PACK_ID = "lambeth_both"
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)  # the demo's clock: Mon 23 Nov, 10:00
OLD = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)  # three weeks before


def _pack() -> Pack:
    return load_packs(_both_kinds_pack(Path(tempfile.mkdtemp())))[PACK_ID]


def _both_kinds_pack(directory: Path) -> Path:
    lambeth = Path(__file__).parents[2] / "policy" / "packs" / "lambeth.yaml"
    pack = yaml.safe_load(lambeth.read_text("utf-8"))
    pack["id"] = PACK_ID
    for kind in pack["recording"]["kinds"]:
        if kind["id"] == "professional_minutes":
            kind["applies_to"] = ["professional", "case_management"]
            kind["deadline_working_days"] = 5
    (directory / f"{PACK_ID}.yaml").write_text(yaml.safe_dump(pack), "utf-8")
    return directory


@pytest.fixture
async def kinds_playground(
    web_demo_file: Path, web_engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[TestServer]:
    packs = tmp_path / "packs"
    packs.mkdir()
    async with session_factory(web_engine)() as session:
        for organisation in (await session.exec(select(Organisation))).all():
            organisation.pack_id = PACK_ID
            session.add(organisation)
        await session.commit()
    settings = playground_settings(web_demo_file).model_copy(
        update={"packs_dir": _both_kinds_pack(packs)}
    )
    app = create_app(settings, web_engine, demo_clock(), run_scheduler=False)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server


async def _held(
    engine: AsyncEngine, start: datetime, supervisor: int, supervisee: int, *kinds: str
) -> int:
    """A case management supervision held at `start`, with a signed record of each kind given
    (`record`: written before the council listed its kinds)."""
    async with session_factory(engine)() as session:
        organisation_id = (await session.get(Staff, supervisor)).organisation_id  # type: ignore[union-attr]
        row = SupervisionSession(
            organisation_id=organisation_id,
            type="case_management",
            supervisor_id=supervisor,
            planned_start=start,
            planned_end=start + timedelta(minutes=90),
            status="held",
            ical_uid=f"kinds-{start.isoformat()}@example.org",
            created_by_id=supervisor,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        session.add(SessionAttendee(session_id=row.id, staff_id=supervisee))
        written = start + timedelta(hours=4)
        for kind in kinds:
            session.add(
                SupervisionRecord(
                    session_id=row.id,
                    kind=kind,
                    template_id="case_discussion_family",
                    written_by_id=supervisor,
                    written_at=written,
                    supervisor_signed_at=written,
                    supervisee_signed_at=written,
                )
            )
        await session.commit()
        return row.id


async def _kinds_of(engine: AsyncEngine, session_id: int) -> list[str]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(SupervisionRecord.kind).where(SupervisionRecord.session_id == session_id)
        )
        return sorted(rows.all())


def _last(body: dict[str, Any]) -> dict[str, Any]:
    return body["replies"][-1]  # type: ignore[no-any-return]


async def _to_review(server: TestServer, staff_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Answer each step as a supervisor in a hurry would: every required field, the first case
    offered, no decisions or actions, the next meeting on 21 Dec; stop at the review card."""
    for _ in range(20):
        last = _last(body)
        if last["type"] == "card" and "confirm" in [a["value"] for a in last["actions"]]:
            return body
        if last["type"] == "form":
            values = {f["name"]: f["value"] for f in last["fields"]}
            for f in last["fields"]:
                if f["name"] == "next_at":
                    values["next_at"] = "21/12 10:00"
                elif f["required"] and not f["value"]:
                    values[f["name"]] = f["options"][0]["value"] if f["options"] else "Noted"
            form = {"form_id": last["form_id"], "values": values}
            body = await send(server, staff_id, form=form)
        elif last["type"] == "choice":
            offered = [o["value"] for o in last["options"]]
            assert "done" in offered or "skip" in offered, last
            body = await send(server, staff_id, choice="done" if "done" in offered else "skip")
        else:
            raise AssertionError(f"stuck at {last}")
    raise AssertionError("the record never reached its review")


async def test_two_records_of_one_session_each_chosen_by_name_and_written_once(
    kinds_playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(kinds_playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    session_id = await _held(web_engine, FRIDAY, priya, sam)

    asked = await send(
        kinds_playground, priya, command={"name": "record", "argument": str(session_id)}
    )
    (choice,) = asked["replies"]
    assert choice["type"] == "choice"
    # Which kinds are outstanding, each with its own deadline: 2 and 5 working days after Friday.
    assert choice["prompt"] == (
        "Which record of the case management session of Fri 20 Nov 2026, 10:00 are you "
        "writing? Still to write for this session: Case record (Mosaic), due Tue 24 Nov 2026; "
        "Professional supervision minutes, due Fri 27 Nov 2026."
    )
    assert [o["label"] for o in choice["options"]] == [
        "Case record (Mosaic) (due Tue 24 Nov 2026)",
        "Professional supervision minutes (due Fri 27 Nov 2026)",
    ]  # the pack's words, never its ids
    # A word that is no kind: asked again, nothing lost.
    again = await send(kinds_playground, priya, text="the appraisal")
    assert "Pick which record this is" in _last(again)["text"]
    assert "Case record (Mosaic), Professional supervision minutes" in _last(again)["text"]
    typed = await send(kinds_playground, priya, text="professional supervision minutes")
    assert _last(typed)["type"] == "form"
    assert _last(typed)["fields"], typed
    review = await _to_review(kinds_playground, priya, typed)
    card = _last(review)
    assert card["title"].startswith("Professional supervision minutes: Sam Taylor")
    written = next(f["value"] for f in card["facts"] if f["label"] == "Written")
    assert "5 working days allowed" in written  # the minutes' own deadline, not the case record's

    # The same click delivered twice (a retry), then a second click: one record of the kind.
    saved = await send(kinds_playground, priya, choice="confirm", message_id="confirm-minutes-1")
    retried = await send(kinds_playground, priya, choice="confirm", message_id="confirm-minutes-1")
    assert retried["duplicate"] is True
    await send(kinds_playground, priya, choice="confirm", message_id="confirm-minutes-2")
    assert await _kinds_of(web_engine, session_id) == ["professional_minutes"]
    done, left = saved["replies"]
    assert done["text"].startswith("Saved the Professional supervision minutes of your supervision")
    assert (
        left["prompt"]
        == "Still to write for this session: Case record (Mosaic), due Tue 24 Nov 2026."
    )
    (button,) = left["options"]
    assert button["label"] == "Write the case record (Mosaic)"

    # A stale button for the minutes (a second device): said so, and nothing else started unasked.
    stale = await send(
        kinds_playground, priya, choice=f"start:record:{session_id}:professional_minutes"
    )
    warning, only = stale["replies"]
    assert warning["text"] == (
        "The Professional supervision minutes of that session is written already."
    )
    assert [o["label"] for o in only["options"]] == ["Case record (Mosaic) (due Tue 24 Nov 2026)"]
    typed = await send(kinds_playground, priya, text="case")  # a word of its name will do
    assert _last(typed)["intro"].startswith("Case record (Mosaic): Pick the cases")

    # The other kind of the same session: allowed, and asked no question (one kind is left).
    second = await send(kinds_playground, priya, choice=button["value"])
    assert _last(second)["type"] == "form"
    review = await _to_review(kinds_playground, priya, second)
    assert _last(review)["title"].startswith("Case record (Mosaic): Sam Taylor")
    saved = await send(kinds_playground, priya, choice="confirm", message_id="confirm-case-1")
    (done,) = saved["replies"]  # every kind the pack keeps is written: nothing more to offer
    assert done["text"].startswith("Saved the Case record (Mosaic) of your supervision")
    assert await _kinds_of(web_engine, session_id) == ["case_record", "professional_minutes"]

    # Sam is asked to confirm each, by its name; a third write-up is refused in words.
    _, inbox = await get(kinds_playground, f"{API}/inbox/{sam}")
    titles = [m["replies"][0]["title"] for m in inbox["messages"]]
    assert "Please confirm your professional supervision minutes" in titles
    assert "Please confirm your case record (Mosaic)" in titles
    refused = await send(
        kinds_playground, priya, command={"name": "record", "argument": str(session_id)}
    )
    assert _last(refused)["text"] == (
        "That session has each of its records already: use 'sign' to read them."
    )
    signing = await send(kinds_playground, sam, command={"name": "sign"})
    labels = [o["label"] for o in _last(signing)["options"]]
    assert "Professional supervision minutes of Fri 20 Nov 2026, 10:00" in labels
    assert "Case record (Mosaic) of Fri 20 Nov 2026, 10:00" in labels

    # Subject access and retention take in every kind, not the session's first record.
    async with session_factory(web_engine)() as session:
        export = await person_export(session, sam)
        exported = [r for r in export["supervision_records"] if r["session_id"] == session_id]
        assert sorted(r["kind"] for r in exported) == ["case_record", "professional_minutes"]
        audit = (
            await session.exec(select(AuditEvent.detail).where(AuditEvent.action == "write"))
        ).all()
        assert {"professional_minutes", "case_record"} <= {d.get("kind") for d in audit}
        leaver = await session.get(Staff, sam)
        assert leaver is not None
        leaver.leaving_date = date(2026, 1, 1)
        session.add(leaver)
        await session.flush()
        lapsed = await expired(
            session, leaver.organisation_id, builtin_pack("lambeth"), date(2026, 11, 23)
        )
        assert await erase(session, [e for e in lapsed if e.staff_id == sam]) == 1
        await session.commit()
    assert await _kinds_of(web_engine, session_id) == []


async def test_an_old_signed_session_missing_a_kind_is_owed_until_written(
    kinds_playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(kinds_playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    # Written and signed before the council listed its kinds: the default kind, which is the
    # case record (the first kind a case management session calls for).
    session_id = await _held(web_engine, OLD, priya, sam, "record")
    owed = (
        "Write up the case management session of 02 Nov 2026 (professional supervision "
        "minutes): due Mon 9 Nov 2026, 14 days ago"
    )
    assert owed in str(await send(kinds_playground, priya, command={"name": "due"}))
    assert await _late(web_engine, session_id) == {"professional_minutes": None}

    # Offered among the supervisions waiting to be written up, and written with no question.
    listed = await send(kinds_playground, priya, text="write up supervision with Sam")
    (choice,) = listed["replies"]
    assert f"session:{session_id}" in [o["value"] for o in choice["options"]]
    form = await send(kinds_playground, priya, choice=f"session:{session_id}")
    assert _last(form)["intro"].startswith("Professional supervision minutes: Pick the cases")
    review = await _to_review(kinds_playground, priya, form)
    written = next(f["value"] for f in _last(review)["facts"] if f["label"] == "Written")
    assert written.endswith(": 10 working days late.")  # 5 allowed from Mon 2 Nov: Mon 9 Nov
    await send(kinds_playground, priya, choice="confirm")
    assert await _kinds_of(web_engine, session_id) == ["professional_minutes", "record"]

    # No longer owed; written late, so the digest still counts it late (not missing).
    assert owed not in str(await send(kinds_playground, priya, command={"name": "due"}))
    assert await _late(web_engine, session_id) == {"professional_minutes": date(2026, 11, 23)}


async def _late(engine: AsyncEngine, session_id: int) -> dict[str, date | None]:
    """The digest's late records of the session (storage.queries, the SQL the scheduler runs):
    each kind and the day it was written (None: not written)."""
    async with session_factory(engine)() as session:
        row = await session.get(SupervisionSession, session_id)
        assert row is not None
        connection = await session.connection()
        pack = _pack()
        teams = await late_records_sql(connection, row.organisation_id, pack, date(2026, 11, 23))
    statuses = [s for team in teams.values() for s in team if s.session_id == session_id]
    return {s.kind: s.written_on for s in statuses}


async def test_the_reminder_names_the_missing_kind_until_it_is_written(
    kinds_playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(kinds_playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    held = datetime(2026, 11, 13, 10, 0, tzinfo=LONDON)  # the minutes were due Fri 20 Nov
    session_id = await _held(web_engine, held, priya, sam, "record")
    owed = "Write up the case management session of 13 Nov 2026 (professional supervision minutes)"

    async def reminded() -> list[str]:
        _, inbox = await get(kinds_playground, f"{API}/inbox/{priya}")
        titles = [r["title"] for m in inbox["messages"] for r in m["replies"] if "title" in r]
        return [t for t in titles if owed in t]

    status, moved = await post(kinds_playground, f"{API}/clock", {"days": 1})
    assert status == 200, moved
    assert await reminded() == [f"Overdue by 4 days: {owed}"]
    form = await send(
        kinds_playground, priya, command={"name": "record", "argument": str(session_id)}
    )
    await _to_review(kinds_playground, priya, form)
    await send(kinds_playground, priya, choice="confirm")
    assert await _kinds_of(web_engine, session_id) == ["professional_minutes", "record"]
    status, moved = await post(kinds_playground, f"{API}/clock", {"days": 1})
    assert status == 200, moved
    assert await reminded() == [f"Overdue by 4 days: {owed}"]  # no new one: it is written
