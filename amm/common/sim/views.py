"""Read-only snapshots of the engine for the info endpoint and market-data channels.

Frozen ``msgspec.Struct``s, as the engine's events are (see ``events``): the venue reads its book
after every change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from amm.common.hyperliquid.rules import decimal_to_wire

_WIRE_CACHE_LIMIT = 1 << 16
_level_wires: dict[Level, dict[str, Any]] = {}


class Level(msgspec.Struct, frozen=True, gc=False):
    """One aggregated book level: price, total size, number of orders."""

    px: Decimal
    sz: Decimal
    n: int

    def to_wire(self) -> dict[str, Any]:
        """Hyperliquid's level object (a new dict: the caller may change it).

        Memoised: the polled books print the same levels over and over, and the text of a
        number depends on its value only, so levels that compare equal share one entry.
        """
        wire = _level_wires.get(self)
        if wire is None:
            if len(_level_wires) >= _WIRE_CACHE_LIMIT:
                _level_wires.clear()
            wire = {"px": decimal_to_wire(self.px), "sz": decimal_to_wire(self.sz), "n": self.n}
            _level_wires[self] = wire
        return dict(wire)


class L2Book(msgspec.Struct, frozen=True, gc=False):
    """Levels per side, best first (``l2Book``)."""

    coin: str
    time: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]

    def to_wire(self) -> dict[str, Any]:
        """The ``l2Book`` body."""
        return {
            "coin": self.coin,
            "time": self.time,
            "levels": [[lv.to_wire() for lv in self.bids], [lv.to_wire() for lv in self.asks]],
        }


class Bbo(msgspec.Struct, frozen=True, gc=False):
    """Best bid and offer; a side is None when empty (``bbo``)."""

    coin: str
    time: int
    bid: Level | None
    ask: Level | None

    def to_wire(self) -> dict[str, Any]:
        """The ``bbo`` channel body."""
        bbo = [None if lv is None else lv.to_wire() for lv in (self.bid, self.ask)]
        return {"coin": self.coin, "time": self.time, "bbo": bbo}


class OpenOrder(msgspec.Struct, frozen=True, gc=False):
    """One resting order of a user (``openOrders`` / ``frontendOpenOrders``)."""

    coin: str
    side: str
    limit_px: Decimal
    sz: Decimal
    orig_sz: Decimal
    oid: int
    timestamp: int
    cloid: str | None
    reduce_only: bool
    tif: str

    def to_wire(self) -> dict[str, Any]:
        """The ``frontendOpenOrders`` element (limit orders only)."""
        body: dict[str, Any] = {
            "coin": self.coin,
            "side": self.side,
            "limitPx": decimal_to_wire(self.limit_px),
            "sz": decimal_to_wire(self.sz),
            "oid": self.oid,
            "timestamp": self.timestamp,
            "origSz": decimal_to_wire(self.orig_sz),
            "reduceOnly": self.reduce_only,
            "orderType": "Limit",
            "tif": self.tif,
            "isTrigger": False,
            "triggerPx": "0",
            "triggerCondition": "N/A",
            "isPositionTpsl": False,
            "children": [],
        }
        if self.cloid is not None:
            body["cloid"] = self.cloid
        return body


class PositionView(msgspec.Struct, frozen=True, gc=False):
    """One open position valued at the market's reference price.

    ``funding_received`` (signed, < 0 when paid) is kept for the driver; it is not put on the
    wire because Hyperliquid's ``cumFunding`` sign convention is not confirmed here.
    """

    coin: str
    szi: Decimal
    entry_px: Decimal
    position_value: Decimal
    unrealized_pnl: Decimal
    leverage: int
    max_leverage: int
    margin_used: Decimal
    funding_received: Decimal

    def to_wire(self) -> dict[str, Any]:
        """The ``assetPositions`` element of ``clearinghouseState`` (cross margin)."""
        roe = self.unrealized_pnl / (self.margin_used or Decimal(1))
        return {
            "type": "oneWay",
            "position": {
                "coin": self.coin,
                "szi": decimal_to_wire(self.szi),
                "entryPx": decimal_to_wire(self.entry_px),
                "positionValue": decimal_to_wire(self.position_value),
                "unrealizedPnl": decimal_to_wire(self.unrealized_pnl),
                "returnOnEquity": decimal_to_wire(roe),
                "liquidationPx": None,
                "leverage": {"type": "cross", "value": self.leverage},
                "marginUsed": decimal_to_wire(self.margin_used),
                "maxLeverage": self.max_leverage,
            },
        }


class AccountView(msgspec.Struct, frozen=True, gc=False):
    """A user's margin summary and positions (``clearinghouseState``).

    ``margin_used`` counts positions only; ``withdrawable`` also holds back resting orders'
    initial margin. ``raw_usd`` is account value minus signed position value at reference prices.
    """

    user: str
    time: int
    collateral: Decimal
    raw_usd: Decimal
    account_value: Decimal
    total_ntl_pos: Decimal
    margin_used: Decimal
    withdrawable: Decimal
    positions: tuple[PositionView, ...]

    def to_wire(self) -> dict[str, Any]:
        """The ``clearinghouseState`` body."""
        summary = {
            "accountValue": decimal_to_wire(self.account_value),
            "totalNtlPos": decimal_to_wire(self.total_ntl_pos),
            "totalRawUsd": decimal_to_wire(self.raw_usd),
            "totalMarginUsed": decimal_to_wire(self.margin_used),
        }
        return {
            "marginSummary": summary,
            "crossMarginSummary": dict(summary),
            "withdrawable": decimal_to_wire(self.withdrawable),
            "assetPositions": [p.to_wire() for p in self.positions],
            "time": self.time,
        }
