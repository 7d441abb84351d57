"""What a flow is: a small state machine taking a turn, returning replies and its next state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from dialogs.messages import Notify, Payload, Reply
from dialogs.ports import OnlineMeetings, OutlookInvites, Ports
from dialogs.views import StaffView
from policy.packs import Pack


@dataclass(frozen=True, slots=True)
class Turn:
    """Everything a step sees: who is speaking, their council's pack, the clock and the ports."""

    ports: Ports
    actor: StaffView
    pack: Pack
    now: datetime
    platform: str
    zone: ZoneInfo
    # Issue 23 item 6: Teams meetings for virtual sessions, when the council configured them.
    meetings: OnlineMeetings | None = None
    # Issue 23 item 6: invitations into Outlook through Graph, when the council configured them.
    invites: OutlookInvites | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


@dataclass(slots=True)
class FlowState:
    """A flow's progress: which step it waits at and what has been answered so far (JSON-safe)."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


# The step of a conversation that ended with a write: the engine keeps it for a while, so a
# second click on the card that confirmed it is told what was saved instead of saving it again.
FINISHED = "(finished)"


@dataclass(slots=True)
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    notifications: list[Notify] = field(default_factory=list)
    state: FlowState | None = None  # None: the conversation is finished
    # What a final step saved, e.g. "Managers Decision on C-1042": a repeat of the click or the
    # "yes" that confirmed it is answered "Already recorded: ..." and writes nothing.
    recorded: str | None = None


class Flow(Protocol):
    @property
    def name(self) -> str:
        """The command word: "book", "caseload"."""
        ...

    @property
    def title(self) -> str:
        """ "Book supervision"."""
        ...

    @property
    def summary(self) -> str:
        """One line for help and the app manifests."""
        ...

    @property
    def usage(self) -> str:
        """ "book [person] [when]"."""
        ...

    async def start(self, turn: Turn, argument: str) -> Outcome: ...

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome: ...
