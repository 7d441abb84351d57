"""Loads the council policy packs once at start-up: the built-in ones plus PACKS_DIR."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.runtime import UserError, today
from bot.settings import Settings
from policy.packs import Pack, PackError, builtin_pack, builtin_pack_ids, load_packs
from policy.weightings import weighting_change_problem
from scoring.scheme_loader import SchemeError, load_scheme


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
    _check_own_schemes(settings, packs)
    return packs


def _check_own_schemes(settings: Settings, packs: dict[str, Pack]) -> None:
    """A council's own copy of its weighting scheme is refused where its pack asks for an
    approval the copy does not give (SWIN 001:4514; policy.weightings)."""
    directory = settings.schemes_dir
    if directory is None:
        return
    for pack in packs.values():
        rule = pack.caseload.weighting_scheme
        if rule is None or pack.caseload.weighting_changes is None:
            continue
        path = next(
            (p for s in (".yaml", ".yml") if (p := directory / f"{rule.value}{s}").is_file()), None
        )
        if path is None:
            continue
        try:
            scheme = load_scheme(path)
        except SchemeError as exc:
            raise UserError(str(exc)) from None
        problem = weighting_change_problem(
            pack, rule.value, scheme.approved_by, scheme.approved_on, today(settings)
        )
        if problem is not None:
            raise UserError(f"{path}: {problem}")


def pack_or_error(settings: Settings, pack_id: str) -> Pack:
    packs = all_packs(settings)
    if pack_id not in packs:
        raise UserError(f"no policy pack {pack_id!r} (available: {', '.join(sorted(packs))})")
    return packs[pack_id]
