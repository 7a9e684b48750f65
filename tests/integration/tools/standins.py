"""Stand-ins for the monitor's reply ops and for the bus, until the real monitor lands.

`StandInMonitor` answers `stats` and `history` as the monitor's CONTRACT says; `StandInBus`
publishes heartbeats, books, quotes, risk state and monitor topics for chosen programs on the
config's `[bus]` endpoints. Run as a script it is a live demo world for trying `amm watch` and
`amm report` by hand:

    python tests/integration/tools/standins.py CONFIG [--silent PROGRAM=SECONDS ...]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import time
from decimal import Decimal as D
from typing import Any

import msgspec
import zmq.asyncio

from amm.common.bus import Publisher
from amm.common.config import Config, load_config
from amm.common.logs import EventLog
from amm.common.messages import (
    Alert,
    Bbo,
    CrossCheck,
    Fill,
    Heartbeat,
    MarketDataStatus,
    ModeRecommendation,
    MonitorStats,
    QuoteIntent,
    QuoteLevel,
    RiskDecision,
    RiskPosition,
    RiskState,
    WindowStats,
)
from amm.common.reqrep import ReplyServer

COIN = "km:US500"
HOUR_MS = 3_600_000


def window(scale: int, net: str, markout_5s: float | None) -> WindowStats:
    """One window's stats; `scale` multiplies the counts so the windows differ visibly."""
    return WindowStats(
        fills=12 * scale,
        buys=7 * scale,
        sells=5 * scale,
        buy_volume=D("0.35") * scale,
        sell_volume=D("0.25") * scale,
        avg_buy_px=D("6001.2"),
        avg_sell_px=D("6001.9"),
        matched_volume=D("0.25") * scale,
        spread_capture_bps=1.17,
        fees=D("0.0091") * scale,
        matched_pnl=D("0.175") * scale,
        imbalance=0.1667,
        fill_rate_per_h=144.0,
        maker_share=0.9167,
        realized_pnl=D("0.1659") * scale,
        unrealized_pnl=D("-0.021"),
        funding=D("0"),
        net_pnl=D(net),
        markouts_bps={"1s": 0.42, "5s": markout_5s, "30s": -1.05, "60s": None},
    )


def sample_stats(cycle: int = 42, *, crosscheck: CrossCheck | None = None) -> MonitorStats:
    return MonitorStats(
        cycle=cycle,
        cycle_pnl=D("0.0123"),
        coin=COIN,
        time_ms=1_800_000_000_000 + cycle * 180_000,
        position=D("0.15"),
        entry_px=D("5999.8"),
        mid=D("6000.4"),
        delta=0.18,
        mode="moderate",
        alerts_active=2,
        crosscheck=crosscheck,
        windows={
            "5m": window(1, "0.1449", -0.31),
            "30m": window(6, "-0.8312", -0.52),
            "1h": window(12, "1.2034", -0.47),
            "session": window(20, "2.5017", -0.44),
        },
    )


def stats_data(stats: MonitorStats) -> dict[str, Any]:
    """A body as the monitor sends it: builtins, decimals as strings."""
    return msgspec.to_builtins(stats)


def sample_history(now_ms: int, seed: int = 7) -> dict[str, Any]:
    """An hour of a plausible session: a random-walk mid, fills on both sides, marked PnL."""
    rng = random.Random(seed)
    start = now_ms - HOUR_MS
    mid, position, cash, fees = D("6000.0"), D("0"), D("0"), D("0")
    mids, pnl, positions, fills, cycles = [], [], [[start, "0"]], [], []
    cycle_fills, last_session = 0, D("0")
    for step in range(1800):
        t = start + step * 2000
        mid = (mid + D(rng.choice((-3, -2, -1, 0, 0, 1, 2, 3))) / 10).quantize(D("0.1"))
        mids.append([t, str(mid)])
        if step % 10 == 5 and rng.random() < 0.9:
            buy = rng.random() < (0.5 - float(position) * 2)
            crossed = rng.random() < 0.06
            px = mid + (D("0.2") if crossed else D("-0.3")) * (1 if buy else -1)
            sz = D("0.05")
            position += sz if buy else -sz
            cash += -px * sz if buy else px * sz
            fees += px * sz * (D("0.00045") if crossed else D("0.00002"))
            fills.append(
                {
                    "time_ms": t,
                    "px": str(px),
                    "sz": str(sz),
                    "side": "B" if buy else "A",
                    "crossed": crossed,
                }
            )
            positions.append([t, str(position)])
            cycle_fills += 1
        session = (cash + position * mid - fees).quantize(D("0.0001"))
        if step % 5 == 0:
            pnl.append([t, str(session)])
        if step % 90 == 89:
            cycles.append(
                {
                    "cycle": len(cycles) + 1,
                    "time_ms": t,
                    "fills": cycle_fills,
                    "cycle_pnl": str(session - last_session),
                    "session_pnl": str(session),
                    "spread_capture_bps": round(rng.uniform(0.4, 1.6), 2),
                    "mode": rng.choice(("moderate", "moderate", "defensive", "aggressive")),
                }
            )
            cycle_fills, last_session = 0, session
    alerts = [
        Alert(
            metric="drawdown",
            level="critical",
            value=-3.1,
            threshold=-3.0,
            message="session drawdown beyond 3 USD",
            subject=COIN,
        ),
        Alert(
            metric="markout_30s",
            level="warning",
            value=-1.05,
            threshold=-1.0,
            message="30 s markouts adverse",
            subject=COIN,
            window="5m",
        ),
        Alert(
            metric="fill_rate",
            level="info",
            value=144.0,
            threshold=120.0,
            message="fill rate above plan",
        ),
        Alert(
            metric="drawdown",
            level="critical",
            value=-2.2,
            threshold=-3.0,
            message="drawdown back within limit",
            subject=COIN,
            active=False,
        ),
    ]
    return {
        "pnl": pnl,
        "position": positions,
        "fills": fills,
        "mids": mids,
        "markouts": {"1s": 0.42, "5s": -0.31, "30s": -1.05, "60s": -1.6},
        "cycles": cycles,
        "alerts": [msgspec.to_builtins(alert) for alert in alerts],
    }


class StandInMonitor:
    """The monitor's `[snapshot]` ROUTER answering the CONTRACT's `stats` and `history` ops."""

    def __init__(self, ctx: zmq.asyncio.Context, config: Config, publisher: Publisher) -> None:
        self.stats = stats_data(sample_stats())
        self.history = sample_history(int(time.time() * 1000))
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.server = ReplyServer(
            ctx,
            publisher,
            config.snapshot.monitor,
            EventLog("standin-monitor", stream=io.StringIO()),
            {"stats": self._stats, "history": self._history},
        )

    async def _stats(self, args: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("stats", args))
        name = args.get("window")
        if name is None:
            return self.stats
        if name not in self.stats["windows"]:
            raise ValueError(f"unknown window {name!r}")
        return {**self.stats, "windows": {name: self.stats["windows"][name]}}

    async def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("history", args))
        return self.history

    async def serve(self) -> None:
        await self.server.serve()

    def close(self) -> None:
        self.server.close()


class StandInBus:
    """Publishers for `programs` on their `[bus]` endpoints with a small random-walk market.

    Each tick every live program publishes its heartbeat and its level-triggered topics; a
    program listed in `silent_after` stops publishing that many seconds after the start.
    """

    def __init__(
        self,
        ctx: zmq.asyncio.Context,
        config: Config,
        programs: tuple[str, ...],
        *,
        silent_after: dict[str, float] | None = None,
        seed: int = 1,
    ) -> None:
        endpoints = dict(config.bus.items())
        self.publishers = {
            name: Publisher(ctx, name, endpoints[name], config.transport) for name in programs
        }
        self.silent_after = silent_after or {}
        self.started = time.monotonic()
        self.rng = random.Random(seed)
        self.mid = D("6000.0")
        self.szi = D("0.15")
        self.ticks = 0

    def live(self, program: str) -> bool:
        limit = self.silent_after.get(program)
        return program in self.publishers and (
            limit is None or time.monotonic() - self.started < limit
        )

    def publish(self, program: str, topic: str, body: Any) -> None:
        if self.live(program):
            self.publishers[program].publish(topic, body)

    async def run(self, interval_s: float = 0.1) -> None:
        while True:
            self.tick()
            await asyncio.sleep(interval_s)

    def tick(self) -> None:
        now_ns = time.time_ns()
        self.ticks += 1
        self.mid += D(self.rng.choice((-1, 0, 0, 1))) / 10
        for program in self.publishers:
            self.publish(program, f"hb.{program}", self.heartbeat(program, now_ns))
        bid, ask = self.mid - D("0.1"), self.mid + D("0.1")
        self.publish(
            "marketdata",
            f"md.bbo.{COIN}",
            Bbo(
                coin=COIN,
                exch_time_ms=now_ns // 1_000_000,
                recv_ns=now_ns,
                bid_px=bid,
                bid_sz=D("1.25"),
                ask_px=ask,
                ask_sz=D("0.8"),
            ),
        )
        self.publish(
            "marketdata", "md.status", MarketDataStatus(state="live", markets={COIN: "live"})
        )
        bids = [QuoteLevel(self.mid - D("0.5") - D(i) / 10, D("0.05")) for i in range(3)]
        asks = [QuoteLevel(self.mid + D("0.5") + D(i) / 10, D("0.05")) for i in range(3)]
        self.publish(
            "quoter",
            "quote.intent",
            QuoteIntent(
                coin=COIN,
                intent_id=self.ticks,
                fair_px=self.mid,
                bids=bids,
                asks=asks,
                model="glft",
                mode="moderate",
                created_ns=now_ns,
            ),
        )
        self.publish(
            "risk",
            "risk.decision",
            RiskDecision(
                coin=COIN,
                decision_id=1000 + self.ticks,
                intent_id=self.ticks,
                verdict="approve",
                reasons=[],
                trading_state="ACTIVE",
                bids=bids,
                asks=asks,
                created_ns=now_ns,
            ),
        )
        if self.ticks % 25 == 0:
            self.fill(now_ns, bids[0] if self.rng.random() < 0.5 else asks[0])
        self.publish(
            "risk",
            "risk.state",
            RiskState(
                state="ACTIVE",
                reasons=[],
                positions={
                    COIN: RiskPosition(
                        szi=self.szi,
                        entry_px=D("5999.8"),
                        notional=self.szi * self.mid,
                        delta=float(self.szi * self.mid / 5000),
                    )
                },
                session_pnl=D("2.5017"),
                snapshot_ok=True,
            ),
        )
        if self.ticks % 10 == 1:
            self.publish("monitor", "monitor.stats", sample_stats(cycle=40 + self.ticks // 10))
            self.publish(
                "monitor",
                "monitor.mode",
                ModeRecommendation(
                    mode="moderate", reason="markouts neutral", since_ns=now_ns - 95_000_000_000
                ),
            )
            self.publish(
                "monitor",
                "monitor.alert",
                Alert(
                    metric="markout_30s",
                    level="warning",
                    value=-1.05,
                    threshold=-1.0,
                    message="30 s markouts adverse",
                    subject=COIN,
                    window="5m",
                ),
            )

    def fill(self, now_ns: int, level: QuoteLevel) -> None:
        if not self.live("execution"):
            return
        buy = level.px < self.mid
        self.szi += level.sz if buy else -level.sz
        self.publish(
            "execution",
            "exec.fill",
            Fill(
                coin=COIN,
                tid=self.ticks,
                oid=self.ticks,
                cloid=None,
                side="B" if buy else "A",
                px=level.px,
                sz=level.sz,
                fee=D("0.0045"),
                closed_pnl=D("0"),
                crossed=False,
                start_position=self.szi,
                dir="Open Long" if buy else "Open Short",
                hash="0x" + "0" * 64,
                time_ms=now_ns // 1_000_000,
                journal_seq=self.ticks,
            ),
        )

    def heartbeat(self, program: str, now_ns: int) -> Heartbeat:
        publisher = self.publishers[program]
        return Heartbeat(
            program=program,
            pid=40000 + len(program),
            state="running",
            mode="paper",
            started_ns=now_ns - 754_000_000_000,
            published=publisher.seq + 1,
            received=0,
            malformed=0,
            gaps=0,
        )

    def close(self) -> None:
        for publisher in self.publishers.values():
            publisher.close()


async def _demo(config: Config, silent_after: dict[str, float]) -> None:
    ctx = zmq.asyncio.Context()
    bus = StandInBus(
        ctx,
        config,
        ("marketdata", "quoter", "risk", "execution", "monitor"),
        silent_after=silent_after,
    )
    monitor = StandInMonitor(ctx, config, bus.publishers["monitor"])
    try:
        await asyncio.gather(bus.run(), monitor.serve())
    finally:
        monitor.close()
        bus.close()
        ctx.term()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    parser.add_argument("--silent", action="append", default=[], metavar="PROGRAM=SECONDS")
    args = parser.parse_args()
    silent = {name: float(s) for name, s in (item.split("=") for item in args.silent)}
    asyncio.run(_demo(load_config(args.config), silent))
