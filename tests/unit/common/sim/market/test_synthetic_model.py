import itertools
import math
import statistics
from decimal import Decimal as D

import pytest

from amm.common.hyperliquid.rules import (
    MarketSpec,
    is_valid_price,
    is_valid_size,
    meets_min_value,
    price_step,
    round_price_passive,
)
from amm.common.sim import EngineConfig, Fill, MatchingEngine, OrderRequest, Trade
from amm.common.sim.market.house import HOUSE_MAKER, HOUSE_TAKER
from amm.common.sim.market.params import SyntheticParams
from amm.common.sim.market.synthetic import SyntheticModel
from tests.unit.common.sim.market.market_model_helpers import (
    BTC,
    TRADER,
    US500,
    engine,
    place,
    serialise,
)

START = 1_700_000_000_000
DOGE = MarketSpec(coin="DOGE", sz_decimals=0, max_leverage=10, asset=5)
CALM = {"volatility_bps_per_sqrt_s": 0.0, "jump_rate_per_hour": 0.0}
NO_TAKERS = {"taker_intensity_per_s": 0.0}


def model(seed=7, markets=((BTC, D(90000)),), **params):
    return SyntheticModel(SyntheticParams(**params), list(markets), seed, START)


def run_with_trader(seed):
    """Two markets for two minutes, with a trader quoting near the mid now and then."""
    markets = ((US500, D(6000)), (BTC, D(90000)))
    sim = model(seed, markets, volatility_bps_per_sqrt_s=3.0, jump_rate_per_hour=120.0)
    eng = engine(US500, BTC)
    events = []
    for t in range(START, START + 120_000 + 1, 500):
        events += sim.advance(eng, t)
        if t % 5_000 == 0:
            for spec, _ in markets:
                mid = sim.mid(spec.coin)
                for is_buy in (True, False):
                    px = round_price_passive(
                        mid * (1 - D("0.0001") if is_buy else 1 + D("0.0001")),
                        spec.sz_decimals,
                        is_buy=is_buy,
                    )
                    sz = D(50) / px
                    request = OrderRequest(
                        spec.coin, is_buy, px, round(sz, spec.sz_decimals) + D(1).scaleb(-2)
                    )
                    events += eng.place_order(TRADER, request, t).events
    return events


def test_same_seed_gives_the_same_events_and_another_seed_does_not():
    first = run_with_trader(11)
    assert any(isinstance(e, Fill) and e.user == TRADER for e in first)
    assert serialise(first) == serialise(run_with_trader(11))
    assert serialise(first) != serialise(run_with_trader(12))


def test_refuses_an_engine_that_does_not_treat_the_taker_as_house():
    eng = MatchingEngine([BTC], EngineConfig(house_addresses=(HOUSE_MAKER,)))
    with pytest.raises(ValueError, match=HOUSE_TAKER):
        model().advance(eng, START)


def test_first_step_quotes_the_ladder_and_a_still_market_costs_nothing_after():
    sim = model(**CALM, **NO_TAKERS)
    eng = engine(BTC)
    assert sim.next_wakeup_ms() == START
    first = sim.advance(eng, START)
    assert len(first) == 2 * 10 and eng.mark_px("BTC") == D(90000)
    assert sim.next_wakeup_ms() == START + 200
    assert sim.advance(eng, START + 60_000) == []


def test_a_moving_mid_only_touches_the_levels_it_crossed():
    sim = model(volatility_bps_per_sqrt_s=1.0, jump_rate_per_hour=0.0, **NO_TAKERS)
    eng = engine(BTC)
    sim.advance(eng, START)
    later = sim.advance(eng, START + 200 * 1000)
    assert len(later) / 1000 < 4  # a full re-quote would be 40 events a step


@pytest.mark.parametrize("spec, start_px", [(US500, D(6000)), (BTC, D(90000)), (DOGE, D("0.123"))])
def test_house_levels_are_valid_and_laid_out_as_configured(spec, start_px):
    params = {"maker_half_spread_bps": 2.0, "maker_level_spacing_bps": 1.5, "maker_levels": 6}
    sim = model(3, ((spec, start_px),), volatility_bps_per_sqrt_s=5.0, **params)
    eng = engine(spec)
    for t in range(START, START + 30_000 + 1, 200):
        sim.advance(eng, t)
        orders = eng.open_orders(HOUSE_MAKER)
        mid = sim.mid(spec.coin)
        assert mid == eng.mark_px(spec.coin)
        for o in orders:
            assert is_valid_price(o.limit_px, spec.sz_decimals)
            assert is_valid_size(o.sz, spec.sz_decimals)
            assert meets_min_value(o.limit_px, o.sz)
        bids = sorted((o.limit_px for o in orders if o.side == "B"), reverse=True)
        asks = sorted(o.limit_px for o in orders if o.side == "A")
        assert len(bids) == len(asks) == 6
        bps = [(mid - px) / mid * 10_000 for px in bids] + [
            (px - mid) / mid * 10_000 for px in asks
        ]
        grid_bps = price_step(mid, spec.sz_decimals) / mid * 10_000
        for touch in (bps[0], bps[6]):
            assert 2 - grid_bps <= touch <= D("3.5") + 2 * grid_bps
        gaps = [b - a for a, b in itertools.pairwise(bps) if a < b]
        assert len(gaps) == 10
        assert all(abs(gap - D("1.5")) <= 2 * grid_bps for gap in gaps)


def test_the_mid_moves_with_the_configured_volatility():
    sim = model(
        volatility_bps_per_sqrt_s=2.0,
        jump_rate_per_hour=0.0,
        step_ms=1000,
        maker_levels=1,
        **NO_TAKERS,
    )
    eng = engine(BTC)
    mids = []
    for n in range(4001):
        sim.advance(eng, START + n * 1000)
        mids.append(math.log(sim.mid("BTC")))
    steps_bps = [(b - a) * 10_000 for a, b in itertools.pairwise(mids)]
    assert statistics.stdev(steps_bps) == pytest.approx(2.0, rel=0.07)
    assert abs(statistics.fmean(steps_bps)) < 0.15


def test_jumps_come_at_the_configured_rate_and_size():
    sim = model(
        volatility_bps_per_sqrt_s=0.0,
        jump_rate_per_hour=360.0,
        jump_bps=20.0,
        step_ms=1000,
        maker_levels=1,
        **NO_TAKERS,
    )
    eng = engine(BTC)
    mids = []
    for n in range(3001):
        sim.advance(eng, START + n * 1000)
        mids.append(math.log(sim.mid("BTC")))
    moves = [abs(b - a) * 10_000 for a, b in itertools.pairwise(mids)]
    jumps = [m for m in moves if m > 1]
    assert all(m < 0.3 for m in moves if m <= 1)
    assert all(abs(m - 20) < 0.3 for m in jumps)
    expected = 3000 * -math.expm1(-0.1)
    assert abs(len(jumps) - expected) < 4 * math.sqrt(expected)


def test_an_order_at_distance_d_is_hit_at_rate_a_exp_minus_k_d():
    a, k = 1.0, 0.3
    sim = model(
        5,
        **CALM,
        taker_intensity_per_s=a,
        taker_decay_per_bps=k,
        informed_share=0.0,
        step_ms=1000,
    )
    eng = engine(BTC)
    mid = D(90000)
    probes = {}  # (bps, is_buy) -> [px, oid, placed_ms]
    hits = dict.fromkeys([(d, b) for d in (1, 3, 5, 8) for b in (True, False)], 0)
    resting_ms = dict.fromkeys(hits, 0)
    end = START + 2_500_000
    for t in range(START, end + 1, 1000):
        fills = {e.oid: e.time for e in sim.advance(eng, t) if isinstance(e, Fill)}
        for key in hits:
            probe = probes.get(key)
            if probe is not None and probe[1] in fills:
                hits[key] += 1
                resting_ms[key] += fills[probe[1]] - probe[2]
                probe = None
            if probe is None and t < end:
                bps, is_buy = key
                px = round_price_passive(
                    mid * (1 + (-1 if is_buy else 1) * D(bps) / 10_000), 5, is_buy=is_buy
                )
                probes[key] = [px, place(eng, "BTC", is_buy, px, D("0.00025"), t), t]
    for key, probe in probes.items():
        if probe[1] in {o.oid for o in eng.open_orders(TRADER)}:
            resting_ms[key] += end - probe[2]
    rates = []
    for bps in (1, 3, 5, 8):
        count = hits[(bps, True)] + hits[(bps, False)]
        seconds = (resting_ms[(bps, True)] + resting_ms[(bps, False)]) / 1000
        actual_bps = float(abs(probes[(bps, True)][0] - mid) / mid * 10_000)
        rate = count / seconds
        assert rate == pytest.approx(a * math.exp(-k * actual_bps), rel=0.2), bps
        rates.append(rate)
    assert rates == sorted(rates, reverse=True)


def mids_and_house_fills(informed_share):
    step = 200
    sim = model(
        9,
        volatility_bps_per_sqrt_s=3.0,
        jump_rate_per_hour=0.0,
        informed_share=informed_share,
        informed_lead_s=2.0,
        step_ms=step,
    )
    eng = engine(BTC)
    mids, fills, trades = [], [], []
    for n in range(3000 + 20):
        events = sim.advance(eng, START + n * step)
        mids.append(sim.mid("BTC"))
        fills += [e for e in events if isinstance(e, Fill) and e.user == HOUSE_MAKER]
        trades += [e for e in events if isinstance(e, Trade)]

    def mid_at(time_ms):
        return mids[(time_ms - START) // step]

    markouts = [
        float((mid_at(f.time + 2000) - mid_at(f.time)) / mid_at(f.time) * 10_000)
        * (1 if f.side == "B" else -1)
        for f in fills
        if f.time <= START + 3000 * step
    ]
    return mid_at, markouts, trades


def test_informed_takers_trade_ahead_of_the_move_and_hurt_the_maker():
    mid_at, informed, trades = mids_and_house_fills(1.0)
    _, uninformed, _ = mids_and_house_fills(0.0)
    assert len(informed) > 300 and len(uninformed) > 300
    assert statistics.fmean(informed) < -1.5
    assert abs(statistics.fmean(uninformed)) < 0.8
    agree = [
        (trade.side == "B") == (move > 0)
        for trade in trades
        if trade.time <= START + 590_000
        and (move := mid_at(trade.time + 2000) - mid_at(trade.time)) != 0
    ]
    assert len(agree) > 300
    assert sum(agree) / len(agree) > 0.95
