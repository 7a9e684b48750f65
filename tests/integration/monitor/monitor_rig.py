"""Stand-ins for the monitor's peers on real sockets: execution (bus + reply ops), marketdata, risk.

Everything runs on the test's event loop; a tap on the monitor's endpoint collects what it
publishes, and ``ask`` sends the monitor a request.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from decimal import Decimal as D
from typing import Any

import msgspec
import zmq
import zmq.asyncio

from amm.common.bus import Publisher
from amm.common.config import Config
from amm.common.logs import EventLog
from amm.common.messages import (
    Bbo,
    Fill,
    MarketDataStatus,
    Position,
    RiskPosition,
    RiskState,
)
from amm.common.reqrep import ReplyServer, request
from amm.services.monitor.service import MonitorActor
from amm.services.monitor.settings import MonitorSettings
from tests.bus_tap import BusTap

COIN = "km:US500"
ACCOUNT = "0x" + "ab" * 20


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def fill_body(seq: int, side: str, sz: str, start: str, px: str = "6000") -> Fill:
    return Fill(
        coin=COIN,
        tid=5000 + seq,
        oid=seq,
        cloid=None,
        side=side,  # type: ignore[arg-type]
        px=D(px),
        sz=D(sz),
        fee=D("0.0012"),
        closed_pnl=D(0),
        crossed=False,
        start_position=D(start),
        dir="",
        hash="0x0",
        time_ms=now_ms(),
        journal_seq=seq,
    )


class Peers:
    """Execution, marketdata and risk as the monitor sees them, driven by the test."""

    def __init__(self, config: Config) -> None:
        self.ctx = zmq.asyncio.Context()
        transport = config.transport
        self.execution = Publisher(self.ctx, "execution", config.bus.execution, transport)
        self.marketdata = Publisher(self.ctx, "marketdata", config.bus.marketdata, transport)
        self.risk = Publisher(self.ctx, "risk", config.bus.risk, transport)
        self.journal: list[Fill] = []
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.delta = 0.1
        self.replies = ReplyServer(
            self.ctx,
            self.execution,
            config.snapshot.execution,
            EventLog("execution", json=False, level="error"),
            {"position": self._position, "fills_since": self._fills_since},
        )
        self._tasks = [asyncio.ensure_future(self.replies.serve())]

    async def _position(self, args: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(("position", args))
        return {"account": ACCOUNT, "positions": {COIN: msgspec.to_builtins(self.position())}}

    async def _fills_since(self, args: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(("fills_since", args))
        after = [f for f in self.journal if f.journal_seq > int(args["seq"])]
        return {
            "fills": [msgspec.to_builtins(f) for f in after[: int(args["limit"])]],
            "last_seq": len(self.journal),
        }

    def position(self) -> Position:
        szi = sum((f.sz if f.side == "B" else -f.sz for f in self.journal), D(0))
        return Position(
            coin=COIN,
            dex="km",
            szi=szi,
            entry_px=None if szi == 0 else D(6000),
            position_value=abs(szi) * 6000,
            unrealized_pnl=D(0),
            margin_used=D(0),
            leverage=20,
            account_value=D(1000),
            withdrawable=D(1000),
            time_ms=now_ms(),
        )

    def feed(self) -> None:
        """A live top of book, md.status and risk.state every 100 ms."""

        async def loop() -> None:
            while True:
                now = time.time_ns()
                status = MarketDataStatus(state="live", markets={COIN: "live"})
                self.marketdata.publish("md.status", status)
                top = Bbo(
                    coin=COIN,
                    exch_time_ms=now // 1_000_000,
                    recv_ns=now,
                    bid_px=D("5999.5"),
                    bid_sz=D(1),
                    ask_px=D("6000.5"),
                    ask_sz=D(1),
                )
                self.marketdata.publish("md.bbo." + COIN, top)
                held = RiskPosition(szi=D(0), entry_px=None, notional=D(0), delta=self.delta)
                state = RiskState(
                    state="ACTIVE",
                    reasons=[],
                    positions={COIN: held},
                    session_pnl=D(0),
                    snapshot_ok=True,
                )
                self.risk.publish("risk.state", state)
                await asyncio.sleep(0.1)

        self._tasks.append(asyncio.ensure_future(loop()))

    def publish_fill(self, fill: Fill, *, bus: bool = True) -> None:
        """Journal a fill and publish it (``bus=False``: lost on the bus)."""
        self.journal.append(fill)
        if bus:
            self.execution.publish("exec.fill", fill)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.replies.close()
        for publisher in (self.execution, self.marketdata, self.risk):
            publisher.close()
        self.ctx.term()


def Tap(endpoint: str) -> BusTap:
    """A tap on the monitor's endpoint."""
    return BusTap(endpoint, timeout_s=15.0)


def start_monitor(config: Config, settings: MonitorSettings) -> tuple[MonitorActor, Any]:
    actor = MonitorActor(
        "monitor", config, EventLog("monitor", json=False, level="warning"), settings
    )
    return actor, asyncio.ensure_future(actor.run())


async def stop_monitor(actor: MonitorActor, task: Any) -> int:
    actor.stop_event.set()
    return await asyncio.wait_for(task, 10)


async def ask(config: Config, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx = zmq.asyncio.Context()
    try:
        reply = await request(ctx, config.snapshot.monitor, op, args, timeout_s=2)
        return reply.data
    finally:
        ctx.term()


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()
