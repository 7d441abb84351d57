"""The Slack floor: a bare Bolt AsyncApp on aiohttp answering a signed slash command with text.

Nothing but what every Bolt app has: request verification, the default middleware (single-team
authorisation with one `auth.test`, cached) and an ack carrying the answer. It listens to
`/hello` and to `/supervision`, so the benchmark can send both apps the very same signed request.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

ANSWER = "Hello from a bare Bolt app."
COMMANDS = ("/hello", "/supervision")


def build(signing_secret: str, api_url: str, token: str = "xoxb-bench") -> web.Application:
    """The aiohttp app serving POST /slack/events; `api_url` is the (fake) Slack Web API."""
    bolt = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url), signing_secret=signing_secret
    )

    async def hello(ack: AsyncAck) -> None:
        await ack(ANSWER)

    for command in COMMANDS:
        bolt.command(command)(hello)
    return bolt.web_app(path="/slack/events")
