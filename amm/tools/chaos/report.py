"""The chaos run's report: one JSON document, or a table for people (pure).

Per scenario and in total: restarts, kills, faults injected, fills, orders placed and
violations (which must be 0), and each scenario's invariants with their results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amm.tools.chaos.runner import CONDITIONS, ScenarioResult

FIGURES = ("restarts", "kills", "faults_injected", "fills", "orders", "violations")


def scenario_figures(result: ScenarioResult) -> dict[str, int]:
    """The counted figures of one scenario."""
    return {
        "restarts": result.tally.restarts,
        "kills": result.tally.kills,
        "faults_injected": result.tally.faults,
        "fills": result.fills,
        "orders": result.orders,
        "violations": result.violations,
    }


def build_report(results: Sequence[ScenarioResult], seed: int, duration_s: float) -> dict[str, Any]:
    """The whole run as JSON-ready data."""
    scenarios = [
        {
            "name": result.name,
            "seconds": result.seconds,
            **scenario_figures(result),
            "invariants": [
                {
                    "name": check.name,
                    "ok": check.ok,
                    "violations": check.violations,
                    "detail": check.detail,
                }
                for check in result.checks
            ],
            "kept": result.kept,
        }
        for result in results
    ]
    total = {name: sum(s[name] for s in scenarios) for name in FIGURES}
    return {
        "seed": seed,
        "duration_s": duration_s,
        "conditions": [{"key": key, "value": value, "why": why} for key, value, why in CONDITIONS],
        "scenarios": scenarios,
        "total": {"seconds": round(sum(s["seconds"] for s in scenarios), 1), **total},
        "ok": total["violations"] == 0,
    }


def render(report: dict[str, Any]) -> str:
    """The report as a table per scenario, its invariants below it, and the totals."""
    head = f"{'scenario':<16}{'secs':>7}" + "".join(f"{name:>{len(name) + 2}}" for name in FIGURES)
    lines = [f"amm chaos  seed {report['seed']}  duration {report['duration_s']:g} s", "", head]
    for scenario in report["scenarios"]:
        lines.append(_row(scenario["name"], scenario))
        for check in scenario["invariants"]:
            mark = "ok  " if check["ok"] else "FAIL"
            lines.append(f"    {mark} {check['name']:<42} {check['detail']}")
        if scenario["kept"]:
            lines.append(f"    deployment kept for its logs: {scenario['kept']}")
    lines += ["", _row("total", report["total"]), "", "conditions (the chaos deployment's config):"]
    lines += [f"    {c['key']} = {c['value']}  ({c['why']})" for c in report["conditions"]]
    lines.append("")
    lines.append("OK: no violations" if report["ok"] else "FAILED: violations found")
    return "\n".join(lines)


def _row(name: str, figures: dict[str, Any]) -> str:
    return f"{name:<16}{figures['seconds']:>7.1f}" + "".join(
        f"{figures[field]:>{len(field) + 2}}" for field in FIGURES
    )
