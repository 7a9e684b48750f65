"""The ladder checks: what of an intent's ladder may go to the exchange, and why the rest not.

Each side is taken best price first and goes through these steps in order; every step that
drops, cuts or moves a level adds its reason code:

1. ``INVALID_LEVEL``: off the price grid or lot grid, or below the $10 minimum value: dropped.
2. ``PRICE_COLLAR``: more than ``collar_bps`` from ``fair_px``: dropped.
3. ``REDUCING`` (state REDUCING only): the side that would increase ``|position|`` is dropped
   (both sides when flat); the reducing side is cut so its total is at most ``|position|`` (it
   can close, never flip), then each level moves up to ``reduce_skew_bps`` of fair towards the
   other side of the book, to trade sooner: on the price grid, never to or past the opposite
   best price, never out of the collar, a bid never to where it would be worth more than
   ``max_order_usd`` (so step 5 never cuts what this step moved), and not at all if that would
   drop it below $10.
4. ``MAX_LEVELS``: beyond ``max_levels_per_side``, the farthest levels are dropped.
5. ``MAX_ORDER_SIZE``: a level worth more than ``max_order_usd`` at its price is cut to the
   largest lot size within it (dropped if that is below $10).
6. ``MAX_POSITION`` / ``MAX_LEVERAGE`` / ``MARGIN`` (whichever cap binds, see ``limits``): the
   side is kept from the best level outwards while the position if all of it filled stays
   within the cap; the first level that does not fit is cut to the lots that do (dropped if
   below $10) and every farther level is dropped.

Sizes are only ever cut (to the lot grid, rounding down), never raised.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal

from amm.common.hyperliquid.rules import (
    MarketSpec,
    Rounding,
    is_valid_price,
    is_valid_size,
    meets_min_value,
    price_step,
    round_price,
    round_size,
)
from amm.common.messages import QuoteLevel, Side
from amm.services.risk.limits import Cap
from amm.services.risk.reasons import (
    INVALID_LEVEL,
    MAX_LEVELS,
    MAX_ORDER_SIZE,
    PRICE_COLLAR,
    REDUCING,
)
from amm.services.risk.settings import RiskSettings

BPS = Decimal(10_000)
ZERO = Decimal(0)
_FLOOR = Context(prec=34, rounding=ROUND_FLOOR)


@dataclass(frozen=True, slots=True)
class LadderContext:
    """Everything the checks of one market need, at one moment."""

    fair: Decimal
    spec: MarketSpec
    szi: Decimal
    cap: Cap
    reducing: bool
    best_bid: Decimal | None
    best_ask: Decimal | None


@dataclass(frozen=True, slots=True)
class Checked:
    """The ladder that may go out, best first, and the codes of what was changed."""

    bids: tuple[QuoteLevel, ...]
    asks: tuple[QuoteLevel, ...]
    reasons: frozenset[str]


def check_ladder(
    bids: Sequence[QuoteLevel],
    asks: Sequence[QuoteLevel],
    ctx: LadderContext,
    settings: RiskSettings,
) -> Checked:
    """Apply the steps of the module docstring to both sides."""
    reasons: set[str] = set()
    kept_bids = _side("B", bids, ctx, settings, reasons)
    kept_asks = _side("A", asks, ctx, settings, reasons)
    return Checked(tuple(kept_bids), tuple(kept_asks), frozenset(reasons))


def in_collar(px: Decimal, fair: Decimal, bps: Decimal) -> bool:
    """True if ``px`` is within ``bps`` basis points of ``fair``."""
    return abs(px - fair) * BPS <= bps * fair


def is_valid_level(level: QuoteLevel, spec: MarketSpec) -> bool:
    """True if the exchange would take the level's price, size and value."""
    return _valid_terms(level.px, level.sz, spec.sz_decimals)


@functools.lru_cache(maxsize=1 << 12)
def _valid_terms(px: Decimal, sz: Decimal, sz_decimals: int) -> bool:
    """``is_valid_level`` on the terms. Memoised: risk checks the same levels at every decision
    until the quoter moves them, and the rules depend on the values only."""
    return (
        is_valid_price(px, sz_decimals)
        and is_valid_size(sz, sz_decimals)
        and meets_min_value(px, sz)
    )


def _side(
    side: Side,
    levels: Sequence[QuoteLevel],
    ctx: LadderContext,
    settings: RiskSettings,
    reasons: set[str],
) -> list[QuoteLevel]:
    is_bid = side == "B"
    out = sorted(levels, key=lambda lv: -lv.px if is_bid else lv.px)
    out = _keep(out, lambda lv: is_valid_level(lv, ctx.spec), INVALID_LEVEL, reasons)
    out = _keep(
        out, lambda lv: in_collar(lv.px, ctx.fair, settings.collar_bps), PRICE_COLLAR, reasons
    )
    if ctx.reducing:
        out = _reducing(out, is_bid, ctx, settings, reasons)
    if len(out) > settings.max_levels_per_side:
        out = out[: settings.max_levels_per_side]
        reasons.add(MAX_LEVELS)
    out = _cap_order_value(out, ctx.spec, settings.max_order_usd, reasons)
    room = ctx.cap.max_sz - ctx.szi if is_bid else ctx.cap.max_sz + ctx.szi
    return _fill_room(out, room, ctx.spec, ctx.cap.binding, reasons)


def _keep(
    levels: list[QuoteLevel],
    accept: Callable[[QuoteLevel], bool],
    code: str,
    reasons: set[str],
) -> list[QuoteLevel]:
    kept = [level for level in levels if accept(level)]
    if len(kept) != len(levels):
        reasons.add(code)
    return kept


def _reducing(
    levels: list[QuoteLevel],
    is_bid: bool,
    ctx: LadderContext,
    settings: RiskSettings,
    reasons: set[str],
) -> list[QuoteLevel]:
    reduces = (ctx.szi < 0) if is_bid else (ctx.szi > 0)
    if not reduces:
        if levels:
            reasons.add(REDUCING)
        return []
    capped = _fill_room(levels, abs(ctx.szi), ctx.spec, REDUCING, reasons)
    skewed = [_skew(level, is_bid, ctx, settings) for level in capped]
    if skewed != capped:
        reasons.add(REDUCING)
    return skewed


def _skew(
    level: QuoteLevel, is_bid: bool, ctx: LadderContext, settings: RiskSettings
) -> QuoteLevel:
    """Move a reducing level towards fair (see step 3 of the module docstring)."""
    decimals = ctx.spec.sz_decimals
    shift = ctx.fair * settings.reduce_skew_bps / BPS
    collar = ctx.fair * settings.collar_bps / BPS
    if is_bid:
        limit = round_price(ctx.fair + collar, decimals, Rounding.DOWN)
        if ctx.best_ask is not None:
            limit = min(limit, _below(ctx.best_ask, decimals))
        if level.px * level.sz <= settings.max_order_usd:  # moving up must not make it too big
            most = _FLOOR.divide(settings.max_order_usd, level.sz)
            limit = min(limit, round_price(most, decimals, Rounding.DOWN))
        target = round_price(level.px + shift, decimals, Rounding.DOWN)
        px = max(level.px, min(target, limit))
    else:
        if level.px <= shift:
            return level
        limit = round_price(ctx.fair - collar, decimals, Rounding.UP)
        if ctx.best_bid is not None:
            limit = max(limit, _above(ctx.best_bid, decimals))
        target = round_price(level.px - shift, decimals, Rounding.UP)
        px = min(level.px, max(target, limit))
    if px == level.px or not meets_min_value(px, level.sz):
        return level
    return QuoteLevel(px, level.sz)


def _below(px: Decimal, decimals: int) -> Decimal:
    """The highest valid price strictly below ``px``."""
    below = round_price(px, decimals, Rounding.DOWN)
    if below >= px:
        below = round_price(px - price_step(px, decimals), decimals, Rounding.DOWN)
    return below


def _above(px: Decimal, decimals: int) -> Decimal:
    """The lowest valid price strictly above ``px``."""
    above = round_price(px, decimals, Rounding.UP)
    if above <= px:
        above = round_price(px + price_step(px, decimals), decimals, Rounding.UP)
    return above


def _cap_order_value(
    levels: list[QuoteLevel], spec: MarketSpec, max_usd: Decimal, reasons: set[str]
) -> list[QuoteLevel]:
    out: list[QuoteLevel] = []
    for level in levels:
        largest = _largest_size(max_usd, level.px, spec.sz_decimals)
        if level.sz <= largest:
            out.append(level)
            continue
        reasons.add(MAX_ORDER_SIZE)
        if largest > 0 and meets_min_value(level.px, largest):
            out.append(QuoteLevel(level.px, largest))
    return out


@functools.lru_cache(maxsize=1 << 12)
def _largest_size(max_usd: Decimal, px: Decimal, sz_decimals: int) -> Decimal:
    """The most lots worth ``max_usd`` at ``px``. Memoised as ``_valid_terms``: the answer is
    rounded to the lot grid, so equal inputs give it written the same way."""
    return round_size(_FLOOR.divide(max_usd, px), sz_decimals)


def _fill_room(
    levels: list[QuoteLevel], room: Decimal, spec: MarketSpec, code: str, reasons: set[str]
) -> list[QuoteLevel]:
    """Levels, best first, while their total fits in ``room``; the first misfit is cut."""
    out: list[QuoteLevel] = []
    left = room
    for level in levels:
        if level.sz <= left:
            out.append(level)
            left -= level.sz
            continue
        reasons.add(code)
        cut = round_size(max(left, ZERO), spec.sz_decimals)
        if cut > 0 and meets_min_value(level.px, cut):
            out.append(QuoteLevel(level.px, cut))
        break
    return out
