"""Deterministic understanding of what people type: phrases, synonyms and typo tolerance.

No external language service: every decision here can be read, tested and explained.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import get_close_matches

_CONTRACTIONS = {"what's": "what is", "whats": "what is", "i'm": "i am", "when's": "when is"}


@dataclass(frozen=True, slots=True)
class Intent:
    flow: str
    argument: str


@dataclass(frozen=True, slots=True)
class Phrases:
    """How people ask for one flow: its command words and the phrases that mean it."""

    flow: str
    commands: tuple[str, ...]
    keywords: tuple[str, ...]  # each keyword (one or more words) adds to the flow's score


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    for short, full in _CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(short)}\b", full, text)
    return text


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9+]+(?:[-'][a-z0-9]+)*", text)


class Understanding:
    def __init__(self, phrases: tuple[Phrases, ...]) -> None:
        self._phrases = phrases
        self._commands = {c: p.flow for p in phrases for c in p.commands}
        vocabulary = {w for p in phrases for k in p.keywords for w in k.split()}
        self._vocabulary = sorted(vocabulary | set(self._commands))

    def _correct(self, token: str) -> str:
        """Typo tolerance: 'casload' -> 'caseload'. Short words and numbers are left alone."""
        if len(token) < 4 or token.isdigit() or token in self._vocabulary:
            return token
        close = get_close_matches(token, self._vocabulary, n=1, cutoff=0.8)
        return close[0] if close else token

    def match(self, text: str) -> Intent | None:
        raw = text.strip()
        if not raw:
            return None
        normalised = normalise(raw)
        tokens = _tokens(normalised)
        if not tokens:
            return None
        corrected = [self._correct(t) for t in tokens]
        joined = " " + " ".join(corrected) + " "
        leading = self._commands.get(corrected[0])
        best: tuple[int, str] | None = None
        for phrases in self._phrases:
            score = sum(len(k.split()) for k in phrases.keywords if f" {k} " in joined)
            if phrases.flow == leading:
                score += 1  # "decision C-1042 ..." leads with its command word
            if score and (best is None or score > best[0]):
                best = (score, phrases.flow)
        if best is None:
            return None
        if best[1] == leading:
            parts = raw.split(None, 1)
            return Intent(best[1], parts[1].strip() if len(parts) > 1 else "")
        return Intent(best[1], raw)
