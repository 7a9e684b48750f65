"""The ladder checks, hand-computed: cuts, drops and the REDUCING skew."""

from decimal import Decimal as D

from amm.services.risk.checks import LadderContext, check_ladder
from amm.services.risk.limits import AccountFacts, Cap, position_cap
from amm.services.risk.settings import RiskSettings
from tests.unit.services.risk.risk_helpers import SETTINGS, SPEC, levels

WIDE = Cap(D(10), D(60_000), "MAX_POSITION")


def context(szi="0", reducing=False, cap=WIDE, bid="5999.5", ask="6000.5") -> LadderContext:
    return LadderContext(D(6000), SPEC, D(szi), cap, reducing, D(bid), D(ask))


def test_a_clean_ladder_passes_untouched_best_first():
    checked = check_ladder(
        levels(("5998", "0.01"), ("5999", "0.02")), levels(("6001", "0.01")), context(), SETTINGS
    )
    assert checked.bids == tuple(levels(("5999", "0.02"), ("5998", "0.01")))
    assert checked.asks == tuple(levels(("6001", "0.01")))
    assert checked.reasons == frozenset()


def test_reducing_drops_the_increasing_side_caps_and_skews_the_other():
    checked = check_ladder(
        levels(("5999", "0.01")),
        levels(("6001", "0.01"), ("6003", "0.02")),
        context(szi="0.02", reducing=True),
        SETTINGS,
    )
    assert checked.bids == ()
    # 2 bps of 6000 = 1.2 towards fair; the second ask is cut to what is left of 0.02
    assert checked.asks == tuple(levels(("5999.8", "0.01"), ("6001.8", "0.01")))
    assert checked.reasons == {"REDUCING"}


def test_the_skew_never_crosses_the_opposite_best_nor_moves_away():
    checked = check_ladder(
        levels(("5999.9", "0.01"), ("5990", "0.01")),
        [],
        context(szi="-0.05", reducing=True, bid="5999.8", ask="6000.2"),
        SETTINGS,
    )
    # the first stops just below the best ask (6000.1 < 6001.1), the second moves 1.2 up
    assert checked.bids == tuple(levels(("6000.1", "0.01"), ("5991.2", "0.01")))
    crossed = check_ladder(
        levels(("6000.5", "0.01")), [], context(szi="-0.05", reducing=True), SETTINGS
    )
    assert crossed.bids == tuple(levels(("6000.5", "0.01")))  # already at the ask: left alone


def test_the_skew_never_moves_a_bid_to_where_max_order_usd_would_cut_it():
    small = RiskSettings(max_order_usd=D(60))
    checked = check_ladder(levels(("5999", "0.01")), [], context(szi="-0.05", reducing=True), small)
    # 1.2 up would be 6000.2, worth $60.002 > $60 (then cut to 0 lots and dropped): it stops at
    # 6000.0, worth exactly $60
    assert checked.bids == tuple(levels(("6000.0", "0.01")))
    assert checked.reasons == {"REDUCING"}


def test_flat_while_reducing_quotes_nothing():
    checked = check_ladder(
        levels(("5999", "0.01")), levels(("6001", "0.01")), context(reducing=True), SETTINGS
    )
    assert (checked.bids, checked.asks, checked.reasons) == ((), (), {"REDUCING"})


def test_an_order_over_max_order_usd_is_cut_to_whole_lots():
    checked = check_ladder(levels(("5999", "0.5")), [], context(), SETTINGS)
    assert checked.bids == tuple(levels(("5999", "0.04")))  # 250 / 5999 = 0.0416..
    assert checked.reasons == {"MAX_ORDER_SIZE"}
    tiny = RiskSettings(max_order_usd=D(50))
    assert check_ladder(levels(("5999", "0.5")), [], context(), tiny).bids == ()


def test_the_cap_keeps_the_best_levels_and_cuts_the_first_misfit():
    cap = Cap(D("0.05"), D(300), "MAX_LEVERAGE")
    checked = check_ladder(
        levels(("5999", "0.02"), ("5998", "0.02"), ("5997", "0.02"), ("5996", "0.02")),
        levels(("6001", "0.04"), ("6002", "0.04")),
        context(szi="0.01", cap=cap),
        SETTINGS,
    )
    assert checked.bids == tuple(levels(("5999", "0.02"), ("5998", "0.02")))  # 0.01 + 0.04
    assert checked.asks == tuple(levels(("6001", "0.04"), ("6002", "0.02")))  # 0.01 - 0.06
    assert checked.reasons == {"MAX_LEVERAGE"}


def test_caps_from_exposure_leverage_and_margin():
    s = SETTINGS  # 1000 USD, leverage 3, margin use 0.5
    assert position_cap(D(6000), AccountFacts(D(1000), 20), 2, s) == Cap(
        D("0.16"), D(1000), "MAX_POSITION"
    )
    assert position_cap(D(6000), AccountFacts(D(200), 20), 2, s).binding == "MAX_LEVERAGE"
    assert position_cap(D(6000), AccountFacts(D(1000), 1), 2, s) == Cap(D("0.08"), D(500), "MARGIN")
    shared = position_cap(D(6000), AccountFacts(D(600), 20, markets_sharing=2), 2, s)
    assert shared == Cap(D("0.15"), D(900), "MAX_LEVERAGE")
    assert position_cap(D(6000), AccountFacts(D(-5), 20), 2, s).max_sz == 0
