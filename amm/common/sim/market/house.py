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

from amm.common.hyperliquid.rules import MIN_ORDER_VALUE
from amm.common.sim.engine import HOUSE_ADDRESS, MatchingEngine
from amm.common.sim.events import IOC_CANCEL_REJECTED, Event, Filled, OrderError
from amm.common.sim.grid import NOTIONAL_EXPONENT, Grid
from amm.common.sim.orders import OrderRequest, Tif

HOUSE_MAKER = HOUSE_ADDRESS
"""Rests the models' public book."""

HOUSE_TAKER = "0x" + "0" * 39 + "1"
"""Sends the models' takers and the replay's fills."""

HOUSE_ACCOUNTS = (HOUSE_MAKER, HOUSE_TAKER)
"""What ``EngineConfig.house_addresses`` must hold for the market models."""

_MIN_NOTIONAL = int(MIN_ORDER_VALUE.scaleb(-NOTIONAL_EXPONENT))


def min_lots(px: int) -> int:
    """The fewest lots worth the $10 minimum at ``px`` price units."""
    return -(-_MIN_NOTIONAL // px)


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
    request = OrderRequest(coin, is_buy, grid.units_to_px(px), grid.lots_to_sz(lots), Tif.IOC)
    result = engine.place_order(user, request, time_ms)
    if isinstance(result.status, OrderError) and result.status.status != IOC_CANCEL_REJECTED:
        raise RuntimeError(f"house IOC {request} rejected: {result.status.message}")
    return list(result.events)


class HouseLadder:
    """The house maker's resting orders in one market, one order per price level.

    Following a wanted ladder takes two calls, ``cancel_stale`` then ``place_missing``, so a
    model can act in between (the replay fills traded-through orders there). A level is kept
    while its price is still wanted with the same size and nothing has traded against it;
    anything else is cancelled and placed again, so an unchanged book costs nothing.
    """

    def __init__(self, coin: str, grid: Grid, maker: str = HOUSE_MAKER) -> None:
        self._coin = coin
        self._grid = grid
        self._maker = maker
        self._bids: dict[int, int] = {}  # px -> oid
        self._asks: dict[int, int] = {}

    def cancel_stale(
        self,
        engine: MatchingEngine,
        bids: Mapping[int, int],
        asks: Mapping[int, int],
        time_ms: int,
        events: list[Event],
    ) -> None:
        """Cancel every house level not in the wanted ``{px: lots}`` ladders, or eaten into."""
        resting = engine.account(self._maker).open_orders
        for is_buy, wanted in ((True, bids), (False, asks)):
            oids = self._bids if is_buy else self._asks
            for px, oid in list(oids.items()):
                order = resting.get(oid)
                if order is not None and wanted.get(px) == order.lots:
                    continue
                del oids[px]
                if order is not None:
                    events.extend(engine.cancel(self._maker, self._coin, oid, time_ms).events)

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
        for is_buy, wanted, limit in ((True, bids, bid_below), (False, asks, ask_above)):
            oids = self._bids if is_buy else self._asks
            for px in sorted(wanted, reverse=is_buy):
                if px in oids:
                    continue
                if limit is not None and (px >= limit if is_buy else px <= limit):
                    continue
                oid = self._place(engine, is_buy, px, wanted[px], time_ms, events)
                if oid is not None:
                    oids[px] = oid

    def lots_at(self, engine: MatchingEngine, *, is_buy: bool, px: int) -> tuple[int, int] | None:
        """(oid, lots) of the house order at ``px`` on one side, if it rests."""
        oid = (self._bids if is_buy else self._asks).get(px)
        if oid is None:
            return None
        order = engine.account(self._maker).open_orders.get(oid)
        return None if order is None else (oid, order.lots)

    def _place(
        self,
        engine: MatchingEngine,
        is_buy: bool,
        px: int,
        lots: int,
        time_ms: int,
        events: list[Event],
    ) -> int | None:
        grid = self._grid
        request = OrderRequest(self._coin, is_buy, grid.units_to_px(px), grid.lots_to_sz(lots))
        result = engine.place_order(self._maker, request, time_ms)
        if isinstance(result.status, OrderError):
            raise RuntimeError(f"house level {request} rejected: {result.status.message}")
        events.extend(result.events)
        return None if isinstance(result.status, Filled) else result.status.oid
