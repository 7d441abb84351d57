"""Patching (issue 23 item 7): every third-party module the product imports is declared in
pyproject.toml, and requirements.lock pins every package, direct and transitive, with hashes,
agreeing with pyproject's pins (CI audits that lock with pip-audit)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scoring", "policy", "dialogs", "storage", "scheduling", "bot")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0]).lower()


def _project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) from requirements.lock."""
    found: dict[str, tuple[str, list[str]]] = {}
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = re.match(r"([A-Za-z0-9._-]+(?:\[[^\]]*\])?)==([^ \\;]+)", block)
        if head:
            found[_name(head[1])] = (head[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return found


def test_every_imported_third_party_module_is_declared() -> None:
    declared = {_name(r) for r in _project()["dependencies"]}
    owners = packages_distributions()
    missing: dict[str, str] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in PACKAGES or top == "__future__":
                        continue
                    dists = {_name(d) for d in owners.get(top, [top])}
                    if not dists & declared:
                        missing[top] = str(path.relative_to(ROOT))
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"


def test_the_lock_pins_everything_with_hashes_and_agrees_with_pyproject() -> None:
    lock = _lock()
    assert len(lock) > 50  # direct and transitive
    assert all(hashes for _, hashes in lock.values()), [n for n, (_, h) in lock.items() if not h]
    project = _project()
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        pinned = re.search(r"==([^ ;,]+)", requirement)
        name = _name(requirement)
        assert name in lock, f"{name} is not in requirements.lock: regenerate it (docs/security.md)"
        if pinned:
            assert lock[name][0] == pinned[1], (
                f"{name}: pyproject {pinned[1]}, lock {lock[name][0]}"
            )
