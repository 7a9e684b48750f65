"""The paper venue's core: a Hyperliquid-compatible matching engine with accounts and margin.

Pure and deterministic: no sockets, no clock (every call takes ``time_ms``), no randomness, and
ids come from counters, so the same calls always produce the same answers and events. The venue's
HTTP/websocket shell and the backtester both drive this class; the shell only translates JSON.

Rules implemented, beyond those in ``amm.common.hyperliquid.rules``:

- validation order: price grid, size grid, $10 minimum (on the requested size), duplicate cloid,
  open-order cap, reduce-only, post-only cross, margin (see ``amm.common.sim.margin``);
- a reduce-only order is rejected unless it is on the side that shrinks the position, and its size
  is clipped to the position size at placement (any tif); a resting reduce-only order never fills
  more than the position and is cancelled ("reduceOnlyCanceled") once the position is flat or has
  turned to its side;
- a taker that meets its own resting order cancels that resting order ("selfTradeCanceled") and
  goes on matching;
- modify validates the new order as if the old one were gone; if the new one is rejected the old
  one stays untouched, otherwise the old one is cancelled and the new one (new oid, back of the
  queue) is placed;
- house accounts (market-model liquidity) pay no fees and skip margin checks and the open-order
  cap; their positions and collateral are tracked like anyone's so totals still add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import NamedTuple

from amm.common.hyperliquid.rules import (
    BASE_FEES,
    DUPLICATE_CLOID_ERROR,
    INVALID_LEVERAGE_ERROR,
    INVALID_SIZE_ERROR,
    IOC_CANCEL_ERROR,
    MARGIN_ERROR,
    MAX_OPEN_ORDERS,
    MIN_NOTIONAL_ERROR,
    MISSING_ORDER_ERROR,
    REDUCE_ONLY_ERROR,
    TICK_ERROR,
    TOO_MANY_ORDERS_ERROR,
    FeeSchedule,
    MarketSpec,
    bad_alo_px_error,
    is_valid_price,
    is_valid_size,
    meets_min_value,
)
from amm.common.sim.accounts import Account, Exposure
from amm.common.sim.book import LevelTotals, OrderBook
from amm.common.sim.events import (
    BAD_ALO_PX_REJECTED,
    CANCELED,
    FILLED,
    IOC_CANCEL_REJECTED,
    MIN_TRADE_NTL_REJECTED,
    OPEN,
    PERP_MARGIN_REJECTED,
    REDUCE_ONLY_CANCELED,
    REDUCE_ONLY_REJECTED,
    REJECTED,
    SELF_TRADE_CANCELED,
    TICK_REJECTED,
    CancelResult,
    Event,
    Fill,
    Filled,
    Funding,
    OrderError,
    OrderUpdate,
    PlaceResult,
    Resting,
    Trade,
)
from amm.common.sim.grid import Grid, notional_to_usdc
from amm.common.sim.ids import IdSource
from amm.common.sim.margin import accepts, market_initial_margin
from amm.common.sim.orders import OrderRequest, RestingOrder, Tif
from amm.common.sim.positions import ZERO, Position, apply_fill
from amm.common.sim.views import AccountView, Bbo, L2Book, Level, OpenOrder, PositionView

HOUSE_ADDRESS = "0x" + "0" * 40
"""Default address of the market model's liquidity."""

_DIVISION = Context(prec=34)
_LEVEL_CACHE_LIMIT = 1 << 16


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Venue-wide settings.

    ``append_asset_suffix`` adds " asset=<id>" to error texts, as the live exchange now does;
    off by default so errors equal the documented strings.
    """

    starting_collateral: Decimal = Decimal(1000)
    fees: FeeSchedule = BASE_FEES
    house_addresses: tuple[str, ...] = (HOUSE_ADDRESS,)
    max_open_orders: int = MAX_OPEN_ORDERS
    default_leverage: int = 20
    append_asset_suffix: bool = False
    keep_history: bool = True
    namespace: str = "amm-sim"
    first_id: int = 1  # where oids and tids start (see IdSource)


class BookOrder(NamedTuple):
    """One resting order and its owner, as a market model sees the queue (a read-only copy).

    In the market's grid units (price units, lots), the models' own terms; a tuple because the
    models read the queue at every snapshot.
    """

    user: str
    oid: int
    is_buy: bool
    px: int
    lots: int
    timestamp: int


@dataclass(slots=True)
class _Market:
    spec: MarketSpec
    grid: Grid
    book: OrderBook = field(default_factory=OrderBook)
    mark_px: Decimal | None = None
    last_trade_px: Decimal | None = None
    levels: dict[LevelTotals, Level] = field(default_factory=dict)

    def level(self, totals: LevelTotals) -> Level:
        """The view of one aggregated level. Views are immutable and the same few hundred
        levels come back at every book poll, so each is made once (until the cache fills)."""
        level = self.levels.get(totals)
        if level is None:
            if len(self.levels) >= _LEVEL_CACHE_LIMIT:
                self.levels.clear()
            px, lots, n = totals
            level = Level(self.grid.units_to_px(px), self.grid.lots_to_sz(lots), n)
            self.levels[totals] = level
        return level

    @property
    def ref_px(self) -> Decimal | None:
        """Price used to value positions and margin: mark, else last trade."""
        return self.mark_px if self.mark_px is not None else self.last_trade_px


class MatchingEngine:
    """Order books, accounts and positions of a simulated Hyperliquid perp dex."""

    def __init__(self, markets: Iterable[MarketSpec], config: EngineConfig | None = None) -> None:
        self._config = config or EngineConfig()
        self._house = frozenset(a.lower() for a in self._config.house_addresses)
        self._markets: dict[str, _Market] = {}
        self._accounts: dict[str, Account] = {}
        self._ids = IdSource(self._config.namespace, self._config.first_id)
        self._fills: dict[str, list[Fill]] = {}
        self._fundings: dict[str, list[Funding]] = {}
        for spec in markets:
            self.add_market(spec)

    def add_market(self, spec: MarketSpec) -> None:
        """List a market; its book starts empty and it has no mark price yet."""
        if spec.coin in self._markets:
            raise ValueError(f"market {spec.coin} already listed")
        self._markets[spec.coin] = _Market(spec, Grid(spec.sz_decimals))

    def market(self, coin: str) -> MarketSpec:
        """The spec of a listed market."""
        return self._market(coin).spec

    def markets(self) -> tuple[MarketSpec, ...]:
        """All listed markets, in listing order."""
        return tuple(m.spec for m in self._markets.values())

    def deposit(self, user: str, usdc: Decimal) -> None:
        """Add (or, if negative, withdraw) collateral."""
        account = self._account(user)
        account.collateral += usdc
        account.deposits += usdc

    def collateral(self, user: str) -> Decimal:
        """USDC balance before unrealized PnL."""
        return self._account(user).collateral

    def position(self, user: str, coin: str) -> Position:
        """The user's position in ``coin`` (flat if none)."""
        return self._account(user).position(coin)

    def account(self, user: str) -> Account:
        """The live account record (read it, do not change it)."""
        return self._account(user)

    def accounts(self) -> tuple[Account, ...]:
        """Every account seen so far, in order of first use."""
        return tuple(self._accounts.values())

    def leverage(self, user: str, coin: str) -> int:
        """The user's leverage in ``coin`` (the default until updated)."""
        return self._leverage(self._account(user), self._market(coin))

    def update_leverage(self, user: str, coin: str, leverage: int) -> str | None:
        """Set cross leverage for ``coin``; returns an error text, or None on success.

        Refused outside 1..max_leverage, and when lowering it would need more margin than the
        account has.
        """
        market = self._market(coin)
        account = self._account(user)
        if not 1 <= leverage <= market.spec.max_leverage:
            return INVALID_LEVERAGE_ERROR
        before = self._initial_margin(account)
        previous = account.leverage.get(coin)
        account.leverage[coin] = leverage
        after = self._initial_margin(account)
        if not account.is_house and not accepts(
            required_after=after, required_before=before, account_value=self._value(account)
        ):
            if previous is None:
                del account.leverage[coin]
            else:
                account.leverage[coin] = previous
            return MARGIN_ERROR
        return None

    def account_value(self, user: str) -> Decimal:
        """Collateral plus unrealized PnL at reference prices."""
        return self._value(self._account(user))

    def initial_margin(self, user: str) -> Decimal:
        """Margin held by positions and resting orders (the rule in ``sim.margin``)."""
        return self._initial_margin(self._account(user))

    def place_order(self, user: str, request: OrderRequest, time_ms: int) -> PlaceResult:
        """Validate, match and (for Gtc/Alo remainders) rest one order."""
        return self._place(self._account(user), request, time_ms, replacing=None)

    def place_units(
        self, user: str, coin: str, *, is_buy: bool, px: int, lots: int, tif: Tif, time_ms: int
    ) -> PlaceResult:
        """``place_order`` for a market model's order given in grid units (no cloid, not
        reduce-only): the same answer and events, without the round trip through Decimals.

        An order off the grid or under $10 goes the Decimal way, so it is refused in the same
        words.
        """
        account = self._account(user)
        market = self._market(coin)
        grid = market.grid
        if not grid.is_valid_order(px, lots):
            request = OrderRequest(coin, is_buy, grid.units_to_px(px), grid.lots_to_sz(lots), tif)
            return self._place(account, request, time_ms, replacing=None)
        oid = self._ids.oid()
        order = RestingOrder.new(
            oid, account.address, coin, is_buy, px, lots, tif, False, None, time_ms
        )
        return self._submit(account, market, order, time_ms, None, None)

    def modify(
        self, user: str, target: int | str, request: OrderRequest, time_ms: int
    ) -> PlaceResult:
        """Replace the order with oid (int) or cloid (str) ``target`` by ``request``.

        Like Hyperliquid: the new order gets a new oid and joins the back of the queue.
        """
        account = self._account(user)
        old = self._find(account, target)
        if old is None:
            message = self._error_text(MISSING_ORDER_ERROR, self._market(request.coin).spec)
            return PlaceResult(OrderError(message, REJECTED), ())
        return self._place(account, request, time_ms, replacing=old)

    def cancel(self, user: str, coin: str, oid: int, time_ms: int) -> CancelResult:
        """Cancel by order id."""
        market = self._market(coin)
        account = self._account(user)
        order = account.open_orders.get(oid)
        return self._cancel_found(market, order, time_ms)

    def cancel_by_cloid(self, user: str, coin: str, cloid: str, time_ms: int) -> CancelResult:
        """Cancel by client order id."""
        market = self._market(coin)
        account = self._account(user)
        oid = account.cloids.get(cloid.lower())
        order = None if oid is None else account.open_orders.get(oid)
        return self._cancel_found(market, order, time_ms)

    def cancel_all(self, user: str, time_ms: int, coin: str | None = None) -> tuple[Event, ...]:
        """Cancel every open order of ``user`` (in ``coin`` only, if given)."""
        account = self._account(user)
        events: list[Event] = []
        for order in list(account.open_orders.values()):
            if coin is None or order.coin == coin:
                self._cancel_resting(order, CANCELED, time_ms, events)
        return tuple(events)

    def open_orders(self, user: str) -> tuple[OpenOrder, ...]:
        """The user's resting orders, oldest first."""
        views = []
        for order in self._account(user).open_orders.values():
            grid = self._markets[order.coin].grid
            views.append(
                OpenOrder(
                    coin=order.coin,
                    side=order.side,
                    limit_px=grid.units_to_px(order.px),
                    sz=grid.lots_to_sz(order.lots),
                    orig_sz=grid.lots_to_sz(order.orig_lots),
                    oid=order.oid,
                    timestamp=order.timestamp,
                    cloid=order.cloid,
                    reduce_only=order.reduce_only,
                    tif=str(order.tif),  # a StrEnum prints its value
                )
            )
        return tuple(views)

    def resting_orders(self, coin: str, *, include_house: bool = True) -> list[BookOrder]:
        """Every order resting in ``coin`` with its owner, in matching priority: bids best first,
        then asks best first, earlier first within a price (an order rests in the call that gives
        it its oid, so oid order is arrival order). Market models use it to track queues.
        """
        self._market(coin)
        orders = [
            order
            for account in self._accounts.values()
            if include_house or not account.is_house
            for order in account.open_orders.values()
            if order.coin == coin
        ]
        orders.sort(key=lambda o: (not o.is_buy, -o.px if o.is_buy else o.px, o.oid))
        return [BookOrder(o.user, o.oid, o.is_buy, o.px, o.lots, o.timestamp) for o in orders]

    def set_mark(self, coin: str, px: Decimal) -> None:
        """Set the mark price (the driver decides what it is, e.g. the mid or an oracle)."""
        if px <= 0:
            raise ValueError(f"mark price must be positive: {px}")
        self._market(coin).mark_px = px

    def mark_px(self, coin: str) -> Decimal | None:
        """The mark price, or None if never set."""
        return self._market(coin).mark_px

    def apply_funding(self, coin: str, rate: Decimal, time_ms: int) -> tuple[Funding, ...]:
        """Settle one funding interval: every position pays ``szi * mark * rate``.

        Longs pay shorts when ``rate`` > 0. Needs a mark price.
        """
        market = self._market(coin)
        mark = market.mark_px
        if mark is None:
            raise ValueError(f"no mark price for {coin}: set_mark before apply_funding")
        tx_hash = self._ids.hash()
        events = []
        for account in self._accounts.values():
            position = account.positions.get(coin)
            if position is None:
                continue
            usdc = -position.szi * mark * rate
            account.collateral += usdc
            account.funding[coin] = account.funding.get(coin, ZERO) + usdc
            event = Funding(account.address, time_ms, coin, usdc, position.szi, rate, tx_hash)
            events.append(event)
            if self._config.keep_history:
                self._fundings.setdefault(account.address, []).append(event)
        return tuple(events)

    def l2_book(self, coin: str, time_ms: int, depth: int = 20) -> L2Book:
        """Aggregated levels per side, best first, at most ``depth`` each."""
        market = self._market(coin)
        bids = tuple(map(market.level, market.book.bids.levels(depth)))
        asks = tuple(map(market.level, market.book.asks.levels(depth)))
        return L2Book(coin, time_ms, bids, asks)

    def bbo(self, coin: str, time_ms: int) -> Bbo:
        """Best bid and ask levels (None for an empty side)."""
        book = self.l2_book(coin, time_ms, depth=1)
        return Bbo(
            coin, time_ms, book.bids[0] if book.bids else None, book.asks[0] if book.asks else None
        )

    def user_fills(self, user: str) -> tuple[Fill, ...]:
        """Every fill of ``user`` so far, oldest first (empty if history is off)."""
        return tuple(self._fills.get(user.lower(), ()))

    def user_funding(self, user: str) -> tuple[Funding, ...]:
        """Every funding payment of ``user`` so far, oldest first (empty if history is off)."""
        return tuple(self._fundings.get(user.lower(), ()))

    def account_view(self, user: str, time_ms: int) -> AccountView:
        """Margin summary and positions, valued at reference prices."""
        account = self._account(user)
        views = []
        total_ntl = ZERO
        margin_used = ZERO
        signed_value = ZERO
        for coin, position in account.positions.items():
            market = self._markets[coin]
            ref = self._ref_px(market, position)
            leverage = self._leverage(account, market)
            value = position.notional(ref)
            used = _DIVISION.divide(value, leverage)
            total_ntl += value
            margin_used += used
            signed_value += position.szi * ref
            views.append(
                PositionView(
                    coin=coin,
                    szi=position.szi,
                    entry_px=position.entry_px,
                    position_value=value,
                    unrealized_pnl=position.unrealized_pnl(ref),
                    leverage=leverage,
                    max_leverage=market.spec.max_leverage,
                    margin_used=used,
                    funding_received=account.funding.get(coin, ZERO),
                )
            )
        value = self._value(account)
        return AccountView(
            user=account.address,
            time=time_ms,
            collateral=account.collateral,
            raw_usd=value - signed_value,
            account_value=value,
            total_ntl_pos=total_ntl,
            margin_used=margin_used,
            withdrawable=max(ZERO, value - self._initial_margin(account)),
            positions=tuple(views),
        )

    def _market(self, coin: str) -> _Market:
        market = self._markets.get(coin)
        if market is None:
            raise KeyError(f"unknown market {coin!r}")
        return market

    def _account(self, user: str) -> Account:
        address = user.lower()
        account = self._accounts.get(address)
        if account is None:
            is_house = address in self._house
            start = ZERO if is_house else self._config.starting_collateral
            account = Account(address, start, is_house=is_house, deposits=start)
            self._accounts[address] = account
        return account

    def _leverage(self, account: Account, market: _Market) -> int:
        default = min(self._config.default_leverage, market.spec.max_leverage)
        return account.leverage.get(market.spec.coin, default)

    def _error_text(self, message: str, spec: MarketSpec) -> str:
        if self._config.append_asset_suffix:
            return f"{message} asset={spec.asset}"
        return message

    def _error(self, message: str, status: str, spec: MarketSpec) -> OrderError:
        return OrderError(self._error_text(message, spec), status)

    @staticmethod
    def _find(account: Account, target: int | str) -> RestingOrder | None:
        if isinstance(target, str):
            oid = account.cloids.get(target.lower())
            return None if oid is None else account.open_orders.get(oid)
        return account.open_orders.get(target)

    def _place(
        self,
        account: Account,
        request: OrderRequest,
        time_ms: int,
        replacing: RestingOrder | None,
    ) -> PlaceResult:
        market = self._market(request.coin)
        oid = self._ids.oid()
        error = self._check_format(market, request)
        if error is not None:
            update = self._request_update(account, request, oid, time_ms, error.status)
            return PlaceResult(error, (update,))
        px, lots = market.grid.px_to_units(request.px), market.grid.sz_to_lots(request.sz)
        order = RestingOrder.new(
            oid,
            account.address,
            request.coin,
            request.is_buy,
            px,
            lots,
            request.tif,
            request.reduce_only,
            request.cloid,
            time_ms,
        )
        return self._submit(account, market, order, time_ms, replacing, request)

    def _submit(
        self,
        account: Account,
        market: _Market,
        order: RestingOrder,
        time_ms: int,
        replacing: RestingOrder | None,
        request: OrderRequest | None,
    ) -> PlaceResult:
        """Check a well-formed order against the account and book rules, then match and rest it.

        A rejection reports the order as requested: with ``request``'s own Decimals, else (an
        order given in units, never reduce-only, so never clipped) as it came.
        """
        error = self._check_rules(account, market, order, replacing)
        if error is not None:
            if request is None:
                update = self._update(order, error.status, time_ms)
            else:
                update = self._request_update(account, request, order.oid, time_ms, error.status)
            return PlaceResult(error, (update,))
        events: list[Event] = []
        if replacing is not None:
            self._cancel_resting(replacing, CANCELED, time_ms, events)
        filled = self._match(market, order, self._ids.hash_index(), time_ms, events)
        status = self._finish(market, order, *filled, time_ms, events)
        return PlaceResult(status, tuple(events))

    def _check_format(self, market: _Market, request: OrderRequest) -> OrderError | None:
        spec = market.spec
        if not is_valid_price(request.px, spec.sz_decimals):
            return self._error(TICK_ERROR, TICK_REJECTED, spec)
        if not is_valid_size(request.sz, spec.sz_decimals):
            return self._error(INVALID_SIZE_ERROR, REJECTED, spec)
        if not meets_min_value(request.px, request.sz):
            return self._error(MIN_NOTIONAL_ERROR, MIN_TRADE_NTL_REJECTED, spec)
        return None

    def _check_rules(
        self,
        account: Account,
        market: _Market,
        order: RestingOrder,
        replacing: RestingOrder | None,
    ) -> OrderError | None:
        """Account and book rules; may clip ``order.lots`` for reduce-only."""
        spec = market.spec
        if order.cloid is not None:
            holder = account.cloids.get(order.cloid)
            if holder is not None and (replacing is None or holder != replacing.oid):
                return self._error(DUPLICATE_CLOID_ERROR, REJECTED, spec)
        open_count = len(account.open_orders) - (replacing is not None)
        if not account.is_house and open_count >= self._config.max_open_orders:
            return self._error(TOO_MANY_ORDERS_ERROR, REJECTED, spec)
        if order.reduce_only:
            capacity = self._reduce_only_capacity(account, market, is_buy=order.is_buy)
            if capacity == 0:
                return self._error(REDUCE_ONLY_ERROR, REDUCE_ONLY_REJECTED, spec)
            order.lots = order.orig_lots = min(order.lots, capacity)
        if order.tif is Tif.ALO and market.book.crosses(is_buy=order.is_buy, px=order.px):
            bid = market.book.bids.best_price()
            ask = market.book.asks.best_price()
            message = bad_alo_px_error(
                None if bid is None else market.grid.units_to_px(bid),
                None if ask is None else market.grid.units_to_px(ask),
            )
            return self._error(message, BAD_ALO_PX_REJECTED, spec)
        if not account.is_house and not accepts(
            required_after=self._initial_margin(account, adding=order, removing=replacing),
            required_before=self._initial_margin(account),
            account_value=self._value(account),
        ):
            return self._error(MARGIN_ERROR, PERP_MARGIN_REJECTED, spec)
        return None

    def _finish(
        self,
        market: _Market,
        order: RestingOrder,
        filled_lots: int,
        filled_notional: int,
        time_ms: int,
        events: list[Event],
    ) -> Filled | Resting | OrderError:
        """Rest, cancel or complete the taker after matching, and say so."""
        if order.lots > 0 and order.tif is not Tif.IOC:
            self._rest(market, order)
            events.append(self._update(order, OPEN, time_ms))
            return Resting(order.oid, order.cloid)
        if filled_lots == 0:
            events.append(self._update(order, IOC_CANCEL_REJECTED, time_ms))
            return self._error(IOC_CANCEL_ERROR, IOC_CANCEL_REJECTED, market.spec)
        events.append(self._update(order, FILLED if order.lots == 0 else CANCELED, time_ms))
        grid = market.grid
        avg_px = _DIVISION.divide(notional_to_usdc(filled_notional), grid.lots_to_sz(filled_lots))
        return Filled(grid.lots_to_sz(filled_lots), avg_px.normalize(), order.oid, order.cloid)

    def _match(
        self,
        market: _Market,
        taker: RestingOrder,
        tx_index: int,
        time_ms: int,
        events: list[Event],
    ) -> tuple[int, int]:
        """Trade ``taker`` against the book in price-time priority; returns (lots, notional).

        ``tx_index`` is the order's transaction hash, taken but only written out on a trade.
        """
        opposite = market.book.opposite(is_buy=taker.is_buy)
        tx_hash: str | None = None
        filled_lots = 0
        filled_notional = 0
        while taker.lots > 0:
            maker = opposite.first_order()
            if maker is None or (maker.px > taker.px if taker.is_buy else maker.px < taker.px):
                break
            if maker.user == taker.user:
                self._cancel_resting(maker, SELF_TRADE_CANCELED, time_ms, events)
                continue
            maker_account = self._accounts[maker.user]
            lots = min(taker.lots, maker.lots)
            if maker.reduce_only:
                capacity = self._reduce_only_capacity(maker_account, market, is_buy=maker.is_buy)
                if capacity == 0:
                    self._cancel_resting(maker, REDUCE_ONLY_CANCELED, time_ms, events)
                    continue
                lots = min(lots, capacity)
            if tx_hash is None:
                tx_hash = self._ids.hash_of(tx_index)
            self._trade(market, taker, maker, lots, tx_hash, time_ms, events)
            filled_lots += lots
            filled_notional += lots * maker.px
        return filled_lots, filled_notional

    def _trade(
        self,
        market: _Market,
        taker: RestingOrder,
        maker: RestingOrder,
        lots: int,
        tx_hash: str,
        time_ms: int,
        events: list[Event],
    ) -> None:
        grid = market.grid
        tid = self._ids.tid()
        px = grid.units_to_px(maker.px)
        sz = grid.lots_to_sz(lots)
        buyer, seller = (taker.user, maker.user) if taker.is_buy else (maker.user, taker.user)
        events.append(
            Trade(market.spec.coin, taker.side, px, sz, time_ms, tx_hash, tid, buyer, seller)
        )
        taker_account = self._accounts[taker.user]
        maker_account = self._accounts[maker.user]
        taker.lots -= lots
        events.append(self._fill(taker_account, market, taker, px, sz, True, tx_hash, tid, time_ms))
        market.book.side(is_buy=maker.is_buy).trade(maker, lots)
        maker_account.revision += 1
        maker_account.exposure(maker.coin).remove(maker, lots)
        events.append(
            self._fill(maker_account, market, maker, px, sz, False, tx_hash, tid, time_ms)
        )
        market.last_trade_px = px
        if maker.lots == 0:
            self._unrest(maker)
            events.append(self._update(maker, FILLED, time_ms))
        self._sweep_reduce_only(maker_account, market, time_ms, events)
        self._sweep_reduce_only(taker_account, market, time_ms, events)

    def _fill(
        self,
        account: Account,
        market: _Market,
        order: RestingOrder,
        px: Decimal,
        sz: Decimal,
        crossed: bool,
        tx_hash: str,
        tid: int,
        time_ms: int,
    ) -> Fill:
        """Book one side of a trade into ``account`` and describe it."""
        coin = market.spec.coin
        start = account.position(coin)
        effect = apply_fill(start, is_buy=order.is_buy, px=px, sz=sz)
        fee = (
            ZERO
            if account.is_house
            else self._config.fees.fee(
                px * sz, is_maker=not crossed, fee_scale=market.spec.fee_scale
            )
        )
        account.collateral += effect.closed_pnl - fee
        account.fees_paid += fee
        account.closed_pnl += effect.closed_pnl
        if effect.position.szi == 0:
            account.positions.pop(coin, None)
        else:
            account.positions[coin] = effect.position
        fill = Fill(
            user=account.address,
            coin=coin,
            px=px,
            sz=sz,
            side=order.side,
            time=time_ms,
            start_position=start.szi,
            dir=effect.direction,
            closed_pnl=effect.closed_pnl,
            hash=tx_hash,
            oid=order.oid,
            crossed=crossed,
            fee=fee,
            tid=tid,
            cloid=order.cloid,
        )
        if self._config.keep_history:
            self._fills.setdefault(account.address, []).append(fill)
        return fill

    def _reduce_only_capacity(self, account: Account, market: _Market, *, is_buy: bool) -> int:
        """Lots a reduce-only order on this side may still trade (0 if it would not reduce)."""
        szi = account.position(market.spec.coin).szi
        if szi == 0 or (szi > 0) == is_buy:
            return 0
        return market.grid.sz_to_lots(abs(szi))

    def _sweep_reduce_only(
        self, account: Account, market: _Market, time_ms: int, events: list[Event]
    ) -> None:
        """Cancel resting reduce-only orders that can no longer reduce anything."""
        exposure = account.exposures.get(market.spec.coin)
        if exposure is None or exposure.reduce_only_orders == 0:
            return
        for order in list(account.open_orders.values()):
            if order.coin != market.spec.coin or not order.reduce_only:
                continue
            if self._reduce_only_capacity(account, market, is_buy=order.is_buy) == 0:
                self._cancel_resting(order, REDUCE_ONLY_CANCELED, time_ms, events)

    def _rest(self, market: _Market, order: RestingOrder) -> None:
        account = self._accounts[order.user]
        market.book.add(order)
        account.open_orders[order.oid] = order
        if order.cloid is not None:
            account.cloids[order.cloid] = order.oid
        exposure = account.exposure(order.coin)
        exposure.add(order, order.lots)
        exposure.reduce_only_orders += order.reduce_only

    def _unrest(self, order: RestingOrder) -> None:
        account = self._accounts[order.user]
        account.revision += 1
        self._markets[order.coin].book.remove(order)
        del account.open_orders[order.oid]
        if order.cloid is not None:
            del account.cloids[order.cloid]
        exposure = account.exposure(order.coin)
        exposure.remove(order, order.lots)
        exposure.reduce_only_orders -= order.reduce_only

    def _cancel_resting(
        self, order: RestingOrder, status: str, time_ms: int, events: list[Event]
    ) -> None:
        self._unrest(order)
        events.append(self._update(order, status, time_ms))

    def _cancel_found(
        self, market: _Market, order: RestingOrder | None, time_ms: int
    ) -> CancelResult:
        if order is None or order.coin != market.spec.coin:
            return CancelResult(self._error_text(MISSING_ORDER_ERROR, market.spec), ())
        events: list[Event] = []
        self._cancel_resting(order, CANCELED, time_ms, events)
        return CancelResult(None, tuple(events))

    def _update(self, order: RestingOrder, status: str, time_ms: int) -> OrderUpdate:
        grid = self._markets[order.coin].grid
        sz = grid.lots_to_sz(order.lots)
        return OrderUpdate(
            user=order.user,
            coin=order.coin,
            side=order.side,
            limit_px=grid.units_to_px(order.px),
            sz=sz,
            orig_sz=sz if order.orig_lots == order.lots else grid.lots_to_sz(order.orig_lots),
            oid=order.oid,
            timestamp=order.timestamp,
            status=status,
            status_timestamp=time_ms,
            cloid=order.cloid,
            reduce_only=order.reduce_only,
            tif=str(order.tif),  # a StrEnum prints its value
        )

    @staticmethod
    def _request_update(
        account: Account, request: OrderRequest, oid: int, time_ms: int, status: str
    ) -> OrderUpdate:
        return OrderUpdate(
            user=account.address,
            coin=request.coin,
            side=request.side,
            limit_px=request.px,
            sz=request.sz,
            orig_sz=request.sz,
            oid=oid,
            timestamp=time_ms,
            status=status,
            status_timestamp=time_ms,
            cloid=request.cloid,
            reduce_only=request.reduce_only,
            tif=request.tif.value,
        )

    @staticmethod
    def _ref_px(market: _Market, position: Position) -> Decimal:
        ref = market.ref_px
        return position.entry_px if ref is None else ref

    def _value(self, account: Account) -> Decimal:
        value = account.collateral
        for coin, position in account.positions.items():
            value += position.unrealized_pnl(self._ref_px(self._markets[coin], position))
        return value

    def _initial_margin(
        self,
        account: Account,
        *,
        adding: RestingOrder | None = None,
        removing: RestingOrder | None = None,
    ) -> Decimal:
        """Total initial margin, optionally as if ``adding`` rested and ``removing`` did not."""
        coins = dict.fromkeys([*account.positions, *account.exposures])
        if adding is not None:
            coins[adding.coin] = None
        total = ZERO
        for coin in coins:
            market = self._markets[coin]
            current = account.exposures.get(coin, Exposure())
            exposure = Exposure(
                current.buy_lots, current.sell_lots, current.buy_notional, current.sell_notional
            )
            if removing is not None and removing.coin == coin:
                exposure.remove(removing, removing.lots)
            if adding is not None and adding.coin == coin:
                exposure.add(adding, adding.lots)
            grid = market.grid
            total += market_initial_margin(
                szi=account.position(coin).szi,
                buy_sz=grid.lots_to_sz(exposure.buy_lots),
                sell_sz=grid.lots_to_sz(exposure.sell_lots),
                buy_notional=notional_to_usdc(exposure.buy_notional),
                sell_notional=notional_to_usdc(exposure.sell_notional),
                ref_px=market.ref_px,
                leverage=self._leverage(account, market),
            )
        return total
