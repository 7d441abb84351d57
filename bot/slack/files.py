"""Attachments as real Slack files, with `files_upload_v2`.

The SDK does Slack's three steps: files.getUploadURLExternal per file, a POST of the bytes to the
URL it returns, then one files.completeUploadExternal that shares them all in the channel or DM
as a single message. Images carry their description as `alt_txt` for screen readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from dialogs.messages import Attachment, Reply

ALT_TEXT = 1000  # files.getUploadURLExternal: alt_txt is at most 1,000 characters


def is_image(file: Attachment) -> bool:
    return file.media_type.startswith("image/")


def attachments(
    replies: Iterable[Reply], *, channel: bool = False, charts: bool = False
) -> list[Attachment]:
    """The files to upload. A shared channel only ever gets a digest's chart images (`charts`):
    an ICS, a PDF or a CSV may carry record content, which never goes where everyone reads."""
    files = [r for r in replies if isinstance(r, Attachment)]
    if channel:
        return [f for f in files if charts and is_image(f)]
    return files


def file_uploads(files: Sequence[Attachment]) -> list[dict[str, Any]]:
    """`files_upload_v2(file_uploads=...)` items; pure, so tests can read them."""
    items: list[dict[str, Any]] = []
    for file in files:
        item: dict[str, Any] = {
            "filename": file.filename,
            "content": file.content,
            "title": file.filename,
        }
        if is_image(file) and file.description:
            item["alt_txt"] = file.description[:ALT_TEXT]
        items.append(item)
    return items


def initial_comment(files: Sequence[Attachment]) -> str | None:
    """A line above the files: what the first one is ("Calendar invitation for ..."). Images need
    none: their description is already their alt text."""
    first = files[0] if files else None
    if first is None or is_image(first) or not first.description:
        return None
    return first.description


async def upload(client: AsyncWebClient, channel: str, files: Sequence[Attachment]) -> None:
    """Share the files in the channel or DM; Slack errors come back as SlackApiError (a 429 as
    `ratelimited` with Retry-After) and a failed byte upload as SlackRequestError."""
    if not files:
        return
    await client.files_upload_v2(
        file_uploads=file_uploads(files),
        channel=channel,
        initial_comment=initial_comment(files),
    )
