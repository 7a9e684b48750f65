"""Between execution and Hyperliquid's wire: answers into bus bodies, exactly (numbers arrive as
decimal strings), and batches of actions into the exchange's actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from amm.common.hyperliquid.client import (
    LimitOrder,
    batch_modify_action,
    cancel_by_cloid_action,
    order_action,
)
from amm.common.messages import Fill, Position
from amm.services.execution.actions import Action, Cancel, Modify, NewOrder

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


def action_wire(actions: Sequence[Action], asset: Callable[[str], int]) -> dict[str, Any]:
    """A batch of one kind as one action: ``cancelByCloid``, ``batchModify`` or ``order``.

    The live actor and the backtester send through this, so their requests cannot drift apart.
    """
    first = actions[0]
    if isinstance(first, Cancel):
        return cancel_by_cloid_action([(asset(a.coin), a.cloid) for a in actions])
    if isinstance(first, Modify):
        return batch_modify_action([(a.cloid, limit_order(a, asset)) for a in actions])
    return order_action([limit_order(a, asset) for a in actions])


def limit_order(action: NewOrder | Modify, asset: Callable[[str], int]) -> LimitOrder:
    """The order terms of a place or a modify, on the exchange's asset number."""
    return LimitOrder(
        asset=asset(action.coin),
        is_buy=action.is_buy,
        px=action.px,
        sz=action.sz,
        tif=action.tif,
        reduce_only=action.reduce_only,
        cloid=action.cloid,
    )
