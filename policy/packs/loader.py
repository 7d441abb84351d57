"""Load policy packs from YAML; every error names the file, the key path, the line and a fix."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from policy.packs.rules import validation_context
from policy.packs.schema import Pack

BUILTIN_DIR = Path(__file__).parent

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PackIssue:
    path: str
    line: int | None
    problem: str
    fix: str
    file: Path | None = None  # set when one error covers several files


class PackError(ValueError):
    """All the problems found in one pack file."""

    def __init__(self, file: Path, issues: Sequence[PackIssue]) -> None:
        self.file = file
        self.issues = tuple(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.issues)
        lines = [f"{self.file}: {count} problem{'s' if count != 1 else ''} in policy pack"]
        for issue in self.issues:
            file = issue.file or self.file
            where = f"{file}:{issue.line}" if issue.line else str(file)
            lines.append(f"  {where}: {issue.path or '(top level)'}: {issue.problem}. {issue.fix}")
        return "\n".join(lines)


def format_loc(loc: Loc) -> str:
    """('supervision', 'frequencies', 2, 'interval') -> 'supervision.frequencies[2].interval'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _pairs(node: yaml.MappingNode) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    for key, value in node.value:
        yield (str(key.value), key, value)


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """1-based line of the deepest node along `loc` (the key's line for mapping entries)."""
    node, line = root, (root.start_mark.line + 1 if root else None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for name, k, v in _pairs(node) if name == str(part)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _duplicate_keys(node: yaml.Node | None, loc: Loc = ()) -> Iterator[tuple[Loc, int]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for name, key, value in _pairs(node):
            if name in seen:
                yield (*loc, name), key.start_mark.line + 1
            seen.add(name)
            yield from _duplicate_keys(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index))


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of `loc`, to suggest the right spelling."""
    model: Any = Pack
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for arg in (*typing.get_args(annotation), annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        if typing.get_origin(arg) in (tuple, list, types.UnionType, typing.Union):
            inner = _unwrap(arg)
            if inner is not None:
                return inner
    return None


def _fix_for(error: Any, loc: Loc) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"Remove it or correct the spelling: {hint}allowed keys are {', '.join(allowed)}"
    if kind == "missing":
        return "Add this key (see policy/packs/_template.yaml for an example)"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        return "Give a number in the allowed range"
    if kind == "value_error" and "citation" in error["msg"]:
        return "Cite the seed line(s) the value comes from"
    if kind.endswith("_type") or kind.endswith("_parsing") or kind == "enum":
        return "Give a value of the expected type"
    return "Correct the value"


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] != "missing" and not isinstance(error.get("input"), dict | list):
        return f"{message} (got {error.get('input')!r})"
    return message


@cache
def _seed_parts() -> dict[str, Any]:
    text = (BUILTIN_DIR / "_documents.yaml").read_text(encoding="utf-8")
    return {str(key): value["parts"] for key, value in yaml.safe_load(text).items()}


def _with_seed_parts(raw: dict[str, Any]) -> dict[str, Any]:
    """Documents declared by a seed id and no `parts` of their own take the seed's (issue 21)."""
    documents = raw.get("documents")
    if not isinstance(documents, list):
        return raw
    seeds = _seed_parts()
    filled = [
        {**item, "parts": seeds[item["id"]]}
        if isinstance(item, dict) and "parts" not in item and str(item.get("id")) in seeds
        else item
        for item in documents
    ]
    return {**raw, "documents": filled}


def parse_pack(text: str, file: Path) -> Pack:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        issue = PackIssue(
            "",
            mark.line + 1 if mark else None,
            f"not valid YAML: {exc.problem}",
            "Fix the YAML syntax (indentation, quotes, colons)",
        )
        raise PackError(file, [issue]) from exc
    issues = [
        PackIssue(format_loc(loc), line, "key given twice", "Keep one; YAML silently uses the last")
        for loc, line in _duplicate_keys(root)
    ]
    if not isinstance(raw, dict):
        issues.append(
            PackIssue("", 1, "a pack must be a mapping of keys", "Start from _template.yaml")
        )
        raise PackError(file, issues)
    try:
        pack = Pack.model_validate(_with_seed_parts(raw), context=validation_context(raw))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        deeper = {tuple(e["loc"])[:n] for e in errors for n in range(len(e["loc"]))}
        for error in errors:
            loc = tuple(error["loc"])
            if error["type"] == "too_short" and loc in deeper:
                continue  # an item failed, so the list looks short: report the item only
            issues.append(
                PackIssue(
                    format_loc(loc), line_of(root, loc), _describe(error), _fix_for(error, loc)
                )
            )
        raise PackError(file, issues) from None
    if issues:
        raise PackError(file, issues)
    return pack


def load_pack(path: str | Path) -> Pack:
    """Read and validate one pack file; raise PackError listing every problem in it."""
    file = Path(path)
    return parse_pack(file.read_text(encoding="utf-8"), file)


def load_packs(directory: str | Path) -> dict[str, Pack]:
    """Every `<id>.yaml` in a directory (files starting `_` skipped); one PackError per bad file."""
    packs: dict[str, Pack] = {}
    errors: list[PackError] = []
    for file in sorted(Path(directory).glob("*.yaml")):
        if file.name.startswith("_"):
            continue
        try:
            pack = load_pack(file)
        except PackError as exc:
            errors.append(exc)
            continue
        if pack.id != file.stem:
            issue = PackIssue(
                "id",
                line_of(yaml.compose(file.read_text("utf-8")), ("id",)),
                f"id {pack.id!r} differs from the file name",
                f"Rename the file to {pack.id}.yaml or set id: {file.stem}",
            )
            errors.append(PackError(file, [issue]))
            continue
        packs[pack.id] = pack
    if errors:
        issues = [replace(i, file=e.file) for e in errors for i in e.issues]
        raise PackError(Path(directory), issues)
    return packs


def builtin_pack_ids() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml") if not p.name.startswith("_")))


@cache
def builtin_pack(pack_id: str) -> Pack:
    if pack_id not in builtin_pack_ids():
        raise KeyError(f"no built-in policy pack {pack_id!r}; have {', '.join(builtin_pack_ids())}")
    return load_pack(BUILTIN_DIR / f"{pack_id}.yaml")
