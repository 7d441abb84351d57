"""Microsoft Graph, app-only, for what a council's IT team grants the bot's app registration
(issue 23 items 5 and 6; docs/deployment.md):

- installing the Teams app for a person the bot cannot reach yet
  (`POST /users/{id}/teamwork/installedApps`, permission TeamsAppInstallation.ReadWriteForUser.All),
  then reading the id of the personal chat between that person and the bot
  (`GET /users/{id}/teamwork/installedApps/{installation-id}/chat`);
- a Teams online meeting for a booked virtual session (`POST /users/{organiser}/onlineMeetings`,
  OnlineMeetings.ReadWrite.All with an application access policy for the organisers), moved with
  PATCH and cancelled with DELETE.

The token is the client-credentials grant of the Microsoft identity platform
(`POST {login}/{tenant}/oauth2/v2.0/token`, scope `https://graph.microsoft.com/.default`), kept
until five minutes before it expires. Only ids, times and a meeting subject go to Graph: never
record content, a child's name or a case reference. Errors never echo a token or a body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.settings import Settings
from storage.models import Staff

log = logging.getLogger(__name__)

SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = aiohttp.ClientTimeout(total=20)
EARLY = 300.0  # seconds before a token's expiry that a new one is fetched
T = TypeVar("T")


class GraphError(Exception):
    """A Graph or token call that failed: `status` (0 when Graph could not be reached), and
    whether trying again later could help (throttling, a server error, no answer)."""

    def __init__(self, message: str, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.status == 0 or self.status == 429 or self.status >= 500


@dataclass(frozen=True, slots=True)
class Meeting:
    """A Teams online meeting: Graph's id for it and the link people join with."""

    id: str
    join_url: str


class Graph:
    """One app registration's Graph client, shared by the app (one connection pool)."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        graph_url: str = "https://graph.microsoft.com/v1.0/",
        login_url: str = "https://login.microsoftonline.com/",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tenant, self._client, self._secret = tenant_id, client_id, client_secret
        self._graph = graph_url if graph_url.endswith("/") else f"{graph_url}/"
        self._login = login_url if login_url.endswith("/") else f"{login_url}/"
        self._clock = clock
        self._token: tuple[str, float] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.tokens_fetched = 0  # for tests: a token is reused until it nearly expires

    @classmethod
    def from_settings(cls, settings: Settings) -> Graph | None:
        """The client when Graph is configured (docs/deployment.md), else None."""
        client_id = settings.graph_client_id or settings.teams_app_id
        secret = settings.graph_client_secret or settings.teams_app_password
        tenant = settings.graph_tenant_id or settings.teams_tenant_id
        if not (client_id and secret and tenant):
            return None
        return cls(
            tenant_id=tenant,
            client_id=client_id,
            client_secret=secret.get_secret_value(),
            graph_url=settings.graph_url,
            login_url=settings.graph_login_url,
        )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def token(self) -> str:
        now = self._clock()
        if self._token is not None and self._token[1] > now:
            return self._token[0]
        url = f"{self._login}{quote(self._tenant, safe='')}/oauth2/v2.0/token"
        form = {
            "client_id": self._client,
            "client_secret": self._secret,
            "scope": SCOPE,
            "grant_type": "client_credentials",
        }
        try:
            async with self._http().post(url, data=form) as response:
                body = await _json(response)
                if response.status != 200 or not isinstance(body.get("access_token"), str):
                    # Entra ID's error code (invalid_client, unauthorized_client...) says what
                    # to fix; its description can quote the request, so it is not repeated.
                    code = body.get("error", "no token in the answer")
                    message = f"Graph token refused ({response.status}: {code})"
                    raise GraphError(message, response.status)
                lifetime = float(body.get("expires_in", 3599))
        except aiohttp.ClientError as exc:
            raise GraphError(f"Entra ID could not be reached ({type(exc).__name__})") from exc
        except TimeoutError as exc:
            raise GraphError("Entra ID did not answer in time") from exc
        self.tokens_fetched += 1
        self._token = (body["access_token"], now + max(lifetime - EARLY, 0.0))
        return self._token[0]

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) of a Graph call; a 401 fetches a new token once. Statuses of
        400 and above raise GraphError, except the ones a caller handles itself (404, 409)."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {await self.token()}"}
            try:
                async with self._http().request(
                    method, f"{self._graph}{path}", json=json, params=params, headers=headers
                ) as response:
                    status, body = response.status, await _json(response)
                    wait = response.headers.get("Retry-After")
            except aiohttp.ClientError as exc:
                raise GraphError(f"Graph could not be reached ({type(exc).__name__})") from exc
            except TimeoutError as exc:
                raise GraphError("Graph did not answer in time") from exc
            if status == 401 and attempt == 1:
                self._token = None
                continue
            if status >= 400 and status not in (404, 409):
                code = (body.get("error") or {}).get("code", "") if isinstance(body, dict) else ""
                raise GraphError(
                    f"Graph answered {status}{f' ({code})' if code else ''} to {method} "
                    f"{path.split('/')[0]}/.../{path.rsplit('/', 1)[-1].split('?')[0]}",
                    status,
                    _seconds(wait),
                )
            return status, body
        raise GraphError("Graph refused the token twice", 401)  # pragma: no cover

    # ---- Installing the app for a person (item 5) ----------------------------------------

    async def install_for_user(self, user_id: str, catalog_app_id: str) -> str:
        """Install the app (from the organisation's catalog) in the person's personal scope,
        if it is not already, and return the id of their personal chat with the bot."""
        user = quote(user_id, safe="")
        bind = f"{self._graph}appCatalogs/teamsApps/{quote(catalog_app_id, safe='')}"
        status, _ = await self.call(
            "POST", f"users/{user}/teamwork/installedApps", json={"teamsApp@odata.bind": bind}
        )
        if status == 404:
            raise GraphError("Graph does not know this person (Entra ID object id)", 404)
        # 201: installed now; 409: installed already (by the admin centre's policy, or earlier)
        status, found = await self.call(
            "GET",
            f"users/{user}/teamwork/installedApps",
            params={"$expand": "teamsApp", "$filter": f"teamsApp/id eq '{catalog_app_id}'"},
        )
        installations = found.get("value") or []
        if status == 404 or not installations:
            raise GraphError("the app is not installed for this person after all", 404)
        installation = quote(str(installations[0]["id"]), safe="")
        status, chat = await self.call(
            "GET", f"users/{user}/teamwork/installedApps/{installation}/chat"
        )
        if status == 404 or not chat.get("id"):
            raise GraphError("Graph has no chat for this installation yet", 503)
        return str(chat["id"])

    # ---- Online meetings (item 6) ----------------------------------------------------------

    async def create_meeting(
        self, organiser_id: str, start: datetime, end: datetime, subject: str
    ) -> Meeting:
        status, body = await self.call(
            "POST",
            f"users/{quote(organiser_id, safe='')}/onlineMeetings",
            json=_meeting(start, end, subject),
        )
        if status == 404 or not body.get("id") or not body.get("joinWebUrl"):
            raise GraphError("Graph did not create the meeting", status)
        return Meeting(str(body["id"]), str(body["joinWebUrl"]))

    async def move_meeting(
        self, organiser_id: str, meeting_id: str, start: datetime, end: datetime, subject: str
    ) -> None:
        path = f"users/{quote(organiser_id, safe='')}/onlineMeetings/{quote(meeting_id, safe='')}"
        status, _ = await self.call("PATCH", path, json=_meeting(start, end, subject))
        if status == 404:
            raise GraphError("the meeting is no longer in Teams", 404)

    async def cancel_meeting(self, organiser_id: str, meeting_id: str) -> None:
        """Delete the meeting; one already gone is fine."""
        path = f"users/{quote(organiser_id, safe='')}/onlineMeetings/{quote(meeting_id, safe='')}"
        await self.call("DELETE", path)

    # ---- Outlook calendar invitations (item 6) ---------------------------------------------

    async def create_event(self, organiser_id: str, event: Mapping[str, Any]) -> str:
        """Create the event in the organiser's calendar; Exchange sends the attendees their
        invitations. Its `transactionId` makes a repeated create return the same event."""
        status, body = await self.call(
            "POST", f"users/{quote(organiser_id, safe='')}/events", json=event
        )
        if status == 404 or not body.get("id"):
            raise GraphError("Graph did not create the calendar event", status or 404)
        return str(body["id"])

    async def update_event(
        self, organiser_id: str, event_id: str, event: Mapping[str, Any]
    ) -> None:
        """Move or rename it; Exchange sends the attendees the update."""
        path = f"users/{quote(organiser_id, safe='')}/events/{quote(event_id, safe='')}"
        status, _ = await self.call("PATCH", path, json=event)
        if status == 404:
            raise GraphError("the calendar event is no longer there", 404)

    async def cancel_event(self, organiser_id: str, event_id: str, comment: str) -> None:
        """Cancel it: Exchange sends the attendees the cancellation. One already gone is fine."""
        path = f"users/{quote(organiser_id, safe='')}/events/{quote(event_id, safe='')}/cancel"
        await self.call("POST", path, json={"comment": comment})


async def organiser_account(database: AsyncEngine, staff_id: int) -> str | None:
    """The staff member's Entra ID object id (the staff import's `teams_aad_object_id`): the
    account a meeting or a calendar event is organised from; None when none is on record."""
    async with database.connect() as connection:
        found = (
            await connection.execute(
                select(col(Staff.teams_aad_object_id)).where(col(Staff.id) == staff_id)
            )
        ).scalar()
    return str(found) if found else None


async def bounded(
    call: Awaitable[T],
    seconds: float,
    unavailable: Callable[[str], Exception],
    reason: Callable[[GraphError], str],
) -> T:
    """`call`, within `seconds`; a timeout or a GraphError becomes `unavailable(why)`, in words a
    manager can act on (never a token or a response body)."""
    try:
        async with asyncio.timeout(seconds):
            return await call
    except TimeoutError as exc:
        raise unavailable("Microsoft 365 did not answer in time") from exc
    except GraphError as exc:
        log.warning("Graph call failed: %s", exc)
        raise unavailable(reason(exc)) from exc


def calendar_event(
    *,
    start: datetime,
    end: datetime,
    subject: str,
    location: str,
    attendees: Sequence[tuple[str, str]],
    body: str,
    transaction_id: str | None = None,
) -> dict[str, Any]:
    """Graph's event: times in UTC, the attendees (name, email) as required, a plain-text body.
    Nothing of a record or a case goes in (the caller passes the staff's names only)."""

    def when(moment: datetime) -> dict[str, str]:
        return {
            "dateTime": moment.astimezone(UTC).replace(tzinfo=None).isoformat(),
            "timeZone": "UTC",
        }

    event: dict[str, Any] = {
        "subject": subject,
        "start": when(start),
        "end": when(end),
        "location": {"displayName": location},
        "attendees": [
            {"emailAddress": {"address": email, "name": name}, "type": "required"}
            for name, email in attendees
        ],
        "body": {"contentType": "text", "content": body},
    }
    if transaction_id:
        event["transactionId"] = transaction_id
    return event


def _meeting(start: datetime, end: datetime, subject: str) -> dict[str, str]:
    def when(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

    return {"startDateTime": when(start), "endDateTime": when(end), "subject": subject}


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    if response.status == 204:
        return {}
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


GRAPH = web.AppKey("teams_graph", Graph)  # set when the council configured Graph
