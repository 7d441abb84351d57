"""The playground's JSON API: the same runtime the platforms use, driven from a browser."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.guard import REFUSALS, Limit, Unreadable, parse_json, protect
from bot.keys import CLOCK, CONVERSATIONS, ENGINE, SETTINGS
from dialogs.i18n import ENGLISH, _, parse_language, use_language
from dialogs.messages import Say
from dialogs.recipients import language_of
from dialogs.registry import flows
from dialogs.when import describe
from storage import transcripts
from storage.db import session_factory
from storage.models import Staff

from . import feeds, timetravel
from .inbound import BadMessage, id_of, inbound_for, message_id_of, payload_of, staff_id_of
from .outbound import AttachmentStore, replies_json
from .words import page_words

log = logging.getLogger(__name__)
ATTACHMENTS = web.AppKey("playground_attachments", AttachmentStore)
TIME_TRAVEL = web.AppKey("playground_time_travel", asyncio.Lock)
# Issue 21 item 11: what each person said and was answered, so a reload of the page shows the
# conversation so far; issue 22: in the database (storage.transcripts), so a restart keeps it.
TRANSCRIPT_TURNS = transcripts.TURNS_KEPT
ECHO_LIMIT = 500
PREFIX = "/playground/api"
# A whole record's sections typed at once stay far below this.
LIMIT = Limit(max_bytes=1024 * 1024, content_types=frozenset({"application/json"}))
ALREADY = Say(
    "Already received: that message was handled when it first arrived; nothing was done twice."
)


def add_routes(app: web.Application) -> None:
    app[ATTACHMENTS] = AttachmentStore()
    app[TIME_TRAVEL] = asyncio.Lock()
    app.router.add_get(f"{PREFIX}/people", list_people)
    app.router.add_get(f"{PREFIX}/flows", list_flows)
    app.router.add_post(f"{PREFIX}/send", send)
    protect(app, f"{PREFIX}/send", LIMIT)
    protect(app, f"{PREFIX}/clock", LIMIT)
    app.router.add_get(PREFIX + "/inbox/{staff_id:\\d+}", inbox)
    app.router.add_get(PREFIX + "/transcript/{staff_id:\\d+}", transcript)
    app.router.add_get(PREFIX + "/words/{staff_id:\\d+}", words)
    app.router.add_get(f"{PREFIX}/channels", channels)
    app.router.add_get(f"{PREFIX}/clock", clock)
    app.router.add_post(f"{PREFIX}/clock", move_clock)
    app.router.add_get(PREFIX + "/attachments/{token:[0-9a-f]{40}}", attachment)


def _zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[SETTINGS].timezone)


def _problem(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _refused(request: web.Request, problem: BadMessage) -> web.Response:
    """A message the page would never send: 400 naming what was wrong, one rate-limited line."""
    request.app[REFUSALS].refuse(f"POST {request.path}: not a playground message")
    return _problem(str(problem))


def _page_language(request: web.Request) -> str:
    """The language the page reads in (`?language=cy`: the person it acts as; issue 28)."""
    return parse_language(request.query.get("language")) or ENGLISH


def _now(request: web.Request) -> dict[str, str]:
    moment = request.app[CLOCK]()
    with use_language(_page_language(request)):
        label = describe(moment, _zone(request))
    return {"now": moment.isoformat(), "label": label}


async def _body(request: web.Request) -> Mapping[str, Any]:
    # JSON only: a page on another site cannot send this without a CORS preflight we never grant.
    if request.content_type != "application/json":
        raise BadMessage("send application/json")
    try:
        body = parse_json(await request.read())
    except Unreadable as exc:
        raise BadMessage(str(exc)) from exc
    if not isinstance(body, Mapping):
        raise BadMessage("the body must be a JSON object")
    return body


async def list_people(request: web.Request) -> web.Response:
    found = await feeds.people(request.app[ENGINE])
    with use_language(_page_language(request)):
        return web.json_response({"people": [person.as_json() for person in found]})


async def list_flows(request: web.Request) -> web.Response:
    shown = [
        {"name": f.name, "title": f.title, "summary": f.summary, "usage": f.usage}
        for f in flows().values()
    ]
    return web.json_response({"flows": shown})


async def _language(app: web.Application, staff_id: int) -> str:
    """The language `staff_id` reads (their choice, else their council's default)."""
    async with app[CONVERSATIONS].dialogs.unit_of_work() as ports:
        return await language_of(ports, staff_id, ENGLISH)


async def words(request: web.Request) -> web.Response:
    """Issue 28 item 3: the page's own words, and the list of conversations to start, in the
    language of the person the page acts as."""
    staff_id = int(request.match_info["staff_id"])
    chosen = await _language(request.app, staff_id)
    with use_language(chosen):
        shown = [
            {"name": f.name, "title": _(f.title), "summary": _(f.summary), "usage": _(f.usage)}
            for f in flows().values()
        ]
        return web.json_response({"language": chosen, "words": page_words(), "flows": shown})


async def send(request: web.Request) -> web.Response:
    """One turn as the chosen person; what others are told goes through the outbox at once."""
    app = request.app
    try:
        body = await _body(request)
        staff_id = staff_id_of(body)
        payload = payload_of(body)
        client_id = message_id_of(body)
    except BadMessage as exc:
        return _refused(request, exc)
    async with session_factory(app[ENGINE])() as session:
        if await session.get(Staff, staff_id) is None:
            return _problem("nobody on the staff list has that id", 404)
    inbound = inbound_for(staff_id, payload, app[CLOCK](), client_id)
    result = await app[CONVERSATIONS].handle(inbound)
    if result.notifications:
        await timetravel.deliver(app)
    # A page's retry of a message already handled: say so rather than show an empty answer.
    replies = (ALREADY,) if result.duplicate else result.replies
    shown = replies_json(replies, app[ATTACHMENTS])
    if not result.duplicate:
        turn = {"you": _echo(body), "replies": shown}
        await transcripts.keep(app[ENGINE], staff_id, turn, app[CLOCK]())
    return web.json_response(
        {
            "replies": shown,
            "flow": result.flow,
            "duplicate": result.duplicate,
            "notified": len(result.notifications),
            # The page follows the person: "Cymraeg" typed switches its own words too.
            "language": await _language(app, staff_id),
        }
    )


def _echo(body: Mapping[str, Any]) -> str:
    """What the person did, as the page showed it: its own words for a click ("echo"), else
    what was typed or the command."""
    echo = body.get("echo")
    if isinstance(echo, str) and echo.strip():
        return echo.strip()[:ECHO_LIMIT]
    if isinstance(body.get("text"), str):
        return str(body["text"]).strip()[:ECHO_LIMIT]
    command = body.get("command")
    if isinstance(command, Mapping):
        return f"/{command.get('name', '')} {command.get('argument', '')}".strip()[:ECHO_LIMIT]
    return "(a form or a button)"


async def transcript(request: web.Request) -> web.Response:
    """The conversation so far as this person, for the page to show again after a reload."""
    try:
        staff_id = id_of(int(request.match_info["staff_id"]), "the staff id")
    except (BadMessage, ValueError):
        return _problem("nobody on the staff list has that id", 404)
    return web.json_response(
        {"turns": list(await transcripts.turns(request.app[ENGINE], staff_id))}
    )


async def inbox(request: web.Request) -> web.Response:
    app = request.app
    try:  # the route takes digits only, but not every run of digits is an id
        staff_id = id_of(int(request.match_info["staff_id"]), "the staff id")
    except (BadMessage, ValueError):
        return _problem("nobody on the staff list has that id", 404)
    with use_language(_page_language(request)):  # its dates in the page's language
        messages = await feeds.inbox(
            app[ENGINE], staff_id, app[CLOCK](), _zone(request), app[ATTACHMENTS]
        )
    return web.json_response({"messages": messages})


async def channels(request: web.Request) -> web.Response:
    app = request.app
    with use_language(_page_language(request)):  # its dates in the page's language
        posts = await feeds.channels(app[ENGINE], app[CLOCK](), _zone(request), app[ATTACHMENTS])
    return web.json_response({"posts": posts, **_now(request)})


async def clock(request: web.Request) -> web.Response:
    return web.json_response(_now(request))


async def move_clock(request: web.Request) -> web.Response:
    """Forward a day or a week, then plan and deliver what is due by then."""
    try:
        body = await _body(request)
    except BadMessage as exc:
        return _refused(request, exc)
    days = body.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or days not in timetravel.STEPS:
        return _refused(request, BadMessage("days must be 1 or 7"))
    async with request.app[TIME_TRAVEL]:
        try:
            planned, delivered = await timetravel.advance(request.app, days)
        except Exception:  # the reason goes to the log; the page says where to look
            log.exception("playground: planning after the clock moved failed")
            return _problem(
                f"the clock moved to {_now(request)['label']}, but planning reminders failed: "
                "see the server log",
                500,
            )
    log.info("playground clock moved %s day(s): %s planned, %s delivered", days, planned, delivered)
    return web.json_response({**_now(request), "planned": planned, "delivered": delivered})


async def attachment(request: web.Request) -> web.Response:
    stored = request.app[ATTACHMENTS].get(request.match_info["token"])
    if stored is None:
        return _problem("that file is no longer here: send the message again", 404)
    return web.Response(
        body=stored.content,
        content_type=stored.served_type,
        headers={"Content-Disposition": stored.content_disposition()},
    )
