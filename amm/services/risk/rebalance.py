"""The aggressive rebalance: one reduce-only IOC at a bounded price, repeated at an interval.

Sizing: back to ``rebalance_target_delta`` (the size above that delta at the mid), at most
``max_rebalance_usd`` at the mid and never more than the position, rounded down to the lot
grid. A size worth less than the $10 minimum at its limit price is raised to the smallest lot
size that is not, if that still fits both bounds; otherwise there is no order.

Price: the mid moved ``rebalance_slippage_bps`` against us (a sell below, a buy above), rounded
onto the price grid towards the mid, so the order never trades worse than that bound. When the
grid has no price between that bound and the mid (a tick wider than the slippage), there is no
order: a limit on the far side of the mid could not trade, and one beyond the bound would.

Schedule: a shot is made when due and rides on every decision (same ``decision_id``, so
execution sends it once) until the next fill of the market, a decision that cannot carry it (a
veto), or ``rebalance_interval_s`` after it was made; the next shot is due
``rebalance_interval_s`` after the previous one, while the market is still rebalancing. Leaving
the rebalancing band forgets the schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal

from amm.common.hyperliquid.rules import (
    MIN_ORDER_VALUE,
    MarketSpec,
    Rounding,
    meets_min_value,
    round_price,
    round_size,
)
from amm.common.messages import Rebalance
from amm.services.risk.settings import RiskSettings

BPS = Decimal(10_000)
ZERO = Decimal(0)
_FLOOR = Context(prec=34, rounding=ROUND_FLOOR)
_NS = 1_000_000_000


def rebalance_order(
    szi: Decimal, mid: Decimal, spec: MarketSpec, settings: RiskSettings
) -> Rebalance | None:
    """The reduce-only order that brings ``szi`` back towards the target delta, if any."""
    if szi == 0 or mid <= 0:
        return None
    is_buy = szi < 0
    slip = mid * settings.rebalance_slippage_bps / BPS
    limit_px = round_price(
        mid + slip if is_buy else mid - slip,
        spec.sz_decimals,
        Rounding.DOWN if is_buy else Rounding.UP,
    )
    if (limit_px < mid) if is_buy else (limit_px > mid):
        return None
    target = _FLOOR.divide(settings.rebalance_target_delta * settings.max_exposure_usd, mid)
    most = min(abs(szi), _FLOOR.divide(settings.max_rebalance_usd, mid))
    sz = round_size(min(max(abs(szi) - target, ZERO), most), spec.sz_decimals)
    if not meets_min_value(limit_px, sz):
        sz = round_size(MIN_ORDER_VALUE / limit_px, spec.sz_decimals, Rounding.UP)
    if sz <= 0 or sz > most:
        return None
    return Rebalance(side="B" if is_buy else "A", sz=sz, limit_px=limit_px)


@dataclass(frozen=True, slots=True)
class Shot:
    """One rebalance order and the decision it rides on."""

    decision_id: int
    order: Rebalance
    made_ns: int


@dataclass(slots=True)
class RebalanceSchedule:
    """When the next shot is due, and the shot riding on decisions now (see module doc)."""

    interval_ns: int
    shot: Shot | None = None
    next_due_ns: int | None = None

    @classmethod
    def every(cls, settings: RiskSettings) -> RebalanceSchedule:
        """A schedule with the configured interval."""
        return cls(int(settings.rebalance_interval_s * _NS))

    def current(
        self,
        now_ns: int,
        make: Callable[[], Rebalance | None],
        new_id: Callable[[], int],
    ) -> Shot | None:
        """The shot for a decision made now while rebalancing (a new one when due)."""
        if self.shot is not None and now_ns < self.shot.made_ns + self.interval_ns:
            return self.shot
        self.shot = None
        if self.next_due_ns is not None and now_ns < self.next_due_ns:
            return None
        order = make()
        if order is None:
            return None
        self.shot = Shot(new_id(), order, now_ns)
        self.next_due_ns = now_ns + self.interval_ns
        return self.shot

    def spend(self) -> None:
        """The riding shot is done with: a fill moved the position, or a veto went out without
        it (its price would be stale later). The next shot waits for its time."""
        self.shot = None

    def stop(self) -> None:
        """Out of the rebalancing band: the next entry shoots at once."""
        self.shot = None
        self.next_due_ns = None
