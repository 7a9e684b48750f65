"""House liquidity shared by the market models: the house accounts and a cheap ladder keeper.

The house trades from two addresses: ``HOUSE_MAKER`` rests the public book and ``HOUSE_TAKER``
sends the models' aggressive orders. Two are needed because the engine cancels a taker's own
resting orders on contact (self-trade prevention); one address would erase the book it sweeps.
Both must be listed in ``EngineConfig.house_addresses`` (``HOUSE_ACCOUNTS``) so they pay no fees
and skip margin checks.

Prices are integer price units and sizes integer lots of the market's ``Grid``, as in the engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from amm.common.sim.engine import HOUSE_ADDRESS, MatchingEngine
from amm.common.sim.events import IOC_CANCEL_REJECTED, Event, Filled, OrderError
from amm.common.sim.grid import MIN_NOTIONAL, Grid
from amm.common.sim.orders import OrderRequest, RestingOrder, Tif

HOUSE_MAKER = HOUSE_ADDRESS
"""Rests the models' public book."""

HOUSE_TAKER = "0x" + "0" * 39 + "1"
"""Sends the models' takers and the replay's fills."""

HOUSE_ACCOUNTS = (HOUSE_MAKER, HOUSE_TAKER)
"""What ``EngineConfig.house_addresses`` must hold for the market models."""


def min_lots(px: int) -> int:
    """The fewest lots worth the $10 minimum at ``px`` price units."""
    return -(-MIN_NOTIONAL // px)


def require_house(engine: MatchingEngine, *users: str) -> None:
    """Refuse to run against an engine that would charge fees and margin to house flow."""
    for user in users:
        if not engine.account(user).is_house:
            raise ValueError(
                f"{user} is not a house account: list HOUSE_ACCOUNTS in "
                "EngineConfig.house_addresses for the market models"
            )


def send_ioc(
    engine: MatchingEngine,
    user: str,
    coin: str,
    grid: Grid,
    *,
    is_buy: bool,
    px: int,
    lots: int,
    time_ms: int,
) -> list[Event]:
    """One immediate-or-cancel order; returns its events.

    Finding nothing to match is an answer (the engine may cancel a reduce-only order on contact
    instead of filling it); any other rejection is a bug in the model's prices or sizes, and raises.
    """
    result = engine.place_units(
        user, coin, is_buy=is_buy, px=px, lots=lots, tif=Tif.IOC, time_ms=time_ms
    )
    if isinstance(result.status, OrderError) and result.status.status != IOC_CANCEL_REJECTED:
        request = OrderRequest(coin, is_buy, grid.units_to_px(px), grid.lots_to_sz(lots), Tif.IOC)
        raise RuntimeError(f"house IOC {request} rejected: {result.status.message}")
    return list(result.events)


class HouseLadder:
    """The house maker's resting orders in one market, one order per price level.

    Following a wanted ladder takes two calls, ``cancel_stale`` then ``place_missing``, so a
    model can act in between (the replay fills traded-through orders there). A level is kept
    while its price is still wanted with the same size and nothing has traded against it;
    anything else is cancelled and placed again, so an unchanged book costs nothing.

    The ladder remembers each level's resting lots. While the maker account's ``revision`` is
    where ``cancel_stale`` left it, nothing traded or removed a house order since, so the stale
    levels are found from what it remembers, without a look at each order in the engine;
    otherwise the orders are read from the engine first.
    """

    def __init__(self, coin: str, grid: Grid, maker: str = HOUSE_MAKER) -> None:
        self._coin = coin
        self._grid = grid
        self._maker = maker
        self._bids: dict[int, int] = {}  # px -> oid, in the order placed (so by oid)
        self._asks: dict[int, int] = {}
        self._bid_lots: dict[int, int] = {}  # px -> lots resting
        self._ask_lots: dict[int, int] = {}
        self._revision = 0

    def cancel_stale(
        self,
        engine: MatchingEngine,
        bids: Mapping[int, int],
        asks: Mapping[int, int],
        time_ms: int,
        events: list[Event],
    ) -> None:
        """Cancel every house level not in the wanted ``{px: lots}`` ladders, or eaten into."""
        account = engine.account(self._maker)
        if account.revision != self._revision:
            self._reread(account.open_orders)
        for is_buy, wanted in ((True, bids), (False, asks)):
            oids, lots = (self._bids, self._bid_lots) if is_buy else (self._asks, self._ask_lots)
            stale = [px for px, held in lots.items() if wanted.get(px) != held]
            for px in stale:  # in the order placed, as the orders' oids go
                del lots[px]
                events.extend(engine.cancel(self._maker, self._coin, oids.pop(px), time_ms).events)
        self._revision = account.revision

    def place_missing(
        self,
        engine: MatchingEngine,
        bids: Mapping[int, int],
        asks: Mapping[int, int],
        time_ms: int,
        events: list[Event],
        *,
        bid_below: int | None = None,
        ask_above: int | None = None,
    ) -> None:
        """Place the wanted levels the house does not hold, best first.

        Levels at or beyond ``bid_below`` (bids) / ``ask_above`` (asks) are held back: the
        replay uses them to keep the house from trading with orders it has not filled.
        """
        resting = engine.account(self._maker).open_orders
        for is_buy, wanted, limit in ((True, bids, bid_below), (False, asks, ask_above)):
            oids, lots = (self._bids, self._bid_lots) if is_buy else (self._asks, self._ask_lots)
            for px in sorted([px for px in wanted if px not in oids], reverse=is_buy):
                if limit is not None and (px >= limit if is_buy else px <= limit):
                    continue
                oid = self._place(engine, is_buy, px, wanted[px], time_ms, events)
                if oid is not None:
                    oids[px] = oid
                    lots[px] = resting[oid].lots  # less than wanted if it traded on arrival

    def lots_at(self, engine: MatchingEngine, *, is_buy: bool, px: int) -> tuple[int, int] | None:
        """(oid, lots) of the house order at ``px`` on one side, if it rests."""
        oid = (self._bids if is_buy else self._asks).get(px)
        if oid is None:
            return None
        order = engine.account(self._maker).open_orders.get(oid)
        return None if order is None else (oid, order.lots)

    def _reread(self, resting: Mapping[int, RestingOrder]) -> None:
        """Forget the levels whose order is gone and take the others' lots from the engine."""
        for oids, lots in ((self._bids, self._bid_lots), (self._asks, self._ask_lots)):
            for px, oid in list(oids.items()):
                order = resting.get(oid)
                if order is None:
                    del oids[px], lots[px]
                else:
                    lots[px] = order.lots

    def _place(
        self,
        engine: MatchingEngine,
        is_buy: bool,
        px: int,
        lots: int,
        time_ms: int,
        events: list[Event],
    ) -> int | None:
        result = engine.place_units(
            self._maker, self._coin, is_buy=is_buy, px=px, lots=lots, tif=Tif.GTC, time_ms=time_ms
        )
        if isinstance(result.status, OrderError):
            grid = self._grid
            request = OrderRequest(self._coin, is_buy, grid.units_to_px(px), grid.lots_to_sz(lots))
            raise RuntimeError(f"house level {request} rejected: {result.status.message}")
        events.extend(result.events)
        return None if isinstance(result.status, Filled) else result.status.oid
