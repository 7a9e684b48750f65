"""Mode recommendation: each transition at its threshold, hysteresis, no flapping."""

from decimal import Decimal as D

import pytest

from amm.services.monitor.modes import ModeState, Target, emergency, target
from amm.services.monitor.settings import ModeSettings
from tests.unit.services.monitor.monitor_helpers import (
    LIVE,
    MS,
    T0_MS,
    bbo,
    fill,
    ready_core,
    settings,
)

S = ModeSettings()


def aim(spread: float | None, cycle: str, session: str = "0", current: str = "moderate") -> str:
    return target(S, current, session_pnl=D(session), cycle_pnl=D(cycle), spread_bps=spread).mode  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spread", "cycle", "session", "expected"),
    [
        (20.0, "1", "-2.00", "very_aggressive"),  # session at -2.00 is not below it
        (20.0, "1", "-2.01", "emergency_defensive"),
        (20.0, "-0.50", "0", "defensive"),  # cycle at -0.50: not emergency yet
        (20.0, "-0.51", "0", "emergency_defensive"),
        (-3.0, "0.5", "0", "moderate"),  # -3 bps is not below -3
        (-3.01, "0.5", "0", "defensive"),
        (20.0, "-0.20", "0", "moderate"),
        (20.0, "-0.21", "0", "defensive"),
        (0.99, "0.5", "0", "moderate"),
        (20.0, "-0.01", "0", "moderate"),
        (10.01, "0.11", "0", "aggressive"),
        (10.0, "0.11", "0", "moderate"),  # not above 10 bps: hold, from moderate
        (10.01, "0.10", "0", "moderate"),
        (15.01, "0.16", "0", "very_aggressive"),
        (15.0, "0.16", "0", "aggressive"),
        (15.01, "0.15", "0", "aggressive"),
        (None, "1", "0", "moderate"),  # no spread capture: never aggressive
    ],
)
def test_each_target_at_its_threshold(spread, cycle, session, expected):
    assert aim(spread, cycle, session) == expected


def test_between_the_moderate_and_aggressive_thresholds_the_mode_holds_within_them():
    assert aim(5.0, "0.05", current="aggressive") == "aggressive"
    assert aim(5.0, "0.05", current="very_aggressive") == "aggressive"
    assert aim(5.0, "0.05", current="defensive") == "moderate"
    assert aim(5.0, "0.05", current="emergency_defensive") == "moderate"


def test_more_defensive_is_immediate_more_aggressive_needs_three_cycles_in_a_row():
    state = ModeState("moderate", "initial", 0)
    up = Target("aggressive", "good")
    assert not state.on_cycle(up, 3, 1)
    assert not state.on_cycle(up, 3, 2)
    assert state.on_cycle(up, 3, 3) and state.mode == "aggressive" and state.since_ns == 3
    assert state.on_cycle(Target("defensive", "bad"), 3, 4) and state.mode == "defensive"
    assert state.reason == "bad" and state.targets == []


def test_an_upgrade_goes_to_the_least_aggressive_of_the_last_targets():
    state = ModeState("defensive", "initial", 0)
    for mode in ("very_aggressive", "aggressive", "very_aggressive"):
        state.on_cycle(Target(mode, "x"), 3, 1)  # type: ignore[arg-type]
    assert state.mode == "aggressive"


def test_figures_wobbling_around_a_threshold_do_not_flap_the_mode():
    state = ModeState("moderate", "initial", 0)
    changes = 0
    for step in range(30):  # 11 bps and 9 bps alternately: aggressive, then holding
        spread = 11.0 if step % 2 == 0 else 9.0
        goal = target(S, state.mode, session_pnl=D(0), cycle_pnl=D("0.2"), spread_bps=spread)
        changes += state.on_cycle(goal, S.upgrade_cycles, step)
    assert state.mode == "moderate" and changes == 0  # the holding cycles keep it moderate
    state = ModeState("moderate", "initial", 0)
    for step in range(30):  # around the defensive threshold
        spread = -3.5 if step % 2 == 0 else -2.5
        goal = target(S, state.mode, session_pnl=D(0), cycle_pnl=D("0.2"), spread_bps=spread)
        changes += state.on_cycle(goal, S.upgrade_cycles, step)
    assert state.mode == "defensive" and changes == 1


def test_the_emergency_rule_alone_between_cycles():
    assert emergency(S, D("-2.00"), D("-0.50")) is None
    urgent = emergency(S, D("-0.1"), D("-0.51"))
    assert urgent is not None and urgent.mode == "emergency_defensive"
    state = ModeState("aggressive", "initial", 0)
    assert state.on_emergency(urgent, 7) and state.mode == "emergency_defensive"
    assert state.reason.endswith("(between cycles)")
    assert not state.on_emergency(urgent, 8)


def test_the_core_recommends_from_cycle_pnl_and_goes_emergency_between_cycles():
    config = settings(cycle_interval_s=60.0, evaluate_interval_s=1.0)
    core = ready_core(config=config, now_ms=T0_MS)
    core.on_md_status(LIVE, T0_MS * MS)
    first = core.tick(T0_MS * MS)
    assert first.mode is not None and first.mode.mode == "moderate"
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS))
    core.on_fill(fill("B", "6000", "1", start="0", seq=1, time_ms=T0_MS + 10))
    core.on_bbo(bbo("5999.7", "5999.9", T0_MS + 20))  # mid 5999.8: -0.20, not below it
    assert core.cycle_due((T0_MS + 60_000) * MS)
    report = core.cycle((T0_MS + 60_000) * MS)
    assert report.mode is None and core.mode.mode == "moderate"
    core.on_bbo(bbo("5999.4", "5999.6", T0_MS + 61_000))  # -0.5 in total, -0.30 this cycle
    assert core.cycle((T0_MS + 120_000) * MS).mode.mode == "defensive"  # type: ignore[union-attr]
    core.on_md_status(LIVE, (T0_MS + 121_000) * MS)
    core.on_bbo(bbo("5998.8", "5999.0", T0_MS + 121_000))  # -1.1 in total, -0.6 this cycle
    tick = core.tick((T0_MS + 121_000) * MS)
    assert tick.mode_changed and tick.mode is not None
    assert tick.mode.mode == "emergency_defensive" and "between cycles" in tick.mode.reason


def test_monitor_mode_is_re_published_on_its_timer():
    core = ready_core(config=settings(mode_interval_s=5.0), now_ms=T0_MS)
    assert core.tick(T0_MS * MS).mode is not None
    assert core.tick((T0_MS + 4_999) * MS).mode is None
    again = core.tick((T0_MS + 5_000) * MS)
    assert again.mode is not None and not again.mode_changed
