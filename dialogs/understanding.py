"""Deterministic understanding of what people type: a small classifier learnt from the corpus.

No external language service: the model is word counts from `dialogs/corpus/train.yaml`
(multinomial naive Bayes over words and word pairs), learnt when the process starts, and every
decision can be explained by the words that carried it (`Intent.evidence`). Typos are mended
against the corpus's own words with rapidfuzz before counting. docs/understanding.md says why
this and not hand-written phrases, with the held-out figures.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process

from dialogs.corpus import FLOW_OF, NONE, Example
from dialogs.entities import NOT_NAMES, Entities, extract
from dialogs.lexicon import STOPWORDS, allowed, concepts
from dialogs.when import shift_phrase

_CONTRACTIONS = {
    "what's": "what is", "whats": "what is", "when's": "when is", "how's": "how is",
    "who's": "who is", "where's": "where is", "it's": "it is", "that's": "that is",
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'll": "i will",
    "i'd": "i would", "we've": "we have", "we'd": "we would", "let's": "let us",
    "can't": "can not", "cant": "can not", "won't": "will not", "don't": "do not",
    "dont": "do not", "isn't": "is not", "hasn't": "has not", "haven't": "have not",
}  # fmt: skip
_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|\?")
_DATE_TOKEN = re.compile(r"\d{1,2}(?:st|nd|rd|th|am|pm)|\d{1,2}[:/.]\d{1,2}(?:[/.]\d{2,4})?")
_CASE_TOKEN = re.compile(r"[a-z]{1,4}-\d{2,10}")
_ONE_TO_ONE = {"1", "1:1", "1-1", "121", "one-to-one", "1to1"}
# Issue 28: Welsh words that ask for a decision's form rather than state the decision.
_ASKING_CY = frozenset({"cofnodi", "ychwanegu", "nodi", "penderfyniad", "hoffwn"})
# The longest message read as a request: a pasted page is answered with what the bot can do.
MAX_WORDS = 60
# Naive Bayes: add-alpha smoothing; and how far apart (in natural log odds) the best two flows
# must be before the best is taken without asking. Chosen by cross-validation on train only.
ALPHA = 0.1
SURE = 0.5
ASK = 0.6  # below this share of the probability, close runners-up are offered too


@dataclass(frozen=True, slots=True)
class Intent:
    """What a message asks for. `flow` is the flow to start (as registry.flows() names it);
    `alternatives`, when not empty, are the conversations to offer as "did you mean" buttons
    instead of starting anything."""

    flow: str
    argument: str
    conversation: str = ""
    confidence: float = 1.0  # the best conversation's share of the probability, 0..1
    alternatives: tuple[str, ...] = ()
    arguments: tuple[str, ...] = ()  # what each alternative's flow would be started with
    entities: Entities = field(default_factory=Entities)
    evidence: tuple[str, ...] = ()  # the words that weighed most for this conversation

    @property
    def sure(self) -> bool:
        return not self.alternatives


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    for short, full in _CONTRACTIONS.items():
        text = re.sub(rf"(?<![\w']){re.escape(short)}(?![\w'])", full, text)
    return text


def _fold(text: str) -> str:
    """Welsh letters with their accents folded (sgôr -> sgor, ŵyr -> wyr), as people often type
    them without (issue 28)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _raw_tokens(text: str) -> list[str]:
    tokens = []
    for token in re.findall(r"[a-z0-9]+(?:[-':/.][a-z0-9]+)*|\?", _fold(normalise(text))):
        if token in _ONE_TO_ONE:
            tokens.append("#1to1")
        elif _CASE_TOKEN.fullmatch(token):
            tokens.append("#case")
        elif _DATE_TOKEN.fullmatch(token):
            tokens.append("#date")
        elif token.isdigit():
            tokens.append("#num")
        else:
            # "'s" (Sam's) and Welsh "'r" (llofnodi'r cofnod: sign the record) are not words.
            tokens.extend(t.removesuffix("'s").removesuffix("'r") for t in _TOKEN.findall(token))
    return tokens


def _features(tokens: list[str]) -> list[str]:
    pairs = [f"{a} {b}" for a, b in pairwise(tokens)]
    first = [f"^{tokens[0]}"] if tokens else []
    return [*tokens, *pairs, *first, *concepts(tokens)]


class Understanding:
    """Learns from labelled examples; `match` reads one message."""

    def __init__(self, examples: Iterable[Example], commands: Mapping[str, str]) -> None:
        self._commands = dict(commands)
        examples_seen = tuple(examples)
        # The names the corpus uses mid-sentence ("with Sam") are counted as one word, #name:
        # who is asked about says nothing about what is asked.
        self._names = frozenset(
            word.removesuffix("'s").lower()
            for e in examples_seen
            for word in e.text.split()[1:]
            if re.fullmatch(r"[A-Z][a-z]+(?:'s)?", word)
            and word.removesuffix("'s").lower() not in NOT_NAMES
        )
        tokenised = [(e.conversation, self._tokens(e.text)) for e in examples_seen]
        self._vocabulary = sorted({t for _, tokens in tokenised for t in tokens})
        self._known = frozenset(self._vocabulary)
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for conversation, tokens in tokenised:
            counts[conversation].update(_features(tokens))
        features = {f for c in counts.values() for f in c}
        self._conversations = sorted(counts)
        self._log_p: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for conversation in self._conversations:
            total = sum(counts[conversation].values()) + ALPHA * len(features)
            self._unseen[conversation] = math.log(ALPHA / total)
            self._log_p[conversation] = {
                f: math.log((n + ALPHA) / total) for f, n in counts[conversation].items()
            }
        self._features = frozenset(features)
        # Words of requests, for telling names from them (entities.extract).
        self._common = self._known - {"#name"}
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

    def is_command_word(self, word: str) -> bool:
        """Whether a message starting with `word` names a conversation ("book ...")."""
        return word in self._commands

    def _tokens(self, text: str) -> list[str]:
        return ["#name" if t in self._names else t for t in _raw_tokens(text)]

    def _correct_uncached(self, token: str) -> str:
        """Typo tolerance: 'supervsion' -> 'supervision', 'cancle' -> 'cancel'."""
        if token in self._known or token.startswith("#") or len(token) < 3 or token.isdigit():
            return token
        cutoff = 85 if len(token) <= 3 else 74
        found = process.extractOne(token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        if not found:
            return token
        mended = str(found[0])
        if len(token) == 4 and sorted(mended) != sorted(token):
            return token  # a short word is mended only when two letters swapped ("sgin")
        return mended

    def _scores(self, features: list[str]) -> dict[str, float]:
        return {
            c: sum(self._log_p[c].get(f, self._unseen[c]) for f in features if f in self._features)
            for c in self._conversations
        }

    def match(self, text: str) -> Intent | None:
        """What `text` asks for, or None when it asks for nothing the bot does."""
        raw = " ".join(text.split())
        entities = extract(raw, self._common)
        named = {w.lower() for w in entities.person.split()} - {"my", "manager"}
        tokens = ["#name" if t in named else self._correct(t) for t in self._tokens(raw)]
        if not tokens:
            return None
        # A message led by a command word ("decision C-1042 <in any language>") is a request
        # however long it is and whatever else it says.
        if tokens[0] not in self._commands:
            known = [t for t in tokens if t in self._known]
            if len(tokens) > MAX_WORDS or not known or len(known) * 2 < len(tokens) >= 3:
                return None  # a pasted page, or words never seen: another language, or noise
            if all(t in STOPWORDS or t.startswith("#") for t in known) and not concepts(tokens):
                return None  # "what's for dinner": only the little words of a question
        features = _features(tokens)
        scores = self._scores(features)
        present = {*tokens, *concepts(tokens)}
        ranked = [c for c in sorted(scores, key=lambda c: (-scores[c], c)) if allowed(c, present)]
        best = ranked[0]
        if tokens[0] in self._commands and (len(tokens) == 1 or best == NONE):
            wanted = self._commands[tokens[0]]
            best = next((c for c in ranked if FLOW_OF.get(c) == wanted), best)
        if best == NONE:
            return None
        top = scores[best]
        share = {c: math.exp(min(scores[c] - top, 0)) for c in ranked}
        total = sum(share.values())
        confidence = share[best] / total
        # Conversations answered by other flows that come close: ask rather than guess.
        close = [
            c
            for c in ranked
            if c != NONE
            and FLOW_OF[c] != FLOW_OF[best]
            and (top - scores[c] < SURE or (confidence < ASK and share[c] / total >= 0.1))
        ]
        alternatives: tuple[str, ...] = ()
        if close and not (len(tokens) == 1 and tokens[0] in self._commands):
            by_flow = {FLOW_OF[c]: c for c in reversed([best, *close])}
            alternatives = tuple(sorted(by_flow.values(), key=lambda c: -scores[c]))[:3]
        evidence = self._evidence(best, features)
        return Intent(
            flow=FLOW_OF[best],
            argument=self._argument(best, raw, tokens, entities),
            conversation=best,
            confidence=round(confidence, 3),
            alternatives=alternatives,
            arguments=tuple(self._argument(c, raw, tokens, entities) for c in alternatives),
            entities=entities,
            evidence=evidence,
        )

    def _evidence(self, conversation: str, features: list[str]) -> tuple[str, ...]:
        """The features that favour this conversation most over the average of the others."""

        def lift(f: str) -> float:
            mine = self._log_p[conversation].get(f, self._unseen[conversation])
            others = [self._log_p[c].get(f, self._unseen[c]) for c in self._conversations]
            return mine - sum(others) / len(others)

        known = sorted({f for f in features if f in self._features}, key=lift, reverse=True)
        return tuple(f for f in known[:3] if lift(f) > 0)

    def _argument(self, conversation: str, raw: str, tokens: list[str], found: Entities) -> str:
        """What the flow is started with: the rest of the message after a command word (as
        typed), or the entities this conversation's flow reads."""
        flow = FLOW_OF[conversation]
        first, _, rest = raw.partition(" ")
        if self._commands.get(first.lower()) == flow:
            return rest.strip()
        match conversation:
            case "team":
                return "team"
            case "rearrange":  # "push my supervision back a week": the move goes with it
                return " ".join(p for p in (found.person, shift_phrase(raw)) if p)
            case "caseload" | "breakdown" | "cancel" | "informal":
                return found.person
            case "overcap" | "element" | "agenda" | "course":
                return found.person
            case "whocan" | "whatif":
                return raw  # the flow reads the case described and who (dialogs/allocation.py)
            case "book":
                return " ".join(p for p in (found.person, found.when) if p)
            case "record":
                return found.number or found.person
            case "sign" | "view":
                return found.number
            case "absence":
                cancelled = "cancel" in tokens or "cancelled" in tokens
                return f"cancel {found.person or 'me'}" if cancelled else found.person
            case "decision":
                # "record a decision on case 1234" asks for the form; "I've decided the child
                # should stay with grandparents" is the decision itself.
                asking = tokens[0] in {"record", "log", "add", "capture", "note", "management"}
                asking = asking or tokens[0] in _ASKING_CY
                return found.case if asking else raw
        return ""
