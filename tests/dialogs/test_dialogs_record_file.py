"""Transcript: "Download PDF" on a signed record gives the parties a real PDF; nobody else."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Attachment, Card, Choice, Say
from storage.db import session_factory
from storage.models import SessionAttendee, Staff, SupervisionRecord


async def signed_record_of(database: AsyncEngine, name: str) -> int:
    async with session_factory(database)() as session:
        person = (await session.exec(select(Staff).where(Staff.name == name))).one()
        record_id = (
            await session.exec(
                select(SupervisionRecord.id)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .where(
                    SessionAttendee.staff_id == person.id,
                    col(SupervisionRecord.supervisee_signed_at).is_not(None),
                )
            )
        ).first()
    assert record_id is not None
    return record_id


async def test_party_downloads_the_signed_record_as_pdf(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    record_id = await signed_record_of(database, "Sam Taylor")
    worker = await chat_as("Sam Taylor")
    card = (await worker.command("view", str(record_id)))[0]
    assert isinstance(card, Card)
    assert f"start:pdf:{record_id}" in {a.value for a in card.actions}
    replies = await worker.send(Choice(f"start:pdf:{record_id}"))
    file = replies[0]
    assert isinstance(file, Attachment)
    assert file.media_type == "application/pdf"
    assert file.filename.startswith("supervision-record-")
    text = " ".join(
        " ".join(
            (p.extract_text() or "") for p in PdfReader(io.BytesIO(file.content)).pages
        ).split()
    )
    assert "Record of Supervision" in text
    assert "Sam Taylor" in text
    assert "Priya Shah" in text


async def test_others_cannot_download_it(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    record_id = await signed_record_of(database, "Sam Taylor")
    for name in ("Tom Evans", "Lucy Patel", "Daniel Hughes"):
        other = await chat_as(name)
        replies = await other.send(Choice(f"start:pdf:{record_id}"))
        assert isinstance(replies[0], Say)
        assert replies[0].text == f"There is no signed record {record_id} that you can download."
