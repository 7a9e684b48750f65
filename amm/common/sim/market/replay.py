"""Replay: recorded L2 snapshots become the venue's public book; other orders fill conservatively.

Clock. The first snapshot is applied at ``start_ms`` and each later one at ``start_ms`` plus its
recorded distance from the first (exchange ``time`` ms). With ``loop`` the stream starts over
when it ends: the first snapshot again, one recorded gap (the last one seen) after the last.
Without it the book stays as the last snapshot left it and ``next_wakeup_ms`` is ``NEVER_MS``.

Mirror. At each snapshot the house maker (``HOUSE_MAKER``) holds one Gtc order per level, sized
as recorded (raised to the $10 minimum where smaller). Levels with the same price and size stay
untouched; the others are cancelled and placed again. The mark is set to the recorded mid (best
bid and ask averaged, rounded to the nearest valid price; one side's best if the other is empty).

Fills of everyone else's resting orders ("ours"). The recording has no trades, so fills are
inferred from book changes, and only from evidence that sellers (buyers) reached our price:

1. Queue. When the model first sees an order (at the first snapshot after it was placed, before
   that snapshot is applied), ``ahead`` = the lots resting before it at its price in the engine
   (the mirrored level and earlier orders).
2. Consumption. Between two snapshots, for a bid at p (asks mirrored): only if the new best ask
   is at or below p, ``ahead`` falls by the shrink of the recorded bid level at p plus the
   growth of the recorded ask size at or below p (sellers who met the level). A level that
   shrinks while the other side is away from p is assumed to be cancels behind us, and never
   moves us up: the queue ahead is never credited on doubt, only on evidence of trading at p.
3. Fill. A bid at p is filled when the new best ask is strictly below p (the book traded through
   it) and ``ahead <= 0``; then a house taker (``HOUSE_TAKER``) sends an IOC sell at p for
   exactly the order's remaining size, so the order trades whole, as maker, at its own price.
   Touching (best ask == p) never fills. Per side, orders are taken in the book's priority order
   and the first that does not qualify stops the side, so an IOC never meets another order first.
   A remainder under the $10 minimum is taken with a minimum-size IOC when no other order rests
   at its price; otherwise it waits.

Order of work at each snapshot: see new orders and drop gone ones; update queues; cancel stale
house levels; fill; place missing house levels, except those that would trade with an order
still resting (a bid level at or above such an ask, an ask level at or below such a bid): the
house never fills anyone by accident; the withheld level comes back once that order is gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from amm.common.hyperliquid.rules import MarketSpec, round_price
from amm.common.sim.engine import BookOrder, MatchingEngine
from amm.common.sim.events import Event
from amm.common.sim.grid import MIN_NOTIONAL, Grid
from amm.common.sim.market.house import (
    HOUSE_MAKER,
    HOUSE_TAKER,
    HouseLadder,
    min_lots,
    require_house,
    send_ioc,
)
from amm.common.sim.market.params import ReplayParams
from amm.common.sim.market.snapshots import BookSnapshot

NEVER_MS = 2**62
"""``next_wakeup_ms`` once a non-looping replay has run out of snapshots."""


@dataclass(slots=True)
class _Book:
    """One recorded snapshot, each side as ``{px: lots}`` best first (made when first asked for:
    most snapshots only need the touch and the house's wanted ladder).

    Asks at or below the best bid are dropped, so the book is never crossed (none of the archive
    hour's 5,587 snapshots is, but the mirror must not trade with itself if another file were).
    """

    snapshot: BookSnapshot
    crossed: bool  # the first recorded ask is at or below the best bid: asks are filtered
    _bids: dict[int, int] | None = None
    _asks: dict[int, int] | None = None

    @classmethod
    def of(cls, snapshot: BookSnapshot) -> _Book:
        best_bid = snapshot.best(is_bid=True)
        first_ask = snapshot.best(is_bid=False)
        return cls(
            snapshot, best_bid is not None and first_ask is not None and first_ask <= best_bid
        )

    def levels(self, *, is_bid: bool) -> dict[int, int]:
        """One side as ``{px: lots}``, best first."""
        if is_bid:
            if self._bids is None:
                self._bids = self.snapshot.levels(is_bid=True)
            return self._bids
        if self._asks is None:
            asks = self.snapshot.levels(is_bid=False)
            if self.crossed:
                best_bid = self.snapshot.best(is_bid=True)
                asks = {px: lots for px, lots in asks.items() if px > best_bid}
            self._asks = asks
        return self._asks

    def wanted(self, *, is_bid: bool) -> dict[int, int]:
        """The house's ladder for one side: each level raised to the $10 minimum."""
        levels: Iterable[tuple[int, int]] = (
            self.snapshot.pairs(is_bid=is_bid)
            if is_bid or not self.crossed
            else self.levels(is_bid=False).items()
        )
        return {px: lots if lots * px >= MIN_NOTIONAL else min_lots(px) for px, lots in levels}

    def own(self, order: BookOrder) -> int:
        """Recorded lots at the order's price on its own side."""
        return self.levels(is_bid=order.is_buy).get(order.px, 0)

    def best(self, *, is_bid: bool) -> int | None:
        """Best price of one side, None when empty."""
        if is_bid or not self.crossed:
            return self.snapshot.best(is_bid=is_bid)
        return next(iter(self.levels(is_bid=False)), None)

    def opposite_best(self, order: BookOrder) -> int | None:
        return self.best(is_bid=not order.is_buy)

    def reaches(self, order: BookOrder) -> bool:
        """The other side's best is at or through the order's price."""
        best = self.opposite_best(order)
        return best is not None and (best <= order.px if order.is_buy else best >= order.px)

    def through(self, order: BookOrder) -> bool:
        """The other side's best is strictly better than the order's price."""
        best = self.opposite_best(order)
        return best is not None and (best < order.px if order.is_buy else best > order.px)

    def reaching_lots(self, order: BookOrder) -> int:
        """Recorded lots on the other side at or through the order's price."""
        total = 0
        for px, lots in self.levels(is_bid=not order.is_buy).items():
            if px > order.px if order.is_buy else px < order.px:
                break
            total += lots
        return total


class ReplayModel:
    """Recorded snapshots as the public book of one venue market (see the module docstring)."""

    def __init__(
        self,
        params: ReplayParams,
        spec: MarketSpec,
        snapshots: Iterable[BookSnapshot],
        start_ms: int,
        *,
        maker: str = HOUSE_MAKER,
        taker: str = HOUSE_TAKER,
    ) -> None:
        if params.coin != spec.coin:
            raise ValueError(f"replay coin {params.coin} is not the market {spec.coin}")
        self._loop = params.loop
        self._spec = spec
        self._grid = Grid(spec.sz_decimals)
        self._snapshots = snapshots
        self._maker = maker
        self._taker = taker
        self._ladder = HouseLadder(spec.coin, self._grid, maker)
        self._stream: Iterator[BookSnapshot] = iter(snapshots)
        first = next(self._stream, None)
        if first is None:
            raise ValueError("no snapshots to replay")
        self._next: BookSnapshot | None = first
        self._offset = start_ms - first.time_ms
        self._gap = 1
        self._last_ms = start_ms
        self._prev: _Book | None = None
        self._ahead: dict[int, int] = {}
        self._checked = False
        self._mark_of: tuple[tuple[int | None, int | None], Decimal] = ((None, None), Decimal(0))

    def advance(self, engine: MatchingEngine, now_ms: int) -> list[Event]:
        """Apply every snapshot due at or before ``now_ms``, in order."""
        if not self._checked:
            require_house(engine, self._maker, self._taker)
            self._checked = True
        events: list[Event] = []
        while self._next is not None and self.next_wakeup_ms() <= now_ms:
            snapshot = self._next
            at_ms = self.next_wakeup_ms()
            self._apply(engine, _Book.of(snapshot), at_ms, events)
            self._last_ms = at_ms
            self._next = self._following(snapshot)
        return events

    def next_wakeup_ms(self) -> int:
        """When the next snapshot is due."""
        if self._next is None:
            return NEVER_MS
        return max(self._next.time_ms + self._offset, self._last_ms)

    def queue_ahead(self, oid: int) -> int | None:
        """Lots the model still counts ahead of a tracked order (<= 0: reached), else None."""
        return self._ahead.get(oid)

    def _following(self, current: BookSnapshot) -> BookSnapshot | None:
        following = next(self._stream, None)
        if following is not None:
            self._gap = max(1, following.time_ms - current.time_ms)
            return following
        if not self._loop:
            return None
        self._stream = iter(self._snapshots)
        first = next(self._stream, None)
        if first is not None:
            self._offset = self._last_ms + self._gap - first.time_ms
        return first

    def _apply(self, engine: MatchingEngine, book: _Book, at_ms: int, events: list[Event]) -> None:
        orders = self._resting(engine)
        self._see(engine, orders)
        if self._prev is not None:
            self._consume(self._prev, book, orders)
        bids = book.wanted(is_bid=True)
        asks = book.wanted(is_bid=False)
        self._ladder.cancel_stale(engine, bids, asks, at_ms, events)
        left = self._resting(engine) if self._fill(engine, book, orders, at_ms, events) else orders
        self._ladder.place_missing(
            engine,
            bids,
            asks,
            at_ms,
            events,
            bid_below=min((o.px for o in left if not o.is_buy), default=None),
            ask_above=max((o.px for o in left if o.is_buy), default=None),
        )
        self._mark(engine, book)
        self._prev = book

    def _resting(self, engine: MatchingEngine) -> list[BookOrder]:
        """Non-house orders in book priority order."""
        return engine.resting_orders(self._spec.coin, include_house=False)

    def _see(self, engine: MatchingEngine, orders: list[BookOrder]) -> None:
        """Start queues for new orders at what rests before them; forget orders that are gone."""
        live = {o.oid for o in orders}
        for oid in [oid for oid in self._ahead if oid not in live]:
            del self._ahead[oid]
        for order in orders:
            if order.oid in self._ahead:
                continue
            ahead = sum(
                o.lots
                for o in orders
                if o.is_buy == order.is_buy and o.px == order.px and o.oid < order.oid
            )
            house = self._ladder.lots_at(engine, is_buy=order.is_buy, px=order.px)
            if house is not None and house[0] < order.oid:
                ahead += house[1]
            self._ahead[order.oid] = ahead

    def _consume(self, prev: _Book, book: _Book, orders: list[BookOrder]) -> None:
        """Credit queues with what the book shows traded at each order's price (rule 2)."""
        for order in orders:
            if not book.reaches(order):
                continue
            shrink = max(0, prev.own(order) - book.own(order))
            met = max(0, book.reaching_lots(order) - prev.reaching_lots(order))
            self._ahead[order.oid] -= shrink + met

    def _fill(
        self,
        engine: MatchingEngine,
        book: _Book,
        orders: list[BookOrder],
        at_ms: int,
        events: list[Event],
    ) -> bool:
        """Fill traded-through orders whose queue is used up, side by side in priority (rule 3);
        True if it sent anything."""
        sent = False
        for is_buy in (True, False):
            side = [o for o in orders if o.is_buy == is_buy]
            for index, order in enumerate(side):
                if not book.through(order) or self._ahead[order.oid] > 0:
                    break
                lots = order.lots
                if lots < min_lots(order.px):
                    if any(o.px == order.px for o in side[index + 1 :]):
                        break
                    lots = min_lots(order.px)
                events.extend(
                    send_ioc(
                        engine,
                        self._taker,
                        self._spec.coin,
                        self._grid,
                        is_buy=not is_buy,
                        px=order.px,
                        lots=lots,
                        time_ms=at_ms,
                    )
                )
                sent = True
        return sent

    def _mark(self, engine: MatchingEngine, book: _Book) -> None:
        bid = book.best(is_bid=True)
        ask = book.best(is_bid=False)
        if bid is None and ask is None:
            return
        if self._mark_of[0] != (bid, ask):  # the touch mostly stays put: round its mid once
            if bid is not None and ask is not None:
                units = Decimal(bid + ask) / 2
            else:
                units = Decimal(bid if bid is not None else ask)
            mid = units.scaleb(-self._grid.px_decimals)
            self._mark_of = ((bid, ask), round_price(mid, self._spec.sz_decimals))
        engine.set_mark(self._spec.coin, self._mark_of[1])
