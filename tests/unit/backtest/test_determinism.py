"""Same inputs and seed: the same result, byte for byte; another seed: other fills."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from amm.backtest.driver import run_backtest
from amm.backtest.result import BacktestResult
from amm.backtest.settings import BacktestSettings, LatencySettings
from amm.backtest.sources import SyntheticSource
from amm.common.config import load_config
from tests.helpers import REPO

CONFIG = load_config(REPO / "configs" / "paper.toml")
SOURCE = SyntheticSource(60.0)
JITTER = BacktestSettings(
    latency=LatencySettings(
        market_data="lognormal:20:0.6", order="uniform:5:40", bus="constant:0.2"
    )
)


@pytest.fixture(scope="module")
def first() -> BacktestResult:
    return run_backtest(CONFIG, SOURCE, JITTER, seed=1)


def test_the_same_seed_gives_the_same_bytes(first):
    again = run_backtest(CONFIG, SOURCE, JITTER, seed=1)
    assert first.fills > 0
    assert again.to_json() == first.to_json()


def test_another_seed_gives_other_fills(first):
    other = run_backtest(CONFIG, SOURCE, JITTER, seed=2)
    assert other.fill_log != first.fill_log


def test_latency_draws_change_the_run_but_not_the_market():
    steady = run_backtest(CONFIG, SOURCE, BacktestSettings(), seed=1)
    jittery = run_backtest(CONFIG, SOURCE, JITTER, seed=1)
    assert steady.mark_curves == jittery.mark_curves
    assert steady.to_json() != jittery.to_json()


def test_pnl_comes_from_the_ledger_and_agrees_with_the_exchange(first):
    assert first.exchange_net_pnl == first.net_pnl
    stats = first.markets["km:US500"]
    assert first.net_pnl == stats.realized_pnl + stats.funding - stats.fees + stats.unrealized_pnl
    assert stats.fills == stats.buys + stats.sells == len(first.fill_log)


def test_fees_are_hyperliquids_base_tier(first):
    maker = sum((f.px * f.sz for f in first.fill_log if not f.crossed), Decimal(0))
    taker = sum((f.px * f.sz for f in first.fill_log if f.crossed), Decimal(0))
    assert first.fees == maker * Decimal("0.00015") + taker * Decimal("0.00045")


def test_the_result_carries_every_figure_the_issue_asks_for(first):
    body = msgspec.json.decode(first.to_json())
    assert set(body["markouts_bps"]) == {"1s", "5s", "30s", "60s"}
    assert body["spread_capture_bps"] is not None
    assert body["actions"]["total_orders"] > 0 and body["actions"]["actions_per_fill"] > 0
    assert {"ACTIVE", "REDUCING", "HALTED"} == set(body["risk"]["seconds"])
    assert body["pnl_curve"][0][0] == body["start_ms"] and len(body["pnl_curve"]) >= 60
    window = body["metrics"]["monitor"]["windows"]["km:US500"]
    assert window["fills"] == first.fills  # the monitor's WindowStats over the run


def test_a_session_loss_halts_risk_and_the_quotes_come_off():
    loss = msgspec.structs.replace(
        CONFIG, risk=msgspec.structs.replace(CONFIG.risk, max_session_loss_usd=Decimal("0.01"))
    )
    result = run_backtest(loss, SOURCE, BacktestSettings(), seed=1)
    assert result.risk.final_state == "HALTED"
    assert result.risk.halted_by == "SESSION_LOSS"
    halted_ms = result.end_ms - round(result.risk.seconds["HALTED"] * 1000)
    late = [f for f in result.fill_log if f.time_ms > halted_ms + 5_000]
    assert late == [], "filled long after the halt: quotes stayed up"
