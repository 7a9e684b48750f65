"""Snapshot gating and resyncs: nothing is approved until risk holds execution's snapshot."""

from decimal import Decimal as D

import msgspec

from amm.services.risk.logic import RiskCore
from amm.services.risk.sync import FillSync, decode_fills, decode_positions
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


def fresh_core() -> RiskCore:
    core = RiskCore(SETTINGS, [COIN], now_ns=T0)
    core.on_markets({COIN: SPEC})
    feed_market(core, T0)
    return core


def test_without_a_snapshot_every_decision_is_a_veto_and_snapshot_ok_is_false():
    core = fresh_core()
    decision = core.on_intent(intent(), T0)
    assert decision.verdict == "veto" and "SNAPSHOT_PENDING" in decision.reasons
    assert [d.verdict for d in core.decisions(T0)] == ["veto"]
    state = core.state(T0)
    assert not state.snapshot_ok and "SNAPSHOT_PENDING" in state.reasons
    assert core.sync.need == "snapshot"


def test_a_snapshot_without_every_market_position_is_not_taken():
    core = fresh_core()
    assert not core.on_snapshot({}, [], T0)
    assert not core.snapshot_ok
    assert core.on_snapshot({COIN: position()}, [], T0)
    assert core.snapshot_ok
    assert core.on_intent(intent(), T0).verdict == "approve"


def test_the_snapshot_replays_the_journal_and_fills_heard_meanwhile_are_booked_after_it():
    core = fresh_core()
    core.on_fill(fill("B", "6000", "0.02", start="0.01", seq=2))  # arrives before the answer
    journal = [fill("B", "6000", "0.01", start="0", seq=1, time_ms=1)]
    assert core.on_snapshot({COIN: position("0.01", "6000", time_ms=1)}, journal, T0)
    assert core.ledger.coin(COIN).szi == D("0.03")
    assert core.sync.last_seq == 2 and core.snapshot_ok


def test_a_journal_gap_holds_fills_and_asks_a_resync_in_the_meantime_nothing_is_approved():
    core = ready_core()
    core.on_fill(fill("B", "6000", "0.01", start="0", seq=1))
    core.on_fill(fill("B", "6000", "0.01", start="0.02", seq=3))  # seq 2 is missing
    assert core.ledger.coin(COIN).szi == D("0.01")
    assert core.sync.need == "resync" and core.sync.last_seq == 1
    assert "SNAPSHOT_PENDING" in core.on_intent(intent(), T0).reasons
    core.on_resync(
        [
            fill("B", "6000", "0.01", start="0.01", seq=2),
            fill("B", "6000", "0.01", start="0.02", seq=3),
        ],
        last_seq=3,
    )
    assert core.ledger.coin(COIN).szi == D("0.03")
    assert core.ledger.coin(COIN).rebases == 0
    assert core.snapshot_ok and core.on_intent(intent(), T0).verdict != "veto"


def test_a_new_execution_epoch_resyncs_and_a_shorter_journal_needs_a_snapshot():
    core = ready_core()
    core.on_fill(fill("B", "6000", "0.01", start="0", seq=1))
    core.request_resync()
    assert core.sync.need == "resync" and not core.snapshot_ok
    core.on_resync([], last_seq=0)  # a new journal
    assert core.sync.need == "snapshot"
    assert core.on_snapshot({COIN: position("0.01", "6000")}, [], T0)
    assert core.ledger.coin(COIN).szi == D("0.01")  # taken from the exchange


def test_a_lasting_position_mismatch_vetoes_then_takes_a_new_snapshot():
    core = ready_core()
    core.on_position(position("0.02", "6000", time_ms=T0 // 10**6 + 1), T0)
    assert "POSITION_MISMATCH" not in core.on_intent(intent(), T0).reasons
    later = T0 + 10 * SECOND
    feed_market(core, later)
    decision = core.on_intent(intent(intent_id=2), later)
    assert decision.verdict == "veto" and "POSITION_MISMATCH" in decision.reasons
    assert core.sync.need == "snapshot"
    assert core.on_snapshot({COIN: position("0.02", "6000", time_ms=T0 // 10**6 + 2)}, [], later)
    assert core.ledger.coin(COIN).szi == D("0.02")
    assert "POSITION_MISMATCH" not in core.on_intent(intent(intent_id=3), later).reasons


def test_an_exchange_position_older_than_our_last_fill_is_not_compared():
    core = ready_core()
    core.on_fill(fill("B", "6000", "0.01", start="0", seq=1, time_ms=T0 // 10**6 + 5))
    core.on_position(position("0", time_ms=T0 // 10**6), T0)
    core.on_position(position("0", time_ms=T0 // 10**6), T0 + 20 * SECOND)
    assert core.markets[COIN].mismatch_since_ns is None


def test_fill_sync_books_in_journal_order_and_drops_what_it_has():
    sync = FillSync()
    assert sync.on_fill(fill("B", "1", "1", start="0", seq=1)) == []  # snapshot due: held
    history = sync.after_snapshot([])
    assert [f.journal_seq for f in history] == [1]
    assert sync.on_fill(fill("B", "1", "1", start="0", seq=1)) == []
    second = fill("B", "1", "1", start="1", seq=2)
    assert sync.on_fill(second) == [second]
    unjournaled = fill("B", "1", "1", start="2", seq=0)
    assert sync.on_fill(unjournaled) == [unjournaled]


def test_execution_answers_decode_to_bus_bodies():
    body = fill("B", "6000", "0.01", start="0", seq=7)
    assert decode_fills([msgspec.to_builtins(body)]) == [body]
    held = position("0.01", "6000")
    answer = {"account": "0x", "positions": {COIN: msgspec.to_builtins(held)}}
    assert decode_positions(answer) == {COIN: held}
