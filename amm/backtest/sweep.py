"""``amm sweep``: one backtest per point of a parameter grid, in parallel, ranked.

Every point's config is built and validated before anything runs (a bad key stops the sweep at
once). Points run in worker processes (``spawn``: a clean interpreter each), all with the same
seed and source, so each point's figures are exactly what ``amm backtest`` gives for it, whatever
the number of jobs. The ranking is by net PnL (highest first), then max drawdown (smallest),
then grid order.
"""

from __future__ import annotations

import csv
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from amm.backtest.driver import run_backtest
from amm.backtest.overrides import Grid, Point, apply, points
from amm.backtest.settings import BacktestSettings
from amm.backtest.sources import ReplaySource, SyntheticSource
from amm.common.config import Config

COLUMNS = (
    "net_pnl",
    "max_drawdown",
    "fills",
    "spread_capture_bps",
    "fees",
    "realized_pnl",
    "actions_per_fill",
    "share_reducing",
    "final_state",
)


@dataclass(frozen=True, slots=True)
class Row:
    """One grid point and what its backtest gave."""

    index: int
    point: Point
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Job:
    config: Config
    source: ReplaySource | SyntheticSource
    settings: BacktestSettings
    seed: int


def run_sweep(
    config_path: Path,
    source: ReplaySource | SyntheticSource,
    grid: Grid,
    *,
    seed: int | None,
    jobs: int,
) -> list[Row]:
    """Every point's summary, in grid order (``jobs`` processes; 1 runs here). ``seed``
    defaults to each point's ``[backtest] seed``."""
    grid_points = points(grid)
    prepared = []
    for point in grid_points:
        config, settings = apply(config_path, point)
        prepared.append(_Job(config, source, settings, settings.seed if seed is None else seed))
    if jobs <= 1 or len(prepared) <= 1:
        figures = [_run(job) for job in prepared]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(prepared)), mp_context=context) as pool:
            figures = list(pool.map(_run, prepared))
    return [Row(i, point, f) for i, (point, f) in enumerate(zip(grid_points, figures, strict=True))]


def _run(job: _Job) -> dict[str, Any]:
    result = run_backtest(job.config, job.source, job.settings, seed=job.seed)
    return result.summary()


def rank(rows: Sequence[Row]) -> list[Row]:
    """Best first: net PnL, then the smaller drawdown, then grid order."""
    return sorted(
        rows,
        key=lambda row: (-row.figures["net_pnl"], row.figures["max_drawdown"], row.index),
    )


def write_csv(rows: Sequence[Row], keys: Sequence[str], path: Path) -> None:
    """One line per point in ranked order: rank, the grid's keys, then ``COLUMNS``."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["rank", *keys, *COLUMNS])
        for place, row in enumerate(rows, start=1):
            values = [row.point[key] for key in keys]
            writer.writerow([place, *values, *(_cell(row.figures[c]) for c in COLUMNS)])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | str | int):
        return str(value)
    return f"{value:g}"
