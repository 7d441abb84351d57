"""Messages for people the bot has no chat with yet, where Teams is the council's platform
(issue 23 item 5; docs/deployment.md).

The scheduler and the dialogs queue such a message as an inbox row (`web`, `staff:N`): the
playground reads it there, and production serves no inbox. With Teams on, this sender takes
those rows instead:

- a Teams chat with the person stored since the row was queued: sent there;
- a Teams user (an Entra ID object id) without one, where the council lets the bot install the
  app for people through Microsoft Graph (TEAMS_INSTALL_FOR_PEOPLE): the app is installed for
  them, their personal chat with the bot is read from Graph and stored, and the message sent;
- otherwise the row is held, not sent and not lost: tried again every few hours, released at
  once when Teams tells the bot it was installed for them, counted by `supervision-bot reach`
  and in their manager's weekly digest.

Anyone else (no Entra ID object id: a Slack person without a chat yet) keeps the inbox row as
before. Nothing but the person's object id and the app's catalog id goes to Graph.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from bot.dispatcher import DeliveryError, Progress, Sender
from bot.keys import CLOCK, ENGINE
from bot.settings import Settings
from bot.teams.graph import Graph, GraphError
from bot.teams.sender import TeamsSender
from storage.db import session_factory
from storage.models import ConversationReference, Staff
from storage.outbox import release_held
from storage.repositories.references import SqlReferences

log = logging.getLogger(__name__)

PLATFORM = "teams"
REFUSAL_KEPT = 3600.0  # seconds a person's refused install is not asked of Graph again
NOT_INSTALLED = (
    "held: the Teams app is not installed for this person, so the bot cannot message them; "
    "install it for them (docs/deployment.md) and this is sent"
)


class TeamsReach:
    """The outbox sender for `web` rows when Teams is on (bot.teams.http.setup)."""

    def __init__(
        self,
        app: web.Application,
        settings: Settings,
        teams: TeamsSender,
        inbox: Sender,
        graph: Graph | None,
    ) -> None:
        self._app, self._settings = app, settings
        self._teams, self._inbox, self._graph = teams, inbox, graph
        # Whose install Graph refused lately, and until when (monotonic) it is not asked again:
        # a person with a dozen held rows costs one refused call, not a dozen.
        self._refused: dict[int, tuple[float, str]] = {}

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        staff_id = _staff_of(target)
        if staff_id is None:  # a team's or a channel's playground copy: nothing to reach
            await self._inbox.send(target, kind, payload, progress)
            return
        make = session_factory(self._app[ENGINE])
        async with make() as session:
            chat = (
                await session.exec(
                    select(ConversationReference.conversation_id)
                    .where(
                        ConversationReference.platform == PLATFORM,
                        ConversationReference.staff_id == staff_id,
                    )
                    .order_by(col(ConversationReference.updated_at).desc())
                )
            ).first()
            person = await session.get(Staff, staff_id)
        if chat is not None:
            await self._teams.send(chat, kind, payload, progress)
            return
        today = self._app[CLOCK]().date()
        if (
            person is None
            or not person.teams_aad_object_id
            or person.slack_user_id
            or (person.leaving_date is not None and person.leaving_date < today)
        ):
            # Not a Teams user, one Slack knows (its App Home reads the inbox), or someone who
            # has left (nobody to install for): the inbox, as before.
            await self._inbox.send(target, kind, payload, progress)
            return
        if self._graph is None or not self._settings.teams_install_for_people:
            raise DeliveryError(NOT_INSTALLED, held=True)
        chat = await self._install(staff_id, person.teams_aad_object_id)
        await self._teams.send(chat, kind, payload, progress)

    async def _install(self, staff_id: int, aad_object_id: str) -> str:
        """Install the app for the person and store their chat; the chat id."""
        assert self._graph is not None
        assert self._settings.teams_catalog_app_id
        refused = self._refused.get(staff_id)
        if refused is not None and refused[0] > time.monotonic():
            raise DeliveryError(refused[1], held=True)
        try:
            chat = await self._graph.install_for_user(
                aad_object_id, self._settings.teams_catalog_app_id
            )
        except GraphError as exc:
            # 403: the permission is not granted (or the app is blocked by policy) - said in
            # the row, which `reach` shows; the next try is in a few hours either way.
            log.warning("Teams app not installed for staff %s through Graph: %s", staff_id, exc)
            reason = f"held: installing the Teams app through Graph failed ({exc})"
            if len(self._refused) > 100_000:
                self._refused.clear()
            self._refused[staff_id] = (time.monotonic() + REFUSAL_KEPT, reason)
            raise DeliveryError(reason, held=True, retry_after=exc.retry_after) from exc
        self._refused.pop(staff_id, None)
        tenant = self._settings.graph_tenant_id or self._settings.teams_tenant_id or ""
        async with session_factory(self._app[ENGINE])() as session:
            references = SqlReferences(session)
            reference = await self._reference(session, chat, tenant)
            await references.remember(
                platform=PLATFORM,
                conversation_id=chat,
                reference=reference,
                service_url=reference["serviceUrl"],
                tenant_id=tenant or None,
                staff_id=staff_id,
            )
            released = await release_held(session, staff_id)
            await session.commit()
        log.info(
            "Teams app installed through Graph for staff %s; %s held message(s) released",
            staff_id,
            released,
        )
        return chat

    async def _reference(self, session: Any, chat: str, tenant: str) -> dict[str, Any]:
        """A reference for a chat the bot has not been spoken to in: the bot account and
        service URL of another chat in the tenant (Teams' regional endpoint), else the
        configured global one. Teams' own installationUpdate replaces it when it arrives."""
        known = (
            await session.exec(
                select(ConversationReference)
                .where(ConversationReference.platform == PLATFORM)
                .order_by(col(ConversationReference.updated_at).desc())
            )
        ).first()
        bot: dict[str, Any] = {"id": f"28:{self._settings.teams_app_id or ''}"}
        service_url = self._settings.teams_service_url
        if known is not None:
            stored = dict(known.reference)
            bot = dict(stored.get("bot") or bot)
            service_url = known.service_url or stored.get("serviceUrl") or service_url
        return {
            "bot": bot,
            "conversation": {"id": chat, "conversationType": "personal", "tenantId": tenant},
            "channelId": "msteams",
            "serviceUrl": service_url,
        }


def _staff_of(target: str) -> int | None:
    head, _, number = target.partition(":")
    if head != "staff" or not number.isdigit():
        return None
    return int(number)
