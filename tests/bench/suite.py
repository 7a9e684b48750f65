"""The benchmark suite from the test tree: the same runs, flags and output as `amm bench`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from amm.bench.cli import add_arguments, bench_command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    add_arguments(parser)
    return bench_command(parser.parse_args(argv))
