"""Hyperliquid's answers turned into bus bodies, exactly (numbers arrive as decimal strings)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from amm.common.messages import Fill, Position

ZERO = Decimal(0)


def fill_from_wire(wire: Mapping[str, Any]) -> Fill:
    """A ``userFills`` / ``userFillsByTime`` element as the ``exec.fill`` body."""
    cloid = wire.get("cloid")
    return Fill(
        coin=wire["coin"],
        tid=int(wire["tid"]),
        oid=int(wire["oid"]),
        cloid=None if cloid is None else str(cloid).lower(),
        side=wire["side"],
        px=Decimal(wire["px"]),
        sz=Decimal(wire["sz"]),
        fee=Decimal(wire["fee"]),
        fee_token=wire.get("feeToken", "USDC"),
        closed_pnl=Decimal(wire["closedPnl"]),
        crossed=bool(wire["crossed"]),
        start_position=Decimal(wire["startPosition"]),
        dir=wire["dir"],
        hash=wire["hash"],
        time_ms=int(wire["time"]),
    )


def position_from_wire(state: Mapping[str, Any], coin: str, dex: str) -> Position:
    """The ``exec.position`` body for ``coin`` from a ``clearinghouseState`` answer of its dex.

    A market without an entry in ``assetPositions`` is flat: zero size, no entry price.
    """
    position: Mapping[str, Any] = next(
        (p["position"] for p in state["assetPositions"] if p["position"]["coin"] == coin), {}
    )
    entry_px = position.get("entryPx")
    szi = Decimal(position.get("szi", "0"))
    leverage = position.get("leverage")
    return Position(
        coin=coin,
        dex=dex,
        szi=szi,
        entry_px=None if entry_px is None or szi == 0 else Decimal(entry_px),
        position_value=Decimal(position.get("positionValue", "0")),
        unrealized_pnl=Decimal(position.get("unrealizedPnl", "0")),
        margin_used=Decimal(position.get("marginUsed", "0")),
        leverage=None if leverage is None else int(leverage["value"]),
        account_value=Decimal(state["marginSummary"]["accountValue"]),
        withdrawable=Decimal(state["withdrawable"]),
        time_ms=int(state["time"]),
    )
