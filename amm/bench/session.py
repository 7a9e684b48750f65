"""The paper session that `amm bench memory` and `amm bench actions` measure (one for both).

The shipped paper config (synthetic market, ``km:US500``) in a private deployment under
supervisord, run for ``duration_s`` once the ladder rests on the venue: each program's RSS is
sampled every ``sample_s`` and the venue stamps every request. A program that restarted during
the session (its pid changed) is reported, and its later samples are the new process's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from amm.bench import conditions
from amm.bench.actions import actions_result, analyse
from amm.bench.deployment import BenchDeployment
from amm.bench.memory import Sample, memory_result, rss_mb
from amm.bench.report import BenchResult

Log = Callable[[str], None]


def run_session(duration_s: float, *, log: Log = print) -> tuple[BenchResult, BenchResult]:
    """(memory, actions) of one paper session of ``duration_s`` seconds."""
    sample_s = min(10.0, max(1.0, duration_s / 30))
    load_before = conditions.load()
    log(f"session: starting the paper system for {duration_s:g} s (RSS every {sample_s:g} s)")
    with BenchDeployment({}) as deployment:
        config = deployment.config
        deployment.wait_quoting()
        pids = deployment.pids()
        deployment.venue("/_venue/latency/start?books=0", {})  # requests only: less venue RSS
        started_ms = time.time_ns() // 1_000_000
        started = time.monotonic()
        samples: list[Sample] = []
        while True:
            elapsed = time.monotonic() - started
            samples.append((elapsed, _rss(deployment.pids())))
            if elapsed >= duration_s:
                break
            time.sleep(min(sample_s, duration_s - elapsed))
        stamps = deployment.venue("/_venue/latency")
        deployment.venue("/_venue/latency/stop", {})
        fills = deployment.venue(
            "/info",
            {"type": "userFillsByTime", "user": deployment.account(), "startTime": started_ms},
        )
        restarted = sorted(name for name, pid in deployment.pids().items() if pid != pids.get(name))
    mode = config.quoter.modes.moderate
    conds = {
        "duration_s": duration_s,
        "sample_s": sample_s,
        "config": "configs/paper.toml (synthetic market)",
        "markets": [market.coin for market in config.markets],
        "mode": config.quoter.default_mode,
        "order_levels": mode.order_levels,
        "restarted": restarted,
        "load_before": load_before,
        "load_after": conditions.load(),
    }
    figures = analyse(stamps["requests"], fills, duration_s, mode.target_actions_per_day)
    return memory_result(samples, duration_s, conds), actions_result(figures, conds)


def _rss(pids: dict[str, int]) -> dict[str, float]:
    out = {}
    for name, pid in pids.items():
        value = rss_mb(pid) if pid else None
        if value is not None:
            out[name] = value
    return out
