"""Avellaneda-Stoikov and GLFT against values computed by hand from the formulas."""

import math

import pytest

from amm.services.quoter.models import (
    as_reservation_price,
    as_total_spread,
    avellaneda_stoikov,
    finite_horizon_left,
    glft,
    glft_coefficients,
)


def test_as_reservation_price_and_spread_by_hand():
    # s = 100, q = 2, gamma = 0.1, sigma = 2, tau = 30, k = 1.5
    # r = 100 - 2 * 0.1 * 4 * 30 = 76
    assert as_reservation_price(100.0, 2.0, 0.1, 2.0, 30.0) == pytest.approx(76.0)
    # spread = 0.1 * 4 * 30 + (2 / 0.1) * ln(1 + 0.1 / 1.5) = 12 + 20 * ln(16/15)
    #        = 12 + 20 * 0.0645385211 = 13.2907704228
    assert as_total_spread(0.1, 2.0, 30.0, 1.5) == pytest.approx(13.2907704228, abs=1e-9)


def test_as_quote_is_half_spread_around_the_reservation_price():
    quote = avellaneda_stoikov(q=2.0, sigma=2.0, gamma=0.1, k=1.5, tau=30.0)
    assert quote.half_spread == pytest.approx(13.2907704228 / 2, abs=1e-9)
    assert quote.skew == pytest.approx(12.0)  # gamma * sigma^2 * tau per unit of q
    assert quote.reservation_offset == pytest.approx(-24.0)  # 76 - 100
    # bid = r - h, ask = r + h, as depths from s = 100
    assert quote.bid_depth == pytest.approx(24.0 + 13.2907704228 / 2, abs=1e-9)
    assert quote.ask_depth == pytest.approx(13.2907704228 / 2 - 24.0, abs=1e-9)


def test_as_flat_inventory_is_symmetric_and_horizon_zero_leaves_the_liquidity_term():
    flat = avellaneda_stoikov(q=0.0, sigma=2.0, gamma=0.1, k=1.5, tau=30.0)
    assert flat.bid_depth == flat.ask_depth == flat.half_spread
    end = avellaneda_stoikov(q=3.0, sigma=2.0, gamma=0.1, k=1.5, tau=0.0)
    assert end.skew == 0.0
    assert end.half_spread == pytest.approx(10 * math.log(16 / 15))


def test_glft_coefficients_by_hand_with_round_numbers():
    # gamma = xi = 0.5, Delta = 1, k = 0.5, A = 2: xi*Delta/k = 1
    # c1 = (1/0.5) * ln 2 = 1.3862943611; c2 = sqrt(0.5 / (2*2*1*0.5) * 2^(1 + 1)) = sqrt(1) = 1
    c1, c2 = glft_coefficients(a=2.0, k=0.5, gamma=0.5, delta=1.0)
    assert c1 == pytest.approx(1.3862943611, abs=1e-10)
    assert c2 == pytest.approx(1.0)
    quote = glft(q=0.0, sigma=3.0, a=2.0, k=0.5, gamma=0.5, delta=1.0)
    assert quote.half_spread == pytest.approx(1.3862943611 + 0.5 * 3.0, abs=1e-10)
    assert quote.skew == pytest.approx(3.0)


def test_glft_with_delta_two_and_a_separate_xi():
    # gamma = 0.5, xi = 0.25, Delta = 2, k = 0.5, A = 0.5: xi*Delta/k = 1
    # c1 = ln 2 / 0.5 = 1.3862943611; c2 = sqrt(0.5 / (2*0.5*2*0.5) * 2^(0.5/0.5 + 1)) = sqrt(2)
    c1, c2 = glft_coefficients(a=0.5, k=0.5, gamma=0.5, delta=2.0, xi=0.25)
    assert c1 == pytest.approx(1.3862943611, abs=1e-10)
    assert c2 == pytest.approx(math.sqrt(2))
    quote = glft(q=1.0, sigma=1.0, a=0.5, k=0.5, gamma=0.5, delta=2.0, xi=0.25)
    assert quote.half_spread == pytest.approx(1.3862943611 + math.sqrt(2), abs=1e-10)  # Delta/2 = 1
    assert quote.bid_depth == pytest.approx(quote.half_spread + math.sqrt(2))


def test_glft_against_the_published_worked_example():
    # The hftbacktest GLFT tutorial's formula with A = 1.08 /s, k = 0.04 /tick,
    # sigma = 10 ticks/sqrt(s), gamma = xi = 0.05, Delta = 1, as worked through in a public
    # walk-through of that notebook:
    # c1 ~ 16.22, c2 ~ 1.58, half spread ~ 24.12 ticks, skew ~ 15.8 ticks per lot.
    # By hand: c1 = 20 * ln 2.25 = 16.2186043; c2 = sqrt(0.05 / 0.0864 * 2.25^1.8)
    #        = sqrt(0.5787037 * 4.3045577) = 1.5783103; h = c1 + 5 * c2 = 24.1101559
    c1, c2 = glft_coefficients(a=1.08, k=0.04, gamma=0.05, delta=1.0)
    assert c1 == pytest.approx(16.2186043, abs=1e-6)
    assert c2 == pytest.approx(1.5783103, abs=1e-6)
    quote = glft(q=5.0, sigma=10.0, a=1.08, k=0.04, gamma=0.05, delta=1.0)
    assert quote.half_spread == pytest.approx(24.1101559, abs=1e-6)
    assert quote.skew == pytest.approx(15.783103, abs=1e-6)
    assert round(c1, 2) == 16.22 and round(c2, 2) == 1.58 and round(quote.skew, 1) == 15.8
    # The walk-through's quotes for q = 5 around a mid of 300000 ticks: 299897 / 299945.
    assert round(300_000 - quote.bid_depth) == 299_897
    assert round(300_000 + quote.ask_depth) == 299_945


def test_glft_adjustment_factors_scale_half_spread_and_skew():
    plain = glft(q=2.0, sigma=1.0, a=1.0, k=0.3, gamma=0.05, delta=1.0)
    scaled = glft(
        q=2.0,
        sigma=1.0,
        a=1.0,
        k=0.3,
        gamma=0.05,
        delta=1.0,
        half_spread_scale=2.0,
        skew_scale=0.05,
    )
    assert scaled.half_spread == pytest.approx(2 * plain.half_spread)
    assert scaled.skew == pytest.approx(0.05 * plain.skew)


@pytest.mark.parametrize("model", ["as", "glft"])
def test_skew_moves_both_quotes_against_inventory(model):
    def quote(q):
        if model == "as":
            return avellaneda_stoikov(q=q, sigma=1.0, gamma=0.01, k=0.3, tau=60.0)
        return glft(q=q, sigma=1.0, a=1.0, k=0.3, gamma=0.05, delta=1.0)

    flat, long, short = quote(0.0), quote(2.0), quote(-2.0)
    # long: both quotes lower (deeper bid, shallower ask) and the ask nearer the mid than the bid
    assert long.bid_depth > flat.bid_depth and long.ask_depth < flat.ask_depth
    assert long.ask_depth < long.bid_depth
    assert short.bid_depth < flat.bid_depth and short.ask_depth > flat.ask_depth
    assert long.reservation_offset < 0 < short.reservation_offset


def test_spread_grows_with_sigma_for_both_models():
    sigmas = [0.5, 1.0, 2.0, 5.0, 20.0]
    as_spreads = [avellaneda_stoikov(0.0, s, 0.01, 0.3, 60.0).half_spread for s in sigmas]
    glft_spreads = [glft(0.0, s, 1.0, 0.3, 0.05, 1.0).half_spread for s in sigmas]
    assert as_spreads == sorted(as_spreads) and len(set(as_spreads)) == len(sigmas)
    assert glft_spreads == sorted(glft_spreads) and len(set(glft_spreads)) == len(sigmas)


def test_spread_and_skew_grow_with_gamma_where_inventory_risk_dominates():
    # Both spreads are a liquidity term that falls with gamma ((2/gamma) ln(1 + gamma/k) in AS,
    # c1 in GLFT) plus an inventory term that grows with it. They grow with gamma when the
    # inventory term dominates: for AS when sigma^2 * tau * k^2 > 1 (here 60 * 0.09 = 5.4).
    gammas = [0.005, 0.01, 0.05, 0.1, 0.5]
    as_quotes = [avellaneda_stoikov(0.0, 1.0, g, 0.3, 60.0) for g in gammas]
    glft_quotes = [glft(0.0, 10.0, 1.0, 0.3, g, 1.0) for g in gammas]
    for quotes in (as_quotes, glft_quotes):
        spreads = [quote.half_spread for quote in quotes]
        skews = [quote.skew for quote in quotes]
        assert spreads == sorted(spreads) and len(set(spreads)) == len(gammas)
        assert skews == sorted(skews) and len(set(skews)) == len(gammas)


def test_finite_horizon_counts_down_within_each_cycle():
    assert finite_horizon_left(0.0, 60.0) == 60.0
    assert finite_horizon_left(45.0, 60.0) == pytest.approx(15.0)
    assert finite_horizon_left(86_400 * 3 + 3600.0, 86_400.0) == pytest.approx(86_400 - 3600)
