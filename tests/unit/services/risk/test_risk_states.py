"""Trading states with hysteresis at 0.30 / 0.50 and back, in the pure band and in the core."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.services.risk.states import Band, Halt, market_state, next_band, trading_state
from tests.unit.services.risk.risk_helpers import (
    COIN,
    SETTINGS,
    T0,
    feed_market,
    fill,
    intent,
    ready_core,
)

S = SETTINGS  # reduce 0.30 / exit 0.25, rebalance 0.50 / exit 0.45, halt 1.0


def walk(deltas: list[str]) -> list[Band]:
    band, bands = Band(), []
    for value in deltas:
        band = next_band(band, D(value), S).band
        bands.append(band)
    return bands


def test_reducing_starts_at_0_30_and_ends_only_below_0_25():
    bands = walk(["0.29", "0.30", "0.27", "0.25", "0.2499", "0.29"])
    assert [b.reducing for b in bands] == [False, True, True, True, False, False]
    assert [b.state() for b in bands][:2] == ["ACTIVE", "REDUCING"]


def test_rebalancing_starts_at_0_50_and_ends_only_below_0_45_staying_reducing():
    bands = walk(["0.49", "0.50", "0.46", "0.45", "0.44", "0.31", "0.24"])
    assert [b.rebalancing for b in bands] == [False, True, True, True, False, False, False]
    assert [b.reducing for b in bands] == [True, True, True, True, True, True, False]


def test_the_critical_trigger_fires_once_per_crossing_of_halt_at_delta():
    band, fired = Band(), []
    for value in ["0.9", "1.0", "1.2", "0.99", "1.0"]:
        step = next_band(band, D(value), S)
        band = step.band
        fired.append(step.critical)
    assert fired == [False, True, False, False, True]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 120).map(lambda k: D(k) / 100), min_size=1, max_size=40))
def test_bands_follow_the_hysteresis_rule_on_any_path(path):
    band = Band()
    for value in path:
        new = next_band(band, value, S).band
        for flag, at, exit_ in (
            ("rebalancing", S.rebalance_at_delta, S.rebalance_exit_delta),
            ("reducing", S.reduce_at_delta, S.reduce_exit_delta),
        ):
            if value >= at:
                assert getattr(new, flag)
            elif value < exit_:
                assert not getattr(new, flag) or (flag == "reducing" and new.rebalancing)
            else:
                assert getattr(new, flag) == getattr(band, flag) or (
                    flag == "reducing" and new.rebalancing
                )
        assert new.rebalancing <= new.reducing
        band = new


def test_halted_overrides_and_the_system_state_is_the_worst_market():
    halt = Halt("MANUAL_HALT", "test", 1)
    reducing = Band(reducing=True)
    assert trading_state(None, [Band(), reducing]) == "REDUCING"
    assert trading_state(None, [Band(), Band()]) == "ACTIVE"
    assert trading_state(halt, [Band()]) == "HALTED"
    assert market_state(halt, reducing) == "HALTED"
    assert market_state(None, reducing) == "REDUCING"


def _states_after(size_steps: list[str]) -> list[str]:
    """Buy/sell to each position size in turn at 6000 (delta = szi * 6000 / 1000)."""
    core = ready_core()
    szi, states = D(0), []
    for seq, target in enumerate(map(D, size_steps), start=1):
        change = target - szi
        side = "B" if change > 0 else "A"
        core.on_fill(fill(side, "6000", str(abs(change)), start=str(szi), seq=seq))
        szi = target
        states.append(core.decide(COIN, T0).trading_state)
    return states


def test_the_core_goes_reducing_from_a_0_30_delta_and_back_below_0_25():
    # sizes 0.04 .. 0.05: deltas 0.24, 0.30, 0.27, 0.24
    assert _states_after(["0.04", "0.05", "0.045", "0.04"]) == [
        "ACTIVE",
        "REDUCING",
        "REDUCING",
        "ACTIVE",
    ]


def test_the_core_starts_rebalancing_at_0_50_and_stops_below_0_45():
    core = ready_core(szi="0.084")  # delta 0.504
    first = core.on_intent(intent(), T0)
    assert first.trading_state == "REDUCING" and first.rebalance is not None
    core.on_fill(fill("A", "6000", "0.006", start="0.084", seq=2))  # delta 0.468
    feed_market(core, T0 + 6 * 10**9)
    assert core.decide(COIN, T0 + 6 * 10**9).rebalance is not None  # STALE_INTENT: amend
    core.on_fill(fill("A", "6000", "0.01", start="0.078", seq=3))  # delta 0.408
    feed_market(core, T0 + 12 * 10**9)
    core.on_intent(intent(intent_id=2), T0 + 12 * 10**9)
    later = core.decide(COIN, T0 + 12 * 10**9)
    assert later.trading_state == "REDUCING" and later.rebalance is None
    assert "REBALANCE" not in later.reasons
