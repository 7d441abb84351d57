"""Weighting schemes as data: the built-in council schemes and any a council adds as YAML."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from scoring.document import parse_text
from scoring.scheme_loader import SchemeError, load_scheme, parse_scheme
from scoring.scheme_model import Scheme

__all__ = [
    "SchemeError",
    "builtin_scheme",
    "builtin_scheme_ids",
    "find_scheme",
    "load_scheme",
    "load_scheme_dir",
]


def builtin_scheme_ids() -> tuple[str, ...]:
    folder = resources.files(__name__)
    return tuple(
        sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))
    )


@cache
def builtin_scheme(scheme_id: str) -> Scheme:
    """A scheme shipped with the product, parsed once per process."""
    if scheme_id not in builtin_scheme_ids():
        known = ", ".join(builtin_scheme_ids())
        raise SchemeError(f"no built-in scheme {scheme_id!r}; built-in schemes: {known}")
    entry = resources.files(__name__).joinpath(f"{scheme_id}.yaml")
    scheme = parse_scheme(
        parse_text(
            entry.read_text(encoding="utf-8"), f"scoring/schemes/{scheme_id}.yaml", SchemeError
        )
    )
    if scheme.id != scheme_id:
        raise SchemeError(f"scoring/schemes/{scheme_id}.yaml declares the id {scheme.id!r}")
    return scheme


def load_scheme_dir(folder: Path | str) -> dict[str, Scheme]:
    """Every `*.yaml` / `*.yml` scheme in a council's folder, by id (the file name)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SchemeError(f"{folder}: not a folder of scheme files")
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return {path.stem: load_scheme(path) for path in paths}


def find_scheme(scheme_id: str, extra_dirs: Iterable[Path | str] = ()) -> Scheme:
    """A council's own scheme (from `extra_dirs`, which win) or a built-in one."""
    for folder in extra_dirs:
        for suffix in (".yaml", ".yml"):
            path = Path(folder) / f"{scheme_id}{suffix}"
            if path.is_file():
                return load_scheme(path)
    return builtin_scheme(scheme_id)
