"""How long understanding one message takes: p50 and p95 over the held-out corpus, repeated;
and how many held-out phrasings are routed right (dialogs.corpus.evaluate's figure).

`python bench/bench_understanding.py` (inside .venv). Not part of bench/run.py: a few seconds.
"""

from __future__ import annotations

import statistics
import time

from dialogs.corpus import examples
from dialogs.corpus.evaluate import evaluate
from dialogs.registry import understanding


def main(rounds: int = 20) -> None:
    started = time.perf_counter()
    matcher = understanding()
    learnt = time.perf_counter() - started
    texts = [e.text for e in examples("heldout")]
    for text in texts:
        matcher.match(text)  # warm the typo cache as a running bot's would be
    timings = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            matcher.match(text)
            timings.append((time.perf_counter_ns() - start) / 1e6)
    cold = understanding.__wrapped__()  # a fresh model: typos not yet seen
    first = []
    for text in texts:
        start = time.perf_counter_ns()
        cold.match(text)
        first.append((time.perf_counter_ns() - start) / 1e6)
    quantiles = statistics.quantiles(timings, n=100)
    print(f"learnt from the corpus in {learnt * 1000:.0f} ms")
    print(f"understanding one message: p50 {quantiles[49]:.3f} ms, p95 {quantiles[94]:.3f} ms")
    print(f"first sight of each message: p50 {statistics.median(first):.3f} ms")
    print(evaluate(matcher, "heldout").lines()[0])


if __name__ == "__main__":
    main()
