"""Trade-based figures of a run, as plug-ins of the result; by default the monitor's own.

Any object with ``name``, ``on_bbo``, ``on_fill`` and ``report`` is a ``FillMetric``: the
backtest feeds it every ``md.bbo`` marketdata publishes and every one of our fills, and puts
``report(end_ms)`` under ``metrics.<name>`` in the result.

``MonitorMetrics`` runs the monitor actor's metric classes (``amm.services.monitor``): fills
booked into a ``Ledger`` as ``FillRecord``s, the mids around each fill from its ``Markouts`` tape
(``md.bbo`` mids by exchange time), and each market's whole-run ``Window.stats()``, the
``WindowStats`` of ``monitor.stats``. So spread capture (the edge against the mid just before a
fill) and markouts (the mid's move 1/5/30/60 s after it, signed for us) mean exactly what the
live monitor reports, notional-weighted over the fills whose mids are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from amm.common.accounting import CoinBooks, Ledger
from amm.common.messages import Bbo, Fill
from amm.services.monitor.markouts import Markouts
from amm.services.monitor.metrics import HORIZONS_MS, FillRecord, weighted_bps
from amm.services.monitor.settings import MonitorSettings
from amm.services.monitor.windows import Window

if TYPE_CHECKING:
    from amm.common.config import Config

_S_MS = 1000


class FillMetric(Protocol):
    """A trade-based figure of the run."""

    name: str

    def on_bbo(self, bbo: Bbo) -> None:
        """An ``md.bbo`` as marketdata published it."""
        ...

    def on_fill(self, fill: Fill) -> None:
        """One of our fills (``exec.fill`` body), in exchange order."""
        ...

    def on_funding(self, coin: str, usdc: Decimal, time_ms: int) -> None:
        """One of our funding payments (> 0 received)."""
        ...

    def report(self, end_ms: int) -> dict[str, Any]:
        """The figure at the end of the run."""
        ...


class MonitorMetrics:
    """The monitor's records, markouts and window statistics over the whole run."""

    name = "monitor"

    def __init__(self, coins: Sequence[str], settings: MonitorSettings, start_ms: int) -> None:
        self.coins = list(coins)
        self.start_ms = start_ms
        self.ledger = Ledger()
        self.records: dict[str, list[FillRecord]] = {coin: [] for coin in self.coins}
        self.markouts = Markouts(
            round(settings.mid_max_age_s * _S_MS), round(settings.tape_retention_s * _S_MS)
        )
        self.mids: dict[str, Decimal] = {}
        self.opening_mids: dict[str, Decimal] = {}

    def on_bbo(self, bbo: Bbo) -> None:
        """A two-sided, uncrossed top is a mid, as the monitor takes it."""
        if bbo.bid_px is None or bbo.ask_px is None or bbo.bid_px >= bbo.ask_px:
            return
        mid = (bbo.bid_px + bbo.ask_px) / 2
        self.mids[bbo.coin] = mid
        self.opening_mids.setdefault(bbo.coin, mid)
        self.markouts.on_mid(bbo.coin, bbo.exch_time_ms, mid)

    def on_fill(self, fill: Fill) -> None:
        if fill.coin not in self.records or not self.ledger.apply(fill):
            return
        record = FillRecord(fill, self.ledger.coin(fill.coin))
        self.records[fill.coin].append(record)
        self.markouts.track(record)

    def report(self, end_ms: int) -> dict[str, Any]:
        """Spread capture and markouts over every market, and each market's ``WindowStats``."""
        every = [record for records in self.records.values() for record in records]
        return {
            "spread_capture_bps": _rounded(weighted_bps((r.notional, r.edge_bps()) for r in every)),
            "markouts_bps": {
                horizon: _rounded(weighted_bps((r.notional, r.markout_bps(horizon)) for r in every))
                for horizon in HORIZONS_MS
            },
            "windows": {
                coin: msgspec.to_builtins(self._window(coin, end_ms).stats()) for coin in self.coins
            },
        }

    def _window(self, coin: str, end_ms: int) -> Window:
        return Window(
            records=self.records[coin],
            opening=CoinBooks(coin),
            opening_mark=self.opening_mids.get(coin),
            books=self.ledger.coin(coin),
            mark=self.mids.get(coin),
            funding=self.ledger.coin(coin).funding,
            start_ms=self.start_ms,
            span_ms=end_ms - self.start_ms,
        )

    def on_funding(self, coin: str, usdc: Decimal, time_ms: int) -> None:
        """Funding counts in the window's net PnL."""
        self.ledger.apply_funding(coin, usdc, time_ms)


def monitor_settings_of(config: Config) -> MonitorSettings:
    """The config's ``[monitor]`` table; the defaults while ``Config`` has none."""
    table = getattr(config, "monitor", None)
    return table if isinstance(table, MonitorSettings) else MonitorSettings()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
