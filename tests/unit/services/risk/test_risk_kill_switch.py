"""The kill switch: session loss, critical imbalance, manual halt; only resume clears it."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.services.risk.halt_store import HaltStore
from amm.services.risk.logic import RiskCore
from tests.unit.services.risk.risk_helpers import (
    COIN,
    SECOND,
    SETTINGS,
    SPEC,
    T0,
    feed_market,
    fill,
    intent,
    position,
    ready_core,
)


def test_a_session_loss_of_one_dollar_halts_trading():
    core = ready_core(szi="0.05", bid="5999.5", ask="6000.5")  # opening mark: mid 6000
    feed_market(core, T0 + SECOND, "5980.6", "5981.6")  # mid 5981.1: -18.9 x 0.05
    assert core.decide(COIN, T0 + SECOND).trading_state == "ACTIVE"  # delta 0.299
    assert core.session_pnl() == D("-0.945")
    feed_market(core, T0 + 2 * SECOND, "5979.5", "5980.5")  # -20 x 0.05 = -1.00
    decision = core.decide(COIN, T0 + 2 * SECOND)
    assert (decision.verdict, decision.trading_state) == ("veto", "HALTED")
    assert decision.reasons == ["TRADING_HALTED", "NO_INTENT"]
    state = core.state(T0 + 2 * SECOND)
    assert (state.state, state.halted_by) == ("HALTED", "SESSION_LOSS")
    assert "SESSION_LOSS" in state.reasons and state.session_pnl == D("-1.00")


def test_fees_count_in_the_session_loss():
    core = ready_core()
    core.on_intent(intent(), T0)
    core.on_fill(fill("B", "6000", "0.01", start="0", seq=1, fee="0.6", time_ms=T0 // 10**6))
    core.on_fill(fill("A", "6000", "0.01", start="0.01", seq=2, fee="0.4", time_ms=T0 // 10**6))
    assert core.session_pnl() == D(-1)
    assert core.decide(COIN, T0).trading_state == "HALTED"
    assert core.halt is not None and core.halt.by == "SESSION_LOSS"


def test_history_before_the_session_does_not_count():
    core = RiskCore(SETTINGS, [COIN], now_ns=T0)
    core.on_markets({COIN: SPEC})
    old = fill("B", "6000", "0.01", start="0", seq=1, fee="5", time_ms=T0 // 10**6 - 1)
    new = fill("A", "6001", "0.01", start="0.01", seq=2, fee="0.1", time_ms=T0 // 10**6)
    assert core.on_snapshot({COIN: position()}, [old, new], T0)
    feed_market(core, T0)
    assert core.session_pnl() == D("0.01") - D("0.1")  # the session sold 0.01 at 6001, mark 6000


def test_fills_on_markets_that_are_not_configured_stay_out_of_the_session():
    core = ready_core()
    core.on_intent(intent(), T0)
    now_ms = T0 // 10**6
    elsewhere = fill("B", "3000", "1", start="0", seq=1, fee="5", time_ms=now_ms, coin="ETH")
    core.on_fill(elsewhere)  # a $5 fee by hand on ETH, which risk does not trade
    core.on_fill(fill("A", "3000", "1", start="1", seq=2, fee="5", time_ms=now_ms, coin="ETH"))
    assert core.session_pnl() == 0
    assert core.decide(COIN, T0).trading_state == "ACTIVE" and core.halt is None
    assert "ETH" not in core.ledger.books
    assert core.take_ignored() == ["ETH"] and core.take_ignored() == []  # logged once
    core.on_fill(fill("B", "6000", "0.01", start="0", seq=3, fee="0.1", time_ms=now_ms))
    assert core.session_pnl() == D("-0.1") and core.sync.last_seq == 3  # ours still count

    replayed = RiskCore(SETTINGS, [COIN], now_ns=T0)  # the same journal from a snapshot
    replayed.on_markets({COIN: SPEC})
    journal = [elsewhere, fill("B", "6000", "0.01", start="0", seq=2, time_ms=now_ms)]
    assert replayed.on_snapshot({COIN: position("0.01", "6000")}, journal, T0)
    feed_market(replayed, T0)
    assert replayed.session_pnl() == 0 and set(replayed.ledger.books) == {COIN}
    assert replayed.take_ignored() == ["ETH"]


def test_a_critical_imbalance_halts_and_resume_lets_the_rebalance_work():
    core = ready_core(szi="0.17")  # delta 1.02
    assert core.state(T0).halted_by == "CRITICAL_IMBALANCE"
    assert core.resume(T0 + SECOND)
    feed_market(core, T0 + SECOND)
    decision = core.on_intent(intent(), T0 + SECOND)
    assert decision.trading_state == "REDUCING" and decision.rebalance is not None
    core.on_fill(fill("A", "5994", "0.02", start="0.17", seq=2))  # delta 0.90: re-armed
    assert core.decide(COIN, T0 + SECOND).trading_state == "REDUCING"
    core.on_fill(fill("B", "6000", "0.02", start="0.15", seq=3))  # delta 1.02 again
    assert core.decide(COIN, T0 + SECOND).trading_state == "HALTED"


def test_a_manual_halt_keeps_an_earlier_cause_and_resume_starts_a_new_session():
    core = ready_core(szi="0.05")
    halt = core.halt_trading("maintenance", T0)
    assert (halt.by, halt.reason, halt.since_ns) == ("MANUAL_HALT", "maintenance", T0)
    assert core.halt_trading("again", T0 + 1).reason == "maintenance"
    feed_market(core, T0 + SECOND, "5899.5", "5900.5")  # a loss of 5 in the halted session
    assert core.state(T0 + SECOND).halted_by == "MANUAL_HALT"
    assert core.resume(T0 + 2 * SECOND)
    assert not core.resume(T0 + 3 * SECOND)
    assert core.session.start_ns == T0 + 2 * SECOND and core.session_pnl() == 0
    assert core.state(T0 + 2 * SECOND).state == "ACTIVE"  # delta 0.295 never reached 0.30


def test_the_halt_survives_a_restart_of_risk(tmp_path):
    store = HaltStore(tmp_path / "risk" / "halt.json")
    first = ready_core()
    first.halt_trading("operator test", T0)
    store.save(first.halt)
    restarted = ready_core(now_ns=T0 + 60 * SECOND, halt=store.load())
    state = restarted.state(T0 + 60 * SECOND)
    assert (state.state, state.halted_by) == ("HALTED", "MANUAL_HALT")
    decision = restarted.on_intent(intent(), T0 + 60 * SECOND)
    assert decision.verdict == "veto" and "TRADING_HALTED" in decision.reasons
    assert restarted.resume(T0 + 61 * SECOND)
    store.save(restarted.halt)
    assert ready_core(halt=store.load()).state(T0).state == "ACTIVE"


@settings(max_examples=150, deadline=None)
@given(
    lots=st.integers(-15, 15),
    path=st.lists(st.integers(-1000, 1000), min_size=1, max_size=15),
)
def test_halted_exactly_once_the_session_pnl_has_reached_the_loss_limit(lots, path):
    szi = D(lots) / 100
    core = ready_core(szi=str(szi))  # opening mark 6000
    crossed = False
    for step, offset in enumerate(path, start=1):
        mid = D(6000) + D(offset) / 10
        now = T0 + step * SECOND
        feed_market(core, now, str(mid - D("0.5")), str(mid + D("0.5")))
        crossed = crossed or szi * (mid - 6000) <= -SETTINGS.max_session_loss_usd
        assert (core.decide(COIN, now).trading_state == "HALTED") == crossed
    assert (core.state(now).halted_by == "SESSION_LOSS") == crossed
