"""`amm chaos`: every scenario, short, against a real supervisord, with no violation."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from amm.tools.chaos.runner import ScenarioResult, run_scenario
from tests.helpers import AMM

pytestmark = pytest.mark.e2e
PHASE_S = 1.0
SHARED = {
    "no_process_left_after_down",
    "private_key_not_in_logs",
    "orders_known_to_execution",
    "fills_journaled_once",
    "monitor_counts_fills",
    "risk_position_equals_venue",
    "position_within_hard_limit",
    "no_cloid_placed_twice",
}


def passed(result: ScenarioResult, *specific: str) -> dict[str, str]:
    """Assert no violation and that the shared and the `specific` checks all ran; their details."""
    failed = [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]
    assert not failed, f"{result.name} kept in {result.kept}: " + "; ".join(failed)
    details = {check.name: check.detail for check in result.checks}
    assert SHARED | set(specific) <= details.keys(), sorted(details)
    assert result.orders > 0 and result.kept is None
    return details


def test_restarting_each_actor_in_turn_through_the_cli_breaks_no_invariant():
    process = subprocess.Popen(
        [AMM, "chaos", "--scenario", "restart", "--seed", "3", "--duration", "1", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # amm chaos tears its deployment down on TERM
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err + out
    report = json.loads(out)
    [scenario] = report["scenarios"]
    assert report["ok"] and report["total"]["violations"] == 0 and report["seed"] == 3
    assert scenario["restarts"] == 5 and scenario["orders"] > 0
    names = {check["name"] for check in scenario["invariants"] if check["ok"]}
    assert SHARED | {"every_actor_restarted", "quoting_resumed_after_restarts"} <= names


def test_sigkilling_random_actors_many_times_breaks_no_invariant():
    result = run_scenario("kill", seed=5, phase_s=PHASE_S)
    passed(result, "killed_actors_restarted_by_supervisord", "quoting_resumed_after_kills")
    assert result.tally.kills >= 6


def test_without_risk_orders_go_within_its_age_and_risk_returns_with_the_position():
    result = run_scenario("risk-down", seed=1, phase_s=PHASE_S)
    passed(
        result,
        "orders_gone_without_risk",
        "nothing_placed_while_risk_down",
        "risk_restarted_with_venue_position",
        "quoting_resumed_with_risk",
    )
    assert result.tally.restarts == 1


def test_a_frozen_execution_is_cleared_by_the_dead_man_switch_and_recovers():
    result = run_scenario("execution-down", seed=1, phase_s=PHASE_S)
    details = passed(
        result,
        "dead_man_cleared_orders",
        "cleared_by_the_dead_man_switch",
        "execution_started_again",
        "quoting_resumed_after_execution",
    )
    assert "sentinel scheduledCancel" in details["cleared_by_the_dead_man_switch"]
    assert result.tally.kills == 1


def test_after_every_exchange_fault_the_system_trades_normally_again():
    result = run_scenario("exchange-faults", seed=1, phase_s=PHASE_S)
    passed(result, "faults_reached_the_actors", "faults_all_off", "trading_after_faults")
    assert result.tally.faults == 5


def test_garbage_on_every_bus_endpoint_is_counted_and_crashes_nobody():
    result = run_scenario("bus-garbage", seed=1, phase_s=PHASE_S)
    programs = ("marketdata", "quoter", "risk", "execution", "monitor")
    passed(
        result,
        *(f"garbage_on_{program}_counted" for program in programs),
        *(f"garbage_on_{program}_crashed_nobody" for program in programs),
        "slow_subscriber_overflowed",
        "others_saw_no_gaps_from_marketdata",
    )
    assert result.tally.faults == 6


def test_a_tenfold_market_data_burst_keeps_the_quoter_on_the_newest_book():
    result = run_scenario("burst", seed=1, phase_s=PHASE_S)
    passed(
        result,
        "market_data_burst_reached",
        "quoter_on_newest_book",
        "no_gaps_in_burst",
        "quoter_not_blocked_by_burst",
    )
    assert result.tally.faults == 1
