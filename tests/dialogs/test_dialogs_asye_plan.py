"""Transcript: "my ASYE plan" for an NQSW, their manager's view (audited), and refusals.

The plan is policy.asye.asye_plan (LAM 004:268,317,319), shown in the pack's words."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.messages import AskChoice, Card, Reply, Say
from storage.db import session_factory
from storage.models import AuditEvent, Organisation
from tests.dialogs.conftest import staff_id


def card(replies: list[Reply]) -> Card:
    cards = [r for r in replies if isinstance(r, Card)]
    assert cards, replies
    return cards[0]


def shown(reply: Card) -> list[str]:
    """Every word the card shows."""
    texts = [reply.title, reply.subtitle]
    texts += [f"{f.label} {f.value}" for f in reply.facts]
    texts += [s.heading for s in reply.sections]
    texts += [line for s in reply.sections for line in s.lines]
    return texts + [o.label for o in reply.actions]


async def use_lambeth(database: AsyncEngine) -> None:
    async with session_factory(database)() as session:
        for org in (await session.exec(select(Organisation))).all():
            org.pack_id = "lambeth"
            session.add(org)
        await session.commit()


async def audit_events(database: AsyncEngine) -> list[AuditEvent]:
    async with session_factory(database)() as session:
        return list((await session.exec(select(AuditEvent))).all())


async def test_an_nqsw_sees_their_plan_in_lambeths_words(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # LAM 004:317: "weekly for the first 6 weeks; fortnightly up to the 6 month review and at
    # least monthly thereafter"; 004:319: reviews at 3, 6 and 9 months, the final at 11.
    await use_lambeth(database)
    before = len(await audit_events(database))
    nqsw = await chat_as("Aled Rhys")
    reply = card(await nqsw.send("show my asye plan"))
    assert reply.title == "Your ASYE plan"
    headings = [s.heading for s in reply.sections]
    assert headings[0] == "Weekly professional supervision, 6 sessions"
    assert headings[1].startswith("Fortnightly professional supervision (ASYE assessor")
    assert headings[2].startswith("Monthly professional supervision, ")
    reviews = next(s for s in reply.sections if s.heading == "ASYE reviews").lines
    assert [line.split(":")[0] for line in reviews] == [
        "ASYE 3-month review",
        "ASYE 6-month review",
        "ASYE 9-month review",
        "ASYE final review (11 months)",
    ]
    facts = {f.label: f.value for f in reply.facts}
    assert facts["Each supervision"] == "up to 1½ hours of uninterrupted time"
    # Aled is 45 days in: the six weekly sessions are past, the next is fortnightly.
    assert all(line.endswith("(past)") for line in reply.sections[0].lines)
    assert facts["Next"].startswith("Fortnightly professional supervision")
    assert not any("_" in text for text in shown(reply)), shown(reply)
    assert len(await audit_events(database)) == before  # one's own plan is not audited


async def test_what_is_due_offers_an_nqsw_their_plan(chat_as) -> None:  # type: ignore[no-untyped-def]
    nqsw = await chat_as("Aled Rhys")
    reply = card(await nqsw.send("what's due"))
    plan = next(o for o in reply.actions if o.value == "start:asye")
    assert plan.label == "ASYE plan"
    assert card(await nqsw.choose(plan.value)).title == "Your ASYE plan"
    worker = card(await (await chat_as("Sam Taylor")).send("what's due"))
    assert "start:asye" not in {o.value for o in worker.actions}


async def test_a_manager_sees_their_nqsws_plan_and_it_is_audited(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    reply = card(await manager.command("asye", "Aled Rhys"))
    assert reply.title == "ASYE plan: Aled Rhys"
    # Derbyshire borrows Lambeth's schedule and sets no words of its own: the defaults.
    assert reply.sections[0].heading == "Weekly supervision, 6 sessions"
    events = await audit_events(database)
    assert (events[-1].action, events[-1].subject_type) == ("read", "asye_plan")
    assert events[-1].target_staff_id == await staff_id(database, "Aled Rhys")


async def test_a_manager_typing_asye_alone_gets_their_nqsw(chat_as) -> None:  # type: ignore[no-untyped-def]
    # Priya Shah manages one NQSW (Aled Rhys): his plan, without naming him.
    reply = card(await (await chat_as("Priya Shah")).send("asye"))
    assert reply.title == "ASYE plan: Aled Rhys"


async def test_someone_else_cannot_see_an_nqsws_plan(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    before = len(await audit_events(database))
    colleague = await chat_as("Sam Taylor")
    replies = await colleague.command("asye", "Aled Rhys")
    assert isinstance(replies[0], Say)
    assert replies[0].text == "Only Aled and their managers can see their ASYE plan."
    other_manager = await chat_as("Daniel Hughes")
    assert isinstance((await other_manager.command("asye", "Aled Rhys"))[0], Say)
    assert len(await audit_events(database)) == before
    # Not on the ASYE and managing nobody who is: told how to ask.
    none = await (await chat_as("Sam Taylor")).send("asye")
    assert isinstance(none[0], Say)
    assert not isinstance(none[0], AskChoice)


async def test_in_powys_an_nqsw_is_not_told_englands_asye(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # Issue 25 item 7: Powys's answer (002:20,57-63) names no early-career programme; its NQSWs
    # have the monthly 1:1. The chat says so, in Powys's words, never Lambeth's ASYE.
    async with session_factory(database)() as session:
        for org in (await session.exec(select(Organisation))).all():
            org.pack_id = "powys"
            session.add(org)
        await session.commit()
    nqsw = await chat_as("Aled Rhys")
    replies = await nqsw.send("asye")
    said = " ".join(r.text for r in replies if isinstance(r, Say))
    # Powys writes in Welsh unless one chooses English (issue 28): its own words in its Welsh.
    assert "goruchwyliaeth ffurfiol 1:1 bob mis" in said, replies
    assert "Powys County Council" in said
    await nqsw.send("English")
    replies = await nqsw.send("asye")
    said = " ".join(r.text for r in replies if isinstance(r, Say))
    assert "1:1 supervision every month" in said, replies
    assert not any(isinstance(r, Card) for r in replies)
    due = card(await nqsw.send("what's due"))
    assert "start:asye" not in {o.value for o in due.actions}
