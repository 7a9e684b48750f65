"""The risk actor on real sockets: snapshot, vetoes with visible reasons, halt across restarts."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal as D
from pathlib import Path

import msgspec
import pytest

from amm.common.config import Config, MarketConfig, load_config
from amm.common.logs import EventLog
from amm.common.runtime import EXIT_CONFIG
from amm.services.risk.service import RiskActor
from amm.services.risk.settings import RiskSettings
from amm.tools import risk_control
from tests.helpers import start_actor, stop
from tests.integration.risk.risk_rig import COIN, Peers, Tap, Venue, fill_body


def start_risk(config: Config) -> tuple[RiskActor, asyncio.Task[int]]:
    actor = RiskActor("risk", config, EventLog("risk", json=False, level="warning"), RiskSettings())
    return actor, asyncio.ensure_future(actor.run())


async def stop_risk(actor: RiskActor, task: asyncio.Task[int]) -> int:
    actor.stop_event.set()
    return await asyncio.wait_for(task, 10)


async def scenario(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    venue = Venue(config)
    await venue.start()
    peers = Peers(config)
    tap = Tap(config.bus.risk)
    actor, task = start_risk(config)
    try:
        peers.feed()
        approved = await tap.until("risk.decision", lambda d: d.verdict == "approve")
        assert approved.coin == COIN and approved.reasons == []
        state = await tap.until("risk.state", lambda s: s.snapshot_ok)
        assert state.state == "ACTIVE"

        peers.fair = "6030"  # 50 bps from the mid
        veto = await tap.until("risk.decision", lambda d: d.verdict == "veto")
        assert veto.reasons == ["FAIR_PRICE_DEVIATION"] and veto.bids == veto.asks == []
        peers.fair = "6000"

        peers.publish_fill(fill_body(1, "B", "0.01", "0"))
        peers.journal.append(fill_body(2, "B", "0.01", "0.01"))  # lost on the bus
        peers.publish_fill(fill_body(3, "B", "0.01", "0.02"))
        held = await tap.until(
            "risk.state", lambda s: s.positions[COIN].szi == D("0.03") and s.snapshot_ok
        )
        assert held.positions[COIN].entry_px == D(6000)
        assert ("fills_since", {"seq": 1, "limit": 2000}) in peers.asked

        assert await risk_control.halt(config, "integration test") == 0
        assert "risk HALTED by MANUAL_HALT: integration test" in capsys.readouterr().out
        halted = await tap.until("risk.decision", lambda d: "TRADING_HALTED" in d.reasons)
        assert halted.verdict == "veto" and halted.trading_state == "HALTED"
        assert await risk_control.status(config, as_json=False) == 0
        assert "risk HALTED" in capsys.readouterr().out
        assert await stop_risk(actor, task) == 0

        actor, task = start_risk(config)  # a restart: the halt is read back
        restarted = await tap.until("risk.state", lambda s: s.snapshot_ok)
        assert (restarted.state, restarted.halted_by) == ("HALTED", "MANUAL_HALT")
        assert restarted.positions[COIN].szi == D("0.03")  # from execution's snapshot
        assert await risk_control.resume(config) == 0
        assert "risk resumed" in capsys.readouterr().out
        await tap.until("risk.decision", lambda d: d.verdict == "approve")
    finally:
        if not task.done():
            await stop_risk(actor, task)
        tap.close()
        await peers.close()
        await venue.stop()


def test_risk_snapshots_vetoes_visibly_and_keeps_a_halt_across_a_restart(write_config, capsys):
    config = load_config(write_config())
    asyncio.run(scenario(config, capsys))
    assert (Path(config.var_dir) / "risk" / "halt.json").exists()


async def process_scenario(config: Config) -> None:
    venue = Venue(config)
    await venue.start()
    peers = Peers(config)
    tap = Tap(config.bus.risk)
    try:
        peers.fair = "6100"
        peers.feed()
        veto = await tap.until(
            "risk.decision", lambda d: "FAIR_PRICE_DEVIATION" in d.reasons, timeout_s=20
        )
        assert veto.verdict == "veto"
    finally:
        tap.close()
        await peers.close()
        await venue.stop()


def test_amm_actor_risk_vetoes_an_intent_with_a_visible_reason(write_config, processes):
    path = write_config()
    process = start_actor("risk", path)
    processes.append(process)
    asyncio.run(process_scenario(load_config(path)))
    code, output = stop(process)
    assert code == 0, output


def test_risk_refuses_to_start_with_exit_2_on_a_market_the_exchange_does_not_list(write_config):
    config = load_config(write_config())
    # ETH passes no config check here (the venue table is bypassed); the venue does not list it
    config = msgspec.structs.replace(config, markets=[*config.markets, MarketConfig(coin="ETH")])
    log_lines = io.StringIO()
    actor = RiskActor("risk", config, EventLog("risk", stream=log_lines), RiskSettings())
    assert asyncio.run(unknown_market_scenario(actor, config)) == EXIT_CONFIG
    assert "risk.unknown_market" in log_lines.getvalue()
    assert "market ETH is not listed" in log_lines.getvalue()


async def unknown_market_scenario(actor: RiskActor, config: Config) -> int:
    venue = Venue(config)
    await venue.start()
    try:
        return await asyncio.wait_for(actor.run(), 10)  # it used to retry for ever
    finally:
        await venue.stop()
