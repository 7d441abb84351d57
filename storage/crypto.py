"""Record text encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256), key from the environment.

A copied database file reveals no record content. Values are stored as "enc:v1:<token>"; a value
without the prefix is plaintext written before encryption was turned on, and still reads.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
PREFIX = "enc:v1:"


class KeyMissing(RuntimeError):
    """Record text cannot be written or read without the key."""


class _Keys:
    fernet: MultiFernet | None = None


def configure(keys: list[str] | str | None, dev_key_file: Path | None = None) -> None:
    """Use these keys (the first encrypts; all decrypt, for rotation), or a development key file.

    Production refuses to start without RECORD_ENCRYPTION_KEY (bot.settings); a development
    machine gets a key generated once into a git-ignored file beside its database.
    """
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    if not keys and dev_key_file is not None:
        if not dev_key_file.exists():
            dev_key_file.parent.mkdir(parents=True, exist_ok=True)
            dev_key_file.write_bytes(Fernet.generate_key())
            dev_key_file.chmod(0o600)
            # Expected on a development machine, so said calmly (issue 21 item 14).
            log.info(
                "Record text is encrypted with a development key, created in %s. That is fine "
                "on this machine. In production, set RECORD_ENCRYPTION_KEY instead (see "
                ".env.example) and keep a copy somewhere safe: records cannot be read without it.",
                dev_key_file,
            )
        keys = [dev_key_file.read_text().strip()]
    _Keys.fernet = MultiFernet([Fernet(k.encode()) for k in keys]) if keys else None


def _fernet() -> MultiFernet:
    if _Keys.fernet is None:
        raise KeyMissing("record text needs RECORD_ENCRYPTION_KEY (see .env.example)")
    return _Keys.fernet


def seal(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was on
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise KeyMissing("record text was encrypted with another key") from None


class Sealed(str):
    """JSON already sealed (`seal_json`): an EncryptedJSON column stores it as it is. Sealing
    before a write transaction opens keeps the encryption out of the time a lock is held."""


def seal_json(value: Any) -> Sealed:
    return Sealed(seal(json.dumps(value, ensure_ascii=False, separators=(",", ":"))))


class EncryptedText(TypeDecorator[str]):
    impl = String()
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else unseal(value)


class EncryptedJSON(TypeDecorator[Any]):
    impl = String()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return str(value)
        return seal_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(unseal(value))
