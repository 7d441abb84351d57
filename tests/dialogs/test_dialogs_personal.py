"""Transcript: a manager adds personal elements (duty days, an extra responsibility) to a
worker's caseload score under the council's scheme (Derbyshire: DCC 000:542-548,555)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.messages import AskForm, Card, Say, Tone
from storage.db import session_factory
from storage.models import AuditEvent, Organisation, PersonalElement
from tests.dialogs.conftest import staff_id


def score_of(replies: list) -> Decimal:  # type: ignore[type-arg]
    card = next(r for r in replies if isinstance(r, Card))
    facts = {f.label: f.value for f in card.facts}
    return Decimal(facts["Score"].split()[0])


async def test_duty_days_are_added_to_the_score_and_the_worker_is_told(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await chat_as("Sam Taylor")
    before = score_of(await sam.send("what's my caseload score"))

    manager = await chat_as("Priya Shah")
    form = (await manager.command("element", "Sam Taylor"))[0]
    assert isinstance(form, AskForm)
    choices = {
        o.value: o.label for o in next(f for f in form.fields if f.name == "element").options
    }
    assert choices == {
        "additional_responsibilities": "additional responsibility: up to 20 points a commitment",
        "duty_day": "duty days: 12 points a day",
    }
    replies = await manager.submit(element="duty_day", quantity="3", end="30/11/2026")
    assert replies[0].text.startswith("Recorded for Sam Taylor: 3 days of duty days")  # type: ignore[union-attr]
    assert replies[1].text == f"Their score is now {before + 36:g} points."  # type: ignore[union-attr]
    [told] = manager.last.notifications
    assert told.staff_id == await staff_id(database, "Sam Taylor")
    assert "duty days" in told.messages[0].text  # type: ignore[union-attr]

    after = await sam.send("what's my caseload score")
    assert score_of(after) == before + 36  # 12 points a day (000:548)
    breakdown = await sam.choose(next(r for r in after if isinstance(r, Card)).actions[0].value)
    personal = next(s for s in breakdown[0].sections if s.heading == "Personal elements")  # type: ignore[union-attr]
    assert personal.lines == (
        "36 — duty days [Derbyshire Workload Management Scheme guidance, Appendix 4, Using the "
        "WMT, Column 10 and 3; Derbyshire Workload Management Scheme, Appendix 5: points grid]",
    )

    async with session_factory(database)() as session:
        events = (await session.exec(select(AuditEvent))).all()
    assert events[-1].subject_type == "personal_element"


async def test_mistakes_are_named_per_field_and_nothing_typed_is_lost(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.command("element", "Sam Taylor")
    await manager.submit(element="duty_day", quantity="three", points="12")
    errors = {f.name: f.error for f in manager.form().fields if f.error}
    assert errors == {
        "quantity": "How many: write a number, such as 3 or 2.5.",
        "points": "Your council's scheme sets duty days at 12 points a day; leave Agreed points "
        "empty.",
    }
    kept = {f.name: f.value for f in manager.form().fields}
    assert (kept["person"], kept["quantity"], kept["points"]) == ("Sam Taylor", "three", "12")

    await manager.submit(element="additional_responsibilities", quantity="", points="25")
    errors = {f.name: f.error for f in manager.form().fields if f.error}
    assert errors == {"points": "Agreed points: a number above 0 and at most 20."}
    await manager.submit(points="15", start="1/12/2026", end="30/11/2026")
    errors = {f.name: f.error for f in manager.form().fields if f.error}
    assert errors == {"end": "Counts until: on or after the Counts from date."}

    replies = await manager.submit(points="15", start="today", end="")
    assert replies[0].text.startswith("Recorded for Sam Taylor: additional responsibility")  # type: ignore[union-attr]


async def test_only_managers_record_and_past_elements_do_not_count(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    other_manager = await chat_as("Daniel Hughes")  # a colleague is not offered the form
    await other_manager.command("element", "Sam Taylor")
    await other_manager.submit(element="duty_day", quantity="2")
    person = next(f for f in other_manager.form().fields if f.name == "person")
    assert person.error == "Only Sam's managers can record this."

    sam = await chat_as("Sam Taylor")
    before = score_of(await sam.send("what's my caseload score"))
    manager = await chat_as("Priya Shah")
    await manager.command("element", "Sam Taylor")
    replies = await manager.submit(
        element="duty_day", quantity="4", start="1/10/2026", end="31/10/2026"
    )
    assert isinstance(replies[0], Say)
    assert len(replies) == 1  # October's duty days: no "score is now" for today
    assert score_of(await sam.send("what's my caseload score")) == before
    async with session_factory(database)() as session:
        saved = (await session.exec(select(PersonalElement))).one()
    assert (saved.element, saved.quantity, saved.points) == ("duty_day", Decimal(4), None)


async def test_an_ongoing_element_is_listed_and_ended_from_today(chat_as) -> None:  # type: ignore[no-untyped-def]
    sam = await chat_as("Sam Taylor")
    before = score_of(await sam.send("what's my caseload score"))
    manager = await chat_as("Priya Shah")
    await manager.command("element", "Sam Taylor")
    await manager.submit(element="additional_responsibilities", points="15", start="1/11/2026")
    assert score_of(await sam.send("what's my caseload score")) == before + 15

    listed = await manager.command("element", "end Sam Taylor")
    card = listed[0]
    assert isinstance(card, Card)
    assert card.sections[0].lines == (
        "additional responsibility × 1: from Sun 1 Nov 2026, ongoing",
    )
    [end] = card.actions
    assert end.label == "End additional responsibility"
    replies = await manager.choose(end.value)
    assert replies[0].text == (  # type: ignore[union-attr]
        "Ended: additional responsibility no longer counts for Sam Taylor from today."
    )
    assert score_of(await sam.send("what's my caseload score")) == before
    assert "no personal elements" in (await manager.command("element", "end Sam Taylor"))[0].text  # type: ignore[union-attr]

    colleague = await chat_as("Tom Evans")
    refused = await colleague.choose(end.value)
    assert refused[0].text == "Only Sam's managers can record this."  # type: ignore[union-attr]


async def test_a_third_personal_capacity_element_is_flagged_as_not_counting(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    """Nottinghamshire counts at most two personal capacity elements (001:1533-1536)."""
    async with session_factory(database)() as session:
        await (await session.connection()).execute(
            update(Organisation).values(pack_id="nottinghamshire")
        )
        await session.commit()
    manager = await chat_as("Priya Shah")
    for element in ("pq_module", "asye_mentor"):
        await manager.command("element", "Sam Taylor")
        replies = await manager.submit(element=element)
        assert not [r for r in replies if r.tone is Tone.WARNING]  # type: ignore[union-attr]
    await manager.command("element", "Sam Taylor")
    replies = await manager.submit(element="on_site_supervisor")
    warnings = [r.text for r in replies if r.tone is Tone.WARNING]  # type: ignore[union-attr]
    assert len(warnings) == 1
    assert (
        "(Nottinghamshire Children's Social Care Case Workload Management Tool, 5)" in warnings[0]
    )
    assert warnings[0] == (
        "Note: your council counts at most 2 of these elements, the highest first "
        "(Nottinghamshire Children's Social Care Case Workload Management Tool, 5), so on-site "
        "supervisor does not count now."
    )
