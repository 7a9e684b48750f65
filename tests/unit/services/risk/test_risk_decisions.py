"""Decision ids, the timer's re-publishing, and what risk.state carries."""

from decimal import Decimal as D

import msgspec

from amm.common.messages import RiskDecision, RiskState, decode_body
from amm.services.risk.logic import RiskCore
from tests.unit.services.risk.risk_helpers import (
    COIN,
    SECOND,
    SETTINGS,
    T0,
    feed_market,
    intent,
    levels,
    ready_core,
)


def test_an_unchanged_decision_keeps_its_id_and_a_change_gets_a_new_one():
    core = ready_core()
    first = core.on_intent(intent(), T0)
    again = core.decide(COIN, T0 + SECOND // 2)
    assert again.decision_id == first.decision_id and again.created_ns == T0 + SECOND // 2
    moved = core.on_intent(intent(levels(("5998", "0.01")), intent_id=2), T0 + SECOND)
    assert moved.decision_id > first.decision_id


def test_ids_never_repeat_across_restarts():
    before = ready_core(now_ns=T0).on_intent(intent(), T0).decision_id
    after = ready_core(now_ns=T0 + SECOND).on_intent(intent(), T0 + SECOND).decision_id
    assert after > before


def test_the_timer_decides_every_market_even_without_an_intent():
    core = RiskCore(SETTINGS, [COIN, "BTC"], now_ns=T0)
    decisions = core.decisions(T0)
    assert [d.coin for d in decisions] == [COIN, "BTC"]
    assert all(d.verdict == "veto" and d.intent_id is None for d in decisions)


def test_decisions_and_state_are_valid_bus_bodies():
    core = ready_core(szi="0.09")
    decision = core.on_intent(intent(), T0)
    state = core.state(T0)
    for topic, body in (("risk.decision", decision), ("risk.state", state)):
        assert decode_body(topic, msgspec.msgpack.encode(body)) == body
    assert isinstance(decision, RiskDecision) and isinstance(state, RiskState)


def test_the_state_shows_position_delta_limits_pnl_and_reasons():
    core = ready_core(szi="0.06", entry="5990")
    core.on_intent(intent(), T0)
    state = core.state(T0)
    assert state.state == "REDUCING" and state.snapshot_ok
    held = state.positions[COIN]
    assert (held.szi, held.entry_px, held.notional) == (D("0.06"), D(5990), D(360))
    assert held.delta == 0.36
    assert state.session_pnl == 0
    assert state.reasons == ["REDUCING"]
    market = state.limits["markets"][COIN]
    assert market == {
        "state": "REDUCING",
        "rebalancing": False,
        "max_position_sz": "0.16",
        "binding": "MAX_POSITION",
    }
    assert state.limits["max_exposure_usd"] == "1000" and state.limits["max_levels_per_side"] == 5


def test_describe_has_the_books_the_decision_and_the_sync_point():
    core = ready_core(szi="0.06")
    core.on_intent(intent(), T0)
    feed_market(core, T0)
    full = core.describe(T0)
    assert full["halt"] is None and full["session_start_ns"] == T0
    assert full["sync"] == {"need": None, "last_journal_seq": 1}
    market = full["markets"][COIN]
    assert market["books"]["szi"] == "0.06" and market["books"]["buys"] == 1
    assert market["decision"]["verdict"] == "amend" and market["mid"] == "6000"
