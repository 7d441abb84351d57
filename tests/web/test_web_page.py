"""The page and its assets: all served from here, no CDN, no data written as HTML."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from bot.web.playground import STATIC

ASSETS = ("index.html", "playground.css", "render.js", "playground.js")


async def test_the_page_is_the_playground_with_a_skip_link(playground: TestServer) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.get(playground.make_url("/")) as response,
    ):
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert '<a class="skip-link" data-words="skip" href="#conversation">' in page
    assert '<html lang="en-GB">' in page
    assert 'name="viewport"' in page
    for reference in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert reference.startswith(("/playground/static/", "#")), reference


async def test_every_asset_is_served_locally(playground: TestServer) -> None:
    async with aiohttp.ClientSession() as client:
        for name, media_type in (
            ("playground.css", "text/css"),
            ("render.js", "javascript"),
            ("playground.js", "javascript"),
        ):
            async with client.get(playground.make_url(f"/playground/static/{name}")) as response:
                assert response.status == 200
                assert media_type in response.content_type
        async with client.get(playground.make_url("/playground")) as response:
            assert response.url.path == "/"


def test_no_asset_reaches_outside_or_writes_data_as_html() -> None:
    for name in ASSETS:
        text = (Path(STATIC) / name).read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert "@import" not in text
    for script in ("render.js", "playground.js"):
        code = (Path(STATIC) / script).read_text(encoding="utf-8")
        for unsafe in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert unsafe not in code, (script, unsafe)


def test_every_label_points_at_a_control_and_every_button_is_a_button() -> None:
    page = (Path(STATIC) / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert target in ids
    assert "onclick" not in page  # no inline script: the CSP would block it
    assert not re.search(r'role="button"', page)
