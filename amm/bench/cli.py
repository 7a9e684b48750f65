"""`amm bench [latency|bus|sign|backtest|memory|actions|all] [--json]`: run, print, judge.

Each benchmark prints its figures, its conditions and its targets (PASS/FAIL); ``--json`` prints
one document with all of them and the machine instead. Progress goes to stderr. The exit code is
0 when the benchmarks ran, whatever their verdicts (a benchmark measures; it does not gate), and
2 for bad arguments. This module imports nothing heavy until a benchmark runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from amm.bench.report import BenchResult

BENCHMARKS = ("latency", "bus", "sign", "backtest", "memory", "actions")
_COUNTS: tuple[tuple[str, type, float, str], ...] = (
    ("--changes", int, 1000, "latency: book changes"),
    ("--interval-ms", int, 300, "latency: ms between book changes"),
    ("--step-bps", float, 2.0, "latency: size of each book move in bps"),
    ("--messages", int, 100_000, "bus: messages per run"),
    ("--signatures", int, 500, "sign: signatures per action"),
    ("--duration", float, 600.0, "memory, actions: seconds of the paper session"),
)
_FLAGS = (
    "changes",
    "interval_ms",
    "step_bps",
    "sets",
    "profile",
    "messages",
    "signatures",
    "duration",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `amm bench` (and of `python -m tests.bench`)."""
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"{', '.join(BENCHMARKS)} or all (default: all)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document")
    for flag, kind, default, text in _COUNTS:
        parser.add_argument(flag, type=kind, default=default, help=f"{text} (default {default:g})")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="latency: a config value for its deployment, e.g. execution.step_interval_ms=10",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="latency: py-spy profiles of the hot-path programs into DIR (needs py-spy)",
    )


def bench_command(args: argparse.Namespace) -> int:
    names = _selected(args.benchmarks)
    if names is None or min(args.changes, args.messages, args.signatures) < 2 or args.duration <= 0:
        print(
            f"amm bench: choose from {', '.join(BENCHMARKS)} or all; counts >= 2, duration > 0",
            file=sys.stderr,
        )
        return 2
    from amm.bench import conditions, report

    machine = conditions.machine()
    results = []
    for name in names:
        if name == "actions" and "memory" in names:
            continue  # one session measures both (below, with memory)
        print(f"amm bench: {name} ...", file=sys.stderr, flush=True)
        for result in _run(name, args):
            results.append(result)
            if not args.json:
                print(result.text(), flush=True)
    arguments = {
        key: str(value) if isinstance(value, Path) else value
        for key, value in vars(args).items()
        if key in _FLAGS
    }
    doc = report.document(machine, results, "amm bench " + " ".join(names), arguments)
    if args.json:
        print(report.dumps(doc))
    else:
        print(f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['python']}")
        print(f"targets: {doc['passed']} passed, {doc['failed']} failed")
    return 0


def _selected(given: Sequence[str]) -> list[str] | None:
    if not given or "all" in given:
        return list(BENCHMARKS)
    if any(name not in BENCHMARKS for name in given):
        return None
    return [name for name in BENCHMARKS if name in given]


def _run(name: str, args: argparse.Namespace) -> list[BenchResult]:
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if name == "latency":
        from amm.bench.latency import run_latency

        return [
            run_latency(
                args.changes,
                interval_ms=args.interval_ms,
                step_bps=args.step_bps,
                sets=args.sets,
                profile_dir=args.profile,
                log=log,
            )
        ]
    if name == "bus":
        from amm.bench.bus import run_bus

        return [run_bus(args.messages)]
    if name == "sign":
        from amm.bench.sign import run_sign

        return [run_sign(args.signatures)]
    if name == "backtest":
        from amm.bench.backtest import run_backtest

        return [run_backtest()]
    from amm.bench.session import run_session

    memory, actions = run_session(args.duration, log=log)
    wanted = _selected(args.benchmarks) or []
    return [result for result in (memory, actions) if result.name in wanted]
