"""The Prometheus endpoint: the monitor's figures as gauges on http://127.0.0.1:<port>/metrics.

Window figures (labels ``coin``, ``window``) are set from each ``monitor.stats``; position and
delta every tick; alerts and the mode on every change. An unknown value (no fills with a known
mid, no risk.state) is NaN. Served by aiohttp on the actor's own event loop (no thread), from a
registry of its own, so nothing else of the process leaks into it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from amm.common.messages import Alert, MonitorMode, MonitorStats
from amm.services.monitor.modes import ORDER, RANK

HOST = "127.0.0.1"
_WINDOW = ("coin", "window")


class MonitorMetrics:
    """The gauges and their registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.pnl = Gauge("amm_monitor_pnl_usd", "Net PnL over the window", _WINDOW, registry=r)
        self.realized = Gauge(
            "amm_monitor_realized_pnl_usd", "Realized PnL over the window", _WINDOW, registry=r
        )
        self.fees = Gauge("amm_monitor_fees_usd", "Fees over the window", _WINDOW, registry=r)
        self.fills = Gauge("amm_monitor_fills", "Fills in the window", _WINDOW, registry=r)
        self.imbalance = Gauge(
            "amm_monitor_imbalance", "(bought - sold) / (bought + sold)", _WINDOW, registry=r
        )
        self.spread = Gauge(
            "amm_monitor_spread_capture_bps", "Spread capture in bps", _WINDOW, registry=r
        )
        self.markout = Gauge(
            "amm_monitor_markout_bps",
            "Mid move after our fills, signed for our side, bps",
            (*_WINDOW, "horizon"),
            registry=r,
        )
        self.fill_rate = Gauge(
            "amm_monitor_fill_rate_per_hour", "Fills per hour", _WINDOW, registry=r
        )
        self.cycle_pnl = Gauge(
            "amm_monitor_cycle_pnl_usd", "PnL of the last cycle", ("coin",), registry=r
        )
        self.cycle = Gauge("amm_monitor_cycle", "Cycles completed", registry=r)
        self.position = Gauge(
            "amm_monitor_position", "Signed position from the fills", ("coin",), registry=r
        )
        self.delta = Gauge(
            "amm_monitor_delta", "Position notional / max exposure (risk)", ("coin",), registry=r
        )
        self.alerts = Gauge(
            "amm_monitor_alerts_active", "Active alerts by level", ("level",), registry=r
        )
        self.mode = Gauge(
            "amm_monitor_mode",
            "Recommended mode: " + ", ".join(f"{rank} {mode}" for mode, rank in RANK.items()),
            registry=r,
        )
        self.divergence = Gauge(
            "amm_monitor_crosscheck_divergence_usd",
            "Account value change minus trade-based PnL change, per dex",
            ("dex",),
            registry=r,
        )
        self.on_alerts(())

    def on_stats(self, stats: MonitorStats) -> None:
        """Set every window figure of one market from its ``monitor.stats``."""
        coin = stats.coin
        for name, w in stats.windows.items():
            self.pnl.labels(coin, name).set(_number(w.net_pnl))
            self.realized.labels(coin, name).set(_number(w.realized_pnl))
            self.fees.labels(coin, name).set(_number(w.fees))
            self.fills.labels(coin, name).set(w.fills)
            self.imbalance.labels(coin, name).set(w.imbalance)
            self.spread.labels(coin, name).set(_number(w.spread_capture_bps))
            self.fill_rate.labels(coin, name).set(w.fill_rate_per_h)
            for horizon, bps in w.markouts_bps.items():
                self.markout.labels(coin, name, horizon).set(_number(bps))
        self.cycle_pnl.labels(coin).set(_number(stats.cycle_pnl))
        self.cycle.set(stats.cycle)
        if stats.crosscheck is not None:
            self.divergence.labels(stats.crosscheck.dex).set(_number(stats.crosscheck.divergence))

    def on_position(self, coin: str, szi: Decimal, delta: float | None) -> None:
        """The market's position and delta now."""
        self.position.labels(coin).set(_number(szi))
        self.delta.labels(coin).set(_number(delta))

    def on_alerts(self, active: Iterable[Alert]) -> None:
        """The active alerts, counted by level."""
        levels = [alert.level for alert in active]
        for level in ("warning", "critical"):
            self.alerts.labels(level).set(levels.count(level))

    def on_mode(self, mode: MonitorMode) -> None:
        """The recommended mode, as its rank in ``modes.ORDER``."""
        self.mode.set(ORDER.index(mode))

    def render(self) -> bytes:
        """The text exposition of every gauge."""
        return generate_latest(self.registry)


class MetricsServer:
    """``GET /metrics`` on 127.0.0.1:``port``, on the running event loop."""

    def __init__(self, metrics: MonitorMetrics, port: int) -> None:
        self.metrics = metrics
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Bind and serve; raises OSError if the port is taken."""
        app = web.Application()
        app.router.add_get("/metrics", self._serve)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, self.port).start()

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve(self, request: web.Request) -> web.Response:
        body = self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _number(value: Decimal | float | None) -> float:
    return math.nan if value is None else float(value)
