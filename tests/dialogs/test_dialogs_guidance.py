"""Transcripts: "did you mean", help for the role, hello and thanks, bad input (issue 22)."""

from __future__ import annotations

import pytest

from dialogs.messages import AskChoice, Card, Say

PAGE = " ".join(["The family were seen at home and the children appeared well cared for."] * 20)


def asked(replies: list) -> AskChoice:  # type: ignore[type-arg]
    choices = [r for r in replies if isinstance(r, AskChoice)]
    assert choices, replies
    return choices[-1]


@pytest.mark.parametrize("typed", ["", "🙂🙂", "blah blah wibble", PAGE, "¿Cuándo es mi próxima?"])
async def test_not_understood_is_short_with_three_examples(chat_as, typed: str) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    ask = asked(await worker.send(typed))
    assert ask.prompt.startswith("Sorry, I didn't follow that.")
    assert len(ask.options) == 3
    assert all(o.value.startswith("start:") for o in ask.options)
    assert worker.last.flow is None  # nothing opened, nothing waiting


async def test_examples_follow_the_role(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    manager = await chat_as("Priya Shah")
    for_worker = {o.value for o in asked(await worker.send("wibble wobble")).options}
    for_manager = {o.value for o in asked(await manager.send("wibble wobble")).options}
    assert "start:caseload:team" not in for_worker
    assert "start:caseload:team" in for_manager
    assert not any(v.startswith("start:decision") for v in for_worker)


async def test_help_lists_only_what_the_person_can_do(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    manager = await chat_as("Priya Shah")
    worker_help = "\n".join(
        r.text for r in await worker.send("what can you do") if isinstance(r, Say)
    )
    manager_help = "\n".join(r.text for r in await manager.send("help") if isinstance(r, Say))
    assert "decision C-1042" not in worker_help
    assert "overcap" not in worker_help
    assert "decision C-1042" in manager_help
    assert "caseload [me | person | team]" in worker_help


async def test_hello_and_thanks(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    assert asked(await worker.send("morning!")).prompt.startswith("Hello Sam.")
    assert [r.text for r in await worker.send("cheers") if isinstance(r, Say)] == [
        "You're welcome."
    ]


async def test_unsure_asks_and_the_button_starts_the_conversation(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    ask = asked(await worker.send("supervision"))
    assert ask.prompt.startswith("Did you mean:")
    assert 2 <= len(ask.options) <= 3
    assert worker.last.flow is None
    due = next(o for o in ask.options if o.value.startswith("start:due:"))
    replies = await worker.choose(due.value)
    assert any(isinstance(r, Card) and r.title == "What's due" for r in replies), replies


async def test_a_cap_question_shows_the_caseload_not_the_next_supervision(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    replies = await worker.send("am I over my cap")
    titles = [r.title for r in replies if isinstance(r, Card)]
    assert len(titles) == 1
    assert titles[0].startswith("Your caseload")


async def test_team_compliance_is_not_answered_with_my_own_supervision(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    manager = await chat_as("Priya Shah")
    told = await worker.send("how's my team's compliance")
    said = " ".join(r.text for r in told if isinstance(r, Say))
    assert "for its managers: ask your team manager, Priya Shah" in said
    assert not any(isinstance(r, Card) for r in told)
    cards = [r for r in await manager.send("how's my team's compliance") if isinstance(r, Card)]
    assert [c.title for c in cards] == ["Supervision compliance: Safeguarding North"]
    assert all(c.title != "What's due" for c in cards)
