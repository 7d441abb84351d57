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


@pytest.mark.parametrize(
    ("typed", "flow"),
    [
        # issue 22: misses of the old phrase matcher, and two wrong answers (not "due")
        ("how many cases have I got", "caseload"),
        ("am I at capacity", "caseload"),
        ("what band am I in", "caseload"),
        ("am I over my cap", "caseload"),
        ("how's my team's compliance", "compliance"),
        ("can you put my supervision in the diary", "book"),
        ("arrange a supervision session with Sam", "book"),
        ("push my supervision back a week", "rearrange"),
        ("I can't make my supervision on Thursday", "rearrange"),
        ("I need to sign my supervision record", "sign"),
        ("record a decision on case 1234", "decision"),
        ("I've decided the child should stay with grandparents", "decision"),
        ("quick catch up with Priya just now", "informal"),
        ("hello there", "hello"),
        ("cheers", "thanks"),
        ("what can you do", "help"),
    ],
)
def test_what_the_issue_found_missed(typed: str, flow: str) -> None:
    intent = UNDERSTANDING.match(typed)
    assert intent is not None, typed
    assert (intent.flow, intent.alternatives) == (flow, ())


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "🙂",
        "👍👍👍",
        "DROP TABLE staff;",
        "<script>x</script>",
        "¿Cuándo es mi próxima supervisión?",
        "Où est la réunion de supervision aujourd'hui ?",
        "what's the weather like",
        " ".join(["The family were seen at home and the children appeared well cared for."] * 12),
    ],
)
def test_no_request_matches_nothing(typed: str) -> None:
    assert UNDERSTANDING.match(typed) is None


@pytest.mark.parametrize(
    ("typed", "argument"),
    [
        ("book Sam in for Tuesday at 10", "Sam in for Tuesday at 10"),  # a command word: as typed
        ("arrange a supervision session with Sam", "Sam"),
        ("can you set up supervision with Priya next Tues at 2pm", "Priya next Tues 2pm"),
        ("arrange a sup with my TM", "my manager"),
        ("quick catch up with Priya just now", "Priya"),
        ("how many cases have I got", ""),
        ("how's my team doing", "team"),
        ("is Aisha over her cap", "Aisha"),
        ("I need to sign supervision record 17", "17"),
        ("record a decision on case 1234", "1234"),
        ("I've decided the child should stay with grandparents", "I've decided the child should "
         "stay with grandparents"),
        ("Tom's off sick", "Tom"),
        ("cancel my leave", "cancel me"),
    ],
)  # fmt: skip
def test_what_the_flow_is_started_with(typed: str, argument: str) -> None:
    intent = UNDERSTANDING.match(typed)
    assert intent is not None, typed
    assert intent.argument == argument


def test_entities_are_read_out() -> None:
    intent = UNDERSTANDING.match("can we move my supervision with Sam Taylor to the 14th at 2")
    assert intent is not None
    assert intent.flow == "rearrange"
    assert (intent.entities.person, intent.entities.when) == ("Sam Taylor", "the 14th at 2")
    decision = UNDERSTANDING.match("decision on CP-2231 to remove from plan")
    assert decision is not None
    assert decision.entities.case == "CP-2231"


def test_every_answer_is_explained() -> None:
    intent = UNDERSTANDING.match("cancel my sup on Friday")
    assert intent is not None
    assert intent.conversation == "cancel"
    assert intent.flow == "rearrange"
    assert 0 < intent.confidence <= 1
    assert intent.evidence  # the words that carried it


def test_unsure_between_conversations_offers_them() -> None:
    # A word on its own that several conversations are about.
    intent = UNDERSTANDING.match("supervision")
    assert intent is not None
    assert len(intent.alternatives) >= 2
    assert len(intent.alternatives) <= 3
