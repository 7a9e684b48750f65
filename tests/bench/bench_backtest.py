"""Backtest throughput on the whole one-hour real BTC file (not a test; pytest does not collect it).

Run: ``.venv/bin/python -m tests.bench.bench_backtest``. Prints, for the engine and market model
alone (the venue's ``VenueState`` replaying every snapshot, no orders of ours) and for the full
backtest (quoter, risk and execution cores trading against it):

- snapshots/s: recorded L2 books applied per second;
- level events/s: book levels that changed between consecutive snapshots (each one is a house
  order cancelled and/or placed in the engine), per second;
- engine events/s: ``OrderUpdate``/``Fill``/``Trade`` events the engine produced, per second;
- scheduler events/s (full backtest): every simulated message, timer and venue wake-up.
"""

from __future__ import annotations

import itertools
import random
import time
from pathlib import Path

import msgspec

from amm.backtest.driver import Backtest
from amm.backtest.queues import replay_market
from amm.backtest.settings import BacktestSettings, QueueSettings
from amm.backtest.sources import parse_source
from amm.common.config import load_config
from amm.common.sim.market.snapshots import BookSnapshot, read_snapshots
from amm.services.venue.state import VenueState, list_markets

REPO = Path(__file__).resolve().parents[2]
FILE = REPO.parent / "shared" / "data" / "hyperliquid" / "l2Book-BTC-20240101-12.lz4"
COIN = "BTC"


def changed_levels(snapshots: list[BookSnapshot]) -> int:
    """Levels added, removed or resized between consecutive snapshots."""
    changed = 0
    for before, after in itertools.pairwise(snapshots):
        for is_bid in (True, False):
            old, new = before.levels(is_bid=is_bid), after.levels(is_bid=is_bid)
            changed += sum(1 for px, lots in new.items() if old.get(px) != lots)
            changed += sum(1 for px in old if px not in new)
    return changed


def engine_and_model(queue: str) -> None:
    config = load_config(REPO / "configs" / "paper.toml")
    assert config.venue is not None
    venue = msgspec.structs.replace(
        config.venue, markets=[m for m in config.venue.markets if m.coin == COIN]
    )
    spec = list_markets(venue)[0].spec
    started = time.perf_counter()
    snapshots = list(read_snapshots(FILE, spec.sz_decimals))
    parsed_s = time.perf_counter() - started
    model = replay_market(
        spec, snapshots, QueueSettings(model=queue), random.Random(1), file=str(FILE)
    )
    state = VenueState(venue, model)
    events = 0
    started = time.perf_counter()
    for snapshot in snapshots:
        events += len(state.advance(snapshot.time_ms))
    elapsed = time.perf_counter() - started
    levels = changed_levels(snapshots)
    print(f"engine + model ({queue} queue), {len(snapshots)} snapshots, parse {parsed_s:.2f} s:")
    print(f"  {elapsed:.2f} s: {len(snapshots) / elapsed:,.0f} snapshots/s")
    print(f"  {levels / elapsed:,.0f} level events/s ({levels} changed levels)")
    print(f"  {events / elapsed:,.0f} engine events/s ({events} events)")


def full_backtest() -> None:
    config = load_config(REPO / "configs" / "paper.toml")
    source = parse_source(str(FILE))
    started = time.perf_counter()
    run = Backtest(config, source, BacktestSettings(), seed=1)
    result = run.run()
    elapsed = time.perf_counter() - started
    snapshots = sum(1 for _ in read_snapshots(FILE, 5))
    print(f"full backtest of the hour ({result.fills} fills, net PnL {result.net_pnl:+.4f}):")
    print(f"  {elapsed:.2f} s: {result.duration_s / elapsed:,.0f}x real time")
    print(f"  {snapshots / elapsed:,.0f} snapshots/s")
    print(f"  {run.scheduler.events / elapsed:,.0f} scheduler events/s ({run.scheduler.events})")


def main() -> None:
    engine_and_model("conservative")
    engine_and_model("probabilistic")
    full_backtest()


if __name__ == "__main__":
    main()
