"""Backtest throughput and as2008's time: now `amm bench backtest` (amm/bench/backtest.py).

Run: ``.venv/bin/python -m tests.bench.bench_backtest`` (kept for the documented command).
"""

from tests.bench.suite import main

if __name__ == "__main__":
    raise SystemExit(main(["backtest"]))
