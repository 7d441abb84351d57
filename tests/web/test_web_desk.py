"""The team manager's desk over the playground's HTTP API (issue 26): team compliance and
who-can / what-if allocation, for a team's manager, a worker, and another team's manager."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestServer
from test_web_api import ids, send


async def test_scratch(playground: TestServer) -> None:
    people = await ids(playground)
    out = {}
    for who, text in [
        ("Priya Shah", "how's my team's compliance"),
        ("Priya Shah", "who can take a new CP case"),
        ("Priya Shah", "who can take a CIN sibling group of 3, court, 20 miles away"),
        ("Priya Shah", "what would Sam's score be with a new CP case"),
        ("Sam Taylor", "who can take a new CP case"),
        ("Sam Taylor", "who in my team is overdue supervision"),
        ("Daniel Hughes", "what if Sam took a new CP case"),
        ("Morgan Price", "team compliance"),
    ]:
        body: Any = await send(playground, people[who], text=text)
        out[f"{who}: {text}"] = body["replies"]
    with open("/tmp/h26/out.json", "w") as f:
        json.dump(out, f, indent=1, default=str)
