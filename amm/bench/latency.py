"""`amm bench latency`: tick-to-order through the real processes, against a bare baseline.

The bench runs the whole paper system under supervisord (``BenchDeployment``) on a replayed book
that the bench writes itself: 20 levels a side around a mid that alternates between two prices
``step_bps`` apart every ``interval_ms``, so every change moves the quoter's fair price past its
throttle's ``min_move_bps`` and must be answered with a new ladder. The venue stamps each l2Book
it publishes and each request's arrival (``/_venue/latency``); ``matching`` pairs every move of
the touch with the first order action that answers it. Then the same number of round trips go
along the bare baseline chain (``baseline``) and the two are compared.

The quoter's throttle and the modes' ``target_actions_per_day`` are raised so that one ladder per
change fits the budget (stated in the conditions). Execution runs as configured: its step loop
sends what risk approved every ``execution.step_interval_ms``, so that wait is part of the path.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import lz4.frame

from amm.backtest.overrides import parse_sets
from amm.bench import baseline, conditions, matching
from amm.bench.deployment import BenchDeployment
from amm.bench.profile import profiling
from amm.bench.report import BenchResult, Check
from amm.bench.stats import summary
from amm.common.messages import MonitorMode

COIN = "BTC"
MID = 50_000
BOOK_LEVELS = 20
LEVEL_SPACING_BPS = 1.0
LEVEL_SIZE = "0.2"
SNAPSHOTS = 200  # the file loops; an even count keeps the alternation across the loop
BASELINE_GAP_S = 0.01
TARGET_P50_RATIO = 1.5
TARGET_P99_RATIO = 3.0
RAISED_BUDGET = {"burst_actions": 10_000, "target_actions_per_day": 10_000_000}
MODES: tuple[MonitorMode, ...] = get_args(MonitorMode)
Log = Callable[[str], None]


def write_stepped_book(path: Path, interval_ms: int, step_bps: float) -> None:
    """An archive-format l2Book file whose mid alternates between MID and MID + step_bps."""
    start_ms = 1_704_110_400_000
    lines = []
    for i in range(SNAPSHOTS):
        mid = MID * (1 + step_bps / 10_000 * (i % 2))
        time_ms = start_ms + i * interval_ms
        bids = [
            _level(mid * (1 - (j + 1) * LEVEL_SPACING_BPS / 10_000)) for j in range(BOOK_LEVELS)
        ]
        asks = [
            _level(mid * (1 + (j + 1) * LEVEL_SPACING_BPS / 10_000)) for j in range(BOOK_LEVELS)
        ]
        stamp = datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        data = {"coin": COIN, "time": time_ms, "levels": [bids, asks]}
        raw = {"channel": "l2Book", "data": data}
        lines.append(json.dumps({"time": stamp + "000", "ver_num": 1, "raw": raw}))
    path.write_bytes(lz4.frame.compress(("\n".join(lines) + "\n").encode()))


def _level(px: float) -> dict[str, Any]:
    return {"px": str(round(px)), "sz": LEVEL_SIZE, "n": 1}


def bench_values(book: Path, sets: Sequence[str]) -> dict[str, Any]:
    """Over the paper config: BTC quoted on the stepped book, budgets raised, then ``--set``."""
    quoter: dict[str, Any] = {
        "throttle": {"burst_actions": RAISED_BUDGET["burst_actions"]},
        "modes": {
            mode: {"target_actions_per_day": RAISED_BUDGET["target_actions_per_day"]}
            for mode in MODES
        },
    }
    values: dict[str, Any] = {
        "markets": [{"coin": COIN}],
        "venue": {
            "markets": [
                {"coin": COIN, "sz_decimals": 5, "max_leverage": 40, "start_px": float(MID)}
            ],
            "model": "replay",
            "replay": {"file": str(book), "coin": COIN, "loop": True},
        },
        "quoter": quoter,
    }
    for key, choices in parse_sets(sets):
        if len(choices) != 1:
            raise ValueError(f"--set {key}: one value only")
        table = values
        *parents, leaf = key.split(".")
        for part in parents:
            table = table.setdefault(part, {})
        table[leaf] = choices[0]
    return values


def run_latency(
    count: int,
    *,
    interval_ms: int = 300,
    step_bps: float = 2.0,
    sets: Sequence[str] = (),
    profile_dir: Path | None = None,
    log: Log = print,
) -> BenchResult:
    """Measure ``count`` book changes through the system, then ``count`` baseline round trips."""
    load_before = conditions.load()
    with tempfile.TemporaryDirectory(prefix="amm-bench-book-") as folder:
        book = Path(folder) / f"stepped-{COIN}.lz4"
        write_stepped_book(book, interval_ms, step_bps)
        values = bench_values(book, sets)
        log(f"latency: starting the paper system ({count} book changes, {interval_ms} ms apart)")
        with BenchDeployment(values) as deployment:
            config = deployment.config
            deployment.wait_quoting()
            states = deployment.states()
            deployment.venue("/_venue/latency/start", {})
            measure_s = (count + 3) * interval_ms / 1000
            with profiling(profile_dir, deployment.pids(), measure_s) as profiler:
                time.sleep(measure_s)
            stamps = deployment.venue("/_venue/latency")
            deployment.venue("/_venue/latency/stop", {})
            fills = deployment.venue("/info", {"type": "userFills", "user": deployment.account()})
            restarted = [name for name, state in deployment.states().items() if state != "RUNNING"]
    changes = matching.moves(matching.parse_books(stamps["books"]))[:count]
    answers = matching.match(changes, matching.parse_actions(stamps["requests"]), interval_ms)
    log(f"latency: {len(changes)} book changes measured; the baseline chain now")
    orders = 2 * config.quoter.modes.moderate.order_levels
    samples, payload_bytes = baseline.run_baseline(count, BASELINE_GAP_S, orders)
    return _result(
        answers,
        samples,
        {
            "book_changes": count,
            "interval_ms": interval_ms,
            "step_bps": step_bps,
            "coin": COIN,
            "processes": len(baseline.ROLES) + 1,
            "hops": baseline.HOPS,
            "execution_step_interval_ms": config.execution.step_interval_ms,
            "raised": RAISED_BUDGET,
            "sets": list(sets),
            "our_fills": len(fills),
            "programs_at_start": states,
            "not_running_at_end": restarted,
            "baseline": {
                "message_bytes": payload_bytes,
                "signed_orders": orders,
                "gap_ms": BASELINE_GAP_S * 1000,
            },
            "profiled": profiler.programs,
            "load_before": load_before,
            "load_after": conditions.load(),
        },
        profiler.summary(),
    )


def _result(
    answers: list[matching.Answer],
    baseline_ms: list[float],
    conds: dict[str, Any],
    profile: dict[str, Any],
) -> BenchResult:
    first = [a.first_ms for a in answers if a.first_ms is not None]
    last = [a.last_ms for a in answers if a.last_ms is not None]
    per_change = [a.actions for a in answers if a.answered]
    tick, base = summary(first), summary(baseline_ms)
    p50_ratio = _ratio(tick, base, "p50")
    p99_ratio = _ratio(tick, base, "p99")
    figures = {
        "tick_to_order_ms": tick,
        "tick_to_refresh_done_ms": summary(last),
        "baseline_ms": base,
        "ratio_p50": p50_ratio,
        "ratio_p99": p99_ratio,
        "answered": len(first),
        "unanswered": len(answers) - len(first),
        "stale_actions": sum(a.stale for a in answers),
        "actions_per_change": summary(per_change, 2),
    }
    if profile:
        figures["profile"] = profile
    lines = [
        f"  tick-to-order (ms): {_fmt(tick)}",
        f"  tick-to-refresh-done (ms): {_fmt(figures['tick_to_refresh_done_ms'])}",
        f"  baseline chain (ms): {_fmt(base)}",
        f"  ratio p50 {p50_ratio}x, p99 {p99_ratio}x; answered {len(first)} of {len(answers)}"
        f" changes, {figures['stale_actions']} stale actions skipped,"
        f" {_fmt(figures['actions_per_change'])} actions per change",
    ]
    checks = [
        Check("latency.p50_vs_baseline", p50_ratio, "<=", TARGET_P50_RATIO, "x"),
        Check("latency.p99_vs_baseline", p99_ratio, "<=", TARGET_P99_RATIO, "x"),
    ]
    return BenchResult("latency", figures, conds, checks, lines)


def _ratio(tick: dict[str, Any], base: dict[str, Any], key: str) -> float | None:
    if key not in tick or key not in base or not base[key]:
        return None
    return round(tick[key] / base[key], 2)


def _fmt(stats: dict[str, Any]) -> str:
    return " ".join(f"{k} {v}" for k, v in stats.items())
