"""Queue models: when our resting orders fill against replayed L2 books (which have no trades).

``conservative`` is the venue's replay model as it is (``amm.common.sim.market.replay``): the
queue ahead of an order (what rested at its price before it) only moves on evidence of trading
at that price, and the order fills only when the recorded book trades through it. It never
fills an order the book did not trade through.

``probabilistic`` wraps that model and, after each snapshot, adds what a queue-position model in
the style of hftbacktest's ``ProbQueueModel`` would also fill:

1. Cancels. When the recorded level at an order's price shrinks while the other side does not
   reach that price, the conservative model credits nothing. Here a share
   ``f(a) / (f(a) + f(b))`` of the shrink is credited as ahead of the order, with ``a``/``b`` the
   lots ahead of/behind it and ``f(x) = x ** power`` (power 1: cancels spread evenly; larger:
   they come more from the bigger part of the queue).
2. Fills. An order whose queue (the replay's count minus that credit) is used up is filled when
   the book trades through its price, and, with probability ``touch_fill_prob`` drawn from the
   run's seeded stream, when the other side only touches it.

Fills are sent as the replay sends them: a house IOC at the order's price for exactly its size,
so the order trades whole, as maker. Per side, orders are taken in book priority and the first
that does not qualify ends the side.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from amm.backtest.settings import QueueSettings
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.sim.engine import BookOrder, MatchingEngine
from amm.common.sim.events import Event
from amm.common.sim.grid import Grid
from amm.common.sim.market.base import MarketModel
from amm.common.sim.market.house import HOUSE_TAKER, min_lots, send_ioc
from amm.common.sim.market.params import ReplayParams
from amm.common.sim.market.replay import ReplayModel
from amm.common.sim.market.snapshots import BookSnapshot


def replay_market(
    spec: MarketSpec,
    snapshots: Sequence[BookSnapshot],
    settings: QueueSettings,
    rng: random.Random,
    *,
    file: str,
) -> MarketModel:
    """The replayed market with the queue model ``settings`` names; starts at the first
    snapshot's own time, so simulated time is exchange time."""
    params = ReplayParams(file=file, coin=spec.coin, loop=False)
    replay = ReplayModel(params, spec, snapshots, snapshots[0].time_ms)
    if settings.model == "conservative":
        return replay
    return ProbabilisticQueue(replay, spec, snapshots, settings, rng)


class ProbabilisticQueue:
    """The replay model plus probabilistic queue progress and touch fills (module docstring)."""

    def __init__(
        self,
        replay: ReplayModel,
        spec: MarketSpec,
        snapshots: Sequence[BookSnapshot],
        settings: QueueSettings,
        rng: random.Random,
    ) -> None:
        self._replay = replay
        self._coin = spec.coin
        self._grid = Grid(spec.sz_decimals)
        self._snapshots = snapshots
        self._settings = settings
        self._rng = rng
        self._index = 0
        self._credit: dict[int, float] = {}

    def next_wakeup_ms(self) -> int:
        return self._replay.next_wakeup_ms()

    def advance(self, engine: MatchingEngine, now_ms: int) -> list[Event]:
        """Each due snapshot through the replay model, then this model's additions."""
        events: list[Event] = []
        while (at_ms := self._replay.next_wakeup_ms()) <= now_ms:
            events += self._replay.advance(engine, at_ms)
            before = self._index
            while (
                self._index < len(self._snapshots) and self._snapshots[self._index].time_ms <= at_ms
            ):
                self._index += 1
            if before > 0 and self._index > before:
                previous, current = self._snapshots[before - 1], self._snapshots[self._index - 1]
                events += self._after(engine, previous, current, at_ms)
        return events

    def _after(
        self, engine: MatchingEngine, previous: BookSnapshot, current: BookSnapshot, at_ms: int
    ) -> list[Event]:
        orders = engine.resting_orders(self._coin, include_house=False)
        live = {order.oid for order in orders}
        self._credit = {oid: c for oid, c in self._credit.items() if oid in live}
        if orders:  # each side of both books once, not once an order
            sides = {
                is_bid: (previous.levels(is_bid=is_bid), current.levels(is_bid=is_bid))
                for is_bid in (True, False)
            }
            for order in orders:
                self._credit_cancels(order, current, *sides[order.is_buy])
        events: list[Event] = []
        for is_buy in (True, False):
            side = [order for order in orders if order.is_buy == is_buy]
            for index, order in enumerate(side):
                if not self._fills(order, current):
                    break
                lots = order.lots
                if lots < min_lots(order.px):
                    if any(other.px == order.px for other in side[index + 1 :]):
                        break
                    lots = min_lots(order.px)
                events += send_ioc(
                    engine,
                    HOUSE_TAKER,
                    self._coin,
                    self._grid,
                    is_buy=not is_buy,
                    px=order.px,
                    lots=lots,
                    time_ms=at_ms,
                )
        return events

    def _ahead(self, order: BookOrder) -> float | None:
        """Lots still ahead of the order: the replay's count less the cancels credited here."""
        counted = self._replay.queue_ahead(order.oid)
        return None if counted is None else counted - self._credit.get(order.oid, 0.0)

    def _credit_cancels(
        self,
        order: BookOrder,
        current: BookSnapshot,
        levels_before: dict[int, int],
        levels_now: dict[int, int],
    ) -> None:
        """Credit the share of a shrink of the order's level that was ahead of it (rule 1);
        ``levels_before``/``levels_now`` are the order's side in the previous and current book."""
        ahead = self._ahead(order)
        px = order.px
        if ahead is None or _reaches(current, order.is_buy, px):
            return
        before = levels_before.get(px, 0)
        shrink = before - levels_now.get(px, 0)
        if shrink <= 0:
            return
        front = max(ahead, 0.0)
        back = max(before - front, 0.0)
        power = self._settings.power
        weight_front, weight_back = front**power, back**power
        if weight_front + weight_back > 0:
            share = weight_front / (weight_front + weight_back)
            self._credit[order.oid] = self._credit.get(order.oid, 0.0) + shrink * share

    def _fills(self, order: BookOrder, current: BookSnapshot) -> bool:
        """True if the order's queue is used up and the book traded through or touched it."""
        ahead = self._ahead(order)
        if ahead is None or ahead > 0:
            return False
        px = order.px
        best = current.best(is_bid=not order.is_buy)
        if best is None:
            return False
        if best < px if order.is_buy else best > px:
            return True
        return best == px and self._rng.random() < self._settings.touch_fill_prob


def _reaches(snapshot: BookSnapshot, is_buy: bool, px: int) -> bool:
    """The recorded other side is at or through ``px``."""
    best = snapshot.best(is_bid=not is_buy)
    return best is not None and (best <= px if is_buy else best >= px)
