"""Stand-ins for risk's peers on real sockets: execution (bus + reply ops), marketdata, quoter.

Everything runs on the test's event loop; a tap on risk's endpoint collects what it publishes.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal as D
from typing import Any

import msgspec
import zmq
import zmq.asyncio
from aiohttp import web

from amm.common.bus import Publisher
from amm.common.config import Config
from amm.common.logs import EventLog
from amm.common.messages import (
    Bbo,
    Fill,
    MarketDataStatus,
    Position,
    QuoteIntent,
    QuoteLevel,
)
from amm.common.reqrep import ReplyServer
from amm.services.venue.clock import VenueClock
from amm.services.venue.service import build_app
from tests.bus_tap import BusTap

COIN = "km:US500"


def position_body(szi: str = "0", entry: str | None = None) -> Position:
    return Position(
        coin=COIN,
        dex="km",
        szi=D(szi),
        entry_px=None if entry is None else D(entry),
        position_value=D(0),
        unrealized_pnl=D(0),
        margin_used=D(0),
        leverage=20,
        account_value=D(1000),
        withdrawable=D(1000),
        time_ms=time.time_ns() // 1_000_000,
    )


def fill_body(seq: int, side: str, sz: str, start: str, px: str = "6000") -> Fill:
    return Fill(
        coin=COIN,
        tid=1000 + seq,
        oid=seq,
        cloid=None,
        side=side,
        px=D(px),
        sz=D(sz),
        fee=D(0),
        closed_pnl=D(0),
        crossed=False,
        start_position=D(start),
        dir="",
        hash="0x0",
        time_ms=time.time_ns() // 1_000_000,
        journal_seq=seq,
    )


def quote(intent_id: int, fair: str, bid: str = "5999", ask: str = "6001") -> QuoteIntent:
    return QuoteIntent(
        coin=COIN,
        intent_id=intent_id,
        fair_px=D(fair),
        bids=[QuoteLevel(D(bid), D("0.01"))],
        asks=[QuoteLevel(D(ask), D("0.01"))],
        model="test",
        mode="moderate",
        created_ns=time.time_ns(),
    )


class Venue:
    """The paper venue's HTTP app on the config's exchange url (risk reads ``meta`` from it)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        app, _ = build_app(self.config, VenueClock(1.0))
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        host, port = self.config.exchange.url.removeprefix("http://").split(":")
        await web.TCPSite(self.runner, host, int(port)).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


class Peers:
    """Execution, marketdata and quoter as risk sees them, driven by the test."""

    def __init__(self, config: Config) -> None:
        self.ctx = zmq.asyncio.Context()
        transport = config.transport
        self.execution = Publisher(self.ctx, "execution", config.bus.execution, transport)
        self.marketdata = Publisher(self.ctx, "marketdata", config.bus.marketdata, transport)
        self.quoter = Publisher(self.ctx, "quoter", config.bus.quoter, transport)
        self.journal: list[Fill] = []
        self.position = position_body()
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.replies = ReplyServer(
            self.ctx,
            self.execution,
            config.snapshot.execution,
            EventLog("execution", json=False, level="error"),
            {"position": self._position, "fills_since": self._fills_since},
        )
        self._serving = asyncio.ensure_future(self.replies.serve())
        self._feeding: asyncio.Future[None] | None = None
        self.fair = "6000"
        self.intent_id = 0

    async def _position(self, args: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(("position", args))
        return {"account": "0x" + "0" * 40, "positions": {COIN: msgspec.to_builtins(self.position)}}

    async def _fills_since(self, args: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(("fills_since", args))
        after = [f for f in self.journal if f.journal_seq > int(args["seq"])]
        return {
            "fills": [msgspec.to_builtins(f) for f in after[: int(args["limit"])]],
            "last_seq": len(self.journal),
        }

    def feed(self) -> None:
        """A live book and the current intent every 100 ms (level-triggered, like the real ones)."""

        async def loop() -> None:
            while True:
                now = time.time_ns()
                self.marketdata.publish(
                    "md.status", MarketDataStatus(state="live", markets={COIN: "live"})
                )
                self.marketdata.publish(
                    "md.bbo." + COIN,
                    Bbo(
                        coin=COIN,
                        exch_time_ms=now // 1_000_000,
                        recv_ns=now,
                        bid_px=D("5999.5"),
                        bid_sz=D(1),
                        ask_px=D("6000.5"),
                        ask_sz=D(1),
                    ),
                )
                self.intent_id += 1
                self.quoter.publish("quote.intent", quote(self.intent_id, self.fair))
                await asyncio.sleep(0.1)

        self._feeding = asyncio.ensure_future(loop())

    def publish_fill(self, fill: Fill, *, journal: bool = True) -> None:
        if journal:
            self.journal.append(fill)
        self.execution.publish("exec.fill", fill)

    async def close(self) -> None:
        for task in (self._feeding, self._serving):
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *(t for t in (self._feeding, self._serving) if t), return_exceptions=True
        )
        self.replies.close()
        for publisher in (self.execution, self.marketdata, self.quoter):
            publisher.close()
        self.ctx.term()


def Tap(endpoint: str) -> BusTap:
    """A tap on risk's endpoint."""
    return BusTap(endpoint, timeout_s=10.0)
