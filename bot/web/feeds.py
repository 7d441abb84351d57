"""What the playground reads: the people to act as, a person's inbox and the channels' posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, or_, select

from dialogs.i18n import N_, _
from dialogs.when import describe
from storage.db import session_factory
from storage.models import OutboxMessage, Staff, Team
from storage.outbox import CLAIMED, DEAD, PENDING, SENT

from .outbound import AttachmentStore, payload_replies

DEMO_DOMAIN = "demoshire.example"
# Issue 9: one of each kind of person the bot serves, in the order the picker lists them.
PERSONAS = (
    ("sam.taylor", N_("Social worker")),
    ("aled.rhys", N_("NQSW (newly qualified, on the ASYE)")),
    ("priya.shah", N_("Team manager")),
    ("morgan.price", N_("Service manager")),
)
# Roles as the picker names them (issue 28: in the page's language; `_()` where shown).
ROLE_NAMES = {
    "social_worker": N_("Social worker"),
    "senior_practitioner": N_("Senior practitioner"),
    "nqsw": N_("NQSW"),
    "student": N_("Student"),
    "consultant_social_worker": N_("Consultant social worker"),
    "advanced_practitioner": N_("Advanced practitioner"),
    "practice_manager": N_("Practice manager"),
    "team_manager": N_("Team manager"),
    "service_manager": N_("Service manager"),
    "assistant_director": N_("Assistant director"),
    "iro": N_("Iro"),
    "family_support_worker": N_("Family support worker"),
    "admin_support": N_("Admin support"),
    "auditor": N_("Auditor"),
}
CHANNEL_KINDS = ("digest", "reminder", "escalation")
_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: str
    team: str
    persona: str  # what the demo picker says about them; "" for everyone else

    def as_json(self) -> dict[str, Any]:
        """In the current language (the page's: issue 28)."""
        role = ROLE_NAMES.get(self.role) or self.role.replace("_", " ").capitalize()
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "role_label": _(role),
            "team": self.team,
            "persona": _(self.persona) if self.persona else "",
        }


async def people(database: AsyncEngine) -> list[Person]:
    """The demo personas first, then everyone by name."""
    wanted = {
        f"{local}@{DEMO_DOMAIN}": (rank, label) for rank, (local, label) in enumerate(PERSONAS)
    }
    async with session_factory(database)() as session:
        rows = (
            await session.exec(
                select(Staff, Team.name)
                .join(Team, col(Staff.team_id) == col(Team.id), isouter=True)
                .order_by(col(Staff.name))
            )
        ).all()
    found: list[tuple[tuple[int, str], Person]] = []
    for staff, team in rows:
        assert staff.id is not None
        rank, label = wanted.get(staff.email.lower(), (len(PERSONAS), ""))
        person = Person(staff.id, staff.name, staff.role, team or "", label)
        found.append(((rank, staff.name), person))
    return [person for _, person in sorted(found, key=lambda item: item[0])]


def _status(row: OutboxMessage, now: datetime) -> str:
    if row.status == SENT:
        return "posted"
    if row.status == DEAD:
        return "failed"
    if row.status == CLAIMED:
        return "sending"
    return "planned" if row.status == PENDING and row.due_at > now else "due"


def _entry(
    row: OutboxMessage, now: datetime, zone: ZoneInfo, store: AttachmentStore
) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "platform": row.platform,
        "status": _status(row, now),
        "due_at": row.due_at.isoformat(),
        "due_label": describe(row.due_at, zone),
        "sent_label": describe(row.sent_at, zone) if row.sent_at else "",
        "replies": payload_replies(row.payload, store),
    }


async def inbox(
    database: AsyncEngine, staff_id: int, now: datetime, zone: ZoneInfo, store: AttachmentStore
) -> list[dict[str, Any]]:
    """What the in-app inbox delivered to one person, newest first."""
    async with session_factory(database)() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(
                    OutboxMessage.platform == "web",
                    OutboxMessage.target == f"staff:{staff_id}",
                    OutboxMessage.status == SENT,
                )
                .order_by(col(OutboxMessage.due_at).desc(), col(OutboxMessage.id).desc())
                .limit(_LIMIT)
            )
        ).all()
    return [_entry(row, now, zone, store) for row in rows]


async def channels(
    database: AsyncEngine, now: datetime, zone: ZoneInfo, store: AttachmentStore
) -> list[dict[str, Any]]:
    """Team digests and every reminder or escalation, planned or posted, newest first."""
    async with session_factory(database)() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(
                    col(OutboxMessage.kind).in_(CHANNEL_KINDS),
                    or_(
                        col(OutboxMessage.kind) != "digest",
                        col(OutboxMessage.platform) == "web",  # one copy of each team's digest
                    ),
                )
                .order_by(col(OutboxMessage.due_at).desc(), col(OutboxMessage.id).desc())
                .limit(_LIMIT)
            )
        ).all()
        staff = dict((await session.exec(select(Staff.id, Staff.name))).all())
        teams = dict((await session.exec(select(Team.id, Team.name))).all())
    shown = []
    for row in rows:
        entry = _entry(row, now, zone, store)
        entry["to"] = _audience(row, staff, teams)
        shown.append(entry)
    return shown


def _audience(
    row: OutboxMessage, staff: dict[int | None, str], teams: dict[int | None, str]
) -> str:
    kind, _, ident = row.target.partition(":")
    if row.platform == "web" and ident.isdigit():
        if kind == "team":
            return f"{teams.get(int(ident), 'a team')} channel"
        if kind == "staff":
            return staff.get(int(ident), "someone")
    return f"{row.target} on {row.platform.capitalize()}"
