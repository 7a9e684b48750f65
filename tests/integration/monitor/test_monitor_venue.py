"""The monitor against the real venue and execution: its figures agree with the venue's own
fills, closedPnl, funding, position and account value."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import msgspec

from amm.common.config import Config
from amm.services.monitor.settings import MonitorSettings
from tests.helpers import merge
from tests.integration.execution.rig import FAST as EXECUTION_FAST
from tests.integration.execution.rig import Rig, wait_for
from tests.integration.monitor.monitor_rig import Tap, start_monitor, stop_monitor

COIN = "km:US500"
FAST = merge(
    EXECUTION_FAST,
    {"execution": {"price_tolerance_bps": 0}, "venue": {"funding_interval_s": 3.0}},
)
SETTINGS = msgspec.structs.replace(
    MonitorSettings(),
    cycle_interval_s=1.0,
    evaluate_interval_s=0.5,
    sample_interval_s=0.5,
    flush_interval_s=0.5,
    sync_retry_s=0.2,
)


def trade_for(r: Rig, seconds: float) -> None:
    """Quote one tick inside the house touch: takers hit us about once a second."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        bid, ask = r.touch()
        r.risk.quote([(str(bid + Decimal("0.1")), "0.02")], [(str(ask - Decimal("0.1")), "0.02")])
        time.sleep(0.3)
    far_bid, far_ask = r.away(50)
    r.risk.quote([(far_bid, "0.01")], [(far_ask, "0.01")])


def settled(r: Rig) -> list[dict]:
    """The venue's fills once they stopped coming (the inside quotes were replaced by far ones
    and nothing was in flight for 2 s) and execution has journaled every one of them."""
    seen: list[list[int]] = []

    def quiet_and_journaled() -> list[dict] | None:
        fills = r.fills()
        tids = sorted(f["tid"] for f in fills)
        seen.append(tids)
        steady = len(seen) > 4 and all(earlier == tids for earlier in seen[-5:])
        same = sorted(f["tid"] for f in r.journal()) == tids
        return fills if steady and same and fills else None

    return wait_for(quiet_and_journaled, 30, "the fills to settle in execution's journal", 0.5)


async def scenario(r: Rig, config: Config) -> None:
    await asyncio.to_thread(r.start_venue)
    await asyncio.to_thread(r.start_execution)
    r.risk.start()
    tap = Tap(config.bus.monitor)
    actor, task = start_monitor(config, SETTINGS)
    try:
        await asyncio.to_thread(trade_for, r, 8.0)
        fills = await asyncio.to_thread(settled, r)
        assert len(fills) >= 3, "the scenario needs fills"
        await asyncio.sleep(3.5)  # a funding settlement on the open position
        state = await asyncio.to_thread(
            r.info, {"type": "clearinghouseState", "user": r.account, "dex": "km"}
        )
        asset = state["assetPositions"]
        szi = Decimal(asset[0]["position"]["szi"]) if asset else Decimal(0)
        since_ms = time.time_ns() // 1_000_000
        stats = await tap.until("monitor.stats", lambda s: s.time_ms > since_ms)
        funding = await asyncio.to_thread(
            r.info, {"type": "userFunding", "user": r.account, "startTime": 0}
        )
        paid = [Decimal(f["delta"]["usdc"]) for f in sorted(funding, key=lambda f: f["time"])]
        prefixes = [sum(paid[:n], Decimal(0)) for n in range(len(paid) + 1)]
        assert stats.windows["total"].funding in prefixes  # every payment up to some time
        total = stats.windows["total"]
        buys = [f for f in fills if f["side"] == "B"]
        assert (total.buys, total.sells) == (len(buys), len(fills) - len(buys))
        assert total.buy_volume == sum((Decimal(f["sz"]) for f in buys), Decimal(0))
        assert total.fees == sum((Decimal(f["fee"]) for f in fills), Decimal(0))
        assert total.realized_pnl == sum((Decimal(f["closedPnl"]) for f in fills), Decimal(0))
        assert total.maker_share == sum(not f["crossed"] for f in fills) / len(fills)
        assert stats.position == szi
        check = stats.crosscheck  # the account value moved exactly with the trades and funding
        assert check is not None and check.divergence == 0, check
        assert stats.windows["session"].fills == len(fills)  # the session began before them
    finally:
        if not task.done():
            assert await stop_monitor(actor, task) == 0
        tap.close()


def test_monitor_figures_agree_with_the_venues_fills_and_closed_pnl(write_config, processes):
    path = write_config(merge(FAST, {}))
    r = Rig(path, processes)
    try:
        asyncio.run(scenario(r, r.config))
    finally:
        r.close()
