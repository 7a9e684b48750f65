"""The rebalance: sized and priced within bounds, repeated at the interval until back under."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import MarketSpec, is_valid_price, is_valid_size
from amm.common.messages import Rebalance
from amm.services.risk.rebalance import RebalanceSchedule, rebalance_order
from amm.services.risk.settings import RiskSettings
from tests.unit.services.risk.risk_helpers import (
    COIN,
    SECOND,
    SETTINGS,
    SPEC,
    T0,
    feed_market,
    fill,
    intent,
    ready_core,
)

BPS = D(10_000)


@settings(max_examples=500, deadline=None)
@given(
    lots=st.integers(-100_000, 100_000).filter(bool),
    sz_decimals=st.integers(0, 5),
    mid_units=st.integers(1, 10**7),
    mid_scale=st.integers(-2, 4),
    exposure=st.integers(50, 100_000),
    slippage=st.integers(1, 500),
    max_usd=st.integers(10, 10_000),
    target=st.integers(0, 44),
)
def test_a_rebalance_is_on_the_grids_bounded_in_size_and_price(
    lots, sz_decimals, mid_units, mid_scale, exposure, slippage, max_usd, target
):
    spec = MarketSpec(coin=COIN, sz_decimals=sz_decimals, max_leverage=20)
    s = RiskSettings(
        max_exposure_usd=D(exposure),
        rebalance_slippage_bps=D(slippage),
        max_rebalance_usd=D(max_usd),
        rebalance_target_delta=D(target) / 100,
    )
    szi = D(lots).scaleb(-sz_decimals)
    mid = D(mid_units).scaleb(-mid_scale)
    order = rebalance_order(szi, mid, spec, s)
    if order is None:
        return
    assert order.side == ("A" if szi > 0 else "B")  # reduces
    assert order.sz <= abs(szi)
    assert order.sz * mid <= s.max_rebalance_usd
    assert order.sz * order.limit_px >= 10
    assert is_valid_size(order.sz, sz_decimals) and is_valid_price(order.limit_px, sz_decimals)
    assert abs(order.limit_px - mid) * BPS <= s.rebalance_slippage_bps * mid
    if order.side == "A":
        assert order.limit_px <= mid  # trades: a sell at most the mid, at least the bound
    else:
        assert order.limit_px >= mid


def test_hand_computed_rebalance_back_to_the_target_delta():
    # long 0.09 at mid 6000: delta 0.54; target 0.40 is 0.0666.. so 0.0233.. -> 0.02 lots
    order = rebalance_order(D("0.09"), D(6000), SPEC, SETTINGS)
    assert order == Rebalance(side="A", sz=D("0.02"), limit_px=D(5994))
    short = rebalance_order(D("-0.09"), D("6000.05"), SPEC, SETTINGS)
    assert short == Rebalance(side="B", sz=D("0.02"), limit_px=D("6006"))  # 6006.05 rounded down


def test_a_size_below_10_dollars_is_raised_to_the_smallest_valid_one():
    s = RiskSettings(max_exposure_usd=D(100), rebalance_target_delta=D("0.44"))
    order = rebalance_order(D("0.008"), D(6000), MarketSpec(COIN, 3, 20), s)  # 0.00067 over
    assert order is not None and order.sz == D("0.002")  # 0.002 * 5994 >= 10
    assert rebalance_order(D("0.001"), D(6000), MarketSpec(COIN, 3, 20), s) is None


def test_the_schedule_holds_a_shot_for_the_interval_then_makes_a_new_one():
    schedule = RebalanceSchedule(interval_ns=5 * SECOND)
    ids = iter(range(1, 100))
    make = lambda: Rebalance(side="A", sz=D(1), limit_px=D(1))  # noqa: E731
    first = schedule.current(T0, make, lambda: next(ids))
    assert first is not None and first.decision_id == 1
    assert schedule.current(T0 + 4 * SECOND, make, lambda: next(ids)) == first
    second = schedule.current(T0 + 5 * SECOND, make, lambda: next(ids))
    assert second is not None and second.decision_id == 2
    schedule.spend()
    assert schedule.current(T0 + 9 * SECOND, make, lambda: next(ids)) is None
    assert schedule.current(T0 + 10 * SECOND, make, lambda: next(ids)).decision_id == 3
    schedule.stop()
    assert schedule.current(T0 + 11 * SECOND, make, lambda: next(ids)).decision_id == 4


def test_the_core_repeats_the_rebalance_every_interval_until_back_under():
    core = ready_core(szi="0.12")  # delta 0.72
    first = core.on_intent(intent(), T0)
    assert first.rebalance == Rebalance(side="A", sz=D("0.05"), limit_px=D(5994))
    assert "REBALANCE" in first.reasons and first.verdict == "amend"
    same = core.on_intent(intent(intent_id=2), T0 + SECOND)
    assert same.decision_id == first.decision_id and same.rebalance == first.rebalance
    now = T0 + 5 * SECOND  # not filled: the next shot, with a new id
    feed_market(core, now)
    again = core.on_intent(intent(intent_id=3), now)
    assert again.rebalance is not None and again.decision_id != first.decision_id
    core.on_fill(fill("A", "5994", "0.05", start="0.12", seq=2))  # delta 0.42: back under
    now += 5 * SECOND
    feed_market(core, now)
    done = core.on_intent(intent(intent_id=4), now)
    assert done.rebalance is None and done.trading_state == "REDUCING"


def test_a_fill_spends_the_shot_and_the_next_one_waits_for_the_interval():
    core = ready_core(szi="0.12")
    first = core.on_intent(intent(), T0)
    core.on_fill(fill("A", "5994", "0.01", start="0.12", seq=2))  # still delta 0.66
    feed_market(core, T0 + SECOND)
    waiting = core.on_intent(intent(intent_id=2), T0 + SECOND)
    assert waiting.rebalance is None and waiting.decision_id != first.decision_id
    feed_market(core, T0 + 5 * SECOND)
    assert core.on_intent(intent(intent_id=3), T0 + 5 * SECOND).rebalance is not None


def test_a_blocked_decision_carries_no_rebalance():
    core = ready_core(szi="0.12")
    stale = core.decide(COIN, T0 + 6 * SECOND)  # market data 6 s old
    assert stale.verdict == "veto" and stale.rebalance is None
    assert "STALE_MARKET_DATA" in stale.reasons


def test_no_rebalance_when_the_tick_is_wider_than_the_slippage_bound():
    # the failing case hypothesis found: mid 0.0991 on a 0.001 grid, 1 bps of slippage
    spec = MarketSpec(coin=COIN, sz_decimals=3, max_leverage=20)
    settings = RiskSettings(
        max_exposure_usd=D(50), rebalance_slippage_bps=D(1), max_rebalance_usd=D(10)
    )
    assert rebalance_order(D(100), D("0.0991"), spec, settings) is None
