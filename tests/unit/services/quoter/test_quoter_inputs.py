"""The estimators behind the model: fair price, volatility, and A and k from trades."""

import math
import random
from decimal import Decimal as D

import pytest

from amm.services.quoter.fair import TopOfBook, fair_price, top_from_bbo, top_from_book
from amm.services.quoter.intensity import IntensityCalibrator, fit_line
from amm.services.quoter.settings import IntensitySettings, VolatilitySettings
from amm.services.quoter.volatility import EwmaVolatility
from tests.unit.services.quoter.quoter_helpers import SECOND, T0, bbo, book

# ---- fair price --------------------------------------------------------------------------------


def test_mid_and_micro_price():
    top = TopOfBook(D(100), D(1), D(101), D(3))
    assert fair_price(top, "mid") == D("100.5")
    # (100 * 3 + 101 * 1) / 4 = 100.25: a thick ask pushes the fair price towards the bid
    assert fair_price(top, "micro") == D("100.25")


def test_top_of_book_needs_both_sides_and_no_cross():
    assert top_from_bbo(bbo()) == TopOfBook(D("5999.9"), D(5), D("6000.1"), D(5))
    assert top_from_book(book()) == top_from_bbo(bbo())
    assert top_from_bbo(bbo(bid="6000.1", ask="6000.1")) is None
    one_sided = bbo()
    one_sided.ask_px = None
    assert top_from_bbo(one_sided) is None
    empty = book()
    empty.asks = []
    assert top_from_book(empty) is None


# ---- volatility --------------------------------------------------------------------------------

VOL = VolatilitySettings(
    halflife_s=30.0, sample_interval_s=1.0, initial_bps_per_sqrt_s=1.0, max_bps_per_sqrt_s=1000.0
)


def test_volatility_starts_at_the_prior_and_converges_to_the_realised_rate():
    vol = EwmaVolatility(VOL)
    assert vol.bps_per_sqrt_s == 1.0
    rng = random.Random(7)
    mid, now = 6000.0, T0
    for _ in range(2000):  # 5 bps per sqrt(s), sampled every 2 s: returns of 5*sqrt(2) bps
        vol.on_mid(mid, now)
        mid *= math.exp(rng.gauss(0, 5e-4 * math.sqrt(2)))
        now += 2 * SECOND
    assert vol.bps_per_sqrt_s == pytest.approx(5.0, rel=0.25)


def test_volatility_ignores_updates_closer_than_the_sample_interval():
    vol = EwmaVolatility(VOL)
    vol.on_mid(6000.0, T0)
    vol.on_mid(6060.0, T0 + SECOND // 2)  # 100 bps in half a second: not a sample
    assert vol.samples == 0 and vol.bps_per_sqrt_s == 1.0
    vol.on_mid(6060.0, T0 + SECOND)
    assert vol.samples == 1 and vol.bps_per_sqrt_s > 1.0  # the move counts, over a full second


def test_volatility_weight_follows_time_not_update_count():
    # one 20 bps return over 30 s (one half-life): variance moves half way to 20^2 / 30
    vol = EwmaVolatility(VOL)
    vol.on_mid(6000.0, T0)
    vol.on_mid(6000.0 * math.exp(20e-4), T0 + 30 * SECOND)
    assert vol.variance == pytest.approx(1.0 + 0.5 * (400.0 / 30 - 1.0))


def test_volatility_is_bounded():
    vol = EwmaVolatility(VolatilitySettings(max_bps_per_sqrt_s=3.0))
    vol.on_mid(6000.0, T0)
    vol.on_mid(9000.0, T0 + 5 * SECOND)
    assert vol.bps_per_sqrt_s == 3.0


# ---- A and k -----------------------------------------------------------------------------------

CALIBRATE = IntensitySettings(
    a_per_s=9.0, k_per_bps=9.0, window_s=600.0, min_arrivals=50, min_span_s=60.0
)


def test_fit_line_is_least_squares():
    slope, intercept = fit_line([0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 5.0, 7.0])
    assert slope == pytest.approx(2.0) and intercept == pytest.approx(1.0)


def test_calibration_recovers_a_and_k_of_the_venues_taker_law():
    # The paper venue's takers: 2A arrivals per second, a side each, depth ~ Exponential(k) bps,
    # so a quote at delta bps on one side is reached A*exp(-k*delta) times a second.
    a, k = 1.0, 0.3
    rng = random.Random(3)
    calibrator = IntensityCalibrator(CALIBRATE)
    mid, now = 6000.0, T0
    calibrator.observe_from(now)
    end = now + 600 * SECOND
    while True:
        now += int(rng.expovariate(2 * a) * SECOND)
        if now >= end:
            break
        depth = rng.expovariate(k)
        is_buy = rng.random() < 0.5
        px = mid * (1 + depth / 1e4) if is_buy else mid * (1 - depth / 1e4)
        calibrator.on_trades(mid, [(px, is_buy)], now)
    fitted = calibrator.current(end)
    assert fitted.source == "calibrated"
    assert fitted.a_per_s == pytest.approx(a, rel=0.25)
    assert fitted.k_per_bps == pytest.approx(k, rel=0.15)


def test_calibration_keeps_the_configured_values_without_enough_data():
    calibrator = IntensityCalibrator(CALIBRATE)
    calibrator.observe_from(T0)
    for i in range(10):
        calibrator.on_trades(6000.0, [(6001.0, True)], T0 + i * SECOND)
    current = calibrator.current(T0 + 100 * SECOND)
    assert (current.a_per_s, current.k_per_bps, current.source) == (9.0, 9.0, "configured")


def test_trades_on_the_wrong_side_of_the_mid_are_not_arrivals():
    calibrator = IntensityCalibrator(CALIBRATE)
    calibrator.on_trades(6000.0, [(5999.0, True), (6001.0, False)], T0)
    assert not calibrator.arrivals
    calibrator.on_trades(6000.0, [(6000.6, True), (6001.2, True), (5999.4, False)], T0)
    assert [round(depth, 6) for _, depth in calibrator.arrivals] == [2.0, 1.0]  # deepest per side


def test_calibration_off_uses_the_configured_values():
    settings = IntensitySettings(calibrate=False, a_per_s=2.0, k_per_bps=0.5)
    current = IntensityCalibrator(settings).current(T0)
    assert (current.a_per_s, current.k_per_bps, current.source) == (2.0, 0.5, "configured")
