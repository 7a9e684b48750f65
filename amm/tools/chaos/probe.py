"""Eyes and hands on a running private deployment: its venue, its actors and its supervisord.

Everything goes through the same doors a user's tools use: the venue's HTTP (`/info` and the
`/_venue/` admin routes), each actor's request/reply endpoint, and supervisord's XML-RPC socket
(what `supervisorctl` talks to). supervisord's proxy is synchronous, so its calls run in a thread.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import aiohttp
import zmq.asyncio

from amm.common.hyperliquid.client import (
    ExchangeClient,
    HyperliquidHttp,
    LimitOrder,
    Signer,
    order_action,
    statuses,
)
from amm.common.hyperliquid.meta import MarketDirectory, dex_of
from amm.common.keys import ensure_paper_key
from amm.common.reqrep import request
from amm.tools.chaos.deployment import PrivateDeployment
from amm.tools.orders import exchange_orders

HTTP_TIMEOUT_S = 3.0
PAGE = 2000  # the venue's (and Hyperliquid's) most fills per userFillsByTime answer
SENTINEL_SZ = Decimal("0.01")


class Probe:
    """One deployment's venue, actors and supervisord, for the chaos run (async)."""

    def __init__(
        self,
        deployment: PrivateDeployment,
        http: HyperliquidHttp,
        session: aiohttp.ClientSession,
        ctx: zmq.asyncio.Context,
    ) -> None:
        self.deployment = deployment
        self.config = deployment.config
        self.coins = [market.coin for market in self.config.markets]
        key = ensure_paper_key(self.config.var_dir)
        self.account = key.address
        self._signer = Signer(key, is_mainnet=False)
        self._http = http
        self._session = session
        self.ctx = ctx
        self.pids_seen: set[int] = set()

    @classmethod
    @asynccontextmanager
    async def open(cls, deployment: PrivateDeployment) -> AsyncIterator[Probe]:
        """A probe with its HTTP session and ZeroMQ context, closed on the way out."""
        ctx = zmq.asyncio.Context()
        try:
            async with aiohttp.ClientSession() as session:
                http = HyperliquidHttp(
                    deployment.config.exchange.url, timeout_s=HTTP_TIMEOUT_S, session=session
                )
                yield cls(deployment, http, session, ctx)
        finally:
            ctx.term()

    # ---- the venue ------------------------------------------------------------------------

    async def open_orders(self) -> list[dict[str, Any]]:
        """The account's open orders on our markets' dexes, as the venue lists them."""
        return await exchange_orders(self._http, self.config, self.account)

    async def user_fills(self) -> list[dict[str, Any]]:
        """Every fill of the account since the venue started, oldest first (paged by time)."""
        fills: dict[int, dict[str, Any]] = {}
        start = 0
        while True:
            page = await self._http.info(
                {"type": "userFillsByTime", "user": self.account, "startTime": start}
            )
            fresh = [fill for fill in page if fill["tid"] not in fills]
            fills.update((fill["tid"], fill) for fill in page)
            if len(page) < PAGE or not fresh:
                return sorted(fills.values(), key=lambda fill: (fill["time"], fill["tid"]))
            start = page[-1]["time"]

    async def positions(self) -> dict[str, Decimal]:
        """The account's signed size per configured market, from `clearinghouseState`."""
        held = dict.fromkeys(self.coins, Decimal(0))
        for dex in sorted({dex_of(coin) for coin in self.coins}):
            state = await self._http.info(
                {"type": "clearinghouseState", "user": self.account, "dex": dex}
            )
            for entry in state["assetPositions"]:
                position = entry["position"]
                if position["coin"] in held:
                    held[position["coin"]] = Decimal(position["szi"])
        return held

    async def order_status(self, order: str | int) -> str:
        """The venue's status of one of the account's orders (by cloid or oid)."""
        answer = await self._http.info({"type": "orderStatus", "user": self.account, "oid": order})
        return answer["order"]["status"] if answer["status"] == "order" else answer["status"]

    async def place_sentinel(self, coin: str) -> int:
        """A post-only bid for the account 5 % under the mid, which never fills: only a cancel
        (the dead-man switch's, while execution is frozen) takes it away. Its oid."""
        directory = await MarketDirectory.load(self._http, [coin])
        mids = await self._http.info({"type": "allMids", "dex": dex_of(coin)})
        px = (Decimal(mids[coin]) * Decimal("0.95")).to_integral_value()
        order = LimitOrder(directory.asset(coin), True, px, SENTINEL_SZ, "Alo")
        answer = await ExchangeClient(self._http, self._signer).submit(order_action([order]))
        return int(statuses(answer)[0]["resting"]["oid"])

    async def placements(self) -> dict[str, Any]:
        """The venue's placement audit of the account (`/_venue/placements`)."""
        return await self._admin("GET", "/_venue/placements", params={"user": self.account})

    async def faults(self, changes: dict[str, float] | None = None) -> dict[str, Any]:
        """The fault switchboard's settings, after applying `changes` if given."""
        if changes is None:
            return await self._admin("GET", "/_venue/faults")
        return await self._admin("POST", "/_venue/faults", json=changes)

    async def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.config.exchange.url + path
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
        async with self._session.request(method, url, timeout=timeout, **kwargs) as response:
            response.raise_for_status()
            return await response.json()

    # ---- the actors -----------------------------------------------------------------------

    async def ask(
        self, program: str, op: str, args: dict[str, Any] | None = None, timeout_s: float = 2.0
    ) -> dict[str, Any]:
        """One request to an actor's reply endpoint; raises RequestFailed without an answer."""
        endpoint = dict(self.config.snapshot.items())[program]
        reply = await request(self.ctx, endpoint, op, args, timeout_s=timeout_s)
        return reply.data

    def log_events(self, program: str, event: str) -> int:
        """How many times `program` has logged `event` in this deployment (its var/ log)."""
        path = self.deployment.layout.log_of(program)
        with path.open(errors="replace") as log:
            return sum(f" {event} " in line for line in log)

    # ---- supervisord ----------------------------------------------------------------------

    async def processes(self) -> dict[str, tuple[str, int]]:
        """supervisord's state and pid (0: none) of each program; every pid seen is remembered
        in `pids_seen`."""
        infos = await asyncio.to_thread(self.deployment.layout.supervisor().getAllProcessInfo)
        self.pids_seen.update(info["pid"] for info in infos if info["pid"])
        return {info["name"]: (info["statename"], info["pid"]) for info in infos}

    async def program_pids(self) -> dict[str, int]:
        """The pid of each program that has one."""
        return {name: pid for name, (_, pid) in (await self.processes()).items() if pid}

    async def stop(self, program: str) -> None:
        """`supervisorctl stop PROGRAM`: returns once it has stopped."""
        await self.program_pids()
        await asyncio.to_thread(self.deployment.layout.supervisor().stopProcess, program, True)

    async def start(self, program: str) -> int:
        """`supervisorctl start PROGRAM`: returns its new pid once it is RUNNING."""
        await asyncio.to_thread(self.deployment.layout.supervisor().startProcess, program, True)
        return (await self.program_pids())[program]

    async def signal(self, program: str, signum: signal.Signals) -> int:
        """Send `signum` to the program's process; its pid."""
        pid = (await self.program_pids())[program]
        os.kill(pid, signum)
        return pid

    async def wait_running(self, program: str, not_pid: int, timeout_s: float) -> int | None:
        """The program's pid once supervisord runs it as another process than `not_pid`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state, pid = (await self.processes())[program]
            if state == "RUNNING" and pid not in (0, not_pid):
                return pid
            await asyncio.sleep(0.2)
        return None
