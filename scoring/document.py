"""Read YAML or JSON data as typed values, with errors naming the file, key path and line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})


class DataFileError(ValueError):
    """A data file that cannot be used; the message says where and what to do."""


def parse_text(text: str, source: str, error: type[DataFileError], json_only: bool = False) -> Doc:
    """Parse YAML (or JSON, which is read as YAML to keep line numbers and exact numbers)."""
    if json_only:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(f"{source}: line {exc.lineno}: not valid JSON: {exc.msg}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{source}: {where}not valid YAML: {problem}") from None
    if node is None:
        raise error(f"{source}: the file is empty")
    return Doc(node, "", source, error)


def read_file(path: Path, error: type[DataFileError]) -> Doc:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the file: {exc}") from None
    return parse_text(text, str(path), error, json_only=path.suffix.lower() == ".json")


class Doc:
    """One YAML node and where it sits, so every problem can be reported precisely."""

    __slots__ = ("error_type", "node", "path", "source")

    def __init__(self, node: yaml.Node, path: str, source: str, error: type[DataFileError]) -> None:
        self.node = node
        self.path = path
        self.source = source
        self.error_type = error

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1

    def fail(self, problem: str) -> DataFileError:
        where = self.path or "top level"
        return self.error_type(f"{self.source}: line {self.line}: {where}: {problem}")

    def _child(self, node: yaml.Node, key: str | int) -> Doc:
        if isinstance(key, int):
            path = f"{self.path}[{key}]"
        else:
            path = f"{self.path}.{key}" if self.path else key
        return Doc(node, path, self.source, self.error_type)

    def mapping(self, allowed: Iterable[str] = (), required: Iterable[str] = ()) -> dict[str, Doc]:
        """The keys of a mapping; unknown keys are errors when `allowed` is given."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail(f"expected a mapping of keys to values, found {self.describe()}")
        out: dict[str, Doc] = {}
        for key_node, value_node in self.node.value:
            key = str(key_node.value)
            if key in out:
                raise self._child(key_node, key).fail("this key appears twice")
            out[key] = self._child(value_node, key)
        allowed_set = set(allowed)
        if allowed_set:
            for key, doc in out.items():
                if key not in allowed_set:
                    known = ", ".join(sorted(allowed_set))
                    raise doc.fail(f"unknown key {key!r}; expected one of: {known}")
        for key in required:
            if key not in out:
                raise self.fail(f"the required key {key!r} is missing")
        return out

    def items(self) -> list[Doc]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail(f"expected a list, found {self.describe()}")
        return [self._child(n, i) for i, n in enumerate(self.node.value)]

    def scalar(self) -> str:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.fail(f"expected a single value, found {self.describe()}")
        return str(self.node.value)

    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag.endswith(":null")

    def text(self) -> str:
        value = self.scalar().strip()
        if not value or self.is_null():
            raise self.fail("expected some text, found nothing")
        return value

    def decimal(self, minimum: Decimal | None = Decimal(0)) -> Decimal:
        raw = self.scalar().strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self.fail(f"{raw!r} is not a number; write a number such as 10 or 7.5") from None
        if not value.is_finite():
            raise self.fail(f"{raw!r} is not a finite number")
        if minimum is not None and value < minimum:
            raise self.fail(f"{raw} is below the minimum of {minimum}")
        return value

    def integer(self, minimum: int = 0) -> int:
        value = self.decimal(Decimal(minimum))
        if value != value.to_integral_value():
            raise self.fail(f"{self.scalar()!r} is not a whole number")
        return int(value)

    def boolean(self) -> bool:
        raw = self.scalar().strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise self.fail(f"{self.scalar()!r} is not true or false")

    def date(self) -> date:
        raw = self.scalar().strip()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.fail(f"{raw!r} is not a date; write it as YYYY-MM-DD") from None

    def text_list(self) -> tuple[str, ...]:
        if isinstance(self.node, yaml.ScalarNode) and not self.is_null():
            return (self.text(),)
        return tuple(doc.text() for doc in self.items())

    def describe(self) -> str:
        if isinstance(self.node, yaml.MappingNode):
            return "a mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "a list"
        return f"the value {self.node.value!r}"

    def kind(self) -> str:
        """'mapping', 'list', 'null', 'bool', 'date' or 'text' (how a fact value was written)."""
        if isinstance(self.node, yaml.MappingNode):
            return "mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "list"
        tag = self.node.tag
        if tag.endswith(":null"):
            return "null"
        if tag.endswith(":bool"):
            return "bool"
        raw = str(self.node.value).strip()
        if tag.endswith(":timestamp") or (len(raw) == 10 and raw[4:5] == "-" and raw[7:8] == "-"):
            return "date"
        return "text"
