"""A price-time priority limit order book for one market, in integer units.

Each price level is an insertion-ordered dict (oid -> order): iteration is time priority and
removing a cancelled order is O(1). Prices are kept in a sorted list; a level is dropped as soon
as it empties, so the best price is always a real order. Each level's total lots are kept as
orders come, trade and go, because the venue reads the aggregated book after every change.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from itertools import islice

from amm.common.sim.orders import RestingOrder

LevelTotals = tuple[int, int, int]
"""One aggregated price level: price units, total lots, number of orders."""


class BookSide:
    """All resting orders on one side (bids or asks)."""

    def __init__(self, *, is_bid: bool) -> None:
        self.is_bid = is_bid
        self._prices: list[int] = []
        self._levels: dict[int, dict[int, RestingOrder]] = {}
        self._lots: dict[int, int] = {}

    def add(self, order: RestingOrder) -> None:
        """Append ``order`` at the back of its price level's queue."""
        level = self._levels.get(order.px)
        if level is None:
            level = self._levels[order.px] = {}
            self._lots[order.px] = 0
            insort(self._prices, order.px)
        level[order.oid] = order
        self._lots[order.px] += order.lots

    def remove(self, order: RestingOrder) -> None:
        """Take ``order`` out of the book (it must be resting here)."""
        level = self._levels[order.px]
        del level[order.oid]
        if level:
            self._lots[order.px] -= order.lots
        else:
            del self._levels[order.px]
            del self._lots[order.px]
            del self._prices[bisect_left(self._prices, order.px)]

    def trade(self, order: RestingOrder, lots: int) -> None:
        """``lots`` of a resting ``order`` traded: it keeps its place with that much less."""
        order.lots -= lots
        self._lots[order.px] -= lots

    def best_price(self) -> int | None:
        """Highest bid or lowest ask, or None when the side is empty."""
        if not self._prices:
            return None
        return self._prices[-1] if self.is_bid else self._prices[0]

    def first_order(self) -> RestingOrder | None:
        """The order with priority: best price, then earliest arrival."""
        best = self.best_price()
        if best is None:
            return None
        return next(iter(self._levels[best].values()))

    def prices(self) -> Iterator[int]:
        """Level prices, best first."""
        return reversed(self._prices) if self.is_bid else iter(self._prices)

    def levels(self, depth: int) -> list[LevelTotals]:
        """Up to ``depth`` aggregated levels, best first."""
        lots, orders = self._lots, self._levels
        return [(px, lots[px], len(orders[px])) for px in islice(self.prices(), depth)]


class OrderBook:
    """Bids and asks of one market."""

    def __init__(self) -> None:
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)

    def side(self, *, is_buy: bool) -> BookSide:
        """The side an order of this direction rests on."""
        return self.bids if is_buy else self.asks

    def opposite(self, *, is_buy: bool) -> BookSide:
        """The side an order of this direction would trade against."""
        return self.asks if is_buy else self.bids

    def crosses(self, *, is_buy: bool, px: int) -> bool:
        """True if an order at ``px`` would trade immediately against the other side."""
        best = self.opposite(is_buy=is_buy).best_price()
        if best is None:
            return False
        return px >= best if is_buy else px <= best

    def add(self, order: RestingOrder) -> None:
        """Rest ``order`` on its side."""
        (self.bids if order.is_buy else self.asks).add(order)

    def remove(self, order: RestingOrder) -> None:
        """Remove a resting ``order``."""
        (self.bids if order.is_buy else self.asks).remove(order)
