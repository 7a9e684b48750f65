"""The market-data core: Hyperliquid websocket payloads in, bus bodies and feed health out.

Pure: no sockets and no clock reads. ``recv_ns`` (wall clock, when the frame arrived) goes into
the bodies; ``now_ns`` (a monotonic clock) drives staleness, so a wall-clock step can neither hide
a dead feed nor fake one. Prices and sizes are parsed from Hyperliquid's decimal strings exactly.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from amm.common.messages import (
    AssetCtx,
    Bbo,
    Book,
    BookLevel,
    MarketDataState,
    MarketDataStatus,
    Schema,
    Trade,
    Trades,
)

CHANNELS = ("l2Book", "bbo", "trades", "activeAssetCtx")
_NS = 1_000_000_000
_PAYLOAD_ERRORS = (KeyError, IndexError, TypeError, ValueError, ArithmeticError)


def subscriptions(coins: Iterable[str]) -> list[dict[str, Any]]:
    """The websocket subscriptions for ``coins``: every channel of CHANNELS for each."""
    return [{"type": channel, "coin": coin} for coin in coins for channel in CHANNELS]


class BadPayload(ValueError):
    """A message on a known channel whose data does not have Hyperliquid's shape."""

    def __init__(self, channel: str, detail: str) -> None:
        super().__init__(f"{channel}: {detail}")
        self.channel = channel


def _dec(value: Any) -> Decimal:
    """A decimal from Hyperliquid's string form only (a float would not be exact)."""
    if not isinstance(value, str):
        raise TypeError(f"expected a decimal string, got {value!r}")
    return Decimal(value)


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else _dec(value)


def _levels(side: Sequence[Any]) -> list[BookLevel]:
    return [BookLevel(_dec(level["px"]), _dec(level["sz"]), int(level["n"])) for level in side]


def book_from_wire(data: Any, recv_ns: int) -> Book:
    """``l2Book`` data -> ``md.book.<coin>``."""
    bids, asks = data["levels"]
    return Book(
        coin=data["coin"],
        exch_time_ms=int(data["time"]),
        recv_ns=recv_ns,
        bids=_levels(bids),
        asks=_levels(asks),
    )


def bbo_from_wire(data: Any, recv_ns: int) -> Bbo:
    """``bbo`` data -> ``md.bbo.<coin>``; an empty side is null."""
    bid, ask = data["bbo"]
    return Bbo(
        coin=data["coin"],
        exch_time_ms=int(data["time"]),
        recv_ns=recv_ns,
        bid_px=None if bid is None else _dec(bid["px"]),
        bid_sz=None if bid is None else _dec(bid["sz"]),
        ask_px=None if ask is None else _dec(ask["px"]),
        ask_sz=None if ask is None else _dec(ask["sz"]),
    )


def trades_from_wire(data: Any, recv_ns: int) -> list[Trades]:
    """``trades`` data (a list) -> one ``md.trade.<coin>`` per coin, in exchange order."""
    by_coin: dict[str, list[Trade]] = {}
    for trade in data:
        by_coin.setdefault(trade["coin"], []).append(
            Trade(
                px=_dec(trade["px"]),
                sz=_dec(trade["sz"]),
                side=_side(trade["side"]),
                time_ms=int(trade["time"]),
                tid=int(trade["tid"]),
            )
        )
    return [Trades(coin=coin, recv_ns=recv_ns, trades=trades) for coin, trades in by_coin.items()]


def _side(value: Any) -> Any:
    if value not in ("B", "A"):
        raise ValueError(f"side must be B or A, got {value!r}")
    return value


def ctx_from_wire(data: Any, recv_ns: int) -> AssetCtx:
    """``activeAssetCtx`` data (a perp's) -> ``md.ctx.<coin>``."""
    ctx = data["ctx"]
    impact = ctx.get("impactPxs")
    bid_px, ask_px = (None, None) if impact is None else impact
    return AssetCtx(
        coin=data["coin"],
        recv_ns=recv_ns,
        mark_px=_dec(ctx["markPx"]),
        oracle_px=_dec(ctx["oraclePx"]),
        mid_px=_opt_dec(ctx.get("midPx")),
        funding=_dec(ctx["funding"]),
        premium=_opt_dec(ctx.get("premium")),
        open_interest=_dec(ctx["openInterest"]),
        prev_day_px=_dec(ctx["prevDayPx"]),
        day_ntl_vlm=_dec(ctx["dayNtlVlm"]),
        impact_bid_px=_opt_dec(bid_px),
        impact_ask_px=_opt_dec(ask_px),
    )


class FeedHealth:
    """Whether each market's data can be trusted now: live, stale or reconnecting.

    A market is ``reconnecting`` while the connection is down, and after a (re)connect until its
    first message or until ``stale_after_s`` have passed (then ``stale``); ``stale`` when it has
    had no message for longer than ``stale_after_s``; ``live`` otherwise. Overall: reconnecting
    if the connection is down, else stale if any market is stale, else reconnecting if any
    market still awaits its first data, else live. Reasons contain no measured ages, so the
    status only changes when a state does.
    """

    def __init__(self, coins: Sequence[str], stale_after_s: float) -> None:
        self.coins = tuple(coins)
        self.stale_after_ns = int(stale_after_s * _NS)
        self.connected = False
        self.connected_ns = 0
        self.reason = "not connected yet"
        self._last_seen: dict[str, int | None] = dict.fromkeys(self.coins)

    def on_connected(self, now_ns: int) -> None:
        self.connected = True
        self.connected_ns = now_ns
        self.reason = ""
        self._last_seen = dict.fromkeys(self.coins)  # data from before the outage is not live

    def on_disconnected(self, reason: str) -> None:
        self.connected = False
        self.reason = reason

    def saw(self, coin: str, now_ns: int) -> bool:
        """Record a message for ``coin``; True if the market was not live before it."""
        last = self._last_seen.get(coin)
        self._last_seen[coin] = now_ns
        return last is None or now_ns - last > self.stale_after_ns

    def market_state(self, coin: str, now_ns: int) -> MarketDataState:
        if not self.connected:
            return "reconnecting"
        last = self._last_seen[coin]
        if last is None:
            waited = now_ns - self.connected_ns
            return "reconnecting" if waited <= self.stale_after_ns else "stale"
        return "live" if now_ns - last <= self.stale_after_ns else "stale"

    def status(self, now_ns: int) -> MarketDataStatus:
        markets = {coin: self.market_state(coin, now_ns) for coin in self.coins}
        if not self.connected:
            return MarketDataStatus(state="reconnecting", markets=markets, reason=self.reason)
        waiting = [coin for coin, state in markets.items() if state == "reconnecting"]
        stale = [coin for coin, state in markets.items() if state == "stale"]
        if stale:
            limit = self.stale_after_ns / _NS
            reason = f"no data within {limit:g} s for {', '.join(stale)}"
            return MarketDataStatus(state="stale", markets=markets, reason=reason)
        if waiting:
            reason = f"connected, waiting for the first data of {', '.join(waiting)}"
            return MarketDataStatus(state="reconnecting", markets=markets, reason=reason)
        return MarketDataStatus(state="live", markets=markets)


class MarketDataCore:
    """Turns one websocket message into the bus bodies to publish, and keeps the latest views.

    Messages for coins that are not configured are ignored (counted in ``ignored``); a payload
    that does not parse raises BadPayload after being counted in ``malformed``.
    """

    def __init__(self, coins: Sequence[str], stale_after_s: float) -> None:
        self.coins = frozenset(coins)
        self.health = FeedHealth(coins, stale_after_s)
        self.books: dict[str, Book] = {}
        self.bbos: dict[str, Bbo] = {}
        self.ctxs: dict[str, AssetCtx] = {}
        self.malformed: collections.Counter[str] = collections.Counter()
        self.ignored: collections.Counter[str] = collections.Counter()

    def on_message(
        self, channel: str, data: Any, recv_ns: int, now_ns: int
    ) -> tuple[list[Schema], bool]:
        """The bodies to publish, and True if a market just became live (publish status)."""
        try:
            bodies = self._convert(channel, data, recv_ns)
        except _PAYLOAD_ERRORS as exc:
            self.malformed[channel] += 1
            raise BadPayload(channel, f"{type(exc).__name__}: {exc}") from None
        woke = False
        kept: list[Schema] = []
        for body in bodies:
            coin: str = body.coin  # type: ignore[attr-defined]
            if coin not in self.coins:
                self.ignored[channel] += 1
                continue
            kept.append(body)
            woke = self.health.saw(coin, now_ns) or woke
            if isinstance(body, Book):
                self.books[coin] = body
            elif isinstance(body, Bbo):
                self.bbos[coin] = body
            elif isinstance(body, AssetCtx):
                self.ctxs[coin] = body
        return kept, woke

    def _convert(self, channel: str, data: Any, recv_ns: int) -> list[Schema]:
        if channel == "l2Book":
            return [book_from_wire(data, recv_ns)]
        if channel == "bbo":
            return [bbo_from_wire(data, recv_ns)]
        if channel == "trades":
            return list(trades_from_wire(data, recv_ns))
        if channel == "activeAssetCtx":
            return [ctx_from_wire(data, recv_ns)]
        self.ignored[channel] += 1
        return []
