"""The labelled corpus of how people ask for each conversation, and which flow answers each."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from dialogs.i18n import N_

# Conversation -> the flow that answers it, and the argument that flow is started with when the
# conversation itself says something the flow needs ("team" for the team view).
FLOW_OF: dict[str, str] = {
    "caseload": "caseload",
    "breakdown": "caseload",
    "team": "caseload",
    "next": "due",
    "book": "book",
    "rearrange": "rearrange",
    "cancel": "rearrange",
    "record": "record",
    "sign": "sign",
    "view": "view",
    "decision": "decision",
    "informal": "informal",
    "absence": "absence",
    "overcap": "overcap",
    "element": "element",
    "course": "course",
    "asye": "asye",
    "compliance": "compliance",
    "whocan": "whocan",
    "whatif": "whatif",
    "agenda": "agenda",
    "help": "help",
    "hello": "hello",
    "thanks": "thanks",
}
NONE = "none"  # no request at all: the matcher should return nothing

# What a "did you mean" button says for each conversation.
LABEL_OF: dict[str, str] = {
    "caseload": N_("my caseload score"),
    "breakdown": N_("how my score is made up"),
    "team": N_("my team's caseloads"),
    "next": N_("what's due / my next supervision"),
    "book": N_("book a supervision"),
    "rearrange": N_("rearrange a supervision"),
    "cancel": N_("cancel a supervision"),
    "record": N_("write up a supervision"),
    "sign": N_("sign a supervision record"),
    "view": N_("read a supervision record"),
    "decision": N_("record a manager's decision"),
    "informal": N_("note an informal supervision"),
    "absence": N_("record leave or sickness"),
    "overcap": N_("record an over-cap allocation"),
    "element": N_("add a personal element to a score"),
    "course": N_("record a course completed"),
    "asye": N_("my ASYE plan"),
    "compliance": N_("my team's compliance"),
    "whocan": N_("who can take a case"),
    "whatif": N_("what-if score"),
    "agenda": N_("the agenda for my next supervision"),
    "help": N_("what I can do"),
    "hello": N_("say hello"),
    "thanks": N_("say thanks"),
}

# Flows that save something once started and confirmed: routing a question to one of these by
# mistake is the worst kind of miss (a form the person did not ask for).
WRITING_FLOWS = frozenset(
    {
        "book", "rearrange", "record", "sign", "decision", "informal", "absence", "overcap",
        "element", "course",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    conversation: str

    @property
    def flow(self) -> str | None:
        return None if self.conversation == NONE else FLOW_OF[self.conversation]


@cache
def examples(part: str) -> tuple[Example, ...]:
    """'train' or 'heldout', in file order."""
    source = resources.files(__package__).joinpath(f"{part}.yaml").read_text(encoding="utf-8")
    data: dict[str, list[str]] = yaml.safe_load(source)
    unknown = set(data) - set(FLOW_OF) - {NONE}
    if unknown:
        raise ValueError(f"{part}.yaml: unknown conversations {sorted(unknown)}")
    return tuple(Example(str(text), name) for name, texts in data.items() for text in texts)
