"""`amm bench backtest`: replay and backtest throughput on the real BTC hour, and as2008's time.

- ``engine``: the venue's engine and replay model alone (``VenueState`` applying every snapshot
  of the hour, conservative queue, no orders of ours). Book events are the levels added, removed
  or resized between consecutive snapshots: each is a house order cancelled and/or placed.
- ``full``: ``amm backtest`` of the hour (the quoter's, risk's and execution's cores trading
  against it), as simulated scheduler events per second and times real time.
- ``as2008``: ``amm research as2008`` with 1000 paths (gamma 0.1): the first run and the median
  of ``AS2008_REPEATS``.

The data file is the shared one-hour recording (``../shared/data/hyperliquid/`` next to the
source tree, see its README).
"""

from __future__ import annotations

import itertools
import random
import statistics
import time
from pathlib import Path
from typing import Any

import msgspec

from amm.backtest.driver import Backtest
from amm.backtest.queues import replay_market
from amm.backtest.settings import BacktestSettings, QueueSettings
from amm.backtest.sources import parse_source
from amm.bench.report import BenchResult, Check
from amm.common.config import load_config
from amm.common.sim.market.snapshots import BookSnapshot, read_snapshots
from amm.services.venue.state import VenueState, list_markets
from amm.tools.chaos.deployment import SOURCE
from amm.tools.research import as2008_report

DATA = SOURCE.parent / "shared" / "data" / "hyperliquid" / "l2Book-BTC-20240101-12.lz4"
COIN = "BTC"
AS2008_PATHS = 1000
AS2008_GAMMA = 0.1
AS2008_REPEATS = 5
TARGET_BOOK_EVENTS_PER_S = 50_000


def changed_levels(snapshots: list[BookSnapshot]) -> int:
    """Levels added, removed or resized between consecutive snapshots."""
    changed = 0
    for before, after in itertools.pairwise(snapshots):
        for is_bid in (True, False):
            old, new = before.levels(is_bid=is_bid), after.levels(is_bid=is_bid)
            changed += sum(1 for px, lots in new.items() if old.get(px) != lots)
            changed += sum(1 for px in old if px not in new)
    return changed


def engine_alone(data: Path) -> dict[str, Any]:
    config = load_config(SOURCE / "configs" / "paper.toml")
    assert config.venue is not None
    venue = msgspec.structs.replace(
        config.venue, markets=[m for m in config.venue.markets if m.coin == COIN]
    )
    spec = list_markets(venue)[0].spec
    started = time.perf_counter()
    snapshots = list(read_snapshots(data, spec.sz_decimals))
    parse_s = time.perf_counter() - started
    model = replay_market(
        spec, snapshots, QueueSettings(model="conservative"), random.Random(1), file=str(data)
    )
    state = VenueState(venue, model)
    events = 0
    started = time.perf_counter()
    for snapshot in snapshots:
        events += len(state.advance(snapshot.time_ms))
    elapsed = time.perf_counter() - started
    levels = changed_levels(snapshots)
    return {
        "snapshots": len(snapshots),
        "seconds": round(elapsed, 3),
        "parse_seconds": round(parse_s, 3),
        "snapshots_per_s": round(len(snapshots) / elapsed),
        "book_events": levels,
        "book_events_per_s": round(levels / elapsed),
        "engine_events": events,
        "engine_events_per_s": round(events / elapsed),
    }


def full_backtest(data: Path) -> dict[str, Any]:
    config = load_config(SOURCE / "configs" / "paper.toml")
    source = parse_source(str(data))
    started = time.perf_counter()
    run = Backtest(config, source, BacktestSettings(), seed=1)
    result = run.run()
    elapsed = time.perf_counter() - started
    return {
        "seconds": round(elapsed, 2),
        "times_real_time": round(result.duration_s / elapsed),
        "scheduler_events": run.scheduler.events,
        "scheduler_events_per_s": round(run.scheduler.events / elapsed),
        "fills": result.fills,
    }


def as2008_timing() -> dict[str, Any]:
    times = []
    for _ in range(AS2008_REPEATS):
        started = time.perf_counter()
        as2008_report(AS2008_GAMMA, AS2008_PATHS, 0)
        times.append(time.perf_counter() - started)
    return {
        "paths": AS2008_PATHS,
        "gamma": AS2008_GAMMA,
        "first_ms": round(times[0] * 1000, 1),
        "median_ms": round(statistics.median(times) * 1000, 1),
    }


def run_backtest(data: Path = DATA) -> BenchResult:
    engine = engine_alone(data)
    full = full_backtest(data)
    as2008 = as2008_timing()
    figures = {"engine": engine, "full": full, "as2008": as2008}
    lines = [
        f"  engine + replay model: {engine['book_events_per_s']:,} book events/s"
        f" ({engine['book_events']:,} changed levels, {engine['snapshots_per_s']:,} snapshots/s,"
        f" {engine['engine_events_per_s']:,} engine events/s; parse {engine['parse_seconds']} s)",
        f"  full backtest of the hour: {full['seconds']} s, {full['times_real_time']}x real time,"
        f" {full['scheduler_events_per_s']:,} scheduler events/s ({full['fills']} fills)",
        f"  as2008, {AS2008_PATHS} paths: {as2008['first_ms']} ms first,"
        f" {as2008['median_ms']} ms median of {AS2008_REPEATS}",
    ]
    conditions = {"data": data.name, "queue": "conservative", "config": "configs/paper.toml"}
    checks = [
        Check(
            "backtest.engine_book_events_per_s",
            engine["book_events_per_s"],
            ">=",
            TARGET_BOOK_EVENTS_PER_S,
            "events/s",
        )
    ]
    return BenchResult("backtest", figures, conditions, checks, lines)
