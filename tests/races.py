"""Racing one conversation: the same confirming click (or "yes", or form) sent many times at once.

Each writing flow is brought to its confirming step by `STEPS`; `race` then sends that step's
payload ten times at once with distinct message ids (two clicks are two platform messages, not a
retry of one), over one or several engines ("instances").
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, func, select

from dialogs.engine import Engine, Result
from dialogs.messages import AskForm, Card, Choice, FormSubmit, Inbound, Payload, Say, Text
from storage.db import session_factory
from storage.models import (
    Absence,
    AuditEvent,
    Case,
    CaseAllocation,
    InformalSupervision,
    ManagerDecision,
    Organisation,
    OverCapApproval,
    PersonalElement,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)

OpenChat = Callable[[str], Awaitable[Any]]  # a name -> tests.dialogs.conftest.Chat
_ids = itertools.count(1)


@dataclass(frozen=True)
class Step:
    """A conversation at its confirming step: who, what to send, and how many rows it writes."""

    chat: Any  # tests.dialogs.conftest.Chat
    payload: Payload
    count: Callable[[], Awaitable[int]]
    recorded: str  # the start of what the winner saved, as "Already recorded: ..." repeats it


async def rows(database: AsyncEngine, model: type[SQLModel], *where: Any) -> int:
    async with session_factory(database)() as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return int((await session.exec(query)).one())


async def race(engines: Sequence[Engine], chat: Any, payload: Payload, n: int = 10) -> list[Result]:
    """The same payload n times at once, as n distinct platform messages, spread over engines."""
    inbounds = [
        Inbound(
            platform=chat.platform,
            conversation_key=f"{chat.platform}:{chat.staff_id}",
            message_id=f"race-{next(_ids)}",
            actor_id=chat.staff_id,
            payload=payload,
            received_at=chat.clock(),
        )
        for _ in range(n)
    ]
    return list(
        await asyncio.gather(
            *(engines[i % len(engines)].handle(inbound) for i, inbound in enumerate(inbounds))
        )
    )


def text_of(result: Result) -> str:
    return "\n".join(
        getattr(r, "text", "") or getattr(r, "title", "") for r in result.replies
    ).strip()


def already(result: Result) -> bool:
    return text_of(result).startswith("Already recorded: ")


def form_submit(chat: Any, **values: str) -> FormSubmit:
    """What the platform sends when the form on screen is submitted with these values."""
    forms = [r for r in chat.last.replies if isinstance(r, AskForm)]
    assert forms, chat.last.replies
    merged = {f.name: f.value for f in forms[-1].fields} | values
    return FormSubmit(forms[-1].form_id, merged)


def assert_card(chat: Any) -> None:
    assert any(isinstance(r, Card) for r in chat.last.replies), chat.last.replies


async def staff_named(database: AsyncEngine, name: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.name == name))).one()


async def a_case_of(database: AsyncEngine, worker: str) -> str:
    async with session_factory(database)() as session:
        reference = (
            await session.exec(
                select(Case.reference)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .join(Staff, col(Staff.id) == CaseAllocation.staff_id)
                .where(Staff.name == worker, col(Case.closed).is_(None))
                .order_by(col(Case.reference))
            )
        ).first()
    assert reference
    return reference


async def decision(database: AsyncEngine, open_chat: OpenChat, word: str = "") -> Step:
    reference = await a_case_of(database, "Sam Taylor")
    chat = await open_chat("Priya Shah")
    await chat.send(f"decision {reference} step down to CIN plan because risks reduced")
    assert_card(chat)
    payload: Payload = Text(word) if word else Choice("confirm")
    return Step(
        chat,
        payload,
        lambda: rows(database, ManagerDecision),
        f"Managers Decision on {reference}",
    )


async def book(database: AsyncEngine, open_chat: OpenChat) -> Step:
    chat = await open_chat("Priya Shah")
    await chat.send("book supervision with Sam tomorrow 2pm")
    await chat.submit(mode="virtual", venue="Teams call")
    assert_card(chat)
    return Step(
        chat,
        Choice("confirm"),
        lambda: rows(database, SupervisionSession),
        "supervision with Sam Taylor, Tue 24 Nov 2026, 14:00",
    )


async def held_session(
    database: AsyncEngine,
    supervisor: str,
    supervisee: str,
    at: datetime,
    type: str = "one_to_one",
) -> int:
    """A supervision that took place, with no record yet."""
    priya = await staff_named(database, supervisor)
    sam = await staff_named(database, supervisee)
    async with session_factory(database)() as session:
        row = SupervisionSession(
            organisation_id=priya.organisation_id,
            type=type,
            supervisor_id=priya.id or 0,
            planned_start=at,
            planned_end=at + timedelta(minutes=90),
            status="held",
            ical_uid=f"race-{next(_ids)}@example.org",
            created_by_id=priya.id,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        session.add(SessionAttendee(session_id=row.id, staff_id=sam.id or 0))
        await session.commit()
        return row.id


async def record(database: AsyncEngine, open_chat: OpenChat) -> Step:
    """Priya writes up last Friday's supervision with Sam, up to its Confirm button."""
    at = datetime.fromisoformat("2026-11-20T10:00:00+00:00")
    session_id = await held_session(database, "Priya Shah", "Sam Taylor", at)
    chat = await open_chat("Priya Shah")
    await chat.command("record", str(session_id))
    for _ in range(2):
        await chat.submit(**{f.name: f"{f.label}: Sam's answer" for f in chat.form().fields})
    reference = chat.form().fields[0].options[0].value
    await chat.submit(cases=reference)
    await chat.submit(**{f.name: "Visits weekly" for f in chat.form().fields})
    await chat.choose("done")
    await chat.choose("done")
    await chat.submit(next_at="21/12 10:00")
    await chat.choose("skip")
    assert_card(chat)
    return Step(
        chat,
        Choice("confirm"),
        lambda: rows(database, SupervisionRecord, SupervisionRecord.session_id == session_id),
        "the Record of Supervision of ",
    )


async def second_kind(database: AsyncEngine, open_chat: OpenChat) -> Step:
    """Lambeth: a professional supervision whose minutes were written and signed before the
    pack listed its kinds (the default kind); Priya writes its case record too, for the time it
    gave to case discussion (LAM 004:202,348), up to its Confirm button."""
    async with session_factory(database)() as session:
        for organisation in (await session.exec(select(Organisation))).all():
            organisation.pack_id = "lambeth"
            session.add(organisation)
        await session.commit()
    at = datetime.fromisoformat("2026-11-20T10:00:00+00:00")
    session_id = await held_session(database, "Priya Shah", "Sam Taylor", at, "professional")
    priya = await staff_named(database, "Priya Shah")
    async with session_factory(database)() as session:
        signed = at + timedelta(hours=3)
        session.add(
            SupervisionRecord(
                session_id=session_id,
                template_id="professional_supervision",
                written_by_id=priya.id or 0,
                written_at=signed,
                supervisor_signed_at=signed,
                supervisee_signed_at=signed,
            )
        )
        await session.commit()
    chat = await open_chat("Priya Shah")
    await chat.command("record", str(session_id))  # the one kind left: no question which
    reference = chat.form().fields[0].options[0].value
    await chat.submit(cases=reference)
    await chat.submit(**{f.name: "Noted" for f in chat.form().fields if f.required})
    await chat.choose("done")
    await chat.choose("done")
    await chat.submit(next_at="21/12 10:00")
    assert_card(chat)
    return Step(
        chat,
        Choice("confirm"),
        lambda: rows(database, SupervisionRecord, SupervisionRecord.session_id == session_id),
        "the Case record (Mosaic) of ",
    )


async def sign(database: AsyncEngine, open_chat: OpenChat) -> Step:
    """Sam opens the record Priya wrote, up to its Confirm and sign button."""
    written = await record(database, open_chat)
    await written.chat.send(written.payload)
    (note,) = written.chat.last.notifications
    record_id = int(note.messages[0].actions[0].value.rsplit(":", 1)[1])
    chat = await open_chat("Sam Taylor")
    await chat.choose(f"start:sign:{record_id}")
    assert_card(chat)

    async def signatures() -> int:  # one audit entry per signature, one note per signature
        return await rows(
            database,
            AuditEvent,
            AuditEvent.action == "sign",
            AuditEvent.subject_id == str(record_id),
        )

    return Step(chat, Choice("confirm"), signatures, "your signature on the record of ")


async def absence(database: AsyncEngine, open_chat: OpenChat) -> Step:
    chat = await open_chat("Sam Taylor")
    await chat.command("absence")
    payload = form_submit(chat, kind="annual_leave", start="7/12/2026", end="11/12/2026")
    return Step(chat, payload, lambda: rows(database, Absence), "your absence from Mon 7 Dec")


async def informal(database: AsyncEngine, open_chat: OpenChat) -> Step:
    chat = await open_chat("Priya Shah")
    await chat.command("informal", "Sam Taylor")
    await chat.send(
        form_submit(
            chat,
            person="Sam Taylor",
            when="20/11/2026 14:00",
            discussed="A visit that went badly",
            decided="Joint visit next week",
        )
    )
    assert_card(chat)
    return Step(
        chat,
        Choice("confirm"),
        lambda: rows(database, InformalSupervision),
        "informal supervision with Sam Taylor",
    )


async def overcap(database: AsyncEngine, open_chat: OpenChat) -> Step:
    chat = await open_chat("Priya Shah")
    await chat.command("overcap", "Sam Taylor")
    payload = form_submit(
        chat, approver="Priya Shah", reason="Covering a vacancy", max_end="31/1/2027"
    )
    return Step(
        chat,
        payload,
        lambda: rows(database, OverCapApproval),
        "over-cap approval for Sam Taylor until ",
    )


async def element(database: AsyncEngine, open_chat: OpenChat) -> Step:
    chat = await open_chat("Priya Shah")
    await chat.command("element", "Sam Taylor")
    payload = form_submit(chat, element="duty_day", quantity="3", end="30/11/2026")
    return Step(chat, payload, lambda: rows(database, PersonalElement), "3 ")


async def held(database: AsyncEngine, open_chat: OpenChat) -> Step:
    """Priya marks a booked session that has ended as held, from a reminder's button."""
    chat = await open_chat("Priya Shah")
    priya = await staff_named(database, "Priya Shah")
    async with session_factory(database)() as session:
        booked = (
            await session.exec(
                select(SupervisionSession)
                .where(
                    SupervisionSession.supervisor_id == priya.id,
                    SupervisionSession.status == "booked",
                )
                .order_by(col(SupervisionSession.planned_start))
            )
        ).first()
    assert booked is not None
    assert booked.id is not None
    chat.clock.now = booked.planned_end + timedelta(hours=1)
    await chat.send(Choice("start:held"))
    session_id = booked.id

    async def marked() -> int:
        return await rows(
            database,
            AuditEvent,
            AuditEvent.subject_type == "supervision_session",
            AuditEvent.subject_id == str(session_id),
        )

    return Step(chat, Choice(str(session_id)), marked, "the supervision marked as held")


STEPS: dict[str, Callable[[AsyncEngine, OpenChat], Awaitable[Step]]] = {
    "decision": decision,
    "book": book,
    "record": record,
    "record_second_kind": second_kind,
    "sign": sign,
    "absence": absence,
    "informal": informal,
    "overcap": overcap,
    "element": element,
    "held": held,
}


def assert_one_winner(results: list[Result]) -> Result:
    """One turn made the write; every other got what it made, and nothing went wrong."""
    winners = [r for r in results if not already(r)]
    assert len(winners) == 1, [text_of(r) for r in results]
    for result in results:
        assert not any(
            isinstance(r, Say) and ("changed elsewhere" in r.text or "went wrong" in r.text)
            for r in result.replies
        ), text_of(result)
    return winners[0]
