"""How long `amm research as2008` takes: now part of `amm bench backtest` (amm/bench/backtest.py).

Run: ``.venv/bin/python -m tests.bench.bench_as2008`` (kept for the documented command); the
experiment's own figures are `amm research as2008 --gamma G`.
"""

from tests.bench.suite import main

if __name__ == "__main__":
    raise SystemExit(main(["backtest"]))
