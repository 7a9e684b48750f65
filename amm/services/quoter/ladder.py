"""From the model's two depths to orders the venue accepts: levels, sizes, grid and caps.

Rules, in order:

1. Spread floor: if bid depth + ask depth < `min_spread_bps`, both widen by half the shortfall.
   Then the defence's extra bps are added to both.
2. Level i (from 0) of a side sits at its depth + i*`spacing_bps` from the fair price.
3. Prices are rounded passively to Hyperliquid's grid (bids down, asks up), then kept strictly
   clear of the other side of the book (a bid at least one grid step below the best ask, an ask
   at least one above the best bid, so a post-only order never matches) and strictly behind the
   previous level of the same side. A bid that would need a price <= 0 ends its side.
4. Sizes: `level_notional_usd` / the higher of fair and the level's price, rounded down to
   szDecimals, so a level is never worth more than `level_notional_usd` at its price (an ask
   above fair sized at fair would be, and risk would cut it to `max_order_usd`), nor holds more
   coins than one sized at fair (a bid below fair); raised to the $10 minimum at the level's
   price when below it; trimmed to the room left under `max_exposure_usd` (for bids
   max - position, for asks max + position), or under the position itself when reduce-only. A
   level that cannot be worth $10 within that room ends its side.

Since the floor keeps the unrounded bid below the unrounded ask and every later step only moves
bids down and asks up, every bid is below every ask.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal

from amm.common.hyperliquid.rules import (
    MIN_ORDER_VALUE,
    MarketSpec,
    Rounding,
    price_step,
    round_price,
    round_price_passive,
    round_size,
)
from amm.common.messages import QuoteLevel
from amm.services.quoter.fair import TopOfBook
from amm.services.quoter.settings import LeverageSettings

_BPS = Decimal(10_000)
_FLOOR = Context(prec=34, rounding=ROUND_FLOOR)  # a quotient never rounded up past a lot


@dataclass(frozen=True, slots=True)
class Ladder:
    """The desired orders of one market, best first on each side."""

    bids: tuple[QuoteLevel, ...] = ()
    asks: tuple[QuoteLevel, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.bids and not self.asks


EMPTY = Ladder()


@dataclass(frozen=True, slots=True)
class LadderShape:
    """Everything but the depths that decides a ladder."""

    levels: int
    spacing_bps: float
    level_notional_usd: float
    max_exposure_usd: float
    bids: bool = True  # False: quote no bids (inventory past the threshold, or reducing)
    asks: bool = True
    reduce_only: bool = False  # sizes bounded by the position itself


def effective_leverage(
    mode_leverage: float, sigma_bps: float, settings: LeverageSettings, max_leverage: int
) -> float:
    """The mode's leverage scaled by reference sigma / sigma, within [min_leverage, mode's leverage]
    and never above the market's maximum: higher volatility, smaller orders."""
    ceiling = min(mode_leverage, float(max_leverage))
    if not settings.dynamic:
        return ceiling
    scaled = mode_leverage * settings.reference_bps_per_sqrt_s / sigma_bps
    return min(max(scaled, min(settings.min_leverage, ceiling)), ceiling)


def floored_depths(
    bid_depth: float, ask_depth: float, min_spread_bps: float, extra_bps: float
) -> tuple[float, float]:
    """Widen both sides equally up to the minimum spread, then by the defence's extra."""
    shortfall = min_spread_bps - (bid_depth + ask_depth)
    if shortfall > 0:
        bid_depth += shortfall / 2
        ask_depth += shortfall / 2
    return bid_depth + extra_bps, ask_depth + extra_bps


_KEPT = 1 << 14


@functools.lru_cache(maxsize=_KEPT)
def next_below(px: Decimal, sz_decimals: int) -> Decimal | None:
    """The highest valid price strictly below `px` (a valid price), or None if there is none.

    Memoised: every ladder asks it for the best ask and each of its bids, and the answer is a
    rounded (canonical) price that depends on the value of `px` only.
    """
    lower = px - price_step(px, sz_decimals)
    if lower <= 0:
        return None
    return round_price(px - price_step(lower, sz_decimals), sz_decimals, Rounding.DOWN)


@functools.lru_cache(maxsize=_KEPT)
def next_above(px: Decimal, sz_decimals: int) -> Decimal:
    """The lowest valid price strictly above `px` (a valid price); memoised as `next_below`."""
    return round_price(px + price_step(px, sz_decimals), sz_decimals, Rounding.UP)


@functools.lru_cache(maxsize=_KEPT)
def _exact_nonzero(value: float) -> Decimal:
    return Decimal(repr(value))


def _exact(value: float) -> Decimal:
    """`Decimal(repr(value))`, the float as printed, memoised: depths and sizes stay the same
    between the volatility's samples, and `repr` is the slow part. Not for zero: 0.0 and -0.0
    are one key but two texts."""
    return _exact_nonzero(value) if value else Decimal(repr(value))


@functools.lru_cache(maxsize=64)
def build_ladder(
    fair: Decimal,
    top: TopOfBook,
    spec: MarketSpec,
    bid_depth_bps: float,
    ask_depth_bps: float,
    shape: LadderShape,
    szi: Decimal,
) -> Ladder:
    """The ladder for these depths (bps from `fair`), rounded and capped as the module says.

    Memoised: the quoter re-runs a market for the `md.book` and the `md.bbo` of one book change
    and on its republish timer, mostly with the same inputs (four calls in five), and the ladder
    depends on their values only (every price and size comes out of the grid's rounding).
    """
    max_position = _exact(shape.max_exposure_usd) / fair
    bid_room = max_position - szi
    ask_room = max_position + szi
    if shape.reduce_only:
        bid_room = min(bid_room, max(-szi, Decimal(0)))
        ask_room = min(ask_room, max(szi, Decimal(0)))
    bids = _side(fair, top, spec, bid_depth_bps, shape, bid_room, is_buy=True) if shape.bids else ()
    asks = (
        _side(fair, top, spec, ask_depth_bps, shape, ask_room, is_buy=False) if shape.asks else ()
    )
    return Ladder(bids, asks)


def _side(
    fair: Decimal,
    top: TopOfBook,
    spec: MarketSpec,
    depth_bps: float,
    shape: LadderShape,
    room: Decimal,
    *,
    is_buy: bool,
) -> tuple[QuoteLevel, ...]:
    szd = spec.sz_decimals
    notional = _exact(shape.level_notional_usd)
    bound: Decimal | None = next_below(top.ask_px, szd) if is_buy else next_above(top.bid_px, szd)
    levels: list[QuoteLevel] = []
    for i in range(shape.levels):
        depth = depth_bps + i * shape.spacing_bps
        if bound is None or not math.isfinite(depth):
            break
        px = _price(fair, _exact(depth), bound, szd, is_buy=is_buy)
        if px is None:
            break
        base = round_size(_FLOOR.divide(notional, max(px, fair)), szd)
        sz = _size(base, px, room, szd)
        if sz is None:
            break
        levels.append(QuoteLevel(px, sz))
        room -= sz
        bound = next_below(px, szd) if is_buy else next_above(px, szd)
    return tuple(levels)


def _price(
    fair: Decimal, depth: Decimal, bound: Decimal, szd: int, *, is_buy: bool
) -> Decimal | None:
    """The passive grid price at `depth`, no better than `bound`; None for a bid below zero."""
    raw = fair * (1 - depth / _BPS) if is_buy else fair * (1 + depth / _BPS)
    if raw <= 0:
        return None if is_buy else bound
    px = round_price_passive(raw, szd, is_buy=is_buy)
    return min(px, bound) if is_buy else max(px, bound)


def _size(base: Decimal, px: Decimal, room: Decimal, szd: int) -> Decimal | None:
    """The level's size: at least $10 at `px`, at most `room`; None when both cannot hold."""
    sz = base
    if sz * px < MIN_ORDER_VALUE:
        sz = round_size(MIN_ORDER_VALUE / px, szd, Rounding.UP)
    sz = min(sz, round_size(room, szd)) if room > 0 else Decimal(0)
    if sz <= 0 or sz * px < MIN_ORDER_VALUE:
        return None
    return sz
