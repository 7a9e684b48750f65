"""The chaos report: figures per scenario and in total, invariants, conditions, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import tomli_w

from amm.common.config import load_config
from amm.tools.chaos.deployment import merge, paper_config_dict
from amm.tools.chaos.invariants import Check
from amm.tools.chaos.report import build_report, render
from amm.tools.chaos.run import Tally
from amm.tools.chaos.runner import CONDITIONS, ScenarioResult, chaos_overrides


def result(name: str, *checks: Check, kills: int = 0, kept: str | None = None) -> ScenarioResult:
    return ScenarioResult(
        name=name,
        seconds=12.5,
        tally=Tally(restarts=5, kills=kills, faults=1),
        fills=7,
        orders=20,
        checks=list(checks),
        kept=kept,
    )


GOOD = Check("fills_journaled_once", 0, "7 venue fills, 7 journal rows")
BAD = Check("risk_position_equals_venue", 1, "km:US500: risk 0.1 vs venue 0.2")


def test_totals_add_up_and_a_clean_run_is_ok():
    report = build_report([result("restart", GOOD), result("kill", GOOD, kills=6)], 1, 3.0)
    assert report["ok"] is True
    assert report["total"] == {
        "seconds": 25.0,
        "restarts": 10,
        "kills": 6,
        "faults_injected": 2,
        "fills": 14,
        "orders": 40,
        "violations": 0,
    }
    assert report["scenarios"][1]["invariants"] == [
        {"name": GOOD.name, "ok": True, "violations": 0, "detail": GOOD.detail}
    ]
    assert [c["key"] for c in report["conditions"]] == [key for key, _, _ in CONDITIONS]
    json.dumps(report)  # JSON-ready as it is


def test_a_violation_fails_the_run_and_the_table_shows_it_and_the_kept_folder():
    report = build_report([result("risk-down", GOOD, BAD, kept="/tmp/amm-chaos-x")], 7, 1.0)
    assert report["ok"] is False and report["total"]["violations"] == 1
    table = render(report)
    assert "FAIL risk_position_equals_venue" in table and "ok   fills_journaled_once" in table
    assert "/tmp/amm-chaos-x" in table and table.endswith("FAILED: violations found")


def test_the_chaos_conditions_make_a_valid_config(tmp_path: Path):
    path = tmp_path / "paper.toml"
    path.write_text(tomli_w.dumps(merge(paper_config_dict(tmp_path), chaos_overrides(42))))
    config = load_config(path)
    assert config.venue is not None and config.venue.seed == 42
    assert config.execution.dead_man_s == 8.0 and config.risk.max_session_loss_usd == 1000.0
