"""Record text is encrypted at rest: a copied database file reveals no record content."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from testing_keys import TEST_RECORD_KEY

from storage import crypto
from storage.db import session_factory
from storage.models import (
    Case,
    ManagerDecision,
    Organisation,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)

SECRET = "Worker disclosed a bereavement; Cynllun ✅"


async def seed(engine: AsyncEngine) -> None:
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    async with session_factory(engine)() as session:
        org = Organisation(slug="o", name="O", pack_id="derbyshire")
        session.add(org)
        await session.flush()
        assert org.id
        staff = Staff(
            organisation_id=org.id,
            external_ref="1",
            name="A B",
            email="a@b.uk",
            role="team_manager",
        )
        case = Case(organisation_id=org.id, reference="C-1", category="cp", opened=date(2026, 1, 1))
        session.add_all([staff, case])
        await session.flush()
        assert staff.id
        assert case.id
        meeting = SupervisionSession(
            organisation_id=org.id,
            type="one_to_one",
            supervisor_id=staff.id,
            planned_start=now,
            planned_end=now + timedelta(hours=1),
            ical_uid="u",
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id
        session.add(
            SupervisionRecord(
                session_id=meeting.id,
                template_id="t",
                sections={"wellbeing": SECRET},
                written_by_id=staff.id,
            )
        )
        session.add(
            ManagerDecision(
                organisation_id=org.id,
                case_id=case.id,
                decided_by_id=staff.id,
                decision="Step down",
                rationale=SECRET,
                decided_on=date(2026, 11, 20),
                note_type="Managers Decision",
            )
        )
        await session.commit()


async def raw_text(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        sections = (
            await connection.execute(text("SELECT sections FROM supervisionrecord"))
        ).scalar()
        rationale = (
            await connection.execute(text("SELECT rationale FROM managerdecision"))
        ).scalar()
    return f"{sections} {rationale}"


async def test_record_text_is_ciphertext_in_the_database(engine: AsyncEngine) -> None:
    await seed(engine)
    stored = await raw_text(engine)
    assert "bereavement" not in stored
    assert "Cynllun" not in stored
    assert stored.count(crypto.PREFIX) == 2
    async with session_factory(engine)() as session:
        record = (await session.exec(select(SupervisionRecord))).one()
        decision = (await session.exec(select(ManagerDecision))).one()
    assert record.sections == {"wellbeing": SECRET}
    assert decision.rationale == SECRET


async def test_another_key_cannot_read_it_and_rotation_can(engine: AsyncEngine) -> None:
    await seed(engine)
    original = crypto._Keys.fernet
    try:
        from cryptography.fernet import Fernet

        new_key = Fernet.generate_key().decode()
        crypto.configure([new_key])
        async with session_factory(engine)() as session:
            with pytest.raises(crypto.KeyMissing, match="another key"):
                (await session.exec(select(ManagerDecision))).one()
        crypto.configure([new_key, TEST_RECORD_KEY])  # new key first, old one still reads
        async with session_factory(engine)() as session:
            assert (await session.exec(select(ManagerDecision))).one().rationale == SECRET
    finally:
        crypto._Keys.fernet = original


def test_plaintext_written_before_encryption_still_reads() -> None:
    assert crypto.unseal('{"a": "b"}') == '{"a": "b"}'
    assert crypto.unseal(crypto.seal("ŵ")) == "ŵ"
