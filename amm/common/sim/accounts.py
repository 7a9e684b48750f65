"""Per-user state of the paper venue: collateral, positions, leverage and resting-order totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.sim.orders import RestingOrder
from amm.common.sim.positions import ZERO, Position

FLAT = Position()
"""No position (immutable, so one serves every account and market)."""


@dataclass(slots=True)
class Exposure:
    """Running totals of a user's resting orders in one market (lots and px_units*lots)."""

    buy_lots: int = 0
    sell_lots: int = 0
    buy_notional: int = 0
    sell_notional: int = 0
    reduce_only_orders: int = 0

    def add(self, order: RestingOrder, lots: int) -> None:
        """Count ``lots`` more of ``order`` as resting."""
        if order.is_buy:
            self.buy_lots += lots
            self.buy_notional += lots * order.px
        else:
            self.sell_lots += lots
            self.sell_notional += lots * order.px

    def remove(self, order: RestingOrder, lots: int) -> None:
        """Stop counting ``lots`` of ``order`` (filled or cancelled)."""
        self.add(order, -lots)


@dataclass(slots=True)
class Account:
    """One address. ``is_house`` marks market-model liquidity: no margin checks, no fees.

    ``fees_paid``, ``closed_pnl`` and ``funding`` (received, per coin) are running totals kept
    for reconciliation: collateral == deposits + closed_pnl + sum(funding) - fees_paid.
    ``revision`` counts the times one of its resting orders traded or left the book, so a
    market model can tell at a glance whether its orders are still as it left them.
    """

    address: str
    collateral: Decimal
    is_house: bool = False
    positions: dict[str, Position] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)
    exposures: dict[str, Exposure] = field(default_factory=dict)
    open_orders: dict[int, RestingOrder] = field(default_factory=dict)
    cloids: dict[str, int] = field(default_factory=dict)
    deposits: Decimal = ZERO
    fees_paid: Decimal = ZERO
    closed_pnl: Decimal = ZERO
    funding: dict[str, Decimal] = field(default_factory=dict)
    revision: int = 0

    def position(self, coin: str) -> Position:
        """The position in ``coin`` (flat if none)."""
        position = self.positions.get(coin)
        return FLAT if position is None else position

    def exposure(self, coin: str) -> Exposure:
        """The resting-order totals in ``coin``, created on first use."""
        exposure = self.exposures.get(coin)
        if exposure is None:
            exposure = self.exposures[coin] = Exposure()
        return exposure
