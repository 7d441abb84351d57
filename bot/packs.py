"""Loads the council policy packs once at start-up: the built-in ones plus PACKS_DIR."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.runtime import UserError
from bot.settings import Settings
from policy.packs import Pack, PackError, builtin_pack, builtin_pack_ids, load_packs


@cache
def _extra_packs(directory: Path | None) -> dict[str, Pack]:
    return load_packs(directory) if directory else {}


def all_packs(settings: Settings) -> dict[str, Pack]:
    """Every pack by id; a council's own directory may add packs or replace built-in ones."""
    try:
        packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
        packs.update(_extra_packs(settings.packs_dir))
    except PackError as exc:
        raise UserError(str(exc)) from None
    return packs


def pack_or_error(settings: Settings, pack_id: str) -> Pack:
    packs = all_packs(settings)
    if pack_id not in packs:
        raise UserError(f"no policy pack {pack_id!r} (available: {', '.join(sorted(packs))})")
    return packs[pack_id]
