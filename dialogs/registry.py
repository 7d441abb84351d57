"""Every conversation the bot has: the list the Slack and Teams manifests are checked against."""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.flow import Flow
from dialogs.flows.absence import AbsenceFlow
from dialogs.flows.asye_plan import AsyePlanFlow
from dialogs.flows.book import BookFlow
from dialogs.flows.caseload import CaseloadFlow
from dialogs.flows.decision import DecisionFlow
from dialogs.flows.due import DueFlow
from dialogs.flows.informal import InformalFlow
from dialogs.flows.overcap import OverCapFlow
from dialogs.flows.personal import PersonalElementFlow
from dialogs.flows.rearrange import RearrangeFlow
from dialogs.flows.record import RecordFlow
from dialogs.flows.record_file import RecordFileFlow
from dialogs.flows.reminder_actions import HeldFlow, SnoozeFlow
from dialogs.flows.sign import SignFlow
from dialogs.flows.view_record import ViewRecordFlow
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
    Phrases("view", ("view", "read"), (
        "view record", "read record", "show record", "open record",
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
    Phrases("asye", ("asye",), (
        "asye", "asye plan", "my asye plan", "asye schedule", "asye reviews", "nqsw plan",
    )),
    Phrases("element", ("element", "duty"), (
        "element", "duty days", "duty day", "personal element", "extra responsibility",
        "additional responsibility", "pq module", "practice educator",
    )),
)  # fmt: skip


def flows() -> Mapping[str, Flow]:
    """The flows by command word, in the order help lists them."""
    available: list[Flow] = [
        CaseloadFlow(),
        BookFlow(),
        RearrangeFlow(),
        RecordFlow(),
        SignFlow(),
        ViewRecordFlow(),
        DecisionFlow(),
        DueFlow(),
        InformalFlow(),
        AbsenceFlow(),
        OverCapFlow(),
        PersonalElementFlow(),
        AsyePlanFlow(),
        HeldFlow(),
        SnoozeFlow(),
        RecordFileFlow(),
    ]
    return {flow.name: flow for flow in available}


def commands() -> list[str]:
    """What people type (help lists these); reminder buttons such as snooze and held start
    flows too, but are not commands."""
    return [name for name, flow in flows().items() if getattr(flow, "listed", True)]


def menu_commands() -> list[str]:
    """The commands the platforms' menus offer (the manifests list these, plus help). Teams
    allows 12 in a list, so a rarely used manager command can be typed without a menu entry."""
    return [name for name in commands() if getattr(flows()[name], "menu", True)]


def understanding() -> Understanding:
    return Understanding(PHRASES)
