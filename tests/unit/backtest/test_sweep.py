"""amm sweep: every grid point run (in parallel), ranked by net PnL, written as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from amm.backtest.cli import sweep_command
from amm.backtest.driver import run_backtest
from amm.backtest.overrides import apply
from amm.backtest.sources import SyntheticSource
from amm.backtest.sweep import rank, run_sweep

GRID = [
    ("quoter.modes.moderate.min_spread_bps", [3, 6]),
    ("quoter.modes.moderate.order_levels", [2, 3]),
]
SOURCE = SyntheticSource(20.0)


def test_points_run_in_parallel_give_what_a_single_backtest_gives(write_config):
    path = write_config()
    rows = run_sweep(path, SOURCE, GRID, seed=3, jobs=2)
    assert [row.point for row in rows] == [
        {GRID[0][0]: 3, GRID[1][0]: 2},
        {GRID[0][0]: 3, GRID[1][0]: 3},
        {GRID[0][0]: 6, GRID[1][0]: 2},
        {GRID[0][0]: 6, GRID[1][0]: 3},
    ]
    config, settings = apply(path, rows[3].point)
    alone = run_backtest(config, SOURCE, settings, seed=3)
    assert rows[3].figures == alone.summary()
    assert rows == run_sweep(path, SOURCE, GRID, seed=3, jobs=1)


def test_the_table_is_ranked_by_net_pnl_and_the_csv_has_one_line_per_point(write_config, tmp_path):
    out = io.StringIO()
    target = tmp_path / "sweep.csv"
    sets = [f"{key}={','.join(map(str, values))}" for key, values in GRID]
    code = sweep_command(
        write_config(), "synthetic:20", sets=sets, seed=3, jobs=2, csv_path=target, out=out
    )
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["#", GRID[0][0], GRID[1][0]]
    assert len(lines) == 1 + 4
    rows = list(csv.DictReader(target.open()))
    assert [row["rank"] for row in rows] == ["1", "2", "3", "4"]
    pnls = [Decimal(row["net_pnl"]) for row in rows]
    assert pnls == sorted(pnls, reverse=True)
    assert {row[GRID[1][0]] for row in rows} == {"2", "3"}
    assert set(rows[0]) >= {"max_drawdown", "fills", "spread_capture_bps"}


def test_ties_keep_grid_order():
    from amm.backtest.sweep import Row

    same = {"net_pnl": Decimal(1), "max_drawdown": Decimal(0)}
    rows = [Row(0, {"k": "a"}, same), Row(1, {"k": "b"}, same)]
    better = Row(2, {"k": "c"}, {"net_pnl": Decimal(2), "max_drawdown": Decimal(5)})
    assert [row.index for row in rank([*rows, better])] == [2, 0, 1]


def test_a_recording_or_an_empty_grid_is_refused(write_config, capsys):
    assert sweep_command(write_config(), "synthetic:5", sets=[], out=io.StringIO()) == 2
    assert "--set" in capsys.readouterr().err
