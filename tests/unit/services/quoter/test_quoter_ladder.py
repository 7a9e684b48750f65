"""Ladder shaping and rounding: every order valid for Hyperliquid, whatever the model says."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import (
    MarketSpec,
    is_valid_price,
    is_valid_size,
    round_price,
)
from amm.common.messages import QuoteLevel
from amm.services.quoter.fair import TopOfBook, fair_price
from amm.services.quoter.ladder import (
    Ladder,
    LadderShape,
    build_ladder,
    effective_leverage,
    floored_depths,
    next_above,
    next_below,
)
from amm.services.quoter.models import avellaneda_stoikov, glft
from amm.services.quoter.settings import LeverageSettings
from tests.unit.services.quoter.quoter_helpers import SPEC

TOP = TopOfBook(D("5999.9"), D(5), D("6000.1"), D(5))
FAIR = D(6000)
SHAPE = LadderShape(levels=3, spacing_bps=2.0, level_notional_usd=150.0, max_exposure_usd=2500.0)
BTC = MarketSpec(coin="BTC", sz_decimals=5, max_leverage=40)


def shape(**changes: object) -> LadderShape:
    values = {
        "levels": 3,
        "spacing_bps": 2.0,
        "level_notional_usd": 150.0,
        "max_exposure_usd": 2500.0,
        **changes,
    }
    return LadderShape(**values)  # type: ignore[arg-type]


def test_levels_are_spaced_rounded_passively_and_sized_by_notional():
    ladder = build_ladder(FAIR, TOP, SPEC, 5.0, 5.0, SHAPE, D(0))
    # 6000 * (1 - 5e-4) = 5997.0, then 2 bps further each: 5995.8, 5994.6 (grid 0.1)
    assert [level.px for level in ladder.bids] == [D("5997.0"), D("5995.8"), D("5994.6")]
    assert [level.px for level in ladder.asks] == [D("6003.0"), D("6004.2"), D("6005.4")]
    # $150 / 6000 = 0.025 -> 0.02 (rounded down to szDecimals = 2)
    assert {level.sz for level in (*ladder.bids, *ladder.asks)} == {D("0.02")}


def test_bids_round_down_and_asks_round_up():
    ladder = build_ladder(FAIR, TOP, SPEC, 1.23, 1.23, SHAPE, D(0))
    # 6000 * (1 -/+ 1.23e-4) = 5999.262 / 6000.738 -> 5999.2 / 6000.8
    assert ladder.bids[0].px == D("5999.2") and ladder.asks[0].px == D("6000.8")


def test_orders_below_ten_dollars_are_raised_to_the_minimum():
    top = TopOfBook(D(89999), D(1), D(90001), D(1))
    ladder = build_ladder(D(90000), top, BTC, 5.0, 5.0, shape(level_notional_usd=1.0), D(0))
    # $1 / 90000 = 0.0000111 -> 0.00001 ($0.90): raised to ceil(10 / px, 5 decimals) = 0.00012
    assert {level.sz for level in (*ladder.bids, *ladder.asks)} == {D("0.00012")}
    assert all(level.px * level.sz >= 10 for level in (*ladder.bids, *ladder.asks))


def test_quotes_never_cross_the_book_even_when_the_skew_says_so():
    # a huge long skew puts the ask far below the fair price: it stops one tick above the best bid
    ladder = build_ladder(FAIR, TOP, SPEC, 80.0, -60.0, SHAPE, D(0))
    assert ladder.asks[0].px == D("6000.0")  # next_above(best bid 5999.9)
    assert [level.px for level in ladder.asks] == [D("6000.0"), D("6000.1"), D("6000.2")]
    short = build_ladder(FAIR, TOP, SPEC, -60.0, 80.0, SHAPE, D(0))
    assert short.bids[0].px == D("6000.0")  # next_below(best ask 6000.1)
    assert [level.px for level in short.bids] == [D("6000.0"), D("5999.9"), D("5999.8")]


def test_exposure_caps_the_side_that_adds_to_the_position():
    # max $2500 at 6000 = 0.41666 coins; long 0.38: bids may add 0.03666 -> 0.02 then 0.01 ($60)
    ladder = build_ladder(FAIR, TOP, SPEC, 5.0, 5.0, SHAPE, D("0.38"))
    assert [level.sz for level in ladder.bids] == [D("0.02"), D("0.01")]
    assert [level.sz for level in ladder.asks] == [D("0.02")] * 3


def test_reduce_only_sizes_stay_within_the_position():
    reducing = shape(bids=False, reduce_only=True, level_notional_usd=300.0)
    ladder = build_ladder(FAIR, TOP, SPEC, 5.0, 5.0, reducing, D("0.07"))
    assert ladder.bids == ()
    # $300 / 6003 = 0.0499 -> 0.04, then the 0.03 left of the position
    assert [level.sz for level in ladder.asks] == [D("0.04"), D("0.03")]
    assert build_ladder(FAIR, TOP, SPEC, 5.0, 5.0, reducing, D(0)) == Ladder()


def test_no_level_is_worth_more_than_the_level_notional_at_its_own_price():
    # $300 is 0.05 at fair 6000, but 0.05 at the ask 6003 is worth $300.15: risk would cut it
    # to max_order_usd = 300. Asks are sized at their own price, bids (below fair) at fair.
    ladder = build_ladder(FAIR, TOP, SPEC, 5.0, 5.0, shape(level_notional_usd=300.0), D(0))
    assert [level.sz for level in ladder.asks] == [D("0.04")] * 3
    assert [level.sz for level in ladder.bids] == [D("0.05")] * 3
    assert all(level.px * level.sz <= 300 for level in (*ladder.bids, *ladder.asks))


def test_a_bid_that_would_need_a_negative_price_ends_its_side():
    wide = shape(spacing_bps=5.0, max_exposure_usd=10_000_000.0)
    ladder = build_ladder(FAIR, TOP, SPEC, 9_999.0, 5.0, wide, D(0))
    # 6000 * (1 - 0.9999) = 0.6, sized up to $10 (16.67); the next level would be below zero
    assert ladder.bids == (QuoteLevel(D("0.6"), D("16.67")),)
    assert len(ladder.asks) == 3


def test_spread_floor_widens_both_sides_equally_then_the_defence_adds():
    assert floored_depths(1.0, 1.0, 5.0, 0.0) == (2.5, 2.5)
    assert floored_depths(4.0, -2.0, 5.0, 0.0) == (5.5, -0.5)  # the skew survives the floor
    assert floored_depths(4.0, 4.0, 5.0, 3.0) == (7.0, 7.0)


def test_next_grid_prices_cross_decades():
    assert next_below(D(10000), 2) == D("9999.9")
    assert next_above(D("9999.9"), 2) == D(10000)
    assert next_below(D("6000.1"), 2) == D("6000.0")
    assert next_below(D("0.0001"), 2) is None


@pytest.mark.parametrize(
    ("sigma", "expected"),
    [(0.5, 5.0), (1.0, 5.0), (2.0, 2.5), (4.0, 1.25), (100.0, 1.0)],
)
def test_leverage_falls_as_volatility_rises_within_bounds(sigma, expected):
    leverage = LeverageSettings(reference_bps_per_sqrt_s=1.0, min_leverage=1.0)
    assert effective_leverage(5.0, sigma, leverage, max_leverage=20) == pytest.approx(expected)


def test_leverage_never_exceeds_the_market_maximum_and_can_be_static():
    assert effective_leverage(50.0, 0.1, LeverageSettings(), max_leverage=20) == 20.0
    static = LeverageSettings(dynamic=False)
    assert effective_leverage(5.0, 100.0, static, max_leverage=20) == 5.0


# ---- properties ------------------------------------------------------------------------------


@st.composite
def markets(draw: st.DrawFn) -> tuple[MarketSpec, TopOfBook, D]:
    """A market, a valid uncrossed top of book on its grid, and a fair price inside it."""
    szd = draw(st.integers(0, 5))
    spec = MarketSpec(coin="X", sz_decimals=szd, max_leverage=20)
    raw = D(repr(10 ** draw(st.floats(-4, 6))))
    bid = round_price(raw, szd)
    ask = bid
    for _ in range(draw(st.integers(1, 20))):
        ask = next_above(ask, szd)
    top = TopOfBook(bid, D(draw(st.integers(1, 10**6))), ask, D(draw(st.integers(1, 10**6))))
    return spec, top, fair_price(top, draw(st.sampled_from(["mid", "micro"])))


@settings(max_examples=400, deadline=None)
@given(
    market=markets(),
    sigma=st.floats(0.01, 1000),
    q=st.floats(-1000, 1000),
    model=st.sampled_from(["as", "glft"]),
    levels=st.integers(1, 8),
    spacing=st.floats(0.01, 50),
    min_spread=st.floats(0.01, 100),
    extra=st.floats(0, 20),
    notional=st.floats(1, 100_000),
    exposure=st.floats(10, 10_000_000),
    szi_share=st.floats(-2, 2),
    reduce_only=st.booleans(),
)
def test_every_level_is_valid_for_the_venue(
    market,
    sigma,
    q,
    model,
    levels,
    spacing,
    min_spread,
    extra,
    notional,
    exposure,
    szi_share,
    reduce_only,
):
    spec, top, fair = market
    if model == "as":
        quote = avellaneda_stoikov(q, sigma, 0.01, 0.3, 60.0)
    else:
        quote = glft(q, sigma, 1.0, 0.3, 0.05, 1.0)
    bid_depth, ask_depth = floored_depths(quote.bid_depth, quote.ask_depth, min_spread, extra)
    szi = (D(repr(szi_share * exposure)) / fair).quantize(D(1).scaleb(-spec.sz_decimals))
    ladder_shape = shape(
        levels=levels,
        spacing_bps=spacing,
        level_notional_usd=notional,
        max_exposure_usd=exposure,
        reduce_only=reduce_only,
    )
    ladder = build_ladder(fair, top, spec, bid_depth, ask_depth, ladder_shape, szi)

    for level in (*ladder.bids, *ladder.asks):
        assert is_valid_price(level.px, spec.sz_decimals), level
        assert is_valid_size(level.sz, spec.sz_decimals), level
        assert level.px * level.sz >= 10, level
    bid_pxs = [level.px for level in ladder.bids]
    ask_pxs = [level.px for level in ladder.asks]
    assert bid_pxs == sorted(bid_pxs, reverse=True) and len(set(bid_pxs)) == len(bid_pxs)
    assert ask_pxs == sorted(ask_pxs) and len(set(ask_pxs)) == len(ask_pxs)
    if bid_pxs and ask_pxs:
        assert max(bid_pxs) < min(ask_pxs)
    assert all(px < top.ask_px for px in bid_pxs)  # a post-only bid never matches
    assert all(px > top.bid_px for px in ask_pxs)
    max_position = D(repr(exposure)) / fair
    assert sum(level.sz for level in ladder.bids) <= max(max_position - szi, D(0))
    assert sum(level.sz for level in ladder.asks) <= max(max_position + szi, D(0))
    if reduce_only:
        assert sum(level.sz for level in ladder.bids) <= max(-szi, D(0))
        assert sum(level.sz for level in ladder.asks) <= max(szi, D(0))
