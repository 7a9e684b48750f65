"""The risk actor's process: bus bodies into ``RiskCore``, its decisions and state onto the bus.

Start-up trusts no older state except the halt file: the core starts with an empty ledger and
approves nothing until execution's snapshot is in (``position``, then ``fills_since`` 0, paged).
A gap in execution's stream, a new execution epoch or a hole in ``journal_seq`` makes it ask
``fills_since`` again; a lasting disagreement with ``exec.position`` takes a new snapshot. The
exchange's rules for the markets (szDecimals) come from ``meta``, as execution loads them; a
configured market the exchange does not list is a StartupError naming the coin (exit 2:
supervisord does not restart it). A fill on a market that is not configured is logged once per
coin (``risk.fill_ignored``) and left out of risk's books.

Timers: every market's decision every ``decision_interval_s`` (execution's gate treats one
older than ``max_decision_age_ms`` as stale) and ``risk.state`` every ``state_interval_s``; both
also go out at once after a snapshot, a halt or a resume. The halt is stored before any reply
or message says so.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from amm.common.bus import Received
from amm.common.config import Config
from amm.common.fill_sync import (
    SNAPSHOT,
    StreamWatch,
    decode_positions,
    execution_asker,
    fetch_fills,
)
from amm.common.hyperliquid.client import ExchangeError, HyperliquidHttp
from amm.common.hyperliquid.meta import MalformedMeta, MarketDirectory, UnknownMarket
from amm.common.logs import EventLog, RecurringWarnings
from amm.common.messages import (
    Fill,
    RiskDecision,
)
from amm.common.reqrep import Handler, RequestFailed
from amm.common.runtime import Actor, StartupError
from amm.services.risk.halt_store import HaltStore
from amm.services.risk.logic import RiskCore
from amm.services.risk.settings import RiskSettings
from amm.services.risk.states import Halt

EXECUTION = "execution"


class RiskActor(Actor):
    """Owns inventory, limits and the trading state; answers ``state``, ``halt``, ``resume``."""

    def __init__(
        self,
        program: str,
        config: Config,
        log: EventLog,
        settings: RiskSettings | None = None,
    ) -> None:
        super().__init__(program, config, log)
        self.settings = settings if settings is not None else config.risk
        self.coins = [market.coin for market in config.markets]
        self.store = HaltStore(config.var_dir / "risk" / "halt.json")
        try:
            self.store.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StartupError(f"cannot create {self.store.path.parent}: {exc}") from None
        halt = self.store.load()
        if halt is not None:
            log.warning("risk.halted_at_start", by=halt.by, reason=halt.reason)
        self.core = RiskCore(self.settings, self.coins, now_ns=time.time_ns(), halt=halt)
        self._stored: Halt | None = halt
        self._execution = StreamWatch(EXECUTION)
        self._markets_loaded = False
        self._wake = asyncio.Event()
        self._last_state: str | None = None
        self._warnings = RecurringWarnings(log)
        self._ask = execution_asker(
            self.ctx, config.snapshot.execution, config.transport.request_timeout_s
        )

    # ---- the bus ----------------------------------------------------------------------------

    async def on_message(self, message: Received) -> None:
        now_ns = time.time_ns()
        if message.publisher == EXECUTION:
            self._watch_execution()
        body = message.body
        self.core.on_body(body, now_ns)
        if isinstance(body, Fill):
            self._log_ignored()
        self._settle()  # a halt this input caused is stored before a decision shows it
        decision = self.core.decision_for(body, now_ns)
        if decision is not None:
            self._publish_decision(decision)

    def _watch_execution(self) -> None:
        """A seq gap or a new epoch in execution's stream: something may be missed, resync."""
        assert self.subscriber is not None
        tracker = self.subscriber.tracker
        if self._execution.moved(tracker):
            epoch = tracker.publishers[EXECUTION].epoch
            self.log.warning("risk.resync", cause="execution gap or restart", epoch=epoch)
            self.core.request_resync()

    def _settle(self) -> None:
        """After every change: store a new halt, wake the sync task if it has work."""
        halt = self.core.halt
        if halt != self._stored:
            try:
                self.store.save(halt)
            except OSError as exc:
                self.log.error("risk.halt_store_failed", error=str(exc))
            else:
                self._stored = halt
                if halt is None:
                    self.log.warning("risk.resumed")
                else:
                    self.log.warning("risk.halted", by=halt.by, reason=halt.reason)
        if self.core.sync.need is not None or not self._markets_loaded:
            self._wake.set()

    def _log_ignored(self) -> None:
        """Each coin whose fills risk leaves out of its books, once."""
        for coin in self.core.take_ignored():
            self.log.warning(
                "risk.fill_ignored",
                coin=coin,
                reason="not a configured market: not in risk's books nor the session PnL",
            )

    def _publish_decision(self, decision: RiskDecision) -> None:
        assert self.publisher is not None
        self.publisher.publish("risk.decision", decision)

    def _publish_state(self, now_ns: int) -> None:
        assert self.publisher is not None
        state = self.core.state(now_ns)
        if state.state != self._last_state:
            self.log.info("risk.state", state=state.state, reasons=",".join(state.reasons))
            self._last_state = state.state
        self.publisher.publish("risk.state", state)

    def _publish_all(self, now_ns: int, *, with_state: bool = True) -> None:
        """Every market's decision (and the state): a halt found now is stored first."""
        self.core.update(now_ns)
        self._settle()
        for decision in self.core.decisions(now_ns):
            self._publish_decision(decision)
        if with_state:
            self._publish_state(now_ns)

    # ---- reply ops --------------------------------------------------------------------------

    def reply_handlers(self) -> dict[str, Handler]:
        return {"state": self._state, "halt": self._halt, "resume": self._resume}

    async def _state(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.core.describe(time.time_ns())

    async def _halt(self, args: dict[str, Any]) -> dict[str, Any]:
        reason = args.get("reason") or "manual halt"
        if not isinstance(reason, str):
            raise ValueError("`reason` must be a string")
        now_ns = time.time_ns()
        self.core.halt_trading(reason, now_ns)
        self._publish_all(now_ns)
        return {"stored": self._stored == self.core.halt, **self.core.describe(now_ns)}

    async def _resume(self, args: dict[str, Any]) -> dict[str, Any]:
        now_ns = time.time_ns()
        resumed = self.core.resume(now_ns)
        self._publish_all(now_ns)
        return {
            "resumed": resumed,
            "stored": self._stored == self.core.halt,
            **self.core.describe(now_ns),
        }

    # ---- background tasks -------------------------------------------------------------------

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        return [self._publish_loop, self._sync_loop]

    async def _publish_loop(self) -> None:
        decision_s = self.settings.decision_interval_s
        state_every = max(1, round(self.settings.state_interval_s / decision_s))
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        for tick in itertools.count():
            self._publish_all(time.time_ns(), with_state=tick % state_every == 0)
            next_at += decision_s
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    async def _sync_loop(self) -> None:
        """Load the markets' rules, then take snapshots and resyncs whenever the core asks."""
        http = HyperliquidHttp(
            self.config.exchange.url, timeout_s=self.config.exchange.request_timeout_s
        )
        retry_s = self.settings.snapshot_retry_s
        try:
            while True:
                self._wake.clear()
                markets_ok = await self._load_markets(http)
                synced = await self._sync_execution()
                if markets_ok and synced and self.core.sync.need is None:
                    await self._wake.wait()
                else:
                    await asyncio.sleep(retry_s)
        finally:
            await http.close()

    async def _load_markets(self, http: HyperliquidHttp) -> bool:
        if self._markets_loaded:
            return True
        try:
            directory = await MarketDirectory.load(http, self.coins)
        except UnknownMarket as exc:
            self.log.error("risk.unknown_market", error=str(exc))
            raise StartupError(f"cannot check: {exc}") from None
        except (ExchangeError, MalformedMeta) as exc:
            self._warnings.warn("risk.markets_unavailable", error=str(exc))
            return False
        self.core.on_markets({coin: directory.spec(coin) for coin in self.coins})
        self._markets_loaded = True
        self._warnings.clear("risk.markets_unavailable")
        self.log.info("risk.markets_loaded", coins=",".join(self.coins))
        return True

    async def _sync_execution(self) -> bool:
        """Do the snapshot or resync the core needs; False if execution did not answer well."""
        need = self.core.sync.need
        if need is None:
            return True
        try:
            if need == SNAPSHOT:
                positions = decode_positions(await self._ask("position", {}))
                fills, _ = await fetch_fills(self._ask, 0)
                if not self.core.on_snapshot(positions, fills, time.time_ns()):
                    self._warnings.warn("risk.snapshot_incomplete", markets=",".join(positions))
                    return False
                self.log.info("risk.snapshot", fills=len(fills), seq=self.core.sync.last_seq)
            else:
                fills, last_seq = await fetch_fills(self._ask, self.core.sync.last_seq)
                self.core.on_resync(fills, last_seq)
                self.log.info("risk.resynced", fills=len(fills), seq=self.core.sync.last_seq)
            self._log_ignored()
        except (RequestFailed, msgspec.ValidationError, KeyError, TypeError, ValueError) as exc:
            self._warnings.warn("risk.sync_failed", need=need, error=str(exc))
            return False
        self._warnings.clear("risk.snapshot_incomplete", "risk.sync_failed")
        self._publish_all(time.time_ns())
        return True
