"""Integer price and size units for one market, so the book compares and sums exactly and fast.

Every valid perp price is a whole number of ``10**-(6 - szDecimals)`` and every valid size a whole
number of ``10**-szDecimals`` lots, so both fit in ints; notional is then an int of ``1e-6`` USDC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.hyperliquid.rules import MAX_PERP_DECIMALS, MAX_SIG_FIGS, MIN_ORDER_VALUE

NOTIONAL_EXPONENT = -MAX_PERP_DECIMALS
"""``price_units * lots`` is a notional in units of ``10**NOTIONAL_EXPONENT`` USDC."""

MIN_NOTIONAL = int(MIN_ORDER_VALUE.scaleb(-NOTIONAL_EXPONENT))
"""The $10 minimum order value as an integer notional."""

_CACHE_LIMIT = 1 << 16
"""Entries a conversion cache holds before it starts over (prices and sizes repeat a lot)."""


@dataclass(frozen=True, slots=True)
class Grid:
    """Conversions between Decimal prices/sizes and integer units for one ``sz_decimals``.

    Unit-to-Decimal conversions are memoised: the engine turns the same few hundred prices into
    Decimals for every event it reports, and a Decimal is immutable, so sharing one is safe.
    """

    sz_decimals: int
    px_decimals: int = field(init=False)
    _prices: dict[int, Decimal] = field(init=False, repr=False, compare=False)
    _sizes: dict[int, Decimal] = field(init=False, repr=False, compare=False)
    _valid_prices: dict[int, bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "px_decimals", MAX_PERP_DECIMALS - self.sz_decimals)
        object.__setattr__(self, "_prices", {})
        object.__setattr__(self, "_sizes", {})
        object.__setattr__(self, "_valid_prices", {})

    def px_to_units(self, px: Decimal) -> int:
        """Price units of ``px``; raises if ``px`` is finer than the grid."""
        units = px.scaleb(self.px_decimals)
        if units != units.to_integral_value():
            raise ValueError(f"price {px} is finer than {self.px_decimals} decimals")
        return int(units)

    def units_to_px(self, units: int) -> Decimal:
        """The Decimal price of ``units``."""
        return _scaled(self._prices, units, -self.px_decimals)

    def sz_to_lots(self, sz: Decimal) -> int:
        """Lots of ``sz``; raises if ``sz`` is finer than ``sz_decimals``."""
        lots = sz.scaleb(self.sz_decimals)
        if lots != lots.to_integral_value():
            raise ValueError(f"size {sz} is finer than {self.sz_decimals} decimals")
        return int(lots)

    def lots_to_sz(self, lots: int) -> Decimal:
        """The Decimal size of ``lots``."""
        return _scaled(self._sizes, lots, -self.sz_decimals)

    def is_valid_order(self, px: int, lots: int) -> bool:
        """``rules.is_valid_price``, ``is_valid_size`` and ``meets_min_value`` of the Decimal
        order, in units: a positive whole price or at most 5 significant figures, a positive
        size, and at least $10 of notional."""
        return lots > 0 and px * lots >= MIN_NOTIONAL and self._is_valid_px(px)

    def _is_valid_px(self, px: int) -> bool:
        valid = self._valid_prices.get(px)
        if valid is None:
            if len(self._valid_prices) >= _CACHE_LIMIT:
                self._valid_prices.clear()
            whole = 10**self.px_decimals
            digits = str(px).rstrip("0")
            valid = px > 0 and (px % whole == 0 or len(digits) <= MAX_SIG_FIGS)
            self._valid_prices[px] = valid
        return valid


def _scaled(cache: dict[int, Decimal], units: int, exponent: int) -> Decimal:
    """``Decimal(units).scaleb(exponent)``, from ``cache`` when it was made before."""
    value = cache.get(units)
    if value is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[units] = Decimal(units).scaleb(exponent)
    return value


def notional_to_usdc(units: int) -> Decimal:
    """USDC value of an integer notional (``price_units * lots``)."""
    return Decimal(units).scaleb(NOTIONAL_EXPONENT)
