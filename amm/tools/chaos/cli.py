"""`amm chaos`: run scenarios that break a private paper deployment, and report the invariants.

Exit code 0 when no invariant was violated, 1 otherwise (130 on Ctrl-C or SIGTERM, after the
deployment in use has been torn down).
"""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType

from amm.tools.chaos.report import build_report, render
from amm.tools.chaos.runner import run_scenario
from amm.tools.chaos.scenarios import SCENARIOS


def chaos_command(scenario: str, seed: int, duration_s: float, *, as_json: bool) -> int:
    """Run `scenario` (or every one, for "all") and print the report."""
    if duration_s <= 0:
        print("amm chaos: --duration must be > 0", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM tears down like Ctrl-C does
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    results = []
    for name in names:
        print(f"amm chaos: {name} ...", file=sys.stderr, flush=True)
        result = run_scenario(name, seed, duration_s)
        print(
            f"amm chaos: {name}: {result.violations} violation(s) in {result.seconds:g} s",
            file=sys.stderr,
            flush=True,
        )
        results.append(result)
    report = build_report(results, seed, duration_s)
    print(json.dumps(report, indent=2) if as_json else render(report))
    return 0 if report["ok"] else 1


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
