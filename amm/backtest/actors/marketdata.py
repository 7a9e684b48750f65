"""marketdata in simulated time: the venue's websocket payloads in, ``md.*`` bodies out.

Converts with ``MarketDataCore`` (the marketdata actor's core) and judges the feed with its
``FeedHealth``: ``md.status`` goes out when it changes (checked every ``STATUS_CHECK_NS``) and
again every ``status_interval_s``, as the actor does. The websocket never drops in a backtest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amm.common.messages import MarketDataStatus, Schema
from amm.services.marketdata.logic import MarketDataCore

STATUS_CHECK_NS = 100_000_000
"""How often the actor looks for a market going stale between messages (its `_STATUS_CHECK_S`)."""


class MarketDataShell:
    """What the marketdata actor publishes for each websocket message and status check."""

    def __init__(
        self, coins: Sequence[str], stale_after_s: float, status_interval_s: float, now_ns: int
    ) -> None:
        self.core = MarketDataCore(coins, stale_after_s)
        self.core.health.on_connected(now_ns)
        self._status_period_ns = round(status_interval_s * 1e9)
        self._last_status: MarketDataStatus | None = None
        self._last_status_ns = 0

    def on_message(self, channel: str, data: Any, now_ns: int) -> list[Schema]:
        """The bodies one websocket message makes, plus ``md.status`` if a market woke up."""
        bodies, woke = self.core.on_message(channel, data, now_ns, now_ns)
        published: list[Schema] = list(bodies)
        if woke:
            published += self.status(now_ns)
        return published

    def status(self, now_ns: int) -> list[Schema]:
        """``md.status`` if it changed or is due again, else nothing."""
        status = self.core.health.status(now_ns)
        due = now_ns - self._last_status_ns >= self._status_period_ns
        if status == self._last_status and not due:
            return []
        self._last_status, self._last_status_ns = status, now_ns
        return [status]
