"""The hostile-input layer: limits checked before a body is read, refusals logged once, quietly.

Anyone on the network can reach Slack's and Teams' endpoints and the playground API, so nothing
they send may cost a traceback, a 500 or a log flood. A route registered with `protect` refuses a
body over its size (413) or of a type it does not take (415) before the body is read; each
handler then checks the caller (a Slack signature, a Bot Framework token) before it parses
anything, and answers what it cannot read with a 4xx. Every refusal is one WARNING line, at most
one per reason per `WINDOW` seconds with a count of those kept quiet, and never a traceback.
Requests that aiohttp's own parser refuses (a header over 8 KB, a malformed request line) are
answered 400 by aiohttp and logged the same way through `server_options`, without the header.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger(__name__)

WINDOW = 60.0  # seconds between two log lines for the same reason
MAX_HEADER = 8190  # aiohttp's default, stated: a request line or header field longer is a 400
_MAX_REASONS = 500  # reasons are fixed texts; this only bounds memory if a caller forgets that

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refusals:
    """Rate-limited refusal lines. A reason is a fixed text chosen by our code (a route, what was
    wrong, an exception class), never anything the caller sent."""

    def __init__(self, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._logged_at: dict[str, float] = {}
        self._quiet: dict[str, int] = {}

    def refuse(self, reason: str) -> None:
        now = self._clock()
        logged_at = self._logged_at.get(reason)
        if logged_at is not None and now - logged_at < self.window:
            self._quiet[reason] = self._quiet.get(reason, 0) + 1
            return
        if len(self._logged_at) >= _MAX_REASONS:
            self._logged_at.clear()
        quiet = self._quiet.pop(reason, 0)
        self._logged_at[reason] = now
        if quiet:
            log.warning("refused: %s (and %d more since the last such line)", reason, quiet)
        else:
            log.warning("refused: %s", reason)


@dataclass(frozen=True, slots=True)
class Limit:
    """What a POST route accepts: its largest body and its content types."""

    max_bytes: int
    content_types: frozenset[str]


REFUSALS = web.AppKey("guard_refusals", Refusals)
LIMITS = web.AppKey("guard_limits", dict[str, Limit])


def attach(app: web.Application, refusals: Refusals) -> None:
    """Called once by create_app, which also installs `middleware` and `server_options`."""
    app[REFUSALS] = refusals
    app[LIMITS] = {}


def protect(app: web.Application, path: str, limit: Limit) -> None:
    app[LIMITS][path] = limit


def refusal(request: web.Request, status: int, reason: str, message: str) -> web.Response:
    """Log the refusal (rate-limited) and answer it with a short JSON reason."""
    request.app[REFUSALS].refuse(reason)
    return web.json_response({"error": message}, status=status)


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    limit = request.app[LIMITS].get(request.path) if request.method == "POST" else None
    if limit is None:
        return await handler(request)
    path = request.path  # a registered route, so a fixed text
    too_large = f"the body is over {limit.max_bytes} bytes"
    over = f"POST {path}: body over {limit.max_bytes} bytes"
    length = request.content_length
    if length is not None and length > limit.max_bytes:
        return refusal(request, 413, over, too_large)
    if request.content_type not in limit.content_types:
        accepted = " or ".join(sorted(limit.content_types))
        return refusal(request, 415, f"POST {path}: content type not accepted", f"send {accepted}")
    try:
        # Read here, within the limits just checked: a chunked body (no length) is held to the
        # limit, and one that breaks its framing or encoding is a 400 before any handler sees it.
        # The handler's own read() returns these same bytes.
        if len(await request.read()) > limit.max_bytes:
            return refusal(request, 413, over, too_large)
    except web.HTTPRequestEntityTooLarge:
        return refusal(request, 413, f"POST {path}: body over the server's limit", too_large)
    except (web.RequestPayloadError, HttpProcessingError) as exc:
        cause = exc.__cause__ or exc
        reason = f"POST {path}: malformed body ({type(cause).__name__})"
        return refusal(request, 400, reason, "the body could not be read")
    return await handler(request)


class Unreadable(ValueError):
    """A body that is not what it says it is; the text says what was wrong, for the caller."""


def parse_json(raw: bytes) -> Any:
    """JSON from raw bytes, or Unreadable: invalid UTF-8, invalid JSON and JSON nested deeper than
    the parser goes (100,000 brackets) are the caller's mistakes, not our errors."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable("the body is not UTF-8") from exc
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise Unreadable("the body is nested too deeply") from exc
    except ValueError as exc:
        raise Unreadable("the body is not valid JSON") from exc


class ServerLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's connection-level logger: a request its HTTP parser refused (answered 400 by
    aiohttp) becomes one rate-limited refusal line, without the traceback or the offending bytes
    that aiohttp's message quotes. Everything else, a handler's 500 among it, is logged as ever."""

    def __init__(self, refusals: Refusals) -> None:
        super().__init__(logging.getLogger("aiohttp.server"), {})
        self.refusals = refusals

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        error = kwargs.get("exc_info")
        if isinstance(error, tuple):
            error = error[1]
        if isinstance(error, HttpProcessingError):
            self.refusals.refuse(f"malformed HTTP request ({type(error).__name__})")
            return
        if isinstance(error, web.RequestPayloadError):
            # The rest of a body that does not decode, drained after the answer was sent: a
            # guarded route has already refused it (one line), any other route never read it.
            cause = error.__cause__ or error
            log.debug("discarded the rest of a malformed body (%s)", type(cause).__name__)
            return
        super().log(level, msg, *args, **kwargs)


def server_options(refusals: Refusals) -> Mapping[str, Any]:
    """The low-level server's settings, for web.Application(handler_args=...): `serve` and the
    tests' TestServer both build their server from the application, so both get these."""
    return {
        "logger": ServerLog(refusals),
        "max_line_size": MAX_HEADER,
        "max_field_size": MAX_HEADER,
    }


__all__ = [
    "LIMITS",
    "REFUSALS",
    "Limit",
    "Refusals",
    "ServerLog",
    "Unreadable",
    "attach",
    "middleware",
    "parse_json",
    "protect",
    "refusal",
    "server_options",
]
