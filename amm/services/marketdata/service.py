"""The marketdata actor: Hyperliquid's websocket in, ``md.*`` on the bus out.

Publishes ``md.book.<coin>``, ``md.bbo.<coin>``, ``md.trade.<coin>`` and ``md.ctx.<coin>`` on
every update, and ``md.status`` on every change and every ``status_interval_s`` (level-triggered:
a subscriber that missed one converges on the next). Reply ops ``book`` and ``ctx`` give the
latest views, ``feed`` the websocket counters. The hot path does no logging.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from amm.common.bus import Publisher
from amm.common.config import Config
from amm.common.hyperliquid.stream import (
    ConnectionChange,
    HyperliquidStream,
    WsMessage,
    ws_url_for,
)
from amm.common.logs import EventLog
from amm.common.messages import MarketDataStatus, topic_for
from amm.common.reqrep import Handler
from amm.common.runtime import Actor
from amm.services.marketdata.logic import BadPayload, MarketDataCore, subscriptions

STATUS_TOPIC = "md.status"
_STATUS_CHECK_S = 0.1  # how soon a market going stale is noticed (between messages)


class MarketDataActor(Actor):
    """Runs the websocket stream as a background task; publishes what ``MarketDataCore`` makes."""

    def __init__(self, program: str, config: Config, log: EventLog) -> None:
        super().__init__(program, config, log)
        md = config.marketdata
        coins = [market.coin for market in config.markets]
        self.core = MarketDataCore(coins, md.stale_after_s)
        self.stream = HyperliquidStream(
            ws_url_for(config.exchange.url),
            subscriptions(coins),
            ping_interval_s=md.ping_interval_s,
            pong_timeout_s=md.pong_timeout_s,
            backoff_min_s=md.reconnect_backoff_min_s,
            backoff_max_s=md.reconnect_backoff_max_s,
            connect_timeout_s=md.connect_timeout_s,
            log=log,
        )
        self._last_status: MarketDataStatus | None = None
        self._last_status_ns = 0

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        return [self._consume, self._status_loop]

    def reply_handlers(self) -> dict[str, Handler]:
        return {"book": self._book, "ctx": self._ctx, "feed": self._feed}

    async def _consume(self) -> None:
        """The hot path: every websocket message straight to the bus."""
        publish = self._publisher().publish
        core = self.core
        async with contextlib.aclosing(self.stream.items()) as items:
            async for item in items:
                if type(item) is WsMessage:
                    if item.channel == "error":  # a refused subscription: rare, and news
                        self.log.warning("md.ws_error", error=str(item.data)[:300])
                        continue
                    try:
                        bodies, woke = core.on_message(
                            item.channel, item.data, item.recv_ns, time.monotonic_ns()
                        )
                    except BadPayload as exc:
                        self._bad_payload(exc)
                        continue
                    for body in bodies:
                        publish(topic_for(body), body)
                    if woke:
                        self._publish_status()
                else:
                    assert isinstance(item, ConnectionChange)
                    self._on_connection(item)

    def _on_connection(self, change: ConnectionChange) -> None:
        health = self.core.health
        if change.state == "connected":
            health.on_connected(time.monotonic_ns())
            self.log.info("md.connected", url=self.stream.ws_url)
        elif change.state == "disconnected":
            health.on_disconnected(change.reason)
            self.log.warning("md.disconnected", reason=change.reason)
        else:
            health.on_disconnected(change.reason)
            if change.attempt == 1 or change.attempt % 10 == 0:
                self.log.warning(
                    "md.reconnecting",
                    attempt=change.attempt,
                    delay_s=round(change.delay_s, 3),
                    reason=change.reason,
                )
        self._publish_status()

    def _bad_payload(self, exc: BadPayload) -> None:
        if self.core.malformed[exc.channel] == 1:
            self.log.warning(
                "md.malformed",
                channel=exc.channel,
                detail=str(exc)[:300],
                note="dropped; later ones on this channel are only counted",
            )

    async def _status_loop(self) -> None:
        """Notice markets going stale between messages, and re-publish the status on a timer."""
        while True:
            await asyncio.sleep(_STATUS_CHECK_S)
            self._publish_status()

    def _publish_status(self) -> None:
        now_ns = time.monotonic_ns()
        status = self.core.health.status(now_ns)
        period_ns = int(self.config.marketdata.status_interval_s * 1e9)
        changed = status != self._last_status
        if not (changed or now_ns - self._last_status_ns >= period_ns):
            return
        if changed and self._last_status is not None and status.state != self._last_status.state:
            self.log.info("md.state", state=status.state, reason=status.reason)
        self._publisher().publish(STATUS_TOPIC, status)
        self._last_status, self._last_status_ns = status, now_ns

    def _publisher(self) -> Publisher:
        assert self.publisher is not None  # background tasks start after open()
        return self.publisher

    async def _book(self, args: dict[str, Any]) -> dict[str, Any]:
        """The latest book per coin (null until the first one), optionally just ``args.coin``."""
        return {"books": self._latest(self.core.books, args)}

    async def _ctx(self, args: dict[str, Any]) -> dict[str, Any]:
        """The latest asset context (mark, oracle, funding) per coin."""
        return {"ctxs": self._latest(self.core.ctxs, args)}

    async def _feed(self, args: dict[str, Any]) -> dict[str, Any]:
        """Websocket and conversion counters, and the current status."""
        stats = self.stream.stats
        return {
            "url": self.stream.ws_url,
            "status": msgspec.to_builtins(self.core.health.status(time.monotonic_ns())),
            "connected": stats.connected,
            "connects": stats.connects,
            "disconnects": stats.disconnects,
            "failed_connects": stats.failed_connects,
            "pings": stats.pings,
            "pongs": stats.pongs,
            "acks": stats.acks,
            "messages": stats.messages,
            "malformed_frames": dict(stats.malformed),
            "malformed_payloads": dict(self.core.malformed),
            "ignored": dict(self.core.ignored),
        }

    def _latest(self, views: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        coin = args.get("coin")
        coins = sorted(self.core.coins) if coin is None else [coin]
        unknown = [c for c in coins if c not in self.core.coins]
        if unknown:
            raise ValueError(f"not a configured market: {unknown[0]}")
        return {c: msgspec.to_builtins(views[c]) if c in views else None for c in coins}
