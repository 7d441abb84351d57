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
    rows.extend(chat_goals(http))
    return rows


def chat_goals(http: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """Issue 24's goals over the realistic mix, on SQLite and (when run) PostgreSQL."""
    rows = []
    postgres = http.get("postgres", {})
    for platform, bare in (("slack", "bare_slack"), ("teams", "bare_teams")):
        ours = postgres.get(f"ours_{platform}", {}).get("c1")
        if ours is None:
            continue
        floor = http[bare]["c1"]["p50_ms"]
        ratio = _ratio(ours["p50_ms"], floor)
        rows.append(
            (
                f"{platform.title()} p50 latency, concurrency 1, PostgreSQL (20 workspaces)",
                f"{ours['p50_ms']:.1f} ms", f"{floor:.1f} ms", f"{ratio:.2f}x", "≤ 1.3x",
                _mark(ratio <= 1.3),
            )
        )  # fmt: skip
    for source, where in ((http, "SQLite"), (postgres, "PostgreSQL")):
        if "mix" not in source:
            continue
        for platform, target in (("slack", 3.0), ("teams", 5.0)):
            r = source["mix"][platform]
            rows.append(
                (
                    f"{platform.title()} server CPU per answer over the mix, {where}",
                    f"{r['server_cpu_ms']:.1f} ms", "", "", f"≤ {target:g} ms",
                    _mark(r["server_cpu_ms"] <= target),
                )
            )  # fmt: skip
            two = source["processes_2"][platform]
            rows.append(
                (
                    f"{platform.title()} two processes against one, {where}",
                    f"{two['throughput_rps']:.1f}/s", f"{r['throughput_rps']:.1f}/s",
                    f"{two['vs_one_process']:.2f}x", "≥ 1.6x", _mark(two["vs_one_process"] >= 1.6),
                )
            )  # fmt: skip
            lost = r["lost"] + two["lost"]
            doubled = r["doubled"] + two["doubled"]
            rows.append(
                (
                    f"{platform.title()} mix answers lost / doubled, {where}",
                    f"{lost} / {doubled}", f"of {r['sent'] + two['sent']} sent", "", "0 / 0",
                    _mark(lost == 0 and doubled == 0),
                )
            )  # fmt: skip
    return rows


def _num(value: Any, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}" if isinstance(value, int | float) else str(value)


def scheduler_goals(fraction: str, r: dict[str, Any]) -> list[tuple[str, ...]]:
    """Issue 18's targets for one fraction on one backend; the England-wide ones are marked
    '(not 1x)' below 1x, where they are only a trend."""
    scale = "" if float(fraction) >= 1 else " (not 1x)"
    rows: list[tuple[str, ...]] = []
    ack = r.get("ack_during_tick", {})
    for platform in ("slack", "teams"):
        a = ack.get(platform)
        if not a or "p99_ms" not in a:
            continue
        label = "Slack DM ack" if platform == "slack" else "Teams turn"
        rows.append(
            (
                f"{label} during the Monday tick: p50 / p99 / max",
                f"{a['p50_ms']:.0f} / {a['p99_ms']:.0f} / {a['max_ms']:.0f} ms",
                "",
                "p99 < 1 s",
                _mark(a["p99_ms"] < 1000 and not a["errors"]) + scale,
            )
        )
        rows.append(
            (
                f"{label}s over 3 s (or failed), of {a['requests']}",
                str(a["over_3s"]),
                "",
                "0",
                _mark(a["over_3s"] == 0) + scale,
            )
        )
    idle = r.get("idle_tick_s")
    if idle is not None:
        rows.append(("Tick with nothing new due", f"{idle:.2f} s", "", "< 1 s",
                     _mark(idle < 1) + scale))  # fmt: skip
    floor, bare = r.get("sql_floor_s"), r.get("monday_tick_no_charts_s")
    if floor and bare is not None:
        ratio = _ratio(bare, floor)
        rows.append(
            (
                "Monday tick without charts vs the SQL floor",
                f"{bare:.2f} s",
                f"{floor:.4f} s",
                f"≤ 3x (now {ratio:,.0f}x)",
                _mark(ratio <= 3),
            )
        )
    monday = r.get("monday_tick_s")
    if monday is not None:
        rows.append(("Monday tick with charts", f"{monday:.2f} s", "", "< 60 s",
                     _mark(monday < 60) + scale))  # fmt: skip
    runs = [r.get("obligations_from_scratch", {}), *r.get("ticks", {}).values()]
    writes = [w["longest_write_ms"] for w in runs if w.get("longest_write_ms") is not None]
    if writes:
        count = sum(w.get("writes", 0) for w in runs)
        slow = sum(w.get("writes_over_10ms", 0) for w in runs)
        rows.append(("Longest write transaction of the scheduler (commit returned)",
                     f"{max(writes):.0f} ms; {slow} of {count} over 10 ms", "",
                     "≤ 50 ms", _mark(max(writes) <= 50)))  # fmt: skip
    points = [w["longest_checkpoint_ms"] for w in runs if w.get("checkpoints")]
    if points:
        rows.append(("Longest SQLite checkpoint between those writes (holds no writer up)",
                     f"{max(points):.0f} ms", "", "", ""))  # fmt: skip
    scratch = r.get("obligations_from_scratch_s")
    if scratch is not None:
        rows.append(("Everyone's obligations from nothing (once, after migrating)",
                     f"{scratch:.1f} s", "", "", ""))  # fmt: skip
    history = r.get("history")
    if history:
        one = history["1y"]
        base = one.get("from_scratch_s", 0) + one["first_of_day_s"] + one["monday_s"]
        rows.append(
            (
                f"Tick cost, 3 years of history / 1 year ({history['fraction']:g}x)",
                f"{history['ratio']:.2f}x (CPU {_num(history['cpu_ratio'])}x)",
                f"{base:.2f} s at 1 year",
                "≤ 1.2x",
                _mark(history["ratio"] <= 1.2),
            )
        )
    rss = r.get("serve_rss_mib")
    if rss is not None:
        rows.append(("RSS of `serve` (web + scheduler) after the tick", f"{rss:.0f} MiB", "",
                     "< 300 MB", _mark(rss * 1.048576 < 300) + scale))  # fmt: skip
    workers = r.get("three_workers")
    if workers:
        rows.append(
            (
                "Three workers: Monday tick until all sent; duplicates / missed",
                f"{workers['three_s']:.1f} s; {workers['duplicates']} / {workers['missed']}",
                f"{workers['single_s']:.1f} s with one worker",
                "0 / 0",
                _mark(workers["duplicates"] == 0 and workers["missed"] == 0 and workers["settled"]),
            )
        )
    return rows


def scheduler_markdown(results: dict[str, Any]) -> list[str]:
    parts = ["\n## The scheduler beside chat traffic (issue 18)\n"]
    parts.append(
        "`serve` (web + scheduler + dispatcher in one process) starts at Monday 08:59:05 on the "
        "bench data (08:59:40 with ticks every 5 s in `--quick`, as each run's `tick_interval_s` "
        "says); Slack DM events and Teams turns go at a steady rate from 08:59:55 until the "
        "09:00 tick has queued every digest and nothing due is unsent. Ticks are "
        "`Scheduler.tick()` in-process on a fresh copy: 08:59 (the day's first), 09:30 (Monday: "
        "timed), 09:30 again (nothing new: timed). Every copy starts with everyone's obligations "
        "computed once (timed apart, as the first tick after migrating does it), as a running "
        "deployment has them. 3 years / 1 year compares that computation and the two ticks. "
        "The machine is shared: see the load averages.\n"
    )
    for key, backend in (("scheduler", "SQLite"), ("scheduler_postgres", "PostgreSQL")):
        for fraction, r in results.get(key, {}).items():
            if "skipped" in r:
                parts.append(f"\n**{backend}, {fraction}x**: skipped ({r['skipped']}).\n")
                continue
            server = r.get("server", "")
            load = f"load average {r.get('load_average_start')} → {r.get('load_average_end')}"
            parts.append(f"\n**{backend}, {fraction}x** {server} ({load})\n")
            parts.append(_table(("figure", "ours", "floor / reference", "target", ""),
                                scheduler_goals(fraction, r)))  # fmt: skip
            run = r.get("serve_run")
            if run:
                window = run["window"]
                parts.append(
                    f"\nServe run: {run['rate_per_s']:g} Slack + {run['rate_per_s']:g} Teams "
                    f"requests/s; window {window['waited_s']} s (first digest row after "
                    f"{_num(window['first_digest_s'], ' s', 1)}, every digest queued after "
                    f"{_num(window.get('all_digests_s'), ' s', 1)}, {window['rows']} outbox rows, "
                    f"{window['sent']} sent, {window['due_unsent']} due still unsent when the "
                    f"window closed, settled: {window['settled']}); server CPU "
                    f"{run['server_cpu_s']} s; RSS {run['rss_at_start_mib']} MiB at start, "
                    f"{run['serve_memory']['rss_mib']} MiB after. First tick of the day "
                    f"{_num(r.get('first_tick_of_day_s'), ' s')}; without charts: "
                    f"{r.get('no_charts_how')}.\n"
                )
    return parts


def desk_markdown(desk: dict[str, Any]) -> list[str]:
    parts = ["\n## The team manager's desk (issue 26)\n"]
    parts.append(
        f"One engine turn per answer (reads, policy and scoring, audit rows, commit; no platform "
        f"HTTP) for the manager of a team of {desk['team_size']} in a council of each pack, "
        f"{desk['fraction']:g}x data; the first round warms caches and is not counted. Goal: "
        f"under {desk['goal_ms']} ms each, read at the 95th percentile. CPU is the process's "
        f"(the SQLite thread's included). Load average {desk['load_average_1min']} at the end.\n"
    )
    rows = [
        (name, a["answers"], a["p50_ms"], a["p95_ms"], a["max_ms"], a["cpu_p50_ms"],
         a["cpu_p95_ms"], _mark(a["p95_ms"] < desk["goal_ms"]))
        for name, a in desk["answers"].items()
    ]  # fmt: skip
    header = ("question", "answers", "p50 ms", "p95 ms", "max ms", "CPU p50 ms", "CPU p95 ms", "")
    parts.append(_table(header, rows))
    return parts


def soak_markdown(soak: dict[str, Any]) -> list[str]:
    parts = ["\n## Soak (issue 19)\n"]
    a = soak["all"]
    parts.append(
        f"{soak['minutes']:g} minutes of mixed traffic at {soak['rate_per_s']:g} requests/s on "
        f"one `serve --demo` ({soak['fraction']:g}x data, scheduler and dispatcher on, the demo "
        f"clock moved a day {len(soak['clock_moves'])} times): {a['requests']:,} requests, "
        f"{a['errors']} errors, p50 {_num(a.get('p50_ms'), ' ms', 0)}, p99 "
        f"{_num(a.get('p99_ms'), ' ms', 0)}; RSS {soak['rss_start_mib']} MiB at start, "
        f"{soak['rss_end_mib']} MiB at the end. Problems: {soak['problems'] or 'none'}.\n"
    )
    rows = [
        (k, v["requests"], v["errors"], _num(v.get("p50_ms"), "", 0),
         _num(v.get("p99_ms"), "", 0), _num(v.get("max_ms"), "", 0))
        for k, v in soak["by_kind"].items()
    ]  # fmt: skip
    parts.append(_table(("kind", "requests", "errors", "p50 ms", "p99 ms", "max ms"), rows))
    rows = [
        (m["at_s"], m["rss_mib"], m["peak_rss_mib"], m["cpu_s"], " ".join(map(str, m["load"])))
        for m in soak["memory"]
    ]
    parts.append("\n")
    parts.append(_table(("at s", "RSS MiB", "peak MiB", "server CPU s", "load average"), rows))
    moves = ", ".join(f"{m['ms'] / 1000:.1f} s" + ("" if m["ok"] else " (failed)")
                      for m in soak["clock_moves"])  # fmt: skip
    parts.append(f"\nEach clock move (plan and deliver a day) took: {moves}.\n")
    return parts


def realistic_markdown(http: dict[str, Any]) -> list[str]:
    """Issue 24's harness: Teams tokens, OAuth installs, first-time people, the mix as sent."""
    lines: list[str] = []
    auth = http.get("teams_auth")
    if auth:
        lines.append(
            f"Both Teams apps validated a signed Bot Framework token on every activity "
            f"({auth['tokens_signed']} token(s) signed by the harness, reused per serviceUrl as "
            f"Bot Framework does); keys fetched from the harness's OpenID metadata: bare "
            f"{auth['bare_fetches']}, ours {auth['ours_fetches']}.\n"
        )
    real = http.get("realistic")
    if real:
        install = real["install"]
        mix = http["mix"]["slack"]
        lines.append(
            f"The mix runs on our app installed into {install['workspaces']} Slack workspaces "
            f"through its OAuth pages ({install['installed']} installs answered, "
            f"{install['stored']} in the installation store, {install['seconds']} s); "
            f"a share of each run's messages (at most {real['first_time_per_run']}) from people "
            f"never seen before, linked by work email. Sent, Slack mix: {mix.get('kinds_sent')} "
            f"(of {mix['mix']}).\n"
        )
    postgres = http.get("postgres")
    if postgres and "skipped" in postgres:
        lines.append(f"PostgreSQL chat runs skipped: {postgres['skipped']}.\n")
    elif postgres:
        lines.append(
            f"PostgreSQL: {postgres.get('server')}, data copied in "
            f"{postgres['load']['seconds']} s; two processes against one: Slack "
            f"{postgres['processes_2']['slack']['vs_one_process']}x, Teams "
            f"{postgres['processes_2']['teams']['vs_one_process']}x.\n"
        )
    return lines


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
        f"{machine['python']}; whole run {results['wall_s']} s; load average "
        f"{machine.get('load_average_start', '?')} at start, {machine.get('load_average_end', '?')}"
        " at the end"
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
    # Issue 24: the mix (70% caseload, 20% next supervision, 10% a step that writes), every
    # message accounted for, on one process and on two sharing the port, SQLite and PostgreSQL.
    postgres = http.get("postgres", {})
    for source, group, where in (
        (http, "mix", "1 process"),
        (http, "processes_2", "2 processes"),
        (postgres, "mix", "1 process, PostgreSQL"),
        (postgres, "processes_2", "2 processes, PostgreSQL"),
    ):
        for platform in ("slack", "teams"):
            r = source.get(group, {}).get(platform)
            if r is None:
                continue
            first = r.get("first_time", {})
            rows.append(
                (
                    f"ours {platform} mix, {where} (lost {r['lost']}, doubled {r['doubled']}; "
                    f"first-time {first.get('linked', '?')}/{first.get('sent', '?')} linked)",
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
    parts.extend(realistic_markdown(http))
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
    if results.get("scheduler") or results.get("scheduler_postgres"):
        parts.extend(scheduler_markdown(results))
    if results.get("desk"):
        parts.extend(desk_markdown(results["desk"]))
    if results.get("soak"):
        parts.extend(soak_markdown(results["soak"]))
    parts.append(
        f"\nSample answers: Slack `{http['samples']['slack']}`; "
        f"Teams `{http['samples']['teams']}`.\n"
    )
    return "\n".join(parts)
