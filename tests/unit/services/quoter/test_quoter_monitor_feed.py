"""The quoter's service feeds the monitor's figures to the adverse-selection defence."""

import asyncio
import io
import time
from decimal import Decimal as D

from amm.common.bus import Received
from amm.common.config import load_config
from amm.common.envelope import Envelope
from amm.common.logs import EventLog
from amm.common.messages import MonitorStats, WindowStats
from amm.services.quoter.service import QuoterActor
from tests.unit.services.quoter.quoter_helpers import COIN, live_core


def stats(fills: int, spread_capture_bps: float, markout_5s: float) -> MonitorStats:
    zero = D(0)
    window = WindowStats(
        fills=fills,
        buys=fills,
        sells=0,
        buy_volume=zero,
        sell_volume=zero,
        avg_buy_px=None,
        avg_sell_px=None,
        matched_volume=zero,
        spread_capture_bps=spread_capture_bps,
        fees=zero,
        matched_pnl=zero,
        imbalance=1.0,
        fill_rate_per_h=0.0,
        maker_share=1.0,
        realized_pnl=zero,
        unrealized_pnl=zero,
        funding=zero,
        net_pnl=zero,
        markouts_bps={"5s": markout_5s},
    )
    return MonitorStats(cycle=1, cycle_pnl=zero, windows={"5m": window}, coin=COIN)


def deliver(actor: QuoterActor, body: MonitorStats) -> None:
    envelope = Envelope(1, "monitor", "e", 1, 1, b"\x80")
    asyncio.run(actor.on_message(Received("monitor.stats", envelope, body, "monitor")))


def test_bad_markouts_from_the_monitor_engage_the_defence_only_past_min_fills(write_config):
    config = load_config(write_config())
    actor = QuoterActor("quoter", config, EventLog("quoter", stream=io.StringIO()))
    try:
        actor.core = live_core()
        deliver(actor, stats(fills=4, spread_capture_bps=2.0, markout_5s=-6.0))
        assert not actor.core.defence.active(time.monotonic_ns())
        deliver(actor, stats(fills=5, spread_capture_bps=2.0, markout_5s=-6.0))
        assert actor.core.defence.active(time.monotonic_ns())
    finally:
        actor.ctx.term()
