"""The record PDF downloaded in chat carries the organisation's own name (issue 21 item 9)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Attachment
from storage.db import session_factory
from storage.models import SessionAttendee, Staff, SupervisionRecord, SupervisionSession


async def test_the_pdf_header_names_the_organisation_not_its_pack(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    async with session_factory(database)() as session:
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        record = (
            await session.exec(
                select(SupervisionRecord)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .join(
                    SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id
                )
                .where(
                    SessionAttendee.staff_id == sam.id,
                    col(SupervisionRecord.supervisee_signed_at).is_not(None),
                    col(SupervisionRecord.supervisor_signed_at).is_not(None),
                )
            )
        ).first()
    assert record is not None
    worker = await chat_as("Sam Taylor")
    replies = await worker.choose(f"start:pdf:{record.id}")
    file = replies[0]
    assert isinstance(file, Attachment)
    pages = PdfReader(io.BytesIO(file.content)).pages
    text = " ".join(" ".join(page.extract_text() or "" for page in pages).split())
    assert text.startswith("Demoshire County Council (demo): Record of Supervision")
    assert "Derbyshire County Council" not in text
