"""Every conversation the bot has: the list the Slack and Teams manifests are checked against."""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.flow import Flow
from dialogs.flows.absence import AbsenceFlow
from dialogs.flows.caseload import CaseloadFlow
from dialogs.flows.decision import DecisionFlow
from dialogs.flows.due import DueFlow
from dialogs.flows.informal import InformalFlow
from dialogs.flows.overcap import OverCapFlow
from dialogs.understanding import Phrases, Understanding

PHRASES: tuple[Phrases, ...] = (
    Phrases("book", ("book", "schedule"), (
        "book", "book supervision", "schedule", "schedule a supervision", "arrange supervision",
        "set up supervision", "new supervision",
    )),
    Phrases("rearrange", ("rearrange", "reschedule", "move"), (
        "rearrange", "reschedule", "move my supervision", "cancel my supervision",
        "cancel supervision", "postpone", "change the date",
    )),
    Phrases("record", ("record", "write"), (
        "record supervision", "write up", "notes", "minutes", "supervision record",
        "record the supervision",
    )),
    Phrases("sign", ("sign", "approve"), (
        "sign", "sign my record", "sign off", "sign the record", "request changes",
    )),
    Phrases("decision", ("decision", "decide"), (
        "decision", "manager decision", "managers decision", "management oversight",
    )),
    Phrases("informal", ("informal",), (
        "informal", "informal supervision", "corridor", "quick chat", "ad hoc",
    )),
    Phrases("caseload", ("caseload", "score", "workload"), (
        "caseload", "caseload score", "score", "points", "workload", "weighting", "my cases",
    )),
    Phrases("due", ("due", "overdue", "next"), (
        "due", "overdue", "next supervision", "when is my next", "what is due", "to do",
        "outstanding", "to sign",
    )),
    Phrases("absence", ("absence", "leave", "sick"), (
        "absence", "annual leave", "leave", "sick", "off sick", "sickness", "holiday",
        "maternity",
    )),
    Phrases("overcap", ("overcap",), (
        "overcap", "over cap", "over the cap", "above the cap", "above cap",
    )),
)  # fmt: skip


def flows() -> Mapping[str, Flow]:
    """The flows by command word, in the order help lists them."""
    available: list[Flow] = [
        CaseloadFlow(),
        # booking flows
        # recording flows
        DecisionFlow(),
        DueFlow(),
        InformalFlow(),
        AbsenceFlow(),
        OverCapFlow(),
    ]
    return {flow.name: flow for flow in available}


def understanding() -> Understanding:
    return Understanding(PHRASES)
