"""The monitor actor's process: fills, mids and risk in; stats, alerts and modes out.

Inputs: ``exec.fill`` and ``exec.position`` (execution), ``md.bbo.<coin>`` and ``md.status``
(marketdata), ``risk.state`` (risk), and ``userFunding`` read from the exchange before every
cycle (funding is not on the bus). Start-up loads ``<var_dir>/monitor/monitor.sqlite`` and asks
execution for the fills after the highest ``journal_seq`` it holds (without the file: a new
session, and every fill from ``fills_since`` 0). A seq gap or a new epoch in execution's stream,
or a hole in ``journal_seq``, asks ``fills_since`` again (``amm.common.fill_sync``).

Outputs:

* ``monitor.stats``: one per configured market every ``cycle_interval_s`` (300 s; paper: 60 s),
  with the cycle report logged as ``monitor.cycle`` lines in the old monitor's words
  (``Session Stats: 6 fills | 5 buys (0.50) / 1 sells (0.10) | Imbalance: 0.67``,
  ``Session PnL: $-0.0107 | Spread: +0.00 bps | Fees: $0.0107``, ``Cycle PnL: $-0.0036``);
* ``monitor.alert``: each alert transition (raised, level changed, cleared), logged too;
* ``monitor.mode``: level-triggered, every ``mode_interval_s`` and on every change.

Windows of ``monitor.stats`` (``windows``): ``5m``, ``30m``, ``1h`` (rolling), ``session``
(since the monitor's database was created; survives restarts; a new session: stop the monitor
and remove ``var/monitor/``) and ``total`` (every fill in execution's journal). Cycles, alerts
and samples wait until execution's fills are in. Definitions (``metrics.py``, ``windows.py``):

* realized PnL: average cost, from the shared ledger (``amm.common.accounting``);
  unrealized: the position marked to the mid; net = realized + funding - fees + unrealized,
  where a window's unrealized is the position now at the mid now minus the opening position at
  the mid at the window's start (so a window's net PnL is its mark-to-market change);
* matched volume = min(bought, sold); matched PnL = (avg sell - avg buy) x matched - fees;
* spread capture: per fill side x (mid before the fill - px) / mid in bps (side +1 buy,
  -1 sell), notional-weighted over the window's fills with a known mid;
* markouts (1s, 5s, 30s, 60s): per fill side x (mid at t + h - mid before the fill) / mid in
  bps, negative when picked off; notional-weighted; times are exchange times;
* imbalance = (bought - sold) / (bought + sold) by size, in [-1, 1]; one_sided = fills on the
  busier side / fills; maker share = fills not crossed / fills (by count);
* fill rate = fills per hour over the window's span (at least one minute);
* cycle PnL = the session's net PnL now minus at the end of the previous cycle.

Alerts (``alerts.py``, thresholds in ``[monitor.alerts]``), evaluated every
``evaluate_interval_s`` over ``alert_window`` (``1h``) with at least ``min_fills`` fills:
imbalance |x| > 0.70 warning / > 0.85 critical; one-sided >= 0.80 warning; spread capture
< 1 bps warning / < -1 bps critical; fill rate > 300/h warning / > 400/h critical; inventory
|delta| (risk.state) > 0.4 / > 0.6; session PnL < -$0.50 / < -$1.00; session loss limit
< -$5.00 critical; market data not live (md.status) warning; at each cycle the cross-check
(``crosscheck.py``: account value change vs trade-based PnL per dex, > $0.10 warning) and a
position mismatch with the exchange, both only after ``crosscheck_checks`` (2) cycles in a row.
Hysteresis: a level is left only once the value is back inside by the rule's clear margin.

Modes (``modes.py``): a target per cycle, more defensive at once, more aggressive only after
``upgrade_cycles`` (3) cycles in a row; the emergency rule is also checked between cycles.

Reply ops on ``[snapshot] monitor`` (besides ``status``); ``coin`` defaults to the first of
``[[markets]]``, decimals are strings:

* ``stats`` {window?: "5m" | "30m" | "1h" | "session" | "total", coin?} -> the body of the last
  ``monitor.stats`` of the market exactly as published (``msgspec.to_builtins``), with
  ``windows`` cut to the one asked for. Survives restarts; an error before the first cycle.
* ``history`` {coin?} -> ``pnl``: [[time_ms, session net PnL], ...], ``position``: [[time_ms,
  szi], ...], ``mids``: [[time_ms, mid], ...] (samples every ``sample_interval_s``, downsampled
  to at most ``history_points`` (2000) points), ``fills``: the session's last ``history_fills``
  (2000) fills [{"time_ms", "px", "sz", "side", "crossed"}], ``markouts``: {"1s": bps or null,
  "5s", "30s", "60s"} (session averages), ``cycles``: the last 50 cycle summaries [{cycle,
  time_ms, fills, cycle_pnl, session_pnl, spread_capture_bps, mode}], ``alerts``: every active
  alert as its ``monitor.alert`` body.

Prometheus (``prometheus.py``): ``http://127.0.0.1:<prometheus_port>/metrics`` (0 = off).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
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
from amm.common.hyperliquid.client import HyperliquidHttp
from amm.common.hyperliquid.errors import ExchangeError
from amm.common.logs import EventLog, RecurringWarnings
from amm.common.messages import (
    Alert,
    Bbo,
    Fill,
    MarketDataStatus,
    ModeRecommendation,
    Position,
    RiskState,
)
from amm.common.private_db import DatabaseLocked
from amm.common.reqrep import Handler, RequestFailed
from amm.common.runtime import Actor, StartupError
from amm.services.monitor import funding
from amm.services.monitor.logic import MonitorCore
from amm.services.monitor.modes import RANK
from amm.services.monitor.prometheus import MetricsServer, MonitorMetrics
from amm.services.monitor.settings import MonitorSettings
from amm.services.monitor.state import Saved
from amm.services.monitor.store import MonitorStore

EXECUTION = "execution"
_CYCLE_POLL_S = 1.0
_MS = 1_000_000


class MonitorActor(Actor):
    """Owns trade-based performance, alerts, modes and history (see the module docstring)."""

    def __init__(
        self,
        program: str,
        config: Config,
        log: EventLog,
        settings: MonitorSettings | None = None,
    ) -> None:
        super().__init__(program, config, log)
        self.settings = settings if settings is not None else config.monitor
        self.coins = [market.coin for market in config.markets]
        path = config.var_dir / "monitor" / "monitor.sqlite"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.store, saved = self._open_store(path)
        except (DatabaseLocked, OSError, sqlite3.Error) as exc:
            raise StartupError(f"monitor database {path}: {exc}") from None
        new_session = "session" not in saved.state
        self.core = MonitorCore(self.settings, self.coins, saved, now_ns=time.time_ns())
        if new_session:
            log.info("monitor.new_session", start_ms=self.core.session_start_ms, db=str(path))
        else:
            log.info(
                "monitor.restored",
                fills=len(saved.fills),
                journal_seq=self.core.sync.last_seq,
                cycle=self.core.cycle_no,
                session_start_ms=self.core.session_start_ms,
            )
        self.metrics = MonitorMetrics()
        for stats in self.core.last_stats.values():
            self.metrics.on_stats(stats)
        self.metrics.on_mode(self.core.mode.mode)
        self.metrics.on_alerts(self.core.alerts.active.values())
        self._execution = StreamWatch(EXECUTION)
        self._wake = asyncio.Event()
        self._http: HyperliquidHttp | None = None
        self._warnings = RecurringWarnings(log)
        self._ask = execution_asker(
            self.ctx, config.snapshot.execution, config.transport.request_timeout_s
        )
        self._next_flush_ns = 0

    def _open_store(self, path: Path) -> tuple[MonitorStore, Saved]:
        """Open and load the database; an unreadable one is moved aside and counts as lost."""
        try:
            store = MonitorStore(path)
        except DatabaseLocked:
            raise
        except sqlite3.DatabaseError as exc:
            return self._replace_store(path, exc), Saved()
        try:
            return store, store.load()
        except (sqlite3.DatabaseError, msgspec.DecodeError, ValueError, KeyError) as exc:
            store.close()
            return self._replace_store(path, exc), Saved()

    def _replace_store(self, path: Path, error: Exception) -> MonitorStore:
        aside = path.with_name(f"{path.name}.unreadable-{time.time_ns() // _MS}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        self.log.error("monitor.database_unreadable", moved_to=str(aside), error=str(error))
        return MonitorStore(path)

    # ---- the bus ----------------------------------------------------------------------------

    async def on_message(self, message: Received) -> None:
        now_ns, core, body = time.time_ns(), self.core, message.body
        if message.publisher == EXECUTION and self.subscriber is not None:
            tracker = self.subscriber.tracker
            if self._execution.moved(tracker):
                epoch = tracker.publishers[EXECUTION].epoch
                self.log.warning("monitor.resync", cause="execution gap or restart", epoch=epoch)
                core.request_resync()
        if isinstance(body, Fill):
            core.on_fill(body)
        elif isinstance(body, Bbo):
            core.on_bbo(body)
        elif isinstance(body, Position):
            core.on_position(body)
        elif isinstance(body, MarketDataStatus):
            core.on_md_status(body, now_ns)
        elif isinstance(body, RiskState):
            core.on_risk_state(body, now_ns)
        if core.sync.need is not None:
            self._wake.set()

    def _publish_alerts(self, alerts: list[Alert]) -> None:
        if not alerts:
            return
        assert self.publisher is not None
        for alert in alerts:
            self.publisher.publish("monitor.alert", alert)
            emit = self.log.info if not alert.active else self.log.warning
            if alert.active and alert.level == "critical":
                emit = self.log.error
            emit(
                "monitor.alert",
                metric=alert.metric,
                subject=alert.subject or "-",
                level=alert.level,
                active=alert.active,
                message=alert.message,
            )
        self.metrics.on_alerts(self.core.alerts.active.values())

    def _publish_mode(self, mode: ModeRecommendation, *, changed: bool) -> None:
        assert self.publisher is not None
        self.publisher.publish("monitor.mode", mode)
        if changed:
            self.log.warning(
                "monitor.mode", mode=mode.mode, rank=RANK[mode.mode], reason=mode.reason
            )
            self.metrics.on_mode(mode.mode)

    # ---- reply ops --------------------------------------------------------------------------

    def reply_handlers(self) -> dict[str, Handler]:
        return {"stats": self._stats, "history": self._history}

    def _coin(self, args: dict[str, Any]) -> str:
        coin = args.get("coin") or self.coins[0]
        if coin not in self.coins:
            raise ValueError(f"not a configured market: {coin}")
        return str(coin)

    async def _stats(self, args: dict[str, Any]) -> dict[str, Any]:
        window = args.get("window")
        if window is not None and not isinstance(window, str):
            raise ValueError("`window` must be a string")
        return self.core.stats_reply(self._coin(args), window)

    async def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.core.history(self._coin(args), time.time_ns() // _MS)

    # ---- background tasks -------------------------------------------------------------------

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        tasks = [self._sync_loop, self._clock, self._cycles]
        if self.settings.prometheus_port:
            tasks.append(self._serve_metrics)
        return tasks

    async def _sync_loop(self) -> None:
        """Take execution's snapshot or resync whenever the core needs one."""
        while True:
            self._wake.clear()
            if await self._sync() and self.core.sync.need is None:
                await self._wake.wait()
            else:
                await asyncio.sleep(self.settings.sync_retry_s)

    async def _sync(self) -> bool:
        core = self.core
        need = core.sync.need
        if need is None:
            return True
        try:
            if core.account is None or need == SNAPSHOT:
                data = await self._ask("position", {})
                core.on_account(str(data["account"]))
                for position in decode_positions(data).values():
                    core.on_position(position)
            if need == SNAPSHOT:
                fills, _ = await fetch_fills(self._ask, 0)
                core.on_snapshot(fills)
                self.log.info("monitor.snapshot", fills=len(fills), journal_seq=core.sync.last_seq)
            else:
                fills, last_seq = await fetch_fills(self._ask, core.sync.last_seq)
                core.on_resync(fills, last_seq)
                self.log.info("monitor.resynced", fills=len(fills), journal_seq=core.sync.last_seq)
        except (RequestFailed, msgspec.ValidationError, KeyError, TypeError, ValueError) as exc:
            self._warnings.warn("monitor.sync_failed", need=need, error=str(exc))
            return False
        self._warnings.clear("monitor.sync_failed")
        self._flush()
        return True

    async def _clock(self) -> None:
        """Alerts, samples and ``monitor.mode`` when due; the database every flush interval."""
        s = self.settings
        period = min(s.evaluate_interval_s, s.sample_interval_s, s.mode_interval_s)
        period = min(period, s.flush_interval_s)
        while True:
            now_ns = time.time_ns()
            tick = self.core.tick(now_ns)
            self._publish_alerts(tick.alerts)
            if tick.mode is not None:
                self._publish_mode(tick.mode, changed=tick.mode_changed)
            for coin, (szi, delta) in self.core.live(now_ns).items():
                self.metrics.on_position(coin, szi, delta)
            if now_ns >= self._next_flush_ns:
                self._flush()
                self._next_flush_ns = now_ns + int(s.flush_interval_s * 1e9)
            await asyncio.sleep(period)

    async def _cycles(self) -> None:
        """End a cycle whenever one is due: funding first, then the report."""
        while True:
            if self.core.cycle_due(time.time_ns()):
                await self._read_funding()
                self._cycle()
            await asyncio.sleep(_CYCLE_POLL_S)

    def _cycle(self) -> None:
        assert self.publisher is not None
        report = self.core.cycle(time.time_ns())
        for coin, stats in report.stats.items():
            self.publisher.publish("monitor.stats", stats)
            self.metrics.on_stats(stats)
            for line in report.lines[coin]:
                self.log.info("monitor.cycle", coin=coin, cycle=stats.cycle, line=line)
        self._publish_alerts(report.alerts)
        if report.mode is not None:
            self._publish_mode(report.mode, changed=True)
        self._flush()

    async def _read_funding(self) -> None:
        """Read the account's new funding payments; a failure only delays them a cycle."""
        account = self.core.account
        if not self.settings.funding or account is None:
            return
        if self._http is None:
            self._http = HyperliquidHttp(
                self.config.exchange.url, timeout_s=self.config.exchange.request_timeout_s
            )
        start_ms, asked_ms = self.core.funding_ms, time.time_ns() // _MS
        try:
            while True:
                answer = await self._http.info(funding.request(account, start_ms))
                payments = funding.payments(answer)
                self.core.on_funding(payments, asked_ms)
                newest = max((time_ms for _, time_ms, _ in payments), default=start_ms)
                if len(payments) < funding.PAGE or newest <= start_ms:
                    break
                start_ms = newest
        except (ExchangeError, funding.MalformedFunding) as exc:
            self._warnings.warn("monitor.funding_failed", error=str(exc))
            return
        self._warnings.clear("monitor.funding_failed")

    async def _serve_metrics(self) -> None:
        """The Prometheus endpoint; a port that cannot be bound costs the endpoint only."""
        server = MetricsServer(self.metrics, self.settings.prometheus_port)
        try:
            await server.start()
        except OSError as exc:
            self.log.error(
                "monitor.metrics_unavailable", port=server.port, error=str(exc) or repr(exc)
            )
        else:
            self.log.info("monitor.metrics", url=f"http://127.0.0.1:{server.port}/metrics")
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    async def before_close(self) -> None:
        self._flush()
        self.store.close()
        if self._http is not None:
            await self._http.close()

    # ---- helpers ----------------------------------------------------------------------------

    def _flush(self) -> None:
        """Write what the core queued; on failure it stays queued for the next flush."""
        changes = self.core.take_changes()
        try:
            self.store.write(changes)
        except sqlite3.Error as exc:
            self.core.requeue(changes)
            self._warnings.warn("monitor.store_failed", error=str(exc))
            return
        self._warnings.clear("monitor.store_failed")
