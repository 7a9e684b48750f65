"""The core around the figures: execution's snapshot and resyncs, cycles, reply bodies."""

from decimal import Decimal as D

import msgspec
import pytest

from amm.services.monitor.logic import MonitorCore
from amm.services.monitor.state import Saved
from tests.unit.services.monitor.monitor_helpers import (
    COIN,
    LIVE,
    MS,
    SETTINGS,
    T0_MS,
    bbo,
    fill,
    ready_core,
    settings,
)


def test_nothing_is_evaluated_or_reported_before_executions_fills_are_in():
    core = MonitorCore(SETTINGS, [COIN], Saved(), now_ns=T0_MS * MS)
    assert core.sync.need == "snapshot" and not core.ready
    core.on_fill(fill("B", "6000", "0.1", start="0.1", seq=2))  # held
    assert core.records == []
    late = (T0_MS + 3_600_000) * MS
    assert core.tick(late).alerts == [] and not core.cycle_due(late)
    core.on_snapshot([fill("B", "6000", "0.1", start="0", seq=1)])
    assert [r.fill.journal_seq for r in core.records] == [1, 2]
    assert core.ready and core.cycle_due(late)
    assert core.ledger.coin(COIN).szi == D("0.2")


def test_a_hole_in_journal_seq_holds_fills_until_the_resync_answers():
    core = ready_core([fill("B", "6000", "0.1", start="0", seq=1)])
    core.on_fill(fill("B", "6000", "0.1", start="0.2", seq=3))
    assert core.sync.need == "resync" and len(core.records) == 1
    core.on_resync(
        [
            fill("B", "6000", "0.1", start="0.1", seq=2),
            fill("B", "6000", "0.1", start="0.2", seq=3),
        ],
        last_seq=3,
    )
    assert [r.fill.journal_seq for r in core.records] == [1, 2, 3]
    assert core.ledger.coin(COIN).rebases == 0 and core.sync.need is None


def test_a_shorter_journal_means_a_snapshot_that_rebuilds_and_keeps_decided_marks():
    core = ready_core()
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS - 10))
    first = fill("B", "6000", "0.1", start="0", seq=1, tid=77)
    core.on_fill(first)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS + 100_000))
    assert core.records[0].complete
    core.take_changes()
    core.request_resync()
    core.on_resync([], last_seq=0)  # the journal was replaced
    assert core.sync.need == "snapshot"
    core.on_snapshot([msgspec.structs.replace(first, journal_seq=5)])
    assert core.records[0].marks["mid"] == D(6000) and core.sync.last_seq == 5
    changes = core.take_changes()
    assert changes.rebuilt and [r.fill.tid for r in changes.fills] == [77]


def test_a_cycle_publishes_every_window_logs_the_old_lines_and_counts_on():
    core = ready_core(config=settings(cycle_interval_s=60.0), now_ms=T0_MS - 1000)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS - 100))
    fees = ["0.0018", "0.0018", "0.0018", "0.0017"]
    for seq, fee in enumerate(fees, start=1):
        start = str(D("0.1") * (seq - 1))
        core.on_fill(fill("B", "6000", "0.1", start=start, seq=seq, fee=fee, time_ms=T0_MS + seq))
    first = core.cycle((T0_MS + 60_000) * MS)
    assert first.stats[COIN].cycle == 1 and first.stats[COIN].cycle_pnl == D("-0.0071")
    core.on_fill(fill("B", "6000", "0.1", start="0.4", seq=5, fee="0.0018", time_ms=T0_MS + 61_000))
    core.on_fill(fill("A", "6000", "0.1", start="0.5", seq=6, fee="0.0018", time_ms=T0_MS + 62_000))
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS + 63_000))
    report = core.cycle((T0_MS + 120_000) * MS)
    stats = report.stats[COIN]
    assert stats.cycle == 2 and stats.coin == COIN and stats.mode == "moderate"
    assert set(stats.windows) == {"5m", "30m", "1h", "session", "total"}
    assert stats.position == D("0.4") and stats.mid == D(6000) and stats.entry_px == D(6000)
    assert report.lines[COIN] == [
        "Session Stats: 6 fills | 5 buys (0.50) / 1 sells (0.10) | Imbalance: 0.67",
        "Session PnL: $-0.0107 | Spread: +0.00 bps | Fees: $0.0107",
        "Cycle PnL: $-0.0036",
    ]
    summary = core.cycles[COIN][-1]
    assert (summary.cycle, summary.fills, summary.cycle_pnl, summary.session_pnl) == (
        2,
        2,
        D("-0.0036"),
        D("-0.0107"),
    )


def test_the_stats_reply_is_the_last_published_body_or_one_window_of_it():
    core = ready_core(now_ms=T0_MS)
    with pytest.raises(LookupError):
        core.stats_reply(COIN, None)
    report = core.cycle((T0_MS + 300_000) * MS)
    body = core.stats_reply(COIN, None)
    assert body == msgspec.to_builtins(report.stats[COIN])
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(report.stats[COIN])) == body
    one = core.stats_reply(COIN, "5m")
    assert list(one["windows"]) == ["5m"] and one["cycle"] == body["cycle"]
    with pytest.raises(ValueError, match="unknown window"):
        core.stats_reply(COIN, "2h")


def test_history_samples_fills_markouts_cycles_and_active_alerts():
    config = settings(sample_interval_s=1.0, history_points=3, evaluate_interval_s=1.0)
    core = ready_core(config=config, now_ms=T0_MS)
    core.on_md_status(LIVE, T0_MS * MS)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS - 10))
    core.on_fill(fill("B", "6000", "0.1", start="0", seq=1, crossed=True, time_ms=T0_MS + 1))
    for second in range(6):
        now = T0_MS + 1000 * second + 500
        core.on_bbo(bbo("5997.5", "5998.5", now))
        core.on_md_status(LIVE, now * MS)
        core.tick(now * MS)
    core.cycle((T0_MS + 300_000) * MS)
    history = core.history(COIN, T0_MS + 300_000)
    assert set(history) == {"pnl", "position", "fills", "mids", "markouts", "cycles", "alerts"}
    assert len(history["pnl"]) == 3 and history["pnl"][0] == [T0_MS + 500, "-0.2"]
    assert history["position"][-1] == [T0_MS + 5500, "0.1"]
    assert history["mids"][0] == [T0_MS + 500, "5998"]
    assert history["fills"] == [
        {"time_ms": T0_MS + 1, "px": "6000", "sz": "0.1", "side": "B", "crossed": True}
    ]
    assert history["markouts"]["1s"] == pytest.approx(-2 / 6000 * 10_000)
    assert history["markouts"]["60s"] is None  # not decided yet
    assert [c["cycle"] for c in history["cycles"]] == [1]
    assert history["cycles"][0]["cycle_pnl"] == "-0.20"  # as msgspec.to_builtins writes it
    assert history["alerts"] == []
    msgspec.msgpack.encode(history)  # plain builtins all the way down
