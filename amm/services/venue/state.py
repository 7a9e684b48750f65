"""The paper venue's pure core: markets, accounts and everything Hyperliquid adds around matching.

No sockets and no clock: every method takes ``now_ms`` (simulated epoch milliseconds), so unit
tests and the HTTP shell drive it the same way. ``VenueState`` owns a ``MatchingEngine`` built from
``VenueConfig.markets`` and adds what the exchange does outside the book: asset ids, accounts
created (with ``starting_collateral``) the first time an address signs, nonces, ``expiresAfter``,
the address rate limit, the dead-man switch (``scheduleCancel``), hourly funding, order status
history for ``orderStatus`` and the per-market statistics of ``activeAssetCtx``.

Asset ids are those the SDK computes (``Info.__init__`` / ``name_to_asset``): main-dex markets
are their index in ``meta(dex="")``'s universe; builder dex number i (1-based, its position in
``perpDexs`` after the leading null) starts at ``110000 + (i - 1) * 10000``. Builder dexes are
numbered in the order their first market appears in the config.

Listener contract (for the websocket hub)::

    state.add_listener(callback)      # callback(events: Sequence[VenueEvent]) -> None

``callback`` is called synchronously, after the state has changed, once per batch: one batch per
exchange action and one per ``advance`` that changed anything (never an empty batch). The events
are in the order they happened and are of these types, each with ``to_wire()``:

- ``OrderUpdate`` (``orderUpdates``; status "open", "filled", "canceled", "rejected" kinds,
  "scheduledCancel", "reduceOnlyCanceled", "selfTradeCanceled", ...), ``user`` is the owner;
- ``Fill`` (``userFills``), ``user`` is the owner; ``Trade`` (``trades``), public;
- ``Funding`` (``userFundings``), ``user`` is the payer/receiver;
- ``NonUserCancel`` (the ``user`` channel's ``{"nonUserCancel": [...]}`` element), one per order
  the venue cancelled on the user's behalf (the dead-man switch).

Listeners run on the caller's thread (the event loop in the service): they must be quick (queue,
do not send) and must not raise.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

import msgspec

from amm.common.config import VenueConfig
from amm.common.hyperliquid.rules import MarketSpec, decimal_to_wire
from amm.common.sim import (
    CancelResult,
    EngineConfig,
    Event,
    Fill,
    Funding,
    MatchingEngine,
    OrderError,
    OrderRequest,
    OrderStatus,
    OrderUpdate,
    Trade,
)
from amm.common.sim.events import CANCELED, OPEN, REJECTED
from amm.common.sim.market.base import MarketModel
from amm.common.sim.market.house import HOUSE_ACCOUNTS
from amm.common.sim.positions import ZERO

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
BUILDER_DEX_FIRST_ASSET = 110_000
BUILDER_DEX_STRIDE = 10_000
NONCES_KEPT = 100
NONCE_PAST_MS = 2 * DAY_MS
NONCE_FUTURE_MS = DAY_MS
SCHEDULE_MIN_LEAD_MS = 5_000
SCHEDULE_MAX_TRIGGERS_PER_DAY = 10
RATE_LIMIT_BASE = 10_000
RATE_LIMIT_CANCEL_EXTRA = 100_000
EXPIRED_WEIGHT_FACTOR = 5
SCHEDULED_CANCEL = "scheduledCancel"

# Hyperliquid's words as quoted from live answers in public SDKs and their tests (not in its docs).
DUPLICATE_NONCE_ERROR = "Invalid nonce: duplicate nonce {nonce}"
NONCE_TOO_LOW_ERROR = "Invalid nonce: nonce too low {nonce} < {bound}"
NONCE_TOO_HIGH_ERROR = "Invalid nonce: nonce too high {nonce} > {bound}"
SCHEDULE_TOO_EARLY_ERROR = "Scheduled cancel time too early, must be at least 5 seconds from now."
RATE_LIMIT_ERROR = (
    "Too many cumulative requests sent ({used} > {cap}) for cumulative volume traded ${volume}."
    " Place taker orders to free up 1 request per USDC traded."
)
MODIFY_MISSING_ERROR = "Cannot modify canceled or filled order"
# Unconfirmed: the expiry text is inferred from client code that matches on it; the others are ours.
EXPIRED_ERROR = "Action already expired."
SCHEDULE_TOO_MANY_ERROR = "Too many scheduled cancel triggers today."
ISOLATED_ERROR = "Isolated margin is not supported by the paper venue."

_DIVISION = Context(prec=34)
_RATE_QUANTUM = Decimal("1e-8")
_INTEREST_8H = Decimal("0.0001")
_INTEREST_CLAMP = Decimal("0.0005")
_MAX_HOURLY_RATE = Decimal("0.04")
_IMPACT_NOTIONAL_MAJOR = Decimal(20_000)
_IMPACT_NOTIONAL = Decimal(6_000)
_IMPACT_DEPTH = 1_000


@dataclass(frozen=True, slots=True)
class NonUserCancel:
    """An order the venue cancelled for the user (dead-man switch): the ``user`` channel notice."""

    user: str
    coin: str
    oid: int
    time: int

    def to_wire(self) -> dict[str, Any]:
        """The element of ``{"nonUserCancel": [...]}``."""
        return {"coin": self.coin, "oid": self.oid}


VenueEvent = Event | NonUserCancel
Listener = Callable[[Sequence[VenueEvent]], None]


@dataclass(frozen=True, slots=True)
class Listing:
    """One listed market: its spec (with the SDK's asset id), dex and starting price."""

    spec: MarketSpec
    dex: str
    start_px: Decimal

    @property
    def coin(self) -> str:
        """The market name as the API spells it."""
        return self.spec.coin


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The ``userRateLimit`` figures of one address."""

    cum_vlm: Decimal
    n_requests_used: int

    @property
    def n_requests_cap(self) -> int:
        """10000 requests plus one per USDC traded, like Hyperliquid."""
        return RATE_LIMIT_BASE + int(self.cum_vlm)

    def to_wire(self) -> dict[str, Any]:
        """The ``userRateLimit`` response."""
        return {
            "cumVlm": decimal_to_wire(self.cum_vlm),
            "nRequestsUsed": self.n_requests_used,
            "nRequestsCap": self.n_requests_cap,
            "nRequestsSurplus": 0,
        }


def list_markets(config: VenueConfig) -> tuple[Listing, ...]:
    """The config's markets with the asset ids the SDK computes for them."""
    builder_dexes: list[str] = []
    per_dex: dict[str, int] = {}
    listings = []
    for market in config.markets:
        dex = market.coin.split(":", 1)[0] if ":" in market.coin else ""
        if dex and dex not in builder_dexes:
            builder_dexes.append(dex)
        index = per_dex.get(dex, 0)
        per_dex[dex] = index + 1
        offset = (
            BUILDER_DEX_FIRST_ASSET + builder_dexes.index(dex) * BUILDER_DEX_STRIDE if dex else 0
        )
        spec = MarketSpec(
            coin=market.coin,
            sz_decimals=market.sz_decimals,
            max_leverage=market.max_leverage,
            asset=offset + index,
            fee_scale=Decimal(str(market.fee_scale)),
        )
        listings.append(Listing(spec, dex, Decimal(str(market.start_px))))
    return tuple(listings)


class NonceBook:
    """Hyperliquid's nonce rules, per signer.

    A nonce must be inside (now - 2 days, now + 1 day), never used before, and, once 100 are
    stored, larger than the smallest of the signer's 100 highest.
    """

    def __init__(self) -> None:
        self._highest: dict[str, list[int]] = {}
        self._used: dict[str, set[int]] = {}

    def check(self, signer: str, nonce: int, now_ms: int) -> str | None:
        """The error text for ``nonce``, or None if it may be used."""
        lowest, highest = now_ms - NONCE_PAST_MS, now_ms + NONCE_FUTURE_MS
        if nonce <= lowest:
            return NONCE_TOO_LOW_ERROR.format(nonce=nonce, bound=lowest)
        if nonce >= highest:
            return NONCE_TOO_HIGH_ERROR.format(nonce=nonce, bound=highest)
        if nonce in self._used.get(signer, ()):
            return DUPLICATE_NONCE_ERROR.format(nonce=nonce)
        kept = self._highest.get(signer, [])
        if len(kept) >= NONCES_KEPT and nonce < kept[0]:
            return NONCE_TOO_LOW_ERROR.format(nonce=nonce, bound=kept[0])
        return None

    def use(self, signer: str, nonce: int) -> None:
        """Store ``nonce`` (checked first) and forget the lowest beyond the 100 kept."""
        kept = self._highest.setdefault(signer, [])
        used = self._used.setdefault(signer, set())
        heapq.heappush(kept, nonce)
        used.add(nonce)
        if len(kept) > NONCES_KEPT:
            used.discard(heapq.heappop(kept))


@dataclass(slots=True)
class _DeadMan:
    """One user's dead-man switch: the armed time and the triggers counted on a UTC day."""

    at_ms: int | None = None
    day: int = -1
    triggers: int = 0

    def triggers_on(self, day: int) -> int:
        return self.triggers if self.day == day else 0


@dataclass(slots=True)
class _DayVolume:
    """Trades of one market over the last 24 hours (running sums)."""

    trades: deque[tuple[int, Decimal, Decimal]] = field(default_factory=deque)
    notional: Decimal = ZERO
    base: Decimal = ZERO

    def add(self, time_ms: int, px: Decimal, sz: Decimal) -> None:
        self.trades.append((time_ms, px * sz, sz))
        self.notional += px * sz
        self.base += sz

    def roll(self, now_ms: int) -> None:
        while self.trades and self.trades[0][0] <= now_ms - DAY_MS:
            _, notional, base = self.trades.popleft()
            self.notional -= notional
            self.base -= base


class VenueState:
    """A simulated Hyperliquid: engine, accounts, nonces, dead-man switch, funding, history."""

    def __init__(
        self, config: VenueConfig, model: MarketModel | None = None, *, first_id: int = 1
    ) -> None:
        self._model = model
        self._listings = {listing.coin: listing for listing in list_markets(config)}
        self._by_asset = {listing.spec.asset: listing.coin for listing in self._listings.values()}
        self.engine = MatchingEngine(
            [listing.spec for listing in self._listings.values()],
            EngineConfig(
                starting_collateral=Decimal(str(config.starting_collateral)),
                house_addresses=HOUSE_ACCOUNTS,
                first_id=first_id,
                namespace=f"amm-venue-{first_id}",
            ),
        )
        for listing in self._listings.values():
            self.engine.set_mark(listing.coin, listing.start_px)
        self._house = frozenset(HOUSE_ACCOUNTS)
        self._known: set[str] = set()
        self._listeners: list[Listener] = []
        self._nonces = NonceBook()
        self._requests: dict[str, int] = {}
        self._volume: dict[str, Decimal] = {}
        self._dead_men: dict[str, _DeadMan] = {}
        self._orders: dict[tuple[str, int], OrderUpdate] = {}
        self._cloids: dict[tuple[str, str], int] = {}
        self._day_volume = {coin: _DayVolume() for coin in self._listings}
        self._prev_day_px = {coin: lst.start_px for coin, lst in self._listings.items()}
        self._funding_interval_ms = max(1, round(config.funding_interval_s * 1000))
        self._next_funding_ms: int | None = None
        self._now_ms: int | None = None

    # ---- markets -------------------------------------------------------------------------

    def coins(self) -> tuple[str, ...]:
        """Every listed market, in config order."""
        return tuple(self._listings)

    def listings(self, dex: str | None = None) -> tuple[Listing, ...]:
        """The listed markets (of one dex, if given), in asset order."""
        return tuple(lst for lst in self._listings.values() if dex is None or lst.dex == dex)

    def dexes(self) -> tuple[str, ...]:
        """The builder dexes, in ``perpDexs`` order (the main dex "" is not included)."""
        return tuple(dict.fromkeys(lst.dex for lst in self._listings.values() if lst.dex))

    def dex_of(self, coin: str) -> str:
        """The dex a listed coin trades on ("" for the main dex)."""
        return self._listings[coin].dex

    def asset_of(self, coin: str) -> int:
        """The asset id the SDK uses for ``coin``."""
        return self._listings[coin].spec.asset

    def coin_of_asset(self, asset: int) -> str | None:
        """The coin with asset id ``asset``, or None."""
        return self._by_asset.get(asset)

    # ---- listeners and time --------------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(events)`` with every batch of events (see the module docstring)."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        """Stop calling ``callback``."""
        self._listeners.remove(callback)

    def next_wakeup_ms(self) -> int | None:
        """When ``advance`` next has something to do (model step, dead-man switch, funding)."""
        times = [d.at_ms for d in self._dead_men.values() if d.at_ms is not None]
        if self._next_funding_ms is not None:
            times.append(self._next_funding_ms)
        if self._model is not None:
            times.append(self._model.next_wakeup_ms())
        return min(times, default=None)

    def advance(self, now_ms: int) -> tuple[VenueEvent, ...]:
        """Move the venue to ``now_ms``: the market model, due dead-man switches and funding.

        Timers fire in time order, with the model advanced to each timer's time first. Time never
        goes back: an earlier ``now_ms`` than before is treated as the latest seen.
        """
        if self._now_ms is not None:
            now_ms = max(now_ms, self._now_ms)
        if self._next_funding_ms is None:
            self._next_funding_ms = (now_ms // self._funding_interval_ms + 1) * (
                self._funding_interval_ms
            )
        self._roll_day(now_ms)
        self._now_ms = now_ms
        events: list[VenueEvent] = []
        while (timer := self._due_timer(now_ms)) is not None:
            at_ms, user = timer
            events.extend(self._run_model(at_ms))
            if user is None:
                events.extend(self._fund(at_ms))
            else:
                events.extend(self._fire_dead_man(user, at_ms))
        events.extend(self._run_model(now_ms))
        self._emit(events)
        return tuple(events)

    # ---- admission -----------------------------------------------------------------------

    def is_known(self, user: str) -> bool:
        """True once ``user`` has signed something."""
        return user.lower() in self._known

    def admit(
        self,
        signer: str,
        nonce: int,
        expires_after: int | None,
        now_ms: int,
        *,
        weight: int = 1,
        is_cancel: bool = False,
        wall_ms: int | None = None,
    ) -> str | None:
        """Admit one signed action: the error text, or None (and the nonce is used).

        Nonces and ``expiresAfter`` are the signer's wall-clock milliseconds, so they are
        checked against ``wall_ms`` (default ``now_ms``): with ``--speed`` above 1 the venue's
        clock runs ahead of every client's.

        The signer becomes an account (with the starting collateral) the first time it signs.
        Checks, in order: ``expiresAfter`` (an expired action costs 5x its weight), the nonce
        rules, the address rate limit (cancels get min(cap + 100000, 2 * cap)).
        """
        self.advance(now_ms)
        signer = signer.lower()
        if signer not in self._known:
            self._known.add(signer)
            self.engine.account(signer)
        client_ms = now_ms if wall_ms is None else wall_ms
        if expires_after is not None and expires_after < client_ms:
            self._requests[signer] = self._requests.get(signer, 0) + EXPIRED_WEIGHT_FACTOR * weight
            return EXPIRED_ERROR
        error = self._nonces.check(signer, nonce, client_ms)
        if error is not None:
            return error
        limit = self.rate_limit(signer)
        cap = limit.n_requests_cap
        if is_cancel:
            cap = min(cap + RATE_LIMIT_CANCEL_EXTRA, 2 * cap)
        if limit.n_requests_used + weight > cap:
            return RATE_LIMIT_ERROR.format(
                used=limit.n_requests_used + weight,
                cap=cap,
                volume=decimal_to_wire(limit.cum_vlm),
            )
        self._nonces.use(signer, nonce)
        self._requests[signer] = limit.n_requests_used + weight
        return None

    def rate_limit(self, user: str) -> RateLimit:
        """Traded volume and requests counted so far."""
        user = user.lower()
        return RateLimit(self._volume.get(user, ZERO), self._requests.get(user, 0))

    # ---- actions (the signer is already admitted) ----------------------------------------

    def place(self, user: str, requests: Sequence[OrderRequest], now_ms: int) -> list[OrderStatus]:
        """Place orders in sequence; one status per order and one batch of events."""
        self.advance(now_ms)
        statuses = []
        events: list[VenueEvent] = []
        for request in requests:
            result = self.engine.place_order(user, request, now_ms)
            statuses.append(result.status)
            events.extend(result.events)
        self._emit(events)
        return statuses

    def cancel(
        self, user: str, targets: Sequence[tuple[str, int | str]], now_ms: int
    ) -> list[CancelResult]:
        """Cancel (coin, oid) or (coin, cloid) pairs; one result per target."""
        self.advance(now_ms)
        results = []
        for coin, target in targets:
            if isinstance(target, str):
                result = self.engine.cancel_by_cloid(user, coin, target, now_ms)
            else:
                result = self.engine.cancel(user, coin, target, now_ms)
            results.append(result)
        self._emit([event for result in results for event in result.events])
        return results

    def modify(
        self, user: str, modifies: Sequence[tuple[int | str, OrderRequest]], now_ms: int
    ) -> list[OrderStatus]:
        """Replace open orders (by oid or cloid); a missing target is an error, not a placement.

        Engine semantics: a rejected replacement leaves the old order untouched.
        """
        self.advance(now_ms)
        statuses: list[OrderStatus] = []
        events: list[VenueEvent] = []
        for target, request in modifies:
            if not self._is_open(user, target):
                statuses.append(OrderError(MODIFY_MISSING_ERROR, REJECTED))
                continue
            result = self.engine.modify(user, target, request, now_ms)
            statuses.append(result.status)
            events.extend(result.events)
        self._emit(events)
        return statuses

    def schedule_cancel(self, user: str, time_ms: int | None, now_ms: int) -> str | None:
        """Arm (or, with None, disarm) the dead-man switch; the error text, or None."""
        self.advance(now_ms)
        dead_man = self._dead_men.setdefault(user.lower(), _DeadMan())
        if time_ms is None:
            dead_man.at_ms = None
            return None
        if time_ms < now_ms + SCHEDULE_MIN_LEAD_MS:
            return SCHEDULE_TOO_EARLY_ERROR
        if dead_man.triggers_on(now_ms // DAY_MS) >= SCHEDULE_MAX_TRIGGERS_PER_DAY:
            return SCHEDULE_TOO_MANY_ERROR
        dead_man.at_ms = time_ms
        return None

    def scheduled_cancel_ms(self, user: str) -> int | None:
        """The armed dead-man time of ``user``, if any."""
        dead_man = self._dead_men.get(user.lower())
        return None if dead_man is None else dead_man.at_ms

    def update_leverage(
        self, user: str, coin: str, leverage: int, now_ms: int, *, is_cross: bool = True
    ) -> str | None:
        """Set cross leverage; the error text, or None."""
        self.advance(now_ms)
        if not is_cross:
            return ISOLATED_ERROR
        return self.engine.update_leverage(user, coin, leverage)

    # ---- queries -------------------------------------------------------------------------

    def order_status(self, user: str, target: int | str) -> OrderUpdate | None:
        """The latest status of an order by oid or cloid; an open order shows its remaining sz."""
        user = user.lower()
        oid = self._cloids.get((user, target.lower())) if isinstance(target, str) else target
        if oid is None:
            return None
        update = self._orders.get((user, oid))
        if update is None or update.status != OPEN:
            return update
        live = next((o for o in self.engine.open_orders(user) if o.oid == oid), None)
        return update if live is None else msgspec.structs.replace(update, sz=live.sz)

    def user_fills(self, user: str) -> tuple[Fill, ...]:
        """Every fill of ``user``, oldest first."""
        return self.engine.user_fills(user)

    def user_funding(self, user: str) -> tuple[Funding, ...]:
        """Every funding payment of ``user``, oldest first."""
        return self.engine.user_funding(user)

    def funding_rate(self, coin: str, now_ms: int) -> Decimal:
        """The rate the next funding settlement would use, per funding interval.

        Hyperliquid's formula with the instantaneous premium: over 8 hours
        ``premium + clamp(0.01% - premium, -0.05%, 0.05%)``, scaled to the interval and capped at
        4% per hour. Premium is (mid - oracle) / oracle; the oracle is the mark here.
        """
        premium = self._premium(coin, now_ms) or ZERO
        eight_hours = premium + min(max(_INTEREST_8H - premium, -_INTEREST_CLAMP), _INTEREST_CLAMP)
        rate = _DIVISION.divide(eight_hours * self._funding_interval_ms, 8 * HOUR_MS)
        cap = _DIVISION.divide(_MAX_HOURLY_RATE * self._funding_interval_ms, HOUR_MS)
        return min(max(rate, -cap), cap).quantize(_RATE_QUANTUM).normalize()

    def asset_ctx(self, coin: str, now_ms: int) -> dict[str, Any]:
        """The perp asset context of ``coin`` as ``metaAndAssetCtxs``/``activeAssetCtx`` show it.

        The oracle price is the mark (the market model sets it); ``prevDayPx`` is the mark at the
        latest UTC midnight the venue lived through (the start price before that).
        """
        mark = self.engine.mark_px(coin)
        assert mark is not None
        mid = self._mid(coin, now_ms)
        premium = self._premium(coin, now_ms)
        volume = self._day_volume[coin]
        volume.roll(now_ms)
        impact = self._impact_pxs(coin, now_ms)
        return {
            "funding": decimal_to_wire(self.funding_rate(coin, now_ms)),
            "openInterest": decimal_to_wire(self._open_interest(coin)),
            "prevDayPx": decimal_to_wire(self._prev_day_px[coin]),
            "dayNtlVlm": decimal_to_wire(volume.notional),
            "premium": None if premium is None else decimal_to_wire(premium),
            "oraclePx": decimal_to_wire(mark),
            "markPx": decimal_to_wire(mark),
            "midPx": None if mid is None else decimal_to_wire(mid),
            "impactPxs": None if impact is None else [decimal_to_wire(px) for px in impact],
            "dayBaseVlm": decimal_to_wire(volume.base),
        }

    def mid_or_mark(self, coin: str, now_ms: int) -> Decimal:
        """The book's mid, or the mark when a side is empty (what ``allMids`` shows)."""
        mid = self._mid(coin, now_ms)
        if mid is not None:
            return mid
        mark = self.engine.mark_px(coin)
        assert mark is not None
        return mark

    # ---- internals -----------------------------------------------------------------------

    def _emit(self, events: Sequence[VenueEvent]) -> None:
        if not events:
            return
        for event in events:
            self._record(event)
        batch = tuple(events)
        for listener in list(self._listeners):
            listener(batch)

    def _record(self, event: VenueEvent) -> None:
        if isinstance(event, OrderUpdate):
            if event.user in self._house:
                return
            self._orders[(event.user, event.oid)] = event
            if event.cloid is not None:
                key = (event.user, event.cloid)
                holder = self._cloids.get(key)
                if holder is None or holder == event.oid or not self._is_open(event.user, holder):
                    self._cloids[key] = event.oid
        elif isinstance(event, Fill):
            if event.user not in self._house:
                self._volume[event.user] = self._volume.get(event.user, ZERO) + event.px * event.sz
        elif isinstance(event, Trade):
            self._day_volume[event.coin].add(event.time, event.px, event.sz)

    def _is_open(self, user: str, target: int | str) -> bool:
        account = self.engine.account(user)
        oid = account.cloids.get(target.lower()) if isinstance(target, str) else target
        return oid is not None and oid in account.open_orders

    def _due_timer(self, now_ms: int) -> tuple[int, str | None] | None:
        """The earliest due (time, user) dead-man switch or (time, None) funding, if any."""
        due = [
            (d.at_ms, 0, user)
            for user, d in self._dead_men.items()
            if d.at_ms is not None and d.at_ms <= now_ms
        ]
        if self._next_funding_ms is not None and self._next_funding_ms <= now_ms:
            due.append((self._next_funding_ms, 1, ""))
        if not due:
            return None
        at_ms, kind, user = min(due)
        return at_ms, (user if kind == 0 else None)

    def _run_model(self, now_ms: int) -> list[Event]:
        return [] if self._model is None else self._model.advance(self.engine, now_ms)

    def _fire_dead_man(self, user: str, at_ms: int) -> list[VenueEvent]:
        dead_man = self._dead_men[user]
        dead_man.at_ms = None
        day = at_ms // DAY_MS
        dead_man.triggers = dead_man.triggers_on(day) + 1
        dead_man.day = day
        events: list[VenueEvent] = []
        for event in self.engine.cancel_all(user, at_ms):
            if isinstance(event, OrderUpdate) and event.status == CANCELED:
                events.append(msgspec.structs.replace(event, status=SCHEDULED_CANCEL))
                events.append(NonUserCancel(user, event.coin, event.oid, at_ms))
            else:
                events.append(event)
        return events

    def _fund(self, at_ms: int) -> list[Event]:
        assert self._next_funding_ms is not None
        self._next_funding_ms += self._funding_interval_ms
        events: list[Event] = []
        for coin in self._listings:
            events.extend(self.engine.apply_funding(coin, self.funding_rate(coin, at_ms), at_ms))
        return events

    def _roll_day(self, now_ms: int) -> None:
        if self._now_ms is not None and now_ms // DAY_MS != self._now_ms // DAY_MS:
            for coin in self._listings:
                mark = self.engine.mark_px(coin)
                assert mark is not None
                self._prev_day_px[coin] = mark

    def _mid(self, coin: str, now_ms: int) -> Decimal | None:
        bbo = self.engine.bbo(coin, now_ms)
        if bbo.bid is None or bbo.ask is None:
            return None
        return ((bbo.bid.px + bbo.ask.px) / 2).normalize()

    def _premium(self, coin: str, now_ms: int) -> Decimal | None:
        mid = self._mid(coin, now_ms)
        mark = self.engine.mark_px(coin)
        if mid is None or mark is None:
            return None
        return _DIVISION.divide(mid - mark, mark).quantize(_RATE_QUANTUM).normalize()

    def _open_interest(self, coin: str) -> Decimal:
        total = ZERO
        for account in self.engine.accounts():
            position = account.positions.get(coin)
            if position is not None and position.szi > 0:
                total += position.szi
        return total

    def _impact_pxs(self, coin: str, now_ms: int) -> tuple[Decimal, Decimal] | None:
        """Average prices to sell and to buy the impact notional; None if the book is too thin."""
        notional = _IMPACT_NOTIONAL_MAJOR if coin in ("BTC", "ETH") else _IMPACT_NOTIONAL
        book = self.engine.l2_book(coin, now_ms, depth=_IMPACT_DEPTH)
        sides = []
        for levels in (book.bids, book.asks):
            remaining, size = notional, ZERO
            for level in levels:
                take = min(remaining, level.px * level.sz)
                size += _DIVISION.divide(take, level.px)
                remaining -= take
                if remaining == 0:
                    break
            if remaining > 0:
                return None
            sides.append(_DIVISION.divide(notional, size).quantize(_RATE_QUANTUM).normalize())
        return sides[0], sides[1]
