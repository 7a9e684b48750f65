"""Backtests on the real BTC hour: conservative fills are traded through; runs are reproducible
across processes, whatever Python's string hashing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

from amm.backtest.driver import run_backtest
from amm.backtest.settings import BacktestSettings
from amm.backtest.sources import ReplaySource, parse_source
from amm.common.config import load_config
from amm.common.sim.grid import Grid
from amm.common.sim.market.snapshots import read_snapshots
from tests.helpers import REPO

ARCHIVE = REPO.parent / "shared" / "data" / "hyperliquid" / "l2Book-BTC-20240101-12.lz4"
CONFIG = load_config(REPO / "configs" / "paper.toml")


def test_every_conservative_fill_was_traded_through_by_the_recorded_book():
    source = parse_source(str(ARCHIVE), start="12:00", end="12:30")
    assert isinstance(source, ReplaySource)
    result = run_backtest(CONFIG, source, BacktestSettings())
    assert result.fills >= 3, "the slice should give the strategy some fills"
    grid = Grid(5)
    books = {s.time_ms: s for s in read_snapshots(ARCHIVE, 5, source.start_ms, source.end_ms)}
    for fill in result.fill_log:
        book = books[fill.time_ms]  # fills happen as a recorded snapshot is applied
        px = grid.px_to_units(fill.px)
        if fill.side == "B":
            best_ask = book.best(is_bid=False)
            assert best_ask is not None and best_ask < px, fill
        else:
            best_bid = book.best(is_bid=True)
            assert best_bid is not None and best_bid > px, fill
        assert not fill.crossed  # our quotes are post-only: every fill is as maker
    assert result.exchange_net_pnl == result.net_pnl


RUN = """
import sys
from pathlib import Path
from amm.backtest.cli import backtest_command
sys.exit(backtest_command(
    Path(sys.argv[1]), sys.argv[2], start="12:10", end="12:20", seed=int(sys.argv[3]),
    sets=["backtest.queue.model=probabilistic", "backtest.latency.market_data=lognormal:30:0.5",
          "backtest.latency.order=uniform:5:60"],
    as_json=True,
))
"""


def test_the_json_is_the_same_bytes_in_other_processes_and_hash_seeds():
    seed = 5
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                RUN,
                str(REPO / "configs" / "paper.toml"),
                str(ARCHIVE),
                str(seed),
            ],
            capture_output=True,
            env=env,
            timeout=300,
            check=True,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert b'"queue":{"model":"probabilistic"' in outputs[0]
    assert Decimal(json.loads(outputs[0])["fees"]) >= 0
