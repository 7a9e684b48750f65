"""What ``amm backtest`` and ``amm sweep`` run: parse, run, print; exit code 2 on bad input.

Results go to stdout (a summary, or ``--json``); the run's timing goes to stderr, so the JSON
is the same bytes on every machine.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import msgspec

from amm.backtest.driver import Backtest
from amm.backtest.overrides import apply, parse_sets
from amm.backtest.recorded import replay_recording
from amm.backtest.report import write_report
from amm.backtest.sources import RecordingSource, parse_source
from amm.backtest.sweep import COLUMNS, rank, run_sweep, write_csv
from amm.backtest.text import recording_summary, run_summary, sweep_table


def backtest_command(
    config_path: Path,
    data: str,
    *,
    start: str | None = None,
    end: str | None = None,
    seed: int | None = None,
    sets: Sequence[str] = (),
    as_json: bool = False,
    report: Path | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """``amm backtest``: one run of the config (with ``--set`` changes) on ``data``."""
    try:
        source = parse_source(data, start=start, end=end)
        grid = parse_sets(sets)
        if any(len(values) != 1 for _, values in grid):
            raise ValueError("--set takes one value per key here; several values are a sweep")
        config, settings = apply(config_path, {key: values[0] for key, values in grid})
        if isinstance(source, RecordingSource):
            if report is not None:
                raise ValueError("--report needs a replay file or synthetic data, not a recording")
            recorded = replay_recording(config, source.path, source.describe())
            out.write(recorded.to_json().decode() if as_json else recording_summary(recorded))
            out.write("\n")
            return 0
        started = time.perf_counter()
        run = Backtest(config, source, settings, seed=settings.seed if seed is None else seed)
        result = run.run()
        elapsed = time.perf_counter() - started
    except ValueError as exc:
        print(f"amm backtest: {exc}", file=sys.stderr)
        return 2
    out.write(result.to_json().decode() if as_json else run_summary(result))
    out.write("\n")
    if report is not None:
        write_report(result, report)
    events = run.scheduler.events
    print(
        f"# amm backtest: {result.duration_s:g} simulated s, {events} events "
        f"in {elapsed:.2f} s ({events / max(elapsed, 1e-9):,.0f} events/s)",
        file=sys.stderr,
    )
    return 0


def sweep_command(
    config_path: Path,
    data: str,
    *,
    sets: Sequence[str],
    start: str | None = None,
    end: str | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    csv_path: Path | None = None,
    as_json: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """``amm sweep``: every combination of the ``--set`` values, ranked by net PnL."""
    try:
        source = parse_source(data, start=start, end=end)
        if isinstance(source, RecordingSource):
            raise ValueError("a sweep needs a replay file or synthetic data, not a recording")
        grid = parse_sets(sets)
        if not grid:
            raise ValueError("give the grid with --set KEY=V1,V2,...")
        started = time.perf_counter()
        workers = jobs if jobs is not None else os.cpu_count() or 1
        rows = rank(run_sweep(config_path, source, grid, seed=seed, jobs=workers))
    except ValueError as exc:
        print(f"amm sweep: {exc}", file=sys.stderr)
        return 2
    keys = [key for key, _ in grid]
    if csv_path is not None:
        write_csv(rows, keys, csv_path)
    if as_json:
        ranked = [
            {"rank": place, "point": row.point, **{c: row.figures[c] for c in COLUMNS}}
            for place, row in enumerate(rows, start=1)
        ]
        out.write(json.dumps(msgspec.to_builtins(ranked)) + "\n")
    else:
        out.write(sweep_table(rows, keys) + "\n")
    print(
        f"# amm sweep: {len(rows)} runs in {time.perf_counter() - started:.1f} s "
        f"on {workers} process(es)",
        file=sys.stderr,
    )
    return 0
