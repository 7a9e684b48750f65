"""Hyperliquid's order rules as data: price/size grids, minimum value, fees, error strings.

Everything here is exact (``decimal.Decimal``); floats belong at the wire edges only. The same
rules are used by the quoter (to produce valid prices), by risk, and by the paper venue (to reject
what the real exchange would reject, with the real exchange's words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import Enum

MAX_PERP_DECIMALS = 6
"""Perp prices have at most ``MAX_PERP_DECIMALS - szDecimals`` decimals."""

MAX_SIG_FIGS = 5
"""Non-integer prices have at most this many significant figures."""

MIN_ORDER_VALUE = Decimal(10)
"""Minimum order value in USDC (limit price x size)."""

MAX_OPEN_ORDERS = 1000
"""Default cap on a user's open orders (Hyperliquid raises it with volume; we do not)."""

# Error strings exactly as Hyperliquid's /exchange returns them in ``{"error": ...}``. Sources: the
# "Error responses" page of the Hyperliquid API docs, and real responses quoted in public code.
TICK_ERROR = "Price must be divisible by tick size."
MIN_NOTIONAL_ERROR = "Order must have minimum value of $10."
MARGIN_ERROR = "Insufficient margin to place order."
REDUCE_ONLY_ERROR = "Reduce only order would increase position."
BAD_ALO_PX_ERROR = "Post only order would have immediately matched, bbo was {bbo}."
IOC_CANCEL_ERROR = "Order could not immediately match against any resting orders."
MISSING_ORDER_ERROR = "Order was never placed, already canceled, or filled."
INVALID_SIZE_ERROR = "Order has invalid size."
# Not found in Hyperliquid's docs; our own wording for limits the docs do not spell out.
TOO_MANY_ORDERS_ERROR = "Too many open orders."
DUPLICATE_CLOID_ERROR = "Duplicate cloid."
INVALID_LEVERAGE_ERROR = "Invalid leverage value."

BBO_MISSING_SIDE = "0"
"""How an empty side is printed inside the post-only bbo text (unconfirmed guess)."""

_CLOID_RE = re.compile(r"0x[0-9a-fA-F]{32}")


class Rounding(Enum):
    """Which way to move a value that is off the grid."""

    NEAREST = ROUND_HALF_EVEN
    DOWN = ROUND_FLOOR
    UP = ROUND_CEILING


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """The static facts of one perp market that order validation needs.

    ``coin`` is the market name as the API spells it ("BTC", or "km:US500" on a HIP-3 dex);
    ``asset`` is its integer asset id in order actions; ``fee_scale`` multiplies the base fee
    rates (HIP-3 dexes charge a multiple of the validator-operated perps' fees; 1 otherwise).
    """

    coin: str
    sz_decimals: int
    max_leverage: int
    asset: int = 0
    fee_scale: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if not 0 <= self.sz_decimals <= MAX_PERP_DECIMALS:
            raise ValueError(f"sz_decimals must be in 0..{MAX_PERP_DECIMALS}: {self.sz_decimals}")
        if self.max_leverage < 1:
            raise ValueError(f"max_leverage must be >= 1: {self.max_leverage}")
        if self.fee_scale < 0:
            raise ValueError(f"fee_scale must be >= 0: {self.fee_scale}")

    @property
    def px_decimals(self) -> int:
        """Maximum number of decimals a price may have in this market."""
        return MAX_PERP_DECIMALS - self.sz_decimals

    @property
    def dex(self) -> str:
        """The HIP-3 dex name ("km" for "km:US500"), or "" for the validator-operated dex."""
        return self.coin.split(":", 1)[0] if ":" in self.coin else ""


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker/taker fee rates as fractions of notional (base tier unless configured)."""

    maker_rate: Decimal = Decimal("0.00015")
    taker_rate: Decimal = Decimal("0.00045")

    def rate(self, *, is_maker: bool, fee_scale: Decimal = Decimal(1)) -> Decimal:
        """The fee rate for one side of a fill, after the market's fee scale."""
        return (self.maker_rate if is_maker else self.taker_rate) * fee_scale

    def fee(self, notional: Decimal, *, is_maker: bool, fee_scale: Decimal = Decimal(1)) -> Decimal:
        """The fee in USDC charged on ``notional`` (exact, not rounded)."""
        return abs(notional) * self.rate(is_maker=is_maker, fee_scale=fee_scale)


BASE_FEES = FeeSchedule()


_ONE = Decimal(1)
_powers_of_ten: dict[int, Decimal] = {}


def _power_of_ten(exponent: int) -> Decimal:
    """``Decimal(1).scaleb(exponent)``, made once per exponent: the grid functions below run for
    every level of every ladder, and a Decimal is immutable."""
    power = _powers_of_ten.get(exponent)
    if power is None:
        power = _powers_of_ten[exponent] = _ONE.scaleb(exponent)
    return power


def is_valid_price(px: Decimal, sz_decimals: int) -> bool:
    """True if ``px`` is a price Hyperliquid accepts for a perp with ``sz_decimals``.

    Integers are always valid; otherwise at most 5 significant figures and at most
    ``6 - sz_decimals`` decimals.
    """
    if not px.is_finite() or px <= 0:
        return False
    if px == px.to_integral_value():
        return True
    _, digits, exponent = px.normalize().as_tuple()
    assert isinstance(exponent, int)
    return len(digits) <= MAX_SIG_FIGS and -exponent <= MAX_PERP_DECIMALS - sz_decimals


def price_step(px: Decimal, sz_decimals: int) -> Decimal:
    """The grid spacing of valid prices around a positive ``px`` (constant within a decade)."""
    if px <= 0:
        raise ValueError(f"price must be positive: {px}")
    magnitude = px.adjusted()
    if magnitude >= MAX_SIG_FIGS - 1:
        return _ONE
    finest = -(MAX_PERP_DECIMALS - sz_decimals)
    return _power_of_ten(max(magnitude - (MAX_SIG_FIGS - 1), finest))


def round_price(px: Decimal, sz_decimals: int, rounding: Rounding = Rounding.NEAREST) -> Decimal:
    """The valid price nearest to ``px`` in the direction ``rounding`` asks for.

    Never returns zero: a positive price below the smallest grid step rounds to that step.
    """
    step = price_step(px, sz_decimals)
    rounded = (px / step).to_integral_value(rounding=rounding._value_) * step
    if rounded <= 0:
        rounded = step
    return rounded.normalize() if rounded != rounded.to_integral_value() else rounded.quantize(_ONE)


def round_price_passive(px: Decimal, sz_decimals: int, *, is_buy: bool) -> Decimal:
    """Round away from the other side of the book: a bid down, an ask up."""
    return round_price(px, sz_decimals, Rounding.DOWN if is_buy else Rounding.UP)


def round_price_aggressive(px: Decimal, sz_decimals: int, *, is_buy: bool) -> Decimal:
    """Round towards the other side of the book: a bid up, an ask down."""
    return round_price(px, sz_decimals, Rounding.UP if is_buy else Rounding.DOWN)


def is_valid_size(sz: Decimal, sz_decimals: int) -> bool:
    """True if ``sz`` is positive and has at most ``sz_decimals`` decimals."""
    if not sz.is_finite() or sz <= 0:
        return False
    return sz == sz.quantize(_power_of_ten(-sz_decimals), rounding=ROUND_FLOOR)


def round_size(sz: Decimal, sz_decimals: int, rounding: Rounding = Rounding.DOWN) -> Decimal:
    """``sz`` on the lot grid (default: down, so an order never grows by rounding)."""
    return sz.quantize(_power_of_ten(-sz_decimals), rounding=rounding._value_)


def meets_min_value(px: Decimal, sz: Decimal) -> bool:
    """True if the order's value (limit price x size) reaches the $10 minimum."""
    return px * sz >= MIN_ORDER_VALUE


def is_valid_cloid(cloid: str) -> bool:
    """True for a client order id as Hyperliquid takes it: "0x" and 32 hex digits (16 bytes)."""
    return _CLOID_RE.fullmatch(cloid) is not None


def decimal_to_wire(value: Decimal) -> str:
    """A Decimal as Hyperliquid writes numbers: fixed point, no trailing zeros, never "-0"."""
    if value == 0:
        return "0"
    return f"{value.normalize():f}"


def bad_alo_px_error(best_bid: Decimal | None, best_ask: Decimal | None) -> str:
    """The post-only rejection text; Hyperliquid prints the bbo as "<bid>@<ask>"."""
    bid = BBO_MISSING_SIDE if best_bid is None else decimal_to_wire(best_bid)
    ask = BBO_MISSING_SIDE if best_ask is None else decimal_to_wire(best_ask)
    return BAD_ALO_PX_ERROR.format(bbo=f"{bid}@{ask}")
