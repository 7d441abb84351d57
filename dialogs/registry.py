"""Every conversation the bot has: the list the Slack and Teams manifests are checked against."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from dialogs.corpus import examples
from dialogs.flow import Flow
from dialogs.flows.absence import AbsenceFlow
from dialogs.flows.actions import ActionFlow
from dialogs.flows.agenda import AgendaFlow
from dialogs.flows.allocate import WhatIfFlow, WhoCanFlow
from dialogs.flows.asye_plan import AsyePlanFlow
from dialogs.flows.book import BookFlow
from dialogs.flows.caseload import CaseloadFlow
from dialogs.flows.course import CourseFlow
from dialogs.flows.decision import DecisionFlow
from dialogs.flows.due import DueFlow
from dialogs.flows.handover import HandoverFlow
from dialogs.flows.informal import InformalFlow
from dialogs.flows.overcap import OverCapFlow
from dialogs.flows.personal import PersonalElementFlow
from dialogs.flows.rearrange import RearrangeFlow
from dialogs.flows.record import RecordFlow
from dialogs.flows.record_file import RecordFileFlow
from dialogs.flows.record_missed import MissedMonthFlow
from dialogs.flows.reflect import ReflectFlow
from dialogs.flows.remind import RemindFlow
from dialogs.flows.reminder_actions import HeldFlow, SnoozeFlow
from dialogs.flows.sign import SignFlow
from dialogs.flows.team_compliance import ComplianceFlow
from dialogs.flows.view_record import ViewRecordFlow
from dialogs.understanding import Understanding

# Command words: a message that is only this word starts the flow, and one that starts with it
# passes the rest on as typed ("decision C-1042 ...", "caseload Sam Taylor").
COMMANDS: dict[str, str] = {
    "book": "book", "schedule": "book",
    "rearrange": "rearrange", "reschedule": "rearrange", "move": "rearrange",
    "record": "record", "write": "record",
    "sign": "sign", "approve": "sign",
    "view": "view", "read": "view",
    "decision": "decision", "decide": "decision",
    "informal": "informal",
    "caseload": "caseload", "score": "caseload", "workload": "caseload",
    "due": "due", "overdue": "due", "next": "due",
    "absence": "absence", "leave": "absence", "sick": "absence",
    "overcap": "overcap",
    "element": "element", "duty": "element",
    "course": "course", "training": "course",  # CAP003 003:30: the Section 47 course
    "asye": "asye",  # LAM 004:268,317,319: the ASYE plan
    "compliance": "compliance", "whocan": "whocan", "allocate": "whocan",  # issue 26
    "whatif": "whatif", "remind": "remind",
    "agenda": "agenda", "prepare": "agenda",  # issue 27
    "help": "help", "menu": "help", "commands": "help",
    "hi": "hello", "hello": "hello",
    "thanks": "thanks", "cheers": "thanks",
}  # fmt: skip


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
        CourseFlow(),
        AsyePlanFlow(),
        ComplianceFlow(),
        WhoCanFlow(),
        WhatIfFlow(),
        RemindFlow(),
        HeldFlow(),
        SnoozeFlow(),
        RecordFileFlow(),
        ActionFlow(),
        MissedMonthFlow(),
        AgendaFlow(),
        ReflectFlow(),
        HandoverFlow(),
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


@cache
def understanding() -> Understanding:
    """What people type, understood: learnt from the corpus's train part once per process (about
    a tenth of a second). `understanding().match(text)` returns an Intent (`.flow`, `.argument`,
    `.entities`, `.alternatives`, `.confidence`, `.evidence`) or None."""
    return Understanding((*examples("train"), *examples("train_cy")), COMMANDS)
