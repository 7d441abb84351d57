"""How well the matcher routes the corpus: `python -m dialogs.corpus.evaluate [train|heldout]`."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from dialogs.corpus import NONE, WRITING_FLOWS, Example, examples


class _Intent(Protocol):
    @property
    def flow(self) -> str: ...

    @property
    def argument(self) -> str: ...


class _Matcher(Protocol):
    def match(self, text: str) -> _Intent | None: ...


@dataclass
class Report:
    part: str
    total: int = 0
    right: int = 0
    asked: int = 0  # unsure: "did you mean" offered with the right conversation among the buttons
    wrong_writes: list[tuple[Example, str]] = field(default_factory=list)
    misses: list[tuple[Example, str]] = field(default_factory=list)
    by_conversation: Counter[str] = field(default_factory=Counter)
    right_by_conversation: Counter[str] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def lines(self) -> list[str]:
        out = [
            f"{self.part}: {self.right}/{self.total} routed right ({self.accuracy:.1%}), "
            f"{self.asked} asked 'did you mean' instead, "
            f"{len(self.wrong_writes)} would start a writing conversation not asked for"
        ]
        weak = [
            f"{name} {self.right_by_conversation[name]}/{count}"
            for name, count in sorted(self.by_conversation.items())
            if self.right_by_conversation[name] < count
        ]
        if weak:
            out.append(f"  short of all right: {', '.join(weak)}")
        return out


def _alternatives(intent: _Intent) -> tuple[str, ...]:
    """The conversations offered as buttons when the matcher is unsure (none when it is sure)."""
    return tuple(getattr(intent, "alternatives", None) or ())


def routed_right(example: Example, intent: _Intent | None) -> bool:
    if example.conversation == NONE:
        return intent is None
    if intent is None or _alternatives(intent):
        return False
    if intent.flow != example.flow:
        return False
    if example.conversation == "team":  # the caseload flow shows the team when asked for "team"
        return "team" in intent.argument.lower().split()
    return True


def evaluate(matcher: _Matcher, part: str) -> Report:
    report = Report(part)
    for example in examples(part):
        intent = matcher.match(example.text)
        report.total += 1
        report.by_conversation[example.conversation] += 1
        if routed_right(example, intent):
            report.right += 1
            report.right_by_conversation[example.conversation] += 1
            continue
        got = "nothing" if intent is None else intent.flow
        alternatives = _alternatives(intent) if intent is not None else ()
        if alternatives:
            if example.flow in alternatives:
                report.asked += 1
            got = "asked: " + " / ".join(alternatives)
        elif intent is not None and intent.flow in WRITING_FLOWS:
            report.wrong_writes.append((example, got))
        report.misses.append((example, got))
    return report


def main(argv: list[str]) -> int:
    from dialogs.registry import understanding

    for part in argv or ["train", "heldout"]:
        report = evaluate(understanding(), part)
        print("\n".join(report.lines()))
        for example, got in report.misses:
            print(f"  {example.conversation:>10} -> {got:<28} {example.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
