"""The record PDF downloaded in chat carries the organisation's own name (issue 21 item 9)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Attachment
from storage.db import session_factory
from storage.models import SessionAttendee, Staff, SupervisionRecord, SupervisionSession


async def _signed_record_of_sam(database: AsyncEngine) -> int:
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
    assert record.id is not None
    return record.id


def _text(file: object) -> str:
    assert isinstance(file, Attachment)
    pages = PdfReader(io.BytesIO(file.content)).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


async def test_the_pdf_header_names_the_organisation_not_its_pack(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    record_id = await _signed_record_of_sam(database)
    worker = await chat_as("Sam Taylor")
    replies = await worker.choose(f"start:pdf:{record_id}")
    text = _text(replies[0])
    assert text.startswith("Demoshire County Council (demo): Record of Supervision")
    assert "Derbyshire County Council" not in text


async def test_a_person_who_reads_welsh_gets_the_record_pdf_in_welsh(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 28: the PDF's own words and dates in Welsh (what people wrote stays as written)."""
    record_id = await _signed_record_of_sam(database)
    worker = await chat_as("Sam Taylor")
    await worker.send("Cymraeg")
    (file,) = await worker.choose(f"start:pdf:{record_id}")
    assert file.description.startswith("Cofnod goruchwylio Dydd ")
    text = _text(file)
    assert "CYFRINACHOL: cofnod goruchwylio staff" in text
    assert "Goruchwyliwr" in text
    assert "Dyddiad yr oruchwyliaeth" in text
    assert "Erbyn pryd" in text  # the actions table, its dates by Babel in Welsh
    assert "CONFIDENTIAL" not in text
    assert "Supervisor" not in text
