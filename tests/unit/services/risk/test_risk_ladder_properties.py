"""No approved or amended ladder breaches a limit, whatever the intent, position and book."""

from decimal import Decimal as D

from hypothesis import event, given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import is_valid_price, is_valid_size, meets_min_value
from amm.common.messages import QuoteLevel, RiskDecision
from amm.services.risk.settings import RiskSettings
from tests.unit.services.risk.risk_helpers import SPEC, T0, intent, ready_core

BPS = D(10_000)

risk_settings = st.builds(
    lambda exposure, order, levels, collar, skew_share, leverage, margin, halt: RiskSettings(
        max_exposure_usd=D(exposure),
        max_order_usd=D(order),
        max_levels_per_side=levels,
        collar_bps=D(collar),
        reduce_skew_bps=D(collar) * skew_share / 4,
        max_leverage=D(leverage),
        max_margin_use=D(margin) / 10,
        max_fair_deviation_bps=D(100),
        halt_at_delta=D(halt),
    ),
    st.integers(100, 5000),
    st.integers(10, 1000),
    st.integers(1, 6),
    st.integers(1, 300),
    st.integers(0, 4),
    st.integers(1, 10),
    st.integers(1, 10),
    st.sampled_from([1, 3, 100]),
)
on_grid = st.integers(-400, 400).map(lambda k: D(k) / 10)  # the 0.1 grid of a 6000 market
off_grid = st.integers(-4000, 4000).map(lambda k: D(k) / 100)
offset = st.one_of(*[on_grid] * 6, off_grid)  # from the touch
in_lots = st.integers(1, 30).map(lambda k: D(k) / 100)
off_lots = st.integers(1, 300).map(lambda k: D(k) / 1000)
size = st.one_of(*[in_lots] * 6, off_lots)
ladder = st.lists(st.tuples(offset, size), max_size=8)
book = st.tuples(st.integers(59_800, 60_200), st.integers(1, 40))  # bid in 0.1 units, spread


def _cap_usd(s: RiskSettings, account_value: D) -> D:
    return min(
        s.max_exposure_usd,
        account_value * s.max_leverage,
        account_value * s.max_margin_use * SPEC.max_leverage,
    )


def _check(
    decision: RiskDecision,
    s: RiskSettings,
    szi: D,
    mid: D,
    fair: D,
    account_value: D,
    bid: D,
    ask: D,
    asked: tuple[list[QuoteLevel], list[QuoteLevel]],
) -> None:
    if decision.verdict == "veto":
        assert not decision.bids and not decision.asks and decision.rebalance is None
        return
    cap = _cap_usd(s, account_value)
    for side, levels in (("B", decision.bids), ("A", decision.asks)):
        assert len(levels) <= s.max_levels_per_side
        prices = [level.px for level in levels]
        assert prices == sorted(prices, reverse=side == "B"), "best first"
        for level in levels:
            assert is_valid_price(level.px, SPEC.sz_decimals)
            assert is_valid_size(level.sz, SPEC.sz_decimals)
            assert meets_min_value(level.px, level.sz)
            assert abs(level.px - fair) * BPS <= s.collar_bps * fair
            assert level.px * level.sz <= s.max_order_usd
        total = sum((level.sz for level in levels), D(0))
        if levels:  # a whole side filled: no longer than the cap long, no shorter than it short
            after = szi + total if side == "B" else -(szi - total)
            assert after * mid <= cap
    if decision.trading_state == "REDUCING":
        increasing = decision.bids if szi >= 0 else decision.asks
        reducing = decision.asks if szi > 0 else decision.bids
        assert not increasing
        assert sum((level.sz for level in reducing), D(0)) <= abs(szi)
    largest = max((level.sz for level in asked[0] + asked[1]), default=D(0))
    assert all(level.sz <= largest for level in decision.bids + decision.asks), "never grown"
    asked_bids = {level.px for level in asked[0]}
    asked_asks = {level.px for level in asked[1]}
    assert all(level.px < ask or level.px in asked_bids for level in decision.bids)
    assert all(level.px > bid or level.px in asked_asks for level in decision.asks)
    if decision.verdict == "approve":
        assert decision.reasons == [] and decision.rebalance is None
        assert decision.bids == sorted(asked[0], key=lambda lv: -lv.px)
        assert decision.asks == sorted(asked[1], key=lambda lv: lv.px)
    else:
        assert decision.reasons
    if decision.rebalance is not None:
        assert decision.rebalance.side == ("A" if szi > 0 else "B")
        assert decision.rebalance.sz <= abs(szi)


@settings(max_examples=400, deadline=None)
@given(
    s=risk_settings,
    lots=st.one_of(st.integers(-4, 4), st.integers(-20, 20)),
    account=st.integers(0, 5000),
    top=book,
    fair_offset=st.integers(-5, 5),
    bids=ladder,
    asks=ladder,
)
def test_no_ladder_that_goes_out_breaches_a_limit(s, lots, account, top, fair_offset, bids, asks):
    szi = D(lots) / 100
    bid_units, spread = top
    bid, ask = D(bid_units) / 10, D(bid_units + spread) / 10
    mid = (bid + ask) / 2
    fair = mid + D(fair_offset) / 10
    asked = (
        [QuoteLevel(bid + off, sz) for off, sz in bids],
        [QuoteLevel(ask + off, sz) for off, sz in asks],
    )
    core = ready_core(
        s, szi=str(szi), entry=str(mid), account_value=str(account), bid=str(bid), ask=str(ask)
    )
    decision = core.on_intent(intent(asked[0], asked[1], fair=str(fair)), T0)
    event(f"{decision.verdict} {decision.trading_state} {' '.join(decision.reasons)}")
    _check(decision, s, szi, mid, fair, D(account), bid, ask, asked)
    later = core.decide(decision.coin, T0 + 10**8)
    _check(later, s, szi, mid, fair, D(account), bid, ask, asked)
