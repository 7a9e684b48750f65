"""One-way perp position accounting: size, cost basis, realized PnL per fill.

Pure functions on immutable values, so the venue, the backtester, risk and monitor can all share
this one piece of arithmetic instead of each keeping a slightly different copy.

A position keeps its signed cost basis (``szi x average entry``) rather than the entry price:
opening, adding, fully closing and flipping are then exact in Decimal. Only a partial close needs
a division; its realized PnL is rounded to ``PNL_QUANTUM`` and the basis absorbs the remainder,
so cash is never created or lost by rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

ZERO = Decimal(0)
PNL_QUANTUM = Decimal("0.000001")
"""Realized PnL of a partial close is rounded to USDC's 6 decimals."""

_DISPLAY = Context(prec=34)

OPEN_LONG = "Open Long"
CLOSE_LONG = "Close Long"
OPEN_SHORT = "Open Short"
CLOSE_SHORT = "Close Short"
LONG_TO_SHORT = "Long > Short"
SHORT_TO_LONG = "Short > Long"


@dataclass(frozen=True, slots=True)
class Position:
    """Signed size (``szi``: long > 0, short < 0) and signed cost basis (0 when flat)."""

    szi: Decimal = ZERO
    cost: Decimal = ZERO

    @classmethod
    def at(cls, szi: Decimal, entry_px: Decimal) -> Position:
        """A position of ``szi`` entered at ``entry_px``."""
        return cls(szi, szi * entry_px)

    @property
    def entry_px(self) -> Decimal:
        """Average entry price (0 when flat); for display, the basis is the exact value."""
        return ZERO if self.szi == 0 else _DISPLAY.divide(self.cost, self.szi)

    def unrealized_pnl(self, mark_px: Decimal) -> Decimal:
        """Profit if the whole position were closed at ``mark_px``."""
        return self.szi * mark_px - self.cost

    def notional(self, px: Decimal) -> Decimal:
        """Absolute position value at ``px``."""
        return abs(self.szi) * px


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What one fill does to a position: the new position, realized PnL and Hyperliquid's dir."""

    position: Position
    closed_pnl: Decimal
    direction: str


def apply_fill(position: Position, *, is_buy: bool, px: Decimal, sz: Decimal) -> FillEffect:
    """Apply a fill of ``sz`` (> 0) at ``px`` to ``position``.

    Increasing adds to the basis; reducing realizes PnL against the average entry; flipping
    closes the whole old position at ``px`` and opens the remainder on the other side at ``px``.
    """
    if sz <= 0:
        raise ValueError(f"fill size must be positive: {sz}")
    start = position.szi
    signed = sz if is_buy else -sz
    new_szi = start + signed
    if start == 0 or (start > 0) == is_buy:
        direction = OPEN_LONG if is_buy else OPEN_SHORT
        return FillEffect(Position(new_szi, position.cost + signed * px), ZERO, direction)
    closing_dir = CLOSE_LONG if start > 0 else CLOSE_SHORT
    full_close_pnl = start * px - position.cost
    if new_szi == 0:
        return FillEffect(Position(), full_close_pnl, closing_dir)
    if (new_szi > 0) == (start > 0):
        closed_pnl = (full_close_pnl * sz / abs(start)).quantize(PNL_QUANTUM, ROUND_HALF_EVEN)
        basis_released = -signed * px - closed_pnl
        return FillEffect(
            Position(new_szi, position.cost - basis_released), closed_pnl, closing_dir
        )
    flip_dir = LONG_TO_SHORT if start > 0 else SHORT_TO_LONG
    return FillEffect(Position(new_szi, new_szi * px), full_close_pnl, flip_dir)
