"""The pure core end to end: inputs in, intents out, failing closed."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import MarketSpec, is_valid_price, is_valid_size
from amm.common.messages import Bbo, MarketDataStatus, RiskPosition, RiskState
from amm.services.quoter.logic import QuoterCore
from amm.services.quoter.settings import (
    AvellanedaStoikovSettings,
    GlftSettings,
    VolatilitySettings,
)
from tests.unit.services.quoter.quoter_helpers import (
    COIN,
    SECOND,
    SETTINGS,
    SPEC,
    T0,
    WALL0,
    bbo,
    book,
    live_core,
    mode,
    risk,
    status,
)
from tests.unit.services.quoter.quoter_helpers import (
    settings as quoter_settings,
)


def test_quotes_a_ladder_when_everything_is_live():
    core = live_core()
    intent = core.step(COIN, T0, WALL0)
    assert intent is not None
    assert intent.coin == COIN and intent.model == "glft" and intent.mode == "moderate"
    assert intent.fair_px == D(6000) and intent.created_ns == WALL0
    # GLFT, sigma = 1 bps/sqrt(s), A = 1, k = 0.3, gamma = 0.05: h = 3.33 bps -> 5998.0 / 6002.0;
    # moderate: 3 levels 2 bps apart, $1000 x 5 x 3% = $150 -> 0.02
    assert [(lv.px, lv.sz) for lv in intent.bids] == [
        (D("5998.0"), D("0.02")),
        (D("5996.8"), D("0.02")),
        (D("5995.6"), D("0.02")),
    ]
    assert [lv.px for lv in intent.asks] == [D("6002.0"), D("6003.2"), D("6004.4")]
    view = core.view(COIN)
    assert view is not None and view.reasons == ()
    assert view.half_spread_bps == pytest.approx(3.3305808)
    assert view.skew_bps == pytest.approx(0.4951344)


def test_a_long_position_moves_both_quotes_down_with_the_ask_nearest_the_mid():
    flat = live_core().step(COIN, T0, WALL0)
    long = live_core(szi="0.05").step(COIN, T0, WALL0)  # 0.05 / 0.025 per level = q of 2
    assert flat is not None and long is not None
    assert long.bids[0].px < flat.bids[0].px and long.asks[0].px < flat.asks[0].px
    fair = long.fair_px
    assert long.asks[0].px - fair < fair - long.bids[0].px
    short = live_core(szi="-0.05").step(COIN, T0, WALL0)
    assert short is not None
    assert short.bids[0].px > flat.bids[0].px and short.asks[0].px > flat.asks[0].px


def test_intent_ids_increase_and_an_unchanged_ladder_is_not_a_new_intent():
    core = QuoterCore(SETTINGS, {COIN: SPEC}, first_intent_id=41)
    core.on_status(status(), T0)
    core.on_bbo(bbo(), T0)
    core.on_risk_state(risk(), T0)
    first = core.step(COIN, T0, WALL0)
    assert first is not None and first.intent_id == 41
    assert core.step(COIN, T0 + SECOND // 10, WALL0) is None
    assert core.latest(COIN) is first  # what the timer re-publishes
    core.on_bbo(bbo(bid="6009.9", ask="6010.1"), T0 + SECOND // 5)
    second = core.step(COIN, T0 + SECOND // 5, WALL0)
    assert second is not None and second.intent_id == 42


def test_the_same_top_again_does_not_call_for_a_step():
    core = live_core()
    assert core.on_body(book(), T0 + 1) == ()  # md.book after the md.bbo of the same move
    assert core.on_body(bbo(), T0 + 2) == ()
    assert core.on_body(bbo(bid="6009.9", ask="6010.1"), T0 + 3) == (COIN,)
    assert core.on_body(bbo(bid="6009.9", ask="6010.1", ask_sz="7"), T0 + 4) == (COIN,)


def test_a_top_after_a_silence_or_a_gap_in_validity_calls_for_a_step():
    core = live_core()
    one_sided = bbo()
    one_sided.bid_px = None
    assert core.on_body(one_sided, T0 + 1) == (COIN,)
    assert core.on_body(one_sided, T0 + 2) == ()
    assert core.on_body(bbo(), T0 + 3) == (COIN,)
    assert core.on_body(bbo(), T0 + 3 + 6 * SECOND) == (COIN,)  # the last top had grown stale


def test_a_new_sigma_sample_calls_for_a_step_even_on_the_same_top():
    core = live_core()
    assert core.on_body(bbo(), T0 + 2 * SECOND) == (COIN,)  # a zero return: sigma moves


def _fail(core: QuoterCore, now: int = T0) -> tuple[str, ...]:
    ladder, view = core.desired(COIN, now, WALL0)
    assert ladder.empty
    intent = core.step(COIN, now, WALL0)
    assert intent is None or (intent.bids == [] and intent.asks == [])
    return view.reasons


def test_fail_closed_without_a_live_status_a_fresh_book_or_risk_state():
    core = QuoterCore(SETTINGS, {COIN: SPEC})
    assert _fail(core) == ("no_book", "md_not_live", "no_risk_state")
    assert core.step(COIN, T0, WALL0) is None  # no fair price yet: no intent at all

    core = live_core()
    core.on_status(status("stale"), T0)
    assert _fail(core) == ("md_not_live",)

    core = live_core()
    core.on_status(status("live", coin="BTC"), T0)  # live, but not this market
    assert _fail(core) == ("md_not_live",)

    core = live_core()
    core.on_risk_state(risk(), T0 + 10 * SECOND)
    assert _fail(core, T0 + 10 * SECOND) == ("book_stale",)  # no top of book for 10 s > 5 s

    core = live_core()  # one-sided for longer than max_book_age_s: no usable top left
    one_sided = bbo()
    one_sided.bid_px = None
    core.on_bbo(one_sided, T0 + 6 * SECOND)
    core.on_risk_state(risk(), T0 + 6 * SECOND)
    assert _fail(core, T0 + 6 * SECOND) == ("no_book",)

    core = live_core()
    core.on_bbo(bbo(), T0 + 10 * SECOND)
    assert _fail(core, T0 + 10 * SECOND) == ("risk_state_stale",)

    core = live_core()
    core.on_risk_state(risk(state="HALTED"), T0)
    assert _fail(core) == ("risk_halted",)


def test_a_momentary_one_sided_or_crossed_top_keeps_the_ladder_until_max_book_age():
    core = live_core()
    quoting = core.step(COIN, T0, WALL0)
    assert quoting is not None and quoting.bids and quoting.asks
    swept = bbo()
    swept.ask_px = swept.ask_sz = None  # a taker swept the asks bare for a moment
    core.on_bbo(swept, T0 + SECOND // 20)
    ladder, view = core.desired(COIN, T0 + SECOND // 20, WALL0)
    assert view.reasons == () and (ladder.bids, ladder.asks) == (
        tuple(quoting.bids),
        tuple(quoting.asks),
    )  # the last valid top stands in: same ladder, so no new intent and no churn
    assert core.step(COIN, T0 + SECOND // 20, WALL0) is None
    core.on_bbo(bbo(bid="6000.2", ask="6000.1"), T0 + SECOND // 10)  # crossed, for a moment
    assert core.desired(COIN, T0 + SECOND // 10, WALL0)[1].reasons == ()
    # still not two-sided more than max_book_age_s (5 s) after the last valid top: fail closed
    later = T0 + 5 * SECOND + SECOND // 10
    core.on_bbo(swept, later)
    core.on_risk_state(risk(), later)
    empty = core.step(COIN, later, WALL0)
    assert empty is not None and empty.bids == [] and empty.asks == []
    assert core.view(COIN) is not None and core.view(COIN).reasons == ("no_book",)


def test_reducing_is_read_per_market_from_risks_limits():
    btc = MarketSpec(coin="BTC", sz_decimals=5, max_leverage=40, asset=0)
    core = QuoterCore(SETTINGS, {COIN: SPEC, "BTC": btc})
    core.on_status(MarketDataStatus(state="live", markets={COIN: "live", "BTC": "live"}), T0)
    core.on_bbo(bbo(), T0)
    core.on_bbo(
        Bbo(
            coin="BTC",
            exch_time_ms=0,
            recv_ns=0,
            bid_px=D(89999),
            bid_sz=D(1),
            ask_px=D(90001),
            ask_sz=D(1),
        ),
        T0,
    )
    flat = RiskPosition(szi=D(0), entry_px=None, notional=D(0), delta=0.0)
    long_btc = RiskPosition(szi=D("0.004"), entry_px=D(90000), notional=D(360), delta=0.36)
    state = RiskState(
        state="REDUCING",  # the system's state: some market (BTC) is REDUCING
        reasons=["REDUCING"],
        positions={COIN: flat, "BTC": long_btc},
        session_pnl=D(0),
        limits={"markets": {COIN: {"state": "ACTIVE"}, "BTC": {"state": "REDUCING"}}},
        snapshot_ok=True,
    )
    core.on_risk_state(state, T0)
    us500 = core.step(COIN, T0, WALL0)
    assert us500 is not None and us500.bids and us500.asks  # ACTIVE here: both sides
    assert core.view(COIN) is not None and core.view(COIN).trading_state == "ACTIVE"
    btc_intent = core.step("BTC", T0, WALL0)
    assert btc_intent is not None and btc_intent.bids == [] and btc_intent.asks  # reduce-only
    assert sum(level.sz for level in btc_intent.asks) <= D("0.004")

    state.limits = {}  # an older risk without per-market states: the system's state applies
    core.on_risk_state(state, T0)
    ladder, view = core.desired(COIN, T0, WALL0)
    assert ladder.empty and view.reasons == ("no_levels",) and view.trading_state == "REDUCING"


def test_fail_closed_publishes_an_empty_intent_once_quoting():
    core = live_core()
    assert core.step(COIN, T0, WALL0) is not None
    core.on_status(status("reconnecting"), T0)
    empty = core.step(COIN, T0, WALL0)
    assert empty is not None and empty.bids == [] and empty.asks == []
    assert empty.fair_px == D(6000)  # the last fair price heard
    assert core.step(COIN, T0 + SECOND, WALL0) is None  # still empty: nothing new


def test_modes_change_the_parameters():
    narrow = quoter_settings(glft=GlftSettings(half_spread_scale=0.25))  # the floors decide
    core = live_core(narrow)
    moderate = core.step(COIN, T0, WALL0)
    core.on_mode(mode("defensive"), T0)
    defensive = core.step(COIN, T0, WALL0)
    core.on_mode(mode("very_aggressive"), T0)
    very = core.step(COIN, T0, WALL0)
    assert moderate is not None and defensive is not None and very is not None
    # very_aggressive asks for 5 levels of $250, but its $1000 max exposure holds 4 of them
    assert (len(moderate.bids), len(defensive.bids), len(very.bids)) == (3, 2, 4)
    assert defensive.mode == "defensive" and very.mode == "very_aggressive"

    def spread_bps(intent):
        return (intent.asks[0].px - intent.bids[0].px) / intent.fair_px * 10_000

    assert 2 <= spread_bps(very) < 5 <= spread_bps(moderate) < 10 <= spread_bps(defensive)
    # sizes: $1000 x 2 x 2% = $40 -> 0.01 (defensive); $1000 x 10 x 2.5% = $250 -> 0.04
    assert defensive.bids[0].sz == D("0.01") and very.bids[0].sz == D("0.04")
    core.on_mode(mode("emergency_defensive"), T0)
    assert _fail(core) == ("mode_quotes_nothing",)


def test_default_mode_until_the_monitor_is_heard():
    core = live_core(quoter_settings(default_mode="defensive"))
    assert core.mode == "defensive"
    intent = core.step(COIN, T0, WALL0)
    assert intent is not None and intent.mode == "defensive" and len(intent.bids) == 2


def test_past_the_inventory_threshold_only_the_reducing_side_is_quoted():
    intent = live_core(szi="0.3").step(COIN, T0, WALL0)  # $1800 of $2500: 0.72 > 0.6
    assert intent is not None and intent.bids == [] and len(intent.asks) == 3
    intent = live_core(szi="-0.3").step(COIN, T0, WALL0)
    assert intent is not None and intent.asks == [] and len(intent.bids) == 3


def test_reducing_quotes_only_within_the_position():
    core = live_core(szi="0.03")
    core.on_risk_state(risk("0.03", state="REDUCING"), T0)
    intent = core.step(COIN, T0, WALL0)
    assert intent is not None and intent.bids == []
    assert sum(level.sz for level in intent.asks) <= D("0.03")
    flat = live_core()
    flat.on_risk_state(risk("0", state="REDUCING"), T0)
    ladder, view = flat.desired(COIN, T0, WALL0)
    assert ladder.empty and view.reasons == ("no_levels",)


def test_defence_widens_by_three_bps_and_keeps_two_levels():
    core = live_core()
    calm = core.step(COIN, T0, WALL0)
    core.on_performance(spread_capture_bps=0.5, markout_bps=-3.5, now_ns=T0)
    defended = core.step(COIN, T0, WALL0)
    assert calm is not None and defended is not None
    assert len(calm.bids) == 3 and len(defended.bids) == len(defended.asks) == 2
    # 3 bps of 6000 = 1.8 further on each side
    assert defended.bids[0].px == calm.bids[0].px - D("1.8")
    assert defended.asks[0].px == calm.asks[0].px + D("1.8")
    view = core.view(COIN)
    assert view is not None and view.defence_active


def test_higher_volatility_lowers_leverage_and_order_size():
    volatile = quoter_settings(
        volatility=VolatilitySettings(initial_bps_per_sqrt_s=4.0, max_bps_per_sqrt_s=50.0)
    )
    core = live_core(volatile)
    intent = core.step(COIN, T0, WALL0)
    view = core.view(COIN)
    assert view is not None and view.leverage == pytest.approx(1.25)  # 5 x 1 / 4
    # $1000 x 1.25 x 3% = $37.5 -> 0.00 lots, raised to the $10 minimum: 0.01
    assert intent is not None and intent.bids[0].sz == D("0.01")


def test_avellaneda_stoikov_with_a_finite_horizon():
    a_s = AvellanedaStoikovSettings(gamma=0.01, horizon="finite", horizon_s=3600.0)
    core = live_core(quoter_settings(model="avellaneda_stoikov", avellaneda_stoikov=a_s))
    hour = 3600 * SECOND
    wall = WALL0 // hour * hour + 600 * SECOND  # 600 s into an hour
    intent = core.step(COIN, T0, wall)
    view = core.view(COIN)
    assert intent is not None and intent.model == "avellaneda_stoikov"
    assert view is not None and view.tau_s == pytest.approx(3000.0)
    assert view.skew_bps == pytest.approx(0.01 * 1.0 * 3000.0)


@settings(max_examples=150, deadline=None)
@given(
    szi=st.decimals(-1, 1, places=2),
    sigma=st.floats(0.1, 100),
    model=st.sampled_from(["glft", "avellaneda_stoikov"]),
    mode_name=st.sampled_from(["defensive", "moderate", "aggressive", "very_aggressive"]),
    bid=st.integers(50_000, 60_000),
    spread_ticks=st.integers(1, 30),
)
def test_any_inventory_and_volatility_give_a_valid_uncrossed_ladder(
    szi, sigma, model, mode_name, bid, spread_ticks
):
    vol = VolatilitySettings(initial_bps_per_sqrt_s=sigma, max_bps_per_sqrt_s=100.0)
    core = QuoterCore(quoter_settings(model=model, volatility=vol), {COIN: SPEC})
    best_bid, best_ask = D(bid) / 10, D(bid + spread_ticks) / 10
    core.on_status(status(), T0)
    core.on_bbo(bbo(bid=str(best_bid), ask=str(best_ask)), T0)
    core.on_risk_state(risk(str(szi)), T0)
    core.on_mode(mode(mode_name), T0)
    intent = core.step(COIN, T0, WALL0)
    assert intent is not None
    for level in (*intent.bids, *intent.asks):
        assert is_valid_price(level.px, SPEC.sz_decimals) and is_valid_size(level.sz, 2)
        assert level.px * level.sz >= 10
    assert all(level.px < best_ask for level in intent.bids)
    assert all(level.px > best_bid for level in intent.asks)
    if intent.bids and intent.asks:
        assert intent.bids[0].px < intent.asks[0].px
