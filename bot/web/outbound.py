"""Replies as the browser gets them: `serialise` JSON, with each file swapped for a download link.

The playground keeps the files it has shown in a small in-memory store keyed by their content
hash, so polling the same inbox twice stores nothing new and a link stays valid while it is shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dialogs.messages import Reply
from dialogs.serialise import to_dict

DOWNLOAD_PATH = "/playground/api/attachments/"
# What the playground will serve as itself; anything else downloads as opaque bytes.
KNOWN_TYPES = frozenset(
    {"text/calendar", "application/pdf", "image/png", "text/csv", "image/jpeg", "image/svg+xml"}
)
_INLINE = frozenset({"image/png", "image/jpeg"})  # never SVG: it can carry script
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    media_type: str
    content: bytes = field(repr=False)

    @property
    def served_type(self) -> str:
        return self.media_type if self.media_type in KNOWN_TYPES else "application/octet-stream"

    @property
    def inline(self) -> bool:
        return self.served_type in _INLINE

    def content_disposition(self) -> str:
        """RFC 6266: an ASCII fallback name, and the real one percent-encoded (RFC 5987)."""
        fallback = _UNSAFE_NAME.sub("_", self.filename).strip(" .") or "download"
        disposition = "inline" if self.inline else "attachment"
        encoded = quote(self.filename, safe="")
        return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


class AttachmentStore:
    """The last `capacity` files shown, oldest forgotten first."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._files: OrderedDict[str, StoredFile] = OrderedDict()

    def put(self, stored: StoredFile) -> str:
        digest = hashlib.sha256()
        for part in (stored.filename.encode(), stored.media_type.encode(), stored.content):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        token = digest.hexdigest()[:40]
        self._files[token] = stored
        self._files.move_to_end(token)
        while len(self._files) > self.capacity:
            self._files.popitem(last=False)
        return token

    def get(self, token: str) -> StoredFile | None:
        return self._files.get(token)


def reply_json(data: Mapping[str, Any], store: AttachmentStore) -> dict[str, Any]:
    """One serialised reply for the browser: an attachment's bytes become a `url`."""
    shown = dict(data)
    if shown.get("type") != "attachment":
        return shown
    try:
        content = base64.b64decode(str(shown.pop("content", "")), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    stored = StoredFile(str(shown.get("filename", "file")), str(shown.get("media_type")), content)
    shown["url"] = DOWNLOAD_PATH + store.put(stored)
    shown["inline"] = stored.inline
    shown["size"] = len(content)
    return shown


def replies_json(replies: Iterable[Reply], store: AttachmentStore) -> list[dict[str, Any]]:
    return [reply_json(to_dict(reply), store) for reply in replies]


def payload_replies(payload: Mapping[str, Any], store: AttachmentStore) -> list[dict[str, Any]]:
    """The replies of an outbox row's payload (already serialised by the scheduler)."""
    raw = payload.get("replies", [])
    if not isinstance(raw, list):
        return []
    return [reply_json(item, store) for item in raw if isinstance(item, Mapping)]
