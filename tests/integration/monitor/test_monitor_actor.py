"""The monitor on real sockets: restarts mid-session, rebuilds without its database, serves
its reply ops and a Prometheus endpoint."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from pathlib import Path

import msgspec

from amm.common.config import Config, load_config
from amm.common.logs import EventLog
from amm.services.monitor.service import MonitorActor
from amm.services.monitor.settings import MonitorSettings
from tests.helpers import free_port
from tests.integration.monitor.monitor_rig import (
    COIN,
    Peers,
    Tap,
    ask,
    fill_body,
    scrape,
    start_monitor,
    stop_monitor,
)


def fast(port: int = 0) -> MonitorSettings:
    return msgspec.structs.replace(
        MonitorSettings(),
        cycle_interval_s=1.0,
        evaluate_interval_s=0.2,
        mode_interval_s=0.5,
        sample_interval_s=0.2,
        flush_interval_s=0.2,
        sync_retry_s=0.2,
        funding=False,
        prometheus_port=port,
    )


def session_fills(n: int):
    return lambda stats: stats.windows["session"].fills == n


async def restart_scenario(config: Config) -> None:
    port = free_port()
    settings = fast(port)
    peers = Peers(config)
    tap = Tap(config.bus.monitor)
    actor, task = start_monitor(config, settings)
    try:
        peers.feed()
        await tap.until("monitor.mode", lambda m: m.mode == "moderate")
        peers.publish_fill(fill_body(1, "B", "0.02", "0"))
        peers.publish_fill(fill_body(2, "B", "0.01", "0.02"))
        stats = await tap.until("monitor.stats", session_fills(2))
        assert stats.coin == COIN and stats.position == Decimal("0.03")
        assert stats.windows["total"].fills == 2

        reply = await ask(config, "stats")  # the last body published, exactly
        last = stats
        if reply["cycle"] != stats.cycle:  # a later cycle was published since
            last = await tap.until("monitor.stats", lambda s: s.cycle == reply["cycle"])
        assert reply == msgspec.to_builtins(last)
        assert list((await ask(config, "stats", {"window": "5m"}))["windows"]) == ["5m"]

        metrics = await asyncio.to_thread(scrape, port)  # the server runs on this loop
        assert f'amm_monitor_fills{{coin="{COIN}",window="session"}} 2.0' in metrics
        assert f'amm_monitor_position{{coin="{COIN}"}} 0.03' in metrics
        assert "amm_monitor_mode 2.0" in metrics

        history = await ask(config, "history")
        assert [f["sz"] for f in history["fills"]] == ["0.02", "0.01"]
        assert history["pnl"] and history["mids"][-1][1] == "6000"
        assert history["cycles"] and history["cycles"][-1]["fills"] >= 0

        cycle_before = last.cycle
        assert await stop_monitor(actor, task) == 0

        peers.publish_fill(fill_body(3, "A", "0.01", "0.03"))  # while the monitor is down
        peers.asked.clear()
        actor, task = start_monitor(config, settings)
        stats = await tap.until("monitor.stats", session_fills(3))
        assert stats.cycle > cycle_before  # the cycle count goes on
        assert stats.session_start_ms == last.session_start_ms
        peers.publish_fill(fill_body(4, "A", "0.01", "0.02"))
        stats = await tap.until("monitor.stats", session_fills(4))
        session = stats.windows["session"]
        assert (session.buys, session.sells, session.fills) == (2, 2, 4)
        assert str(session.fees) == "0.0048" and stats.windows["total"].fills == 4
        asked = [args["seq"] for op, args in peers.asked if op == "fills_since"]
        assert asked[0] == 2 and 0 not in asked  # resynced from its own state, not rebuilt
    finally:
        if not task.done():
            await stop_monitor(actor, task)
        tap.close()
        await peers.close()


def test_a_restarted_monitor_continues_its_session_and_counts_each_fill_once(write_config):
    config = load_config(write_config())
    asyncio.run(restart_scenario(config))
    assert (Path(config.var_dir) / "monitor" / "monitor.sqlite").exists()


async def rebuild_scenario(config: Config) -> None:
    settings = fast()
    peers = Peers(config)
    tap = Tap(config.bus.monitor)
    actor, task = start_monitor(config, settings)
    try:
        peers.feed()
        for seq, (side, start) in enumerate([("B", "0"), ("B", "0.01"), ("A", "0.02")], start=1):
            peers.publish_fill(fill_body(seq, side, "0.01", start))
        before = await tap.until("monitor.stats", session_fills(3))
        assert await stop_monitor(actor, task) == 0
        for path in (Path(config.var_dir) / "monitor").iterdir():
            path.unlink()  # the database is lost
        peers.asked.clear()
        actor, task = start_monitor(config, settings)
        after = await tap.until(
            "monitor.stats", lambda s: s.session_start_ms > before.session_start_ms
        )
        assert ("fills_since", {"seq": 0, "limit": 2000}) in peers.asked
        total, was = after.windows["total"], before.windows["total"]
        assert (
            (total.fills, total.buys, total.sells) == (was.fills, was.buys, was.sells) == (3, 2, 1)
        )
        assert (total.fees, total.realized_pnl) == (was.fees, was.realized_pnl)
        assert after.position == before.position
        assert after.windows["session"].fills == 0  # a new session: the old start is gone
    finally:
        if not task.done():
            await stop_monitor(actor, task)
        tap.close()
        await peers.close()


def test_without_its_database_the_monitor_rebuilds_from_executions_journal(write_config):
    asyncio.run(rebuild_scenario(load_config(write_config())))


async def alerts_scenario(config: Config) -> None:
    peers = Peers(config)
    tap = Tap(config.bus.monitor)
    actor, task = start_monitor(config, fast())
    try:
        peers.feed()
        peers.delta = 0.7
        alert = await tap.until("monitor.alert", lambda a: a.metric == "inventory_delta")
        assert (alert.level, alert.active, alert.subject, alert.value) == (
            "critical",
            True,
            COIN,
            0.7,
        )
        history = await ask(config, "history")
        assert [a["metric"] for a in history["alerts"]] == ["inventory_delta"]
        peers.delta = 0.2
        cleared = await tap.until("monitor.alert", lambda a: a.metric == "inventory_delta")
        assert not cleared.active
    finally:
        if not task.done():
            await stop_monitor(actor, task)
        tap.close()
        await peers.close()


def test_an_alert_is_published_once_when_raised_and_once_when_cleared(write_config):
    asyncio.run(alerts_scenario(load_config(write_config())))


def test_an_unreadable_database_is_moved_aside_and_the_fills_rebuilt(write_config):
    config = load_config(write_config())
    folder = Path(config.var_dir) / "monitor"
    folder.mkdir(parents=True)
    (folder / "monitor.sqlite").write_bytes(b"not a database " * 100)
    log = io.StringIO()
    actor = MonitorActor("monitor", config, EventLog("monitor", stream=log), fast())
    try:
        assert actor.core.sync.need == "snapshot"  # a new session: everything from execution
        assert len(list(folder.glob("monitor.sqlite.unreadable-*"))) == 1
        assert "monitor.database_unreadable" in log.getvalue()
        assert "monitor.new_session" in log.getvalue()
    finally:
        actor.store.close()
        actor.close()
