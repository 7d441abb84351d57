"""Understanding people without a language service: phrases, synonyms and typos."""

from __future__ import annotations

import pytest

from dialogs.registry import understanding

UNDERSTANDING = understanding()


@pytest.mark.parametrize(
    ("typed", "flow"),
    [
        ("what's my caseload score", "caseload"),
        ("What is my caseload score?", "caseload"),
        ("whats my casload scroe", "caseload"),
        ("how many points am I on", "caseload"),
        ("my workload", "caseload"),
        ("when is my next supervision", "due"),
        ("what's due", "due"),
        ("anything overdue?", "due"),
        ("book supervision with Sam", "book"),
        ("can we schedule a supervision", "book"),
        ("rearrange my supervision", "rearrange"),
        ("I need to reschedule", "rearrange"),
        ("write up supervision notes", "record"),
        ("decision C-1042 step down to CIN because risks reduced", "decision"),
        ("informal supervision with Tom", "informal"),
        ("I'm off sick tomorrow", "absence"),
        ("book annual leave", "absence"),
        ("over cap allocation for Sam", "overcap"),
        ("record duty days for Sam", "element"),
        ("Sam is a practice educator", "element"),
        ("sign my record", "sign"),
    ],
)
def test_phrases_map_to_flows(typed: str, flow: str) -> None:
    intent = UNDERSTANDING.match(typed)
    assert intent is not None, typed
    assert intent.flow == flow


def test_command_word_keeps_the_rest_as_typed() -> None:
    intent = UNDERSTANDING.match("decision C-1042 Step down to CIN because risks reduced")
    assert intent is not None
    assert intent.argument == "C-1042 Step down to CIN because risks reduced"


@pytest.mark.parametrize("typed", ["hello there", "🙂", "DROP TABLE staff;", "<script>x</script>"])
def test_unknown_messages_match_nothing(typed: str) -> None:
    assert UNDERSTANDING.match(typed) is None
