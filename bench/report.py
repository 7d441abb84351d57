"""bench/results.md from results.json: the goals of issue 12 with ratios, marked met or not met."""

from __future__ import annotations

import math
from typing import Any


def _ratio(ours: float, floor: float) -> float:
    return ours / floor if floor else math.inf


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _growth(small: float, large: float, factor: float) -> float:
    """Exponent k in cost ~ size^k between two sizes `factor` apart (1 = linear)."""
    if small <= 0 or large <= 0 or factor <= 1:
        return math.nan
    return math.log(large / small) / math.log(factor)


def goals(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    http = results["http"]
    concurrency = http["plan"]["concurrency"]
    for platform, bare, ours in (
        ("Slack", "bare_slack", "ours_slack"),
        ("Teams", "bare_teams", "ours_teams"),
    ):
        for level, label in (("c1", "concurrency 1"), ("cN", f"concurrency {concurrency}")):
            o, b = http[ours][level]["p50_ms"], http[bare][level]["p50_ms"]
            ratio = _ratio(o, b)
            rows.append(
                (
                    f"{platform} p50 latency, {label}",
                    f"{o:.1f} ms",
                    f"{b:.1f} ms",
                    f"{ratio:.2f}x",
                    "≤ 1.3x",
                    _mark(ratio <= 1.3),
                )
            )
        o, b = http[ours]["cN"]["throughput_rps"], http[bare]["cN"]["throughput_rps"]
        ratio = _ratio(o, b)
        rows.append(
            (
                f"{platform} throughput, concurrency {concurrency}",
                f"{o:.1f}/s",
                f"{b:.1f}/s",
                f"{ratio:.2f}x",
                "≥ 0.8x",
                _mark(ratio >= 0.8),
            )
        )
    largest = f"{results['fractions'][-1]:g}"
    digests = results["digests"][largest]
    floor = digests["sql_floor"]["seconds"]
    for label, seconds in (
        ("digests alone (team_digest + card over SqlFacts)", digests["digests_alone"]["seconds"]),
        ("scheduler tick without charts (estimated)", digests["tick_without_charts_estimate_s"]),
        ("scheduler tick as is, with charts (estimated)", digests["tick_as_is_estimate_s"]),
    ):
        ratio = _ratio(seconds, floor)
        rows.append(
            (
                f"Weekly digests, {digests['teams']:,} teams: {label}",
                f"{seconds:.2f} s",
                f"{floor:.3f} s",
                f"{ratio:,.0f}x",
                "≤ 3x",
                _mark(ratio <= 3),
            )
        )
    fractions = results["fractions"]
    if len(fractions) >= 2:
        small, large = f"{fractions[-2]:g}", f"{fractions[-1]:g}"
        factor = fractions[-1] / fractions[-2]
        for label, key in (("digests alone", "digests_alone"), ("SQL floor", "sql_floor")):
            k = _growth(
                results["digests"][small][key]["seconds"],
                results["digests"][large][key]["seconds"],
                factor,
            )
            rows.append(
                (
                    f"Growth {small}x → {large}x: {label} (time ~ size^k)",
                    f"k = {k:.2f}",
                    "k = 1",
                    "",
                    "k ≤ 1.1",
                    _mark(k <= 1.1),
                )
            )
    memory = http["ours_memory"]
    full = results["fractions"][-1] >= 1
    rows.append(
        (
            f"Our server's memory with the {largest}x dataset (peak RSS)",
            f"{memory['peak_rss_mib']:.0f} MiB",
            f"{http['bare_slack']['memory']['peak_rss_mib']:.0f} MiB (bare Bolt)",
            "",
            "< 250 MB",
            _mark(memory["peak_rss_mib"] * 1.048576 < 250) + ("" if full else " (not 1x)"),
        )
    )
    return rows


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(results: dict[str, Any]) -> str:
    http = results["http"]
    machine = results["machine"]
    parts = [
        "# Benchmark results (issue 12)\n",
        f"Run {results['started']} on {machine['system']}, {machine['cpus']} CPUs, Python "
        f"{machine['python']}; whole run {results['wall_s']} s"
        + (" (--quick)" if results["quick"] else "")
        + f". Load runs against the {http['fraction']:g}x dataset.\n",
        "## Goals\n",
        _table(("goal", "ours", "floor", "ratio", "target", ""), goals(results)),
        "## Chat requests on loopback\n",
        "Latency is from sending the signed request to the answer: for the bare Bolt app the ack "
        "carries it; our app acks first and answers in the DM (chat.postMessage to the fake Slack "
        "API), so its `ack p50` is shown too. Teams answers 202 after the reply is posted. "
        "Server CPU is the server process's own user + system time per answer (all threads, "
        "from /proc), which varies far less between runs than latency does.\n",
    ]
    rows = []
    for key, label in (
        ("bare_slack", "bare Bolt /supervision"),
        ("ours_slack", "ours /supervision caseload"),
        ("bare_teams", "bare Agents SDK echo"),
        ("ours_teams", "ours caseload via /api/messages"),
    ):
        for level in ("c1", "cN"):
            r = http[key][level]
            rows.append(
                (
                    label,
                    r["concurrency"],
                    r["requests"],
                    r["errors"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["ack_p50_ms"],
                    r["throughput_rps"],
                    r.get("server_cpu_ms", ""),
                )
            )
    header = ("app", "conc.", "requests", "errors", "p50 ms", "p99 ms", "ack p50 ms", "answers/s",
              "server CPU ms/answer")  # fmt: skip
    parts.append(_table(header, rows))
    memory = [
        ("bare Bolt", http["bare_slack"]["memory"]),
        ("bare Agents SDK", http["bare_teams"]["memory"]),
        ("ours (after Slack and Teams runs)", http["ours_memory"]),
    ]
    parts.append(
        _table(
            ("server process", "RSS MiB", "peak RSS MiB"),
            [(n, m["rss_mib"], m["peak_rss_mib"]) for n, m in memory],
        )
    )
    parts.append("\n## Weekly digests and how cost grows\n")
    parts.append(
        "Digests alone and the SQL floor cover every team. The scheduler's tick is run over the "
        "smallest council of each pack (and, for charts, the smallest council) and scaled up per "
        "team; at 0.01x it also runs over every team as a check.\n"
    )
    rows = []
    for fraction, d in results["digests"].items():
        alone = d["digests_alone"]
        full = d.get("tick_without_charts_all_teams", {}).get("seconds", "")
        rows.append(
            (
                f"{fraction}x",
                d["teams"],
                d["sql_floor"]["seconds"],
                f"{alone['seconds']} ({alone['load_seconds']} + {alone['compute_seconds']})",
                d["tick_without_charts_estimate_s"],
                full,
                d["tick_as_is_estimate_s"],
                d["tick_sample"]["charts_seconds_per_team"],
                d["peak_rss_mib"],
            )
        )
    header = (
        "data",
        "teams",
        "SQL floor s",
        "digests alone s (read + compute)",
        "tick no charts s (est.)",
        "tick no charts s (all teams)",
        "tick as is s (est.)",
        "charts s/team",
        "peak MiB",
    )
    parts.append(_table(header, rows))
    rows = [
        (
            f"{fraction}x",
            d["organisations"],
            d["teams"],
            d["staff"],
            d["open_cases"],
            d["sessions"],
            d["records"],
            d["megabytes"],
            d["build_seconds"],
            d["build_peak_rss_mib"] or "not recorded",
            "now" if d["built_now"] else "cached",
        )
        for fraction, d in results["data"].items()
    ]
    header = (
        "data",
        "councils",
        "teams",
        "staff",
        "open cases",
        "sessions",
        "records",
        "MB",
        "build s",
        "build peak MiB",
        "built",
    )
    parts.append("\n## Generated data\n")
    parts.append(_table(header, rows))
    parts.append(
        f"\nSample answers: Slack `{http['samples']['slack']}`; "
        f"Teams `{http['samples']['teams']}`.\n"
    )
    return "\n".join(parts)
