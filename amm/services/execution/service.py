"""The execution actor's process: risk's word in, the exchange converged to it, fills journaled.

Start-up is recovery, before anything is placed: the account's open orders (ours adopted by
cloid, the rest on our markets cancelled), the fills since the journal's watermark, the position.
Then the step loop: a step as soon as risk's word changes what may be quoted, and at the latest
every `step_interval_ms` (the gate closes on time alone); see `stepping.py`. Timers for
the dead-man switch, positions, reconciliation, the REST fill fallback and the address rate
limit run beside it, and a fill has positions read at once. Fills are journaled before they are
published; on SIGTERM every order is cancelled (`cancel_all_on_stop`) and the exchange's dead-man
switch covers a SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from amm.common.bus import Received
from amm.common.config import Config
from amm.common.hyperliquid.client import (
    ExchangeClient,
    ExchangeRejected,
    ExchangeUnavailable,
    HyperliquidHttp,
    Signer,
    signs_for_mainnet,
)
from amm.common.hyperliquid.meta import MarketDirectory, UnknownMarket
from amm.common.hyperliquid.stream import ConnectionChange, HyperliquidStream, ws_url_for
from amm.common.keys import KeyUnavailable, load_account_key
from amm.common.logs import EventLog
from amm.common.messages import OrderEvent, Position, RiskDecision, RiskState
from amm.common.private_db import DatabaseLocked
from amm.common.reqrep import Handler
from amm.common.runtime import Actor, StartupError
from amm.services.execution.cloids import CloidFactory
from amm.services.execution.exchange_io import ExchangeIO, wall_ms
from amm.services.execution.journal import FillJournal
from amm.services.execution.logic import ExecutionCore
from amm.services.execution.stepping import StepPacer
from amm.services.execution.wire import fill_from_wire, position_from_wire

FILLS_PAGE = 2000
_RETRY_S = (0.5, 5.0)  # first and longest wait between attempts to reach the exchange


class ExecutionActor(Actor):
    """Owns live orders, the fill journal and the exchange connection for trading."""

    def __init__(self, program: str, config: Config, log: EventLog) -> None:
        super().__init__(program, config, log)
        self.settings = config.execution
        self.coins = [market.coin for market in config.markets]
        journal_dir = config.var_dir / "execution"
        try:
            self.key = load_account_key(config)
            journal_dir.mkdir(parents=True, exist_ok=True)
            self.journal = FillJournal(journal_dir / "fills.sqlite")
        except (KeyUnavailable, DatabaseLocked, OSError) as exc:
            raise StartupError(str(exc)) from None
        self.http = HyperliquidHttp(  # closed by before_close, after the last cancels
            config.exchange.url, timeout_s=config.exchange.request_timeout_s
        )
        self.io: ExchangeIO | None = None
        self.core: ExecutionCore | None = None
        self.recovered = False
        self.positions: dict[str, Position] = {}
        self.gates: dict[str, str] = {}
        self._stream_items: asyncio.Queue[Any] = asyncio.Queue()
        self._position_due = asyncio.Event()
        self.pacer = StepPacer(self.settings.step_interval_ms / 1000, time.monotonic)
        self._exchange_offset_ms = 0  # exchange clock minus ours, from clearinghouseState.time

    # ---- the bus ----------------------------------------------------------------------------

    async def on_message(self, message: Received) -> None:
        core, now_ns = self.core, time.time_ns()
        if core is None:
            return
        body = message.body
        if isinstance(body, RiskDecision):
            news = core.on_decision(body, now_ns)
        elif isinstance(body, RiskState):
            news = core.on_risk_state(body, now_ns)
        elif message.topic == "hb.risk":
            news = core.on_risk_heartbeat(now_ns)
        else:
            return
        if news:
            self.pacer.news()

    def reply_handlers(self) -> dict[str, Handler]:
        return {
            "fills_since": self._fills_since,
            "orders": self._orders,
            "position": self._position,
        }

    async def _fills_since(self, args: dict[str, Any]) -> dict[str, Any]:
        seq = max(0, int(args.get("seq", 0)))
        limit = max(1, min(int(args.get("limit", FILLS_PAGE)), FILLS_PAGE))
        entries = self.journal.since(seq, limit)
        return {
            "fills": [msgspec.to_builtins(entry.fill) for entry in entries],
            "last_seq": self.journal.last_seq(),
        }

    async def _orders(self, args: dict[str, Any]) -> dict[str, Any]:
        now_ns = time.time_ns()
        live = self.core.book.live() if self.core else []
        return {
            "account": self.key.address,
            "recovered": self.recovered,
            "gates": dict(self.gates),
            "orders": [msgspec.to_builtins(order.event(now_ns)) for order in live],
        }

    async def _position(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "account": self.key.address,
            "positions": {c: msgspec.to_builtins(p) for c, p in self.positions.items()},
        }

    def _publish_orders(self, events: Sequence[OrderEvent]) -> None:
        assert self.publisher is not None
        for event in events:
            self.publisher.publish("exec.order", event)

    # ---- the process ------------------------------------------------------------------------

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        return [self._trade]

    async def _trade(self) -> None:
        http = self.http
        try:
            directory = await self._until_reachable(
                lambda: MarketDirectory.load(http, self.coins), "meta"
            )
        except UnknownMarket as exc:
            raise StartupError(str(exc)) from None
        signer = Signer(self.key, is_mainnet=signs_for_mainnet(self.config.mode))
        self.core = ExecutionCore(
            self.settings,
            {coin: directory.spec(coin) for coin in self.coins},
            CloidFactory(os.urandom(4)),
        )
        self.io = ExchangeIO(
            ExchangeClient(http, signer),
            directory,
            self.core,
            self.log,
            self._publish_orders,
            expiry_ms=self.settings.action_expiry_ms,
        )
        stream = asyncio.create_task(self._follow_stream(), name="stream")
        await self._until_reachable(self._recover, "recovery")
        self.recovered = True
        self.log.info("execution.recovered", fills=self.journal.count())
        if self.settings.dead_man_switch:
            await self._safely(self._arm_dead_man, "dead_man")
        jobs = [
            self._consume_stream(),
            self._step_loop(),
            self._every(self.settings.position_interval_s, self._refresh_positions, "positions"),
            self._every(self.settings.reconcile_interval_s, self._reconcile, "reconcile"),
            self._every(self.settings.fill_poll_interval_s, self._poll_fills, "fills"),
            self._every(self.settings.rate_limit_interval_s, self._rate_limit, "rate_limit"),
            self._positions_after_fills(),
        ]
        if self.settings.dead_man_switch:
            jobs.append(
                self._every(self.settings.dead_man_refresh_s, self._arm_dead_man, "dead_man")
            )
        await asyncio.gather(stream, *jobs)

    async def _until_reachable(self, attempt: Callable[[], Awaitable[Any]], what: str) -> Any:
        """Retry while the exchange cannot be reached; a market it does not list is fatal."""
        delay = _RETRY_S[0]
        while True:
            try:
                return await attempt()
            except UnknownMarket:
                raise
            except (ExchangeUnavailable, ExchangeRejected) as exc:
                self.log.warning("execution.exchange_unreachable", step=what, error=str(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_S[1])

    async def _recover(self) -> None:
        assert self.io is not None and self.core is not None
        await self._rate_limit()
        recovery, events = self.core.recover(await self.io.open_orders(), time.time_ns())
        self._publish_orders(events)
        if recovery.cancel:
            self.log.info("execution.cancel_unknown", orders=len(recovery.cancel))
            await self.io.cancel_by_oid(recovery.cancel)
        adopted = [int(order["oid"]) for order in recovery.adopt]
        for entry in self.journal.for_oids(adopted):
            self._publish_orders(self.core.book.fill(entry.fill, time.time_ns()))
        await self._poll_fills()
        await self._refresh_positions()

    async def _follow_stream(self) -> None:
        """The user's order updates and fills, queued until recovery is done."""
        md = self.config.marketdata
        subscriptions = [
            {"type": "orderUpdates", "user": self.key.address},
            {"type": "userFills", "user": self.key.address},
        ]
        stream = HyperliquidStream(
            ws_url_for(self.config.exchange.url),
            subscriptions,
            ping_interval_s=md.ping_interval_s,
            pong_timeout_s=md.pong_timeout_s,
            backoff_min_s=md.reconnect_backoff_min_s,
            backoff_max_s=md.reconnect_backoff_max_s,
            connect_timeout_s=md.connect_timeout_s,
            rng=random.Random(),
            log=self.log,
        )
        async for item in stream:
            await self._stream_items.put(item)

    async def _consume_stream(self) -> None:
        assert self.core is not None
        while True:
            item = await self._stream_items.get()
            if isinstance(item, ConnectionChange):
                if item.state == "connected":
                    await self._safely(self._poll_fills, "fills")  # what the gap may have hidden
                continue
            now_ns = time.time_ns()
            if item.channel == "orderUpdates":
                for update in item.data:
                    self._publish_orders(self.core.book.order_update(update, now_ns))
            elif item.channel == "userFills" and _same(item.data.get("user"), self.key.address):
                self._take_fills(item.data.get("fills", []))

    def _take_fills(self, wires: Sequence[dict[str, Any]]) -> None:
        """Journal first, publish only what is new, then book (the book dedupes by tid too)."""
        assert self.core is not None and self.publisher is not None
        for wire in wires:
            fill = fill_from_wire(wire)
            seq = self.journal.record(fill, wire)
            if seq is not None:
                self.publisher.publish("exec.fill", msgspec.structs.replace(fill, journal_seq=seq))
                self._position_due.set()
            self._publish_orders(self.core.book.fill(fill, time.time_ns()))

    async def _step_loop(self) -> None:
        """Step when the pacer says; the plans of every market go out together."""
        assert self.core is not None and self.io is not None
        while True:
            await self.pacer.next_step()
            step = self.core.step(time.time_ns())
            self._publish_orders(step.events)
            self._note_gates(step.gates)
            for plan in step.plans:
                for dropped in plan.dropped:
                    self.log.warning(
                        "execution.level_dropped",
                        coin=plan.coin,
                        side=dropped.side,
                        px=dropped.px,
                        reason=dropped.reason,
                    )
            sending = [plan for plan in step.plans if not plan.is_empty]
            if sending:
                if len(sending) == 1:  # no task to schedule: the request goes out now
                    await self.io.send_plan(sending[0])
                else:
                    await asyncio.gather(*(self.io.send_plan(plan) for plan in sending))
            await self.io.settle_overdue(self.settings.answer_timeout_ms)

    async def _positions_after_fills(self) -> None:
        """Read positions as soon as a fill arrived, beside the step loop, never inside it."""
        while True:
            await self._position_due.wait()
            self._position_due.clear()
            await self._safely(self._refresh_positions, "positions")

    def _note_gates(self, gates: dict[str, Any]) -> None:
        for coin, status in gates.items():
            reason = status.reason
            if self.gates.get(coin) != reason:
                self.log.info("execution.gate", coin=coin, open=status.is_open, reason=reason)
                self.gates[coin] = reason

    async def _every(self, period_s: float, job: Callable[[], Awaitable[None]], name: str) -> None:
        while True:
            await asyncio.sleep(period_s)
            await self._safely(job, name)

    async def _safely(self, job: Callable[[], Awaitable[None]], name: str) -> None:
        """A timer's failure to reach the exchange is logged and retried next period."""
        try:
            await job()
        except (ExchangeUnavailable, ExchangeRejected) as exc:
            self.log.warning("execution.timer_failed", timer=name, error=str(exc))

    # ---- timers -----------------------------------------------------------------------------

    async def _refresh_positions(self) -> None:
        assert self.io is not None and self.publisher is not None
        for dex in sorted({self.io.directory.dex(coin) for coin in self.coins}):
            state = await self.io.info(
                {"type": "clearinghouseState", "user": self.key.address, "dex": dex}
            )
            self._exchange_offset_ms = int(state["time"]) - wall_ms()
            for coin in self.coins:
                if self.io.directory.dex(coin) == dex:
                    position = position_from_wire(state, coin, dex)
                    self.positions[coin] = position
                    self.publisher.publish("exec.position", position)

    async def _reconcile(self) -> None:
        """Orders the exchange no longer has are settled; ones we do not know are cancelled."""
        assert self.io is not None and self.core is not None
        as_of = time.time_ns()
        open_orders = await self.io.open_orders()
        self._publish_orders(
            self.core.book.reconcile({int(o["oid"]) for o in open_orders}, as_of, time.time_ns())
        )
        known = {oid for order in self.core.book.orders() for oid in order.oids}
        strangers = [o for o in open_orders if int(o["oid"]) not in known]
        if strangers:
            recovery, events = self.core.recover(strangers, time.time_ns())
            self._publish_orders(events)
            if recovery.cancel:
                self.log.warning("execution.cancel_unknown", orders=len(recovery.cancel))
                await self.io.cancel_by_oid(recovery.cancel)

    async def _poll_fills(self) -> None:
        """REST fallback (and start-up backfill): every fill since the journal's watermark."""
        assert self.io is not None
        start = self.journal.backfill_start_ms() or 0
        while True:
            page = await self.io.info(
                {"type": "userFillsByTime", "user": self.key.address, "startTime": start}
            )
            self._take_fills(sorted(page, key=lambda wire: int(wire["time"])))
            if len(page) < FILLS_PAGE:
                return
            start = max(int(wire["time"]) for wire in page)

    async def _rate_limit(self) -> None:
        assert self.io is not None and self.core is not None
        answer = await self.io.info({"type": "userRateLimit", "user": self.key.address})
        self.core.budget.observe_rate_limit(answer)

    async def _arm_dead_man(self) -> None:
        """In the exchange's time (a fast paper venue runs ahead of the wall clock)."""
        assert self.io is not None
        at = wall_ms() + self._exchange_offset_ms + int(self.settings.dead_man_s * 1000)
        await self.io.schedule_cancel(at)

    # ---- stopping ---------------------------------------------------------------------------

    async def before_close(self) -> None:
        """Fail closed on a clean stop: no order outlives the process that watches it."""
        if self.io is not None and self.core is not None and self.settings.cancel_all_on_stop:
            try:
                open_orders = await self.io.open_orders()
                ours = [
                    (o["coin"], int(o["oid"]))
                    for o in open_orders
                    if self.core.cloids.is_ours(o.get("cloid"))
                ]
                if ours:
                    await self.io.cancel_by_oid(ours)
                if self.settings.dead_man_switch:
                    await self.io.schedule_cancel(None)  # nothing left to guard
            except (ExchangeUnavailable, ExchangeRejected) as exc:
                self.log.warning("execution.stop_cancel_failed", error=str(exc))
            else:
                self.log.info("execution.cancelled_on_stop", orders=len(ours))
        await self.http.close()
        self.journal.close()


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.lower() == b.lower()
