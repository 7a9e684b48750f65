"""The monitor's SQLite state: a restart continues every figure, nothing twice, nothing lost."""

from decimal import Decimal as D
from pathlib import Path

import msgspec
import pytest

from amm.common.private_db import DatabaseLocked
from amm.services.monitor.logic import MonitorCore
from amm.services.monitor.state import Changes
from amm.services.monitor.store import MonitorStore
from tests.unit.services.monitor.monitor_helpers import (
    COIN,
    LIVE,
    MS,
    T0_MS,
    bbo,
    fill,
    risk_state,
    settings,
)

CONFIG = settings(cycle_interval_s=60.0, sample_interval_s=1.0, evaluate_interval_s=1.0)


def restart(path: Path, now_ms: int) -> tuple[MonitorCore, MonitorStore]:
    store = MonitorStore(path)
    return MonitorCore(CONFIG, [COIN], store.load(), now_ns=now_ms * MS), store


def trade(core: MonitorCore, seq: int, side: str, start: str, at_ms: int) -> None:
    core.on_fill(fill(side, "6000", "0.1", start=start, seq=seq, fee="0.001", time_ms=at_ms))


def test_a_restart_continues_the_session_counts_nothing_twice_and_loses_nothing(tmp_path):
    path = tmp_path / "monitor.sqlite"
    core, store = restart(path, T0_MS)
    core.on_snapshot([])
    core.on_md_status(LIVE, T0_MS * MS)
    core.on_risk_state(risk_state(0.5), T0_MS * MS)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS))
    trade(core, 1, "B", "0", T0_MS + 1)
    trade(core, 2, "B", "0.1", T0_MS + 2)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS + 70_000))
    core.on_funding([(COIN, T0_MS + 3, D("-0.01"))], T0_MS + 10_000)
    assert [a.metric for a in core.tick((T0_MS + 1000) * MS).alerts] == ["inventory_delta"]
    core.cycle((T0_MS + 60_000) * MS)
    before = core.window(COIN, "session", T0_MS + 90_000).stats()
    store.write(core.take_changes())
    store.close()

    # a fill lands while the monitor is down; execution still has the first two
    journal = [
        fill("B", "6000", "0.1", start="0", seq=1, fee="0.001", time_ms=T0_MS + 1),
        fill("B", "6000", "0.1", start="0.1", seq=2, fee="0.001", time_ms=T0_MS + 2),
        fill("A", "6000", "0.1", start="0.2", seq=3, fee="0.001", time_ms=T0_MS + 80_000),
    ]
    again, store = restart(path, T0_MS + 90_000)
    assert again.session_start_ms == core.session_start_ms and again.cycle_no == 1
    assert again.sync.need == "resync" and again.sync.last_seq == 2 and not again.ready
    assert again.window(COIN, "session", T0_MS + 90_000).stats() == before
    assert again.records[0].marks == core.records[0].marks  # markouts survive
    again.on_fill(journal[2])  # held until the resync answers
    again.on_resync(journal[2:], last_seq=3)
    again.on_resync(journal[1:], last_seq=3)  # an overlapping answer books nothing twice
    after = again.window(COIN, "session", T0_MS + 90_000).stats()
    assert (after.fills, after.buys, after.sells) == (3, 2, 1)
    assert after.fees == D("0.003") and after.funding == D("-0.01")
    assert again.ledger.coin(COIN).szi == D("0.1")
    assert again.stats_reply(COIN, None) == msgspec.to_builtins(core.last_stats[COIN])
    assert again.cycle((T0_MS + 120_000) * MS).stats[COIN].cycle == 2
    again.on_md_status(LIVE, (T0_MS + 120_000) * MS)
    again.on_risk_state(risk_state(0.5), (T0_MS + 120_000) * MS)
    assert again.tick((T0_MS + 120_000) * MS).alerts == []  # the active alert is not raised again
    assert [a.metric for a in again.alerts.active.values()] == ["inventory_delta"]
    store.write(again.take_changes())
    assert store.count_fills() == 3
    store.close()


def test_mode_and_samples_survive_a_restart(tmp_path):
    path = tmp_path / "monitor.sqlite"
    core, store = restart(path, T0_MS)
    core.on_snapshot([])
    core.on_md_status(LIVE, T0_MS * MS)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS))
    core.on_fill(fill("B", "6000", "1", start="0", seq=1, time_ms=T0_MS + 1))
    core.on_bbo(bbo("5997", "5998", T0_MS + 2))  # -2.5: emergency
    tick = core.tick((T0_MS + 5) * MS)
    assert tick.mode_changed and core.mode.mode == "emergency_defensive"
    store.write(core.take_changes())
    store.close()
    again, store = restart(path, T0_MS + 10_000)
    assert (again.mode.mode, again.mode.since_ns) == ("emergency_defensive", (T0_MS + 5) * MS)
    assert again.samples[COIN][0].mid == D("5997.5") and again.mids[COIN] == D("5997.5")
    assert again.session_marks == {COIN: D(6000)}
    store.close()


def test_a_second_monitor_cannot_open_the_same_database(tmp_path):
    store = MonitorStore(tmp_path / "monitor.sqlite")
    with pytest.raises(DatabaseLocked):
        MonitorStore(tmp_path / "monitor.sqlite")
    store.close()
    MonitorStore(tmp_path / "monitor.sqlite").close()


def test_a_rebuild_replaces_every_stored_fill(tmp_path):
    path = tmp_path / "monitor.sqlite"
    core, store = restart(path, T0_MS)
    core.on_snapshot([fill("B", "6000", "0.1", start="0", seq=1, tid=10)])
    store.write(core.take_changes())
    core.on_snapshot([fill("B", "6000", "0.1", start="0", seq=1, tid=20)])
    store.write(core.take_changes())
    assert [fill.tid for fill, _ in store.load().fills] == [20]
    store.close()


def test_changes_that_could_not_be_written_go_first_next_time():
    first = Changes(state={"a": 1, "b": 1}, funding=[(COIN, 1, D(1))])
    later = Changes(state={"b": 2}, funding=[(COIN, 2, D(2))])
    merged = first.then(later)
    assert merged.state == {"a": 1, "b": 2}
    assert [t for _, t, _ in merged.funding] == [1, 2]
    assert not Changes() and merged
