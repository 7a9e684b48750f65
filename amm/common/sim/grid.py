"""Integer price and size units for one market, so the book compares and sums exactly and fast.

Every valid perp price is a whole number of ``10**-(6 - szDecimals)`` and every valid size a whole
number of ``10**-szDecimals`` lots, so both fit in ints; notional is then an int of ``1e-6`` USDC.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from amm.common.hyperliquid.rules import MAX_PERP_DECIMALS

NOTIONAL_EXPONENT = -MAX_PERP_DECIMALS
"""``price_units * lots`` is a notional in units of ``10**NOTIONAL_EXPONENT`` USDC."""


@dataclass(frozen=True, slots=True)
class Grid:
    """Conversions between Decimal prices/sizes and integer units for one ``sz_decimals``."""

    sz_decimals: int

    @property
    def px_decimals(self) -> int:
        """Decimals of one price unit."""
        return MAX_PERP_DECIMALS - self.sz_decimals

    def px_to_units(self, px: Decimal) -> int:
        """Price units of ``px``; raises if ``px`` is finer than the grid."""
        units = px.scaleb(self.px_decimals)
        if units != units.to_integral_value():
            raise ValueError(f"price {px} is finer than {self.px_decimals} decimals")
        return int(units)

    def units_to_px(self, units: int) -> Decimal:
        """The Decimal price of ``units``."""
        return Decimal(units).scaleb(-self.px_decimals)

    def sz_to_lots(self, sz: Decimal) -> int:
        """Lots of ``sz``; raises if ``sz`` is finer than ``sz_decimals``."""
        lots = sz.scaleb(self.sz_decimals)
        if lots != lots.to_integral_value():
            raise ValueError(f"size {sz} is finer than {self.sz_decimals} decimals")
        return int(lots)

    def lots_to_sz(self, lots: int) -> Decimal:
        """The Decimal size of ``lots``."""
        return Decimal(lots).scaleb(-self.sz_decimals)


def notional_to_usdc(units: int) -> Decimal:
    """USDC value of an integer notional (``price_units * lots``)."""
    return Decimal(units).scaleb(NOTIONAL_EXPONENT)
