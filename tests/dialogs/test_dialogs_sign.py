"""Transcript: the supervisee reads their record and signs it or asks for changes; nobody else."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskChoice, AskForm, Card, Say, Tone
from storage.db import session_factory
from storage.models import AuditEvent, SessionAttendee, Staff, SupervisionRecord, SupervisionSession

LONDON = ZoneInfo("Europe/London")
HELD = datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)


async def written_record(database: AsyncEngine, chat_as: Any) -> tuple[int, Any]:
    """Priya Shah writes up Friday's supervision with Sam Taylor through the record flow."""
    async with session_factory(database)() as session:
        priya = (await session.exec(select(Staff).where(Staff.name == "Priya Shah"))).one()
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        assert priya.id is not None
        assert sam.id is not None
        row = SupervisionSession(
            organisation_id=priya.organisation_id,
            type="one_to_one",
            supervisor_id=priya.id,
            planned_start=HELD,
            planned_end=HELD + timedelta(minutes=90),
            status="held",
            ical_uid="sign-test@example.org",
            created_by_id=priya.id,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        session.add(SessionAttendee(session_id=row.id, staff_id=sam.id))
        await session.commit()
        session_id = row.id
    priya_chat = await chat_as("Priya Shah")
    await priya_chat.command("record", str(session_id))
    for _ in range(2):
        form = priya_chat.form()
        await priya_chat.submit(**{f.name: f"{f.label}: Sam's answer" for f in form.fields})
    reference = priya_chat.form().fields[0].options[0].value
    await priya_chat.submit(cases=reference)
    await priya_chat.submit(**{f.name: "Visits weekly" for f in priya_chat.form().fields})
    await priya_chat.choose("add")
    await priya_chat.submit(case=reference, decision="Step down to CIN", rationale="Risk reduced")
    await priya_chat.choose("done")
    await priya_chat.choose("add")
    await priya_chat.submit(description="Update chronology", owner="Sam Taylor", due="4/12")
    await priya_chat.choose("done")
    await priya_chat.submit(next_at="21/12 10:00")
    await priya_chat.choose("skip")
    await priya_chat.choose("confirm")
    (note,) = priya_chat.last.notifications
    button = note.messages[0].actions[0].value
    assert button.startswith("start:sign:")
    return int(button.rsplit(":", 1)[1]), reference


async def record_row(database: AsyncEngine, record_id: int) -> SupervisionRecord:
    async with session_factory(database)() as session:
        row = await session.get(SupervisionRecord, record_id)
    assert row is not None
    return row


async def audit_actions(database: AsyncEngine, record_id: int) -> list[tuple[str, int | None]]:
    async with session_factory(database)() as session:
        rows = (
            await session.exec(
                select(AuditEvent)
                .where(
                    AuditEvent.subject_type == "supervision_record",
                    AuditEvent.subject_id == str(record_id),
                )
                .order_by(col(AuditEvent.id))
            )
        ).all()
    return [(r.action, r.actor_id) for r in rows]


async def test_supervisee_reads_and_signs(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    record_id, reference = await written_record(database, chat_as)
    sam = await chat_as("Sam Taylor")
    replies = await sam.choose(f"start:sign:{record_id}")  # the button in the notification
    card = replies[0]
    assert isinstance(card, Card)
    assert card.title == "Record of Supervision: Fri 20 Nov 2026, 10:00"
    facts = {f.label: f.value for f in card.facts}
    assert facts["Supervisor"] == "Priya Shah"
    assert facts["Supervisor signed"] == "Mon 23 Nov 2026, 10:00"
    assert facts["Supervisee signed"] == "not yet"
    assert facts["Written"].startswith("Written 1 working day after the session")
    sections = {s.heading: s.lines for s in card.sections}
    assert sections["Review plan of action from previous meeting"] == (
        "Review plan of action from previous meeting: Sam's answer",
    )
    assert sections[f"Case {reference}"][0] == (
        "General case update/recent concerns and positives: Visits weekly"
    )
    assert sections["Decisions"] == (f"{reference}: Step down to CIN (rationale: Risk reduced)",)
    assert sections["Actions"] == ("Update chronology (Sam Taylor, by Fri 4 Dec 2026)",)
    assert sections["Date and time of next meeting"] == ("Mon 21 Dec 2026, 10:00",)
    assert [o.value for o in card.actions] == ["confirm", "changes"]
    replies = await sam.choose("confirm")
    assert replies == [
        Say(
            "Signed: the record of Fri 20 Nov 2026, 10:00. Both of you have now signed it.",
            Tone.SUCCESS,
        )
    ]
    row = await record_row(database, record_id)
    assert row.supervisee_signed_at is not None
    assert [n.staff_id for n in sam.last.notifications] == [row.written_by_id]
    sam_id = sam.staff_id
    assert ("read", sam_id) in await audit_actions(database, record_id)
    assert ("sign", sam_id) in await audit_actions(database, record_id)
    replies = await sam.send(f"sign {record_id}")
    assert isinstance(replies[0], Card)
    # Signed by both: nothing more to sign, and the PDF is ready for the supervision file.
    assert [a.label for a in replies[0].actions] == ["Download PDF"]
    assert replies[1] == Say("You have signed this record.")


async def test_supervisee_asks_for_changes(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    record_id, _ = await written_record(database, chat_as)
    sam = await chat_as("Sam Taylor")
    await sam.choose(f"start:sign:{record_id}")
    replies = await sam.choose("changes")
    assert isinstance(replies[0], AskForm)
    await sam.submit(changes="   ")
    assert sam.form().fields[0].error == "What should change is required."
    huge = "y" * 20_000
    await sam.submit(changes=huge)
    assert "20,000 characters; the limit is 10,000" in sam.form().fields[0].error
    assert sam.form().fields[0].value == huge
    wanted = "Ychwanegwch fy hyfforddiant 🙂 <i>please</i> '; DROP TABLE records; --"
    replies = await sam.submit(changes=wanted)
    assert replies[0].tone is Tone.SUCCESS  # type: ignore[union-attr]
    row = await record_row(database, record_id)
    assert row.changes_requested == wanted
    assert row.supervisee_signed_at is None
    (note,) = sam.last.notifications
    assert note.staff_id == row.written_by_id
    assert wanted in note.messages[0].text  # type: ignore[union-attr]
    assert ("request_changes", sam.staff_id) in await audit_actions(database, record_id)
    replies = await sam.send(f"sign {record_id}")
    facts = {f.label: f.value for f in replies[0].facts}  # type: ignore[union-attr]
    assert facts["Changes asked for"] == wanted


async def test_a_third_person_cannot_read_or_sign(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    record_id, _ = await written_record(database, chat_as)
    for name in ("Tom Evans", "Grace Lee"):
        other = await chat_as(name)
        replies = await other.choose(f"start:sign:{record_id}")
        assert replies == [
            Say("Only the people in that supervision can read or sign its record.", Tone.WARNING)
        ]
        await other.send("confirm")
        assert ("read_refused", other.staff_id) in await audit_actions(database, record_id)
    row = await record_row(database, record_id)
    assert row.supervisee_signed_at is None
    tom = await chat_as("Tom Evans")
    replies = await tom.command("sign", "99999")
    assert replies == [Say("There is no supervision record 99999.", Tone.WARNING)]


async def test_sign_lists_what_is_waiting(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    record_id, _ = await written_record(database, chat_as)
    sam = await chat_as("Sam Taylor")
    replies = await sam.send("sign my record")
    choice = replies[0]
    assert isinstance(choice, AskChoice)
    assert option_values(choice)[-1] == f"open:{record_id}"  # the newest is listed last
    replies = await sam.choose(f"open:{record_id}")
    assert isinstance(replies[0], Card)
    await sam.choose("confirm")
    replies = await sam.send("sign my record")
    left = replies[0]
    assert isinstance(left, Say) or f"open:{record_id}" not in option_values(left)


def option_values(reply: object) -> list[str]:
    assert isinstance(reply, AskChoice), reply
    return [o.value for o in reply.options]


async def test_one_record_waiting_is_shown_not_asked_which(chat_as) -> None:  # type: ignore[no-untyped-def]
    """Issue 21 item 11: "1 record to sign. Which one?" asked a question with one answer."""
    sam = await chat_as("Sam Taylor")
    replies = await sam.send("sign my record")
    assert not any(isinstance(r, AskChoice) for r in replies), replies
    assert isinstance(replies[0], Say)
    assert replies[0].text == "One record is waiting for your signature: here it is."
    card = replies[1]
    assert isinstance(card, Card)
    assert [a.value for a in card.actions][:1] == ["confirm"]
    assert sam.last.flow == "sign"  # waiting for Confirm and sign, or Ask for changes
    replies = await sam.choose("confirm")
    assert "signed" in " ".join(getattr(r, "text", "") or getattr(r, "title", "") for r in replies)


async def test_each_party_is_told_in_their_own_language(
    database: AsyncEngine, chat_as: Any
) -> None:
    """Issue 28 item 1: an English council; Sam chose Cymraeg. Priya's request to confirm the
    record reaches Sam in Welsh; Sam's signature (a turn in Welsh) reaches Priya in English."""
    async with session_factory(database)() as session:
        sam_row = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        sam_row.language = "cy"
        session.add(sam_row)
        await session.commit()
    record_id, _reference = await written_record(database, chat_as)
    sam = await chat_as("Sam Taylor")
    await sam.send(f"sign {record_id}")
    (said,) = await sam.choose("confirm")
    assert isinstance(said, Say)
    assert not said.text.startswith("Signed:"), said.text  # Sam's own turn is in Welsh
    (told,) = sam.last.notifications
    assert isinstance(told.messages[0], Say)
    assert told.messages[0].text.startswith("Sam Taylor signed the record of Fri 20 Nov 2026")
