"""The labelled corpus, scored: held-out accuracy and wrong writes, printed at the end of the run.

The held-out part is never learnt from; docs/understanding.md quotes these figures.
"""

from __future__ import annotations

import pytest

from dialogs.corpus import FLOW_OF, NONE, examples
from dialogs.corpus.evaluate import Report, evaluate
from dialogs.registry import understanding

REPORTS: list[Report] = []  # printed by pytest_terminal_summary in conftest.py

HELD_OUT_ACCURACY = 0.97


@pytest.fixture(scope="module")
def held_out() -> Report:
    report = evaluate(understanding(), "heldout")
    REPORTS.append(report)
    return report


@pytest.fixture(scope="module")
def train() -> Report:
    report = evaluate(understanding(), "train")
    REPORTS.append(report)
    return report


def test_every_conversation_has_forty_phrasings() -> None:
    counts = dict.fromkeys(FLOW_OF, 0)
    for example in (*examples("train"), *examples("heldout")):
        if example.conversation != NONE:
            counts[example.conversation] += 1
    small_talk = {
        "hello",
        "thanks",
        "overcap",
        "element",
        "course",
        "view",
    }  # fewer ways to say these
    assert {name: n for name, n in counts.items() if n < 40 and name not in small_talk} == {}


def test_held_out_is_not_in_train() -> None:
    def key(text: str) -> str:
        return " ".join(text.lower().split())

    seen = {key(e.text) for e in examples("train")}
    assert [e.text for e in examples("heldout") if key(e.text) in seen] == []


def test_held_out_accuracy(held_out: Report) -> None:
    assert held_out.accuracy >= HELD_OUT_ACCURACY, "\n".join(held_out.lines())


def test_held_out_never_starts_a_write_not_asked_for(held_out: Report) -> None:
    assert [(e.text, got) for e, got in held_out.wrong_writes] == []


def test_train_accuracy(train: Report) -> None:
    assert train.accuracy >= HELD_OUT_ACCURACY, "\n".join(train.lines())


# Issue 28: Welsh requests, learnt from train_cy.yaml and scored on heldout_cy.yaml the same way.
WELSH_HELD_OUT_ACCURACY = 0.9


@pytest.fixture(scope="module")
def welsh_held_out() -> Report:
    report = evaluate(understanding(), "heldout_cy")
    REPORTS.append(report)
    return report


def test_welsh_held_out_is_not_in_welsh_train() -> None:
    seen = {" ".join(e.text.lower().split()) for e in examples("train_cy")}
    assert [
        e.text for e in examples("heldout_cy") if " ".join(e.text.lower().split()) in seen
    ] == []


def test_the_common_requests_are_understood_in_welsh(welsh_held_out: Report) -> None:
    wanted = {"caseload", "next", "book", "record", "sign", "decision", "help"}
    assert wanted <= set(welsh_held_out.by_conversation)
    assert welsh_held_out.accuracy >= WELSH_HELD_OUT_ACCURACY, "\n".join(welsh_held_out.lines())


def test_welsh_never_starts_a_write_not_asked_for(welsh_held_out: Report) -> None:
    assert [(e.text, got) for e, got in welsh_held_out.wrong_writes] == []
