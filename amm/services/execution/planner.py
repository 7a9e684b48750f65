"""From the approved ladder and our live orders to the fewest actions that converge them.

Rules, per market and side (bids best first, asks best first):

1. Validate each desired level with ``rules.py`` (price grid, size lots, $10 minimum) and drop
   what fails, with a reason code; levels that cross the other side's best are dropped too.
2. Slots are our live quotes on that side: not terminal, not being cancelled, not reduce-only,
   not Ioc. A slot's price and size are its current terms (price, open size), or the new terms
   of its pending modify.
3. Match levels to slots greedily by price distance (ties: size distance, then level rank, then
   cloid), each level and slot at most once.
4. A matched slot with a pending request is left alone: its answer is awaited. A matched slot
   within ``price_bps`` and ``size`` (relative) of its level is left alone: no churn. Any other
   matched slot is modified to the level (same cloid, new oid).
5. Unmatched levels are placed (Alo, new cloids); unmatched slots without a pending request are
   cancelled; unmatched pending slots wait for their answer and are cancelled after it. A fill
   spends the decision it was quoted under: with ``may_place`` False (a fill of ours on the
   market arrived after the decision did) nothing is placed until risk's next decision, so a
   silent risk cannot have a level re-placed each time it fills.
6. Other live orders of ours on the market that can be acted on (e.g. adopted reduce-only
   orders) are cancelled.

With no approval (``desired`` is None: the gate is closed) every live order that can be acted on
is cancelled and nothing is placed; pending ones are cancelled as soon as their answer arrives.

The rebalance is one reduce-only Ioc order at risk's ``limit_px``, sent at most once per decision
and never while an earlier rebalance order is unanswered.

Invariants (tested as properties): one action per cloid at most, none for an order with a pending
request, and never more quotes kept, moved or placed on a side than the side has valid levels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from amm.common.hyperliquid.rules import (
    MarketSpec,
    is_valid_price,
    is_valid_size,
    meets_min_value,
)
from amm.common.messages import QuoteLevel, Rebalance, RiskDecision, Side
from amm.services.execution.actions import (
    QUOTE_TIF,
    REBALANCE_TIF,
    Cancel,
    Dropped,
    Modify,
    NewOrder,
    Plan,
)
from amm.services.execution.orders import Order

BPS = Decimal(10_000)
INVALID_PRICE = "invalid_price"
INVALID_SIZE = "invalid_size"
BELOW_MIN_VALUE = "below_min_value"
CROSSED = "crossed"


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far a live quote may be from its level and still be left alone."""

    price_bps: Decimal
    size: Decimal

    def __post_init__(self) -> None:
        if self.price_bps < 0 or self.size < 0:
            raise ValueError(f"tolerances must be >= 0: {self}")

    def keeps(self, px: Decimal, sz: Decimal, level: QuoteLevel) -> bool:
        """True if a quote at (px, sz) is close enough to ``level``."""
        return (
            abs(px - level.px) * BPS <= self.price_bps * level.px
            and abs(sz - level.sz) <= self.size * level.sz
        )


@dataclass(frozen=True, slots=True)
class Desired:
    """What risk approved for one market."""

    decision_id: int
    bids: tuple[QuoteLevel, ...]
    asks: tuple[QuoteLevel, ...]
    rebalance: Rebalance | None = None

    @classmethod
    def of(cls, decision: RiskDecision) -> Desired:
        """The approved ladder of a decision (the gate decides whether it may be used)."""
        return cls(
            decision.decision_id, tuple(decision.bids), tuple(decision.asks), decision.rebalance
        )


def plan(
    coin: str,
    desired: Desired | None,
    orders: Sequence[Order],
    spec: MarketSpec,
    tolerance: Tolerance,
    next_cloid: Callable[[], str],
    *,
    last_rebalance_id: int | None = None,
    may_place: bool = True,
) -> Plan:
    """The actions that move our orders on ``coin`` to ``desired`` (None: cancel everything)."""
    mine = [o for o in orders if o.coin == coin and not o.is_terminal]
    actionable = [o for o in mine if o.pending is None and o.status != "pending_cancel"]
    if desired is None:
        cancels = [Cancel(o.cloid, coin) for o in actionable if o.tif != REBALANCE_TIF]
        return Plan(coin, cancels=tuple(cancels))
    bids, asks, dropped = _valid_levels(desired, spec)
    cancels: list[Cancel] = []
    modifies: list[Modify] = []
    places: list[NewOrder] = []
    for side, levels in (("B", bids), ("A", asks)):
        slots = [o for o in mine if o.side == side and _is_slot(o)]
        side_plan = _match_side(coin, side, levels, slots, tolerance, next_cloid, may_place)
        cancels.extend(side_plan[0])
        modifies.extend(side_plan[1])
        places.extend(side_plan[2])
    cancels.extend(
        Cancel(o.cloid, coin) for o in actionable if not _is_slot(o) and o.tif != REBALANCE_TIF
    )
    rebalance, refused = _rebalance(coin, desired, mine, spec, next_cloid, last_rebalance_id)
    return Plan(
        coin,
        cancels=tuple(cancels),
        modifies=tuple(modifies),
        places=tuple(places),
        rebalance=rebalance,
        rebalance_decision_id=desired.decision_id if rebalance else None,
        dropped=(*dropped, *refused),
    )


def _is_slot(order: Order) -> bool:
    return order.status != "pending_cancel" and not order.reduce_only and order.tif != REBALANCE_TIF


def _level_error(px: Decimal, sz: Decimal, sz_decimals: int) -> str | None:
    """The first exchange rule the order breaks."""
    if not is_valid_price(px, sz_decimals):
        return INVALID_PRICE
    if not is_valid_size(sz, sz_decimals):
        return INVALID_SIZE
    if not meets_min_value(px, sz):
        return BELOW_MIN_VALUE
    return None


def _valid_levels(
    desired: Desired, spec: MarketSpec
) -> tuple[list[QuoteLevel], list[QuoteLevel], list[Dropped]]:
    """Valid bids and asks, best first, and what was dropped."""
    sides: dict[Side, tuple[QuoteLevel, ...]] = {"B": desired.bids, "A": desired.asks}
    bids, asks, dropped = _level_shape(
        tuple((lv.px, lv.sz) for lv in desired.bids),
        tuple((lv.px, lv.sz) for lv in desired.asks),
        spec.sz_decimals,
    )
    return (
        [desired.bids[i] for i in bids],
        [desired.asks[i] for i in asks],
        [Dropped(side, sides[side][i].px, sides[side][i].sz, why) for side, i, why in dropped],
    )


@functools.lru_cache(maxsize=1 << 12)
def _level_shape(
    bids: tuple[tuple[Decimal, Decimal], ...],
    asks: tuple[tuple[Decimal, Decimal], ...],
    sz_decimals: int,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[Side, int, str], ...]]:
    """``_valid_levels`` by index, from the levels' (px, sz) terms: the valid bids and asks,
    best first, and the (side, index, reason) of each level dropped, in the order reported.

    Memoised: it depends on the terms' values only, and execution plans the same approved
    ladder at every step until risk decides again.
    """
    dropped: list[tuple[Side, int, str]] = []
    valid: dict[Side, list[int]] = {"B": [], "A": []}
    terms: dict[Side, tuple[tuple[Decimal, Decimal], ...]] = {"B": bids, "A": asks}
    for side in ("B", "A"):
        for i, (px, sz) in enumerate(terms[side]):
            error = _level_error(px, sz, sz_decimals)
            if error is None:
                valid[side].append(i)
            else:
                dropped.append((side, i, error))
    best_bid = max((bids[i][0] for i in valid["B"]), default=None)
    best_ask = min((asks[i][0] for i in valid["A"]), default=None)
    kept: dict[Side, list[int]] = {
        "B": [i for i in valid["B"] if best_ask is None or bids[i][0] < best_ask],
        "A": [i for i in valid["A"] if best_bid is None or asks[i][0] > best_bid],
    }
    for side in ("B", "A"):
        dropped.extend((side, i, CROSSED) for i in valid[side] if i not in kept[side])
    kept["B"].sort(key=lambda i: -bids[i][0])
    kept["A"].sort(key=lambda i: asks[i][0])
    return tuple(kept["B"]), tuple(kept["A"]), tuple(dropped)


def _match_side(
    coin: str,
    side: Side,
    levels: list[QuoteLevel],
    slots: list[Order],
    tolerance: Tolerance,
    next_cloid: Callable[[], str],
    may_place: bool,
) -> tuple[list[Cancel], list[Modify], list[NewOrder]]:
    targets = {o.cloid: o.target() for o in slots}
    settled = (
        may_place,
        tolerance.price_bps,
        tolerance.size,
        tuple((lv.px, lv.sz) for lv in levels),
        tuple((o.cloid, *targets[o.cloid], o.pending is None) for o in slots),
    )
    if settled in _SETTLED:
        return [], [], []
    terms = [(px, sz, cloid) for cloid, (px, sz) in targets.items()]
    pairs = sorted(
        (abs(px - level_px), abs(sz - level_sz), i, cloid)
        for i, (level_px, level_sz) in enumerate((lv.px, lv.sz) for lv in levels)
        for px, sz, cloid in terms
    )
    by_cloid = {o.cloid: o for o in slots}
    level_of: dict[str, int] = {}
    taken: set[int] = set()
    for _, _, i, cloid in pairs:
        if i not in taken and cloid not in level_of:
            level_of[cloid] = i
            taken.add(i)
    modifies: list[Modify] = []
    for cloid, i in level_of.items():
        order, level = by_cloid[cloid], levels[i]
        px, sz = targets[cloid]
        if order.pending is None and not tolerance.keeps(px, sz, level):
            modifies.append(
                Modify(cloid, coin, side, level.px, level.sz, order.tif, order.reduce_only)
            )
    cancels = [Cancel(o.cloid, coin) for o in slots if o.cloid not in level_of and not o.pending]
    places = [
        NewOrder(next_cloid(), coin, side, lv.px, lv.sz, QUOTE_TIF)
        for i, lv in enumerate(levels)
        if may_place and i not in taken
    ]
    modifies.sort(key=lambda m: -m.px if side == "B" else m.px)
    if not (cancels or modifies or places):
        if len(_SETTLED) >= _SETTLED_KEPT:
            _SETTLED.clear()
        _SETTLED.add(settled)
    return cancels, modifies, places


_SETTLED_KEPT = 1 << 12
_SETTLED: set[tuple[object, ...]] = set()
"""Sides found to need nothing, by everything that decides it: whether it may place, the
tolerance, the levels' terms in order, and each quote's cloid, terms and whether it awaits an
answer. Between two ladders execution plans the same side every step; a side seen settled is
settled again, without the matching."""


def _rebalance(
    coin: str,
    desired: Desired,
    orders: list[Order],
    spec: MarketSpec,
    next_cloid: Callable[[], str],
    last_rebalance_id: int | None,
) -> tuple[NewOrder | None, list[Dropped]]:
    wanted = desired.rebalance
    if wanted is None or desired.decision_id == last_rebalance_id:
        return None, []
    if any(o.tif == REBALANCE_TIF for o in orders):
        return None, []
    error = _level_error(wanted.limit_px, wanted.sz, spec.sz_decimals)
    if error is not None:
        return None, [Dropped(wanted.side, wanted.limit_px, wanted.sz, error)]
    order = NewOrder(
        next_cloid(), coin, wanted.side, wanted.limit_px, wanted.sz, REBALANCE_TIF, reduce_only=True
    )
    return order, []
