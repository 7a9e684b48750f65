"""What the engine tells its driver: per-order answers and the events a venue shell publishes.

Each record holds exact values and renders itself in Hyperliquid's JSON shape with ``to_wire()``
(numbers as strings, camelCase keys), so the HTTP/websocket shell forwards them as they are:
``OrderUpdate`` -> ``orderUpdates``, ``Fill`` -> ``userFills``, ``Trade`` -> ``trades``,
``Funding`` -> ``userFundings``; ``Resting``/``Filled``/``OrderError`` -> ``/exchange`` statuses.

Records are frozen ``msgspec.Struct``s: immutable, comparable and hashable as frozen dataclasses
are, but made about ten times faster, and the engine makes several for every book event. They
hold values only, so they need no cycle collection (``gc=False``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from amm.common.hyperliquid.rules import decimal_to_wire

OPEN = "open"
FILLED = "filled"
CANCELED = "canceled"
REJECTED = "rejected"
SELF_TRADE_CANCELED = "selfTradeCanceled"
REDUCE_ONLY_CANCELED = "reduceOnlyCanceled"
TICK_REJECTED = "tickRejected"
MIN_TRADE_NTL_REJECTED = "minTradeNtlRejected"
PERP_MARGIN_REJECTED = "perpMarginRejected"
REDUCE_ONLY_REJECTED = "reduceOnlyRejected"
BAD_ALO_PX_REJECTED = "badAloPxRejected"
IOC_CANCEL_REJECTED = "iocCancelRejected"


def _with_cloid(body: dict[str, Any], cloid: str | None) -> dict[str, Any]:
    if cloid is not None:
        body["cloid"] = cloid
    return body


class OrderUpdate(msgspec.Struct, frozen=True, gc=False):
    """A change of one order's status (Hyperliquid's ``orderUpdates`` element).

    ``sz`` is what remains open; ``timestamp`` is when the order was placed and
    ``status_timestamp`` when this status happened.
    """

    user: str
    coin: str
    side: str
    limit_px: Decimal
    sz: Decimal
    orig_sz: Decimal
    oid: int
    timestamp: int
    status: str
    status_timestamp: int
    cloid: str | None
    reduce_only: bool
    tif: str

    def to_wire(self) -> dict[str, Any]:
        """The ``orderUpdates`` element."""
        order = {
            "coin": self.coin,
            "side": self.side,
            "limitPx": decimal_to_wire(self.limit_px),
            "sz": decimal_to_wire(self.sz),
            "oid": self.oid,
            "timestamp": self.timestamp,
            "origSz": decimal_to_wire(self.orig_sz),
        }
        return {
            "order": _with_cloid(order, self.cloid),
            "status": self.status,
            "statusTimestamp": self.status_timestamp,
        }


class Fill(msgspec.Struct, frozen=True, gc=False):
    """One side of one trade, as its owner sees it (Hyperliquid's ``userFills`` element)."""

    user: str
    coin: str
    px: Decimal
    sz: Decimal
    side: str
    time: int
    start_position: Decimal
    dir: str
    closed_pnl: Decimal
    hash: str
    oid: int
    crossed: bool
    fee: Decimal
    tid: int
    cloid: str | None
    fee_token: str = "USDC"

    def to_wire(self) -> dict[str, Any]:
        """The ``userFills`` element."""
        body = {
            "coin": self.coin,
            "px": decimal_to_wire(self.px),
            "sz": decimal_to_wire(self.sz),
            "side": self.side,
            "time": self.time,
            "startPosition": decimal_to_wire(self.start_position),
            "dir": self.dir,
            "closedPnl": decimal_to_wire(self.closed_pnl),
            "hash": self.hash,
            "oid": self.oid,
            "crossed": self.crossed,
            "fee": decimal_to_wire(self.fee),
            "tid": self.tid,
            "feeToken": self.fee_token,
        }
        return _with_cloid(body, self.cloid)


class Trade(msgspec.Struct, frozen=True, gc=False):
    """One match, public view (Hyperliquid's ``trades`` element); ``side`` is the aggressor's."""

    coin: str
    side: str
    px: Decimal
    sz: Decimal
    time: int
    hash: str
    tid: int
    buyer: str
    seller: str

    def to_wire(self) -> dict[str, Any]:
        """The ``trades`` element."""
        return {
            "coin": self.coin,
            "side": self.side,
            "px": decimal_to_wire(self.px),
            "sz": decimal_to_wire(self.sz),
            "time": self.time,
            "hash": self.hash,
            "tid": self.tid,
            "users": [self.buyer, self.seller],
        }


class Funding(msgspec.Struct, frozen=True, gc=False):
    """One funding payment of one user; ``usdc`` is signed from the user's side (< 0: paid)."""

    user: str
    time: int
    coin: str
    usdc: Decimal
    szi: Decimal
    funding_rate: Decimal
    hash: str

    def to_wire(self) -> dict[str, Any]:
        """The ``userFundings`` websocket element."""
        return {
            "time": self.time,
            "coin": self.coin,
            "usdc": decimal_to_wire(self.usdc),
            "szi": decimal_to_wire(self.szi),
            "fundingRate": decimal_to_wire(self.funding_rate),
        }

    def to_ledger_wire(self) -> dict[str, Any]:
        """The element of the ``userFunding`` info response."""
        delta = {"type": "funding", **self.to_wire(), "nSamples": None}
        del delta["time"]
        return {"time": self.time, "hash": self.hash, "delta": delta}


Event = OrderUpdate | Fill | Trade | Funding


class Resting(msgspec.Struct, frozen=True, gc=False):
    """The order (or its remainder) rests in the book."""

    oid: int
    cloid: str | None

    def to_wire(self) -> dict[str, Any]:
        """The ``/exchange`` status element."""
        return {"resting": _with_cloid({"oid": self.oid}, self.cloid)}


class Filled(msgspec.Struct, frozen=True, gc=False):
    """The order traded and nothing of it rests (an IOC's unfilled rest is cancelled)."""

    total_sz: Decimal
    avg_px: Decimal
    oid: int
    cloid: str | None

    def to_wire(self) -> dict[str, Any]:
        """The ``/exchange`` status element."""
        body = {
            "totalSz": decimal_to_wire(self.total_sz),
            "avgPx": decimal_to_wire(self.avg_px),
            "oid": self.oid,
        }
        return {"filled": _with_cloid(body, self.cloid)}


class OrderError(msgspec.Struct, frozen=True, gc=False):
    """The order was rejected: ``message`` is Hyperliquid's text, ``status`` its status kind."""

    message: str
    status: str

    def to_wire(self) -> dict[str, Any]:
        """The ``/exchange`` status element."""
        return {"error": self.message}


OrderStatus = Resting | Filled | OrderError


class PlaceResult(msgspec.Struct, frozen=True, gc=False):
    """Answer to one order (or modify): its status plus every event it caused, in order."""

    status: OrderStatus
    events: tuple[Event, ...]


class CancelResult(msgspec.Struct, frozen=True, gc=False):
    """Answer to one cancel: ``error`` is None on success."""

    error: str | None
    events: tuple[Event, ...]

    def to_wire(self) -> str | dict[str, Any]:
        """The ``/exchange`` cancel status element: "success" or ``{"error": ...}``."""
        return "success" if self.error is None else {"error": self.error}
