"""How long `amm research as2008` takes, and its figures next to the paper's.

Not a pytest test (pytest collects test_*.py only): run it as
`.venv/bin/python -m tests.bench.bench_as2008`. It prints the machine's cores and the numpy
version, the 1000-path table for each gamma of the paper's tables with the wall time of each
report, and how the time grows with the number of paths.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from amm.tools.research import as2008_report

GAMMAS = (0.1, 0.01, 0.5, 1.0)  # the 2008 tables use 0.1, 0.01, 1; the 2006 preprint 0.5
REPEATS = 5
SCALING_PATHS = (1_000, 10_000, 100_000)


def _timed_report(gamma: float, paths: int) -> tuple[dict[str, dict[str, float]], list[float]]:
    """The report for seed 0 and the wall time of each of REPEATS runs (the first one included)."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        report = as2008_report(gamma, paths, 0)
        times.append(time.perf_counter() - start)
    return report, times


def main() -> None:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"({affinity} usable); Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"\n1000 paths, seed 0 (wall time: first run, median of {REPEATS})")
    print(
        f"{'gamma':>6} {'strategy':<10} {'spread':>7} {'profit':>8} {'std':>7} {'q':>7} "
        f"{'std q':>7}"
    )
    for gamma in GAMMAS:
        report, times = _timed_report(gamma, 1000)
        for name, row in report.items():
            print(
                f"{gamma:>6g} {name:<10} {row['spread']:>7.2f} {row['profit_mean']:>8.2f} "
                f"{row['profit_std']:>7.2f} {row['q_mean']:>7.3f} {row['q_std']:>7.2f}"
            )
        first, median = times[0] * 1000, statistics.median(times) * 1000
        print(f"{'':>6} time {first:.1f} ms first, {median:.1f} ms median")
    print("\nscaling, gamma 0.1, seed 0")
    for paths in SCALING_PATHS:
        _, times = _timed_report(0.1, paths)
        print(f"{paths:>8} paths: median {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
