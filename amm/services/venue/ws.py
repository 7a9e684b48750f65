"""The venue's websocket shell: Hyperliquid's ``/ws`` protocol over a ``VenueState``.

Protocol, as Hyperliquid speaks it (text frames of JSON)::

    {"method": "subscribe" | "unsubscribe", "subscription": {"type": ..., ...}}
        -> {"channel": "subscriptionResponse", "data": {"method": ..., "subscription": {...}}}
    {"method": "ping"}  -> {"channel": "pong"}
    {"method": "post", "id": n, "request": {"type": "info" | "action", "payload": {...}}}
        -> {"channel": "post", "data": {"id": n, "response": {"type": ..., "payload": ...}}}
    anything malformed or refused -> {"channel": "error", "data": "<text>"}

Channels: ``l2Book``, ``bbo``, ``activeAssetCtx`` and ``allMids`` send the current value right
after the ack and then whenever it changes (polled every ``push_interval_s``, so changes within
one interval are coalesced; with ``faults.ws_burst_per_s`` above 0 they are also sent that many
times a second, changed or not); ``trades``, ``orderUpdates``, ``userFills``, ``userEvents``
(channel ``user``) and ``userFundings`` forward the state's events as they happen, ``userFills`` and
``userFundings`` starting with an ``isSnapshot`` message of the user's history. Every batch the
state emits gets a sequence number, and a subscription only receives batches after the one current
when it was made, so the snapshot and the stream neither overlap nor leave a gap.

Fan-out: one state listener only queues the batch; a pump task turns batches into messages, a
poll task computes the polled channels, and each connection has a bounded queue drained by its own
writer task, so a slow client never holds up the others: when its queue overflows, it is dropped
(Hyperliquid drops slow consumers too). A connection the client sends nothing on for
``idle_timeout_s`` is closed, like Hyperliquid's 60 s limit, and ``faults.ws_drop_interval_s``
(read live) drops every connection that often.

Wiring: ``hub.attach(app)`` before the app starts (route, start/stop, close on shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import msgspec
from aiohttp import WSCloseCode, WSMsgType, web

from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.sim import Fill, Funding, L2Book, Level, OrderUpdate, Trade
from amm.services.venue.faults import Faults
from amm.services.venue.info import MAX_FILLS, InfoRequestError, handle_info
from amm.services.venue.stamps import Stamps
from amm.services.venue.state import NonUserCancel, VenueEvent, VenueState

IDLE_TIMEOUT_S = 60.0
PUSH_INTERVAL_S = 0.05
MAX_QUEUED = 1000
MAX_SUBSCRIPTIONS = 1000
BOOK_DEPTH = 20
AGGREGATION_DEPTH = 1000
CLOSE_TIMEOUT_S = 1.0
DROP_CHECK_S = 0.05

PARSE_ERROR = "Error parsing JSON into valid websocket request: {text}"
ALREADY_SUBSCRIBED_ERROR = "Already subscribed: {subscription}"
NOT_SUBSCRIBED_ERROR = "Already unsubscribed: {subscription}"
TOO_MANY_ERROR = f"Cannot subscribe to more than {MAX_SUBSCRIPTIONS} channels."
UNKNOWN_COIN_ERROR = "Invalid subscription: unknown coin {coin}"
UNKNOWN_DEX_ERROR = "Invalid subscription: unknown perp dex {dex}"
AGGREGATE_BY_TIME_ERROR = "aggregateByTime is not supported by the paper venue."
POST_ERROR = "422 Unprocessable Entity: {error}"
NO_ACTIONS_ERROR = "Actions over the websocket are not enabled on this paper venue."
IDLE_REASON = "idle timeout"
DROP_REASON = "paper venue: injected drop (ws_drop_interval_s)"
SLOW_REASON = "slow consumer"
SHUTDOWN_REASON = "venue shutting down"

Route = tuple[str, str]
ActionHandler = Callable[[Any], Awaitable[Any]]

_COIN_TYPES = frozenset({"l2Book", "bbo", "trades", "activeAssetCtx"})
_USER_TYPES = frozenset({"orderUpdates", "userFills", "userEvents", "user", "userFundings"})
_POLLED_TYPES = frozenset({"l2Book", "bbo", "activeAssetCtx", "allMids"})
_FIELDS = {
    "allMids": ("type", "dex"),
    "l2Book": ("type", "coin", "nSigFigs", "mantissa"),
    "bbo": ("type", "coin"),
    "trades": ("type", "coin"),
    "activeAssetCtx": ("type", "coin"),
    "orderUpdates": ("type", "user"),
    "userFills": ("type", "user", "aggregateByTime"),
    "userEvents": ("type", "user"),
    "user": ("type", "user"),
    "userFundings": ("type", "user"),
}
_N_SIG_FIGS = frozenset({2, 3, 4, 5})
_MANTISSAS = frozenset({1, 2, 5})
_HEX = frozenset("0123456789abcdef")
_MISSING = object()


# ---- requests (pure) ------------------------------------------------------------------------


class RequestError(ValueError):
    """A client message the venue refuses; the text is the ``error`` channel's data."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription, normalized: what unsubscribe must match and what fan-out keys on.

    ``user`` is lowercase (addresses compare case-insensitively); the type ``user`` is the old
    name of ``userEvents`` and is stored as such.
    """

    type: str
    coin: str | None = None
    user: str | None = None
    dex: str = ""
    n_sig_figs: int | None = None
    mantissa: int | None = None
    aggregate_by_time: bool = False

    @property
    def channel(self) -> str:
        """The ``channel`` of the messages it receives."""
        return "user" if self.type == "userEvents" else self.type

    @property
    def route(self) -> Route | None:
        """The key event messages are routed by; None for a polled channel."""
        if self.type in _POLLED_TYPES:
            return None
        key = self.coin if self.type == "trades" else self.user
        assert key is not None
        return self.type, key


@dataclass(frozen=True, slots=True)
class Ping:
    """``{"method": "ping"}``."""


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A subscribe or unsubscribe; ``echo`` is the subscription as the ack repeats it."""

    method: str
    subscription: Subscription
    echo: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Post:
    """A post request: an info query or a signed action, answered on the ``post`` channel."""

    id: int
    type: str
    payload: Any


Request = Ping | SubscriptionRequest | Post


def parse_request(text: str) -> Request:
    """Decode one client message (raises RequestError with Hyperliquid's parse error)."""
    bad = RequestError(PARSE_ERROR.format(text=text))
    try:
        body = msgspec.json.decode(text)
    except msgspec.DecodeError:
        raise bad from None
    if not isinstance(body, dict):
        raise bad
    method = body.get("method")
    if method == "ping":
        return Ping()
    if method in ("subscribe", "unsubscribe"):
        parsed = _subscription(body.get("subscription"))
        if parsed is None:
            raise bad
        return SubscriptionRequest(method, *parsed)
    if method == "post":
        post_id, request = body.get("id"), body.get("request")
        if (
            not _is_uint(post_id)
            or not isinstance(request, dict)
            or request.get("type") not in ("info", "action")
            or "payload" not in request
        ):
            raise bad
        return Post(post_id, request["type"], request["payload"])
    raise bad


def check_subscription(
    sub: Subscription, coins: Collection[str], dexes: Collection[str]
) -> str | None:
    """The error text for a well-formed subscription the venue cannot serve, or None."""
    if sub.coin is not None and sub.coin not in coins:
        return UNKNOWN_COIN_ERROR.format(coin=sub.coin)
    if sub.dex and sub.dex not in dexes:
        return UNKNOWN_DEX_ERROR.format(dex=sub.dex)
    if sub.aggregate_by_time:
        return AGGREGATE_BY_TIME_ERROR
    return None


def _subscription(raw: Any) -> tuple[Subscription, dict[str, Any]] | None:
    """The normalized subscription and its echo (the known fields), or None if it does not parse."""
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return None
    kind = raw["type"]
    fields = _FIELDS.get(kind)
    if fields is None:
        return None
    echo = {key: value for key, value in raw.items() if key in fields}
    coin, user, dex = echo.get("coin"), echo.get("user"), echo.get("dex") or ""
    n_sig_figs, mantissa = echo.get("nSigFigs"), echo.get("mantissa")
    aggregate = echo.get("aggregateByTime") or False
    valid = (
        (kind not in _COIN_TYPES or isinstance(coin, str))
        and (kind not in _USER_TYPES or _is_address(user))
        and isinstance(dex, str)
        and (n_sig_figs is None or _is_int_in(n_sig_figs, _N_SIG_FIGS))
        and (mantissa is None or (_is_int_in(mantissa, _MANTISSAS) and n_sig_figs == 5))
        and isinstance(aggregate, bool)
    )
    if not valid:
        return None
    sub = Subscription(
        type="userEvents" if kind == "user" else kind,
        coin=coin,
        user=user.lower() if isinstance(user, str) else None,
        dex=dex,
        n_sig_figs=n_sig_figs,
        mantissa=mantissa,
        aggregate_by_time=aggregate,
    )
    return sub, echo


def _is_int_in(value: Any, allowed: Collection[int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in allowed


def _is_uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_address(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 42
        and value.startswith("0x")
        and set(value[2:].lower()) <= _HEX
    )


# ---- messages (pure) ------------------------------------------------------------------------


def message(channel: str, data: Any) -> dict[str, Any]:
    """A server message."""
    return {"channel": channel, "data": data}


def subscription_response(method: str, echo: dict[str, Any]) -> dict[str, Any]:
    """The ack of a subscribe or unsubscribe."""
    return message("subscriptionResponse", {"method": method, "subscription": echo})


def error_message(text: str) -> dict[str, Any]:
    """The ``error`` channel message."""
    return message("error", text)


def post_response(post_id: int, kind: str, payload: Any) -> dict[str, Any]:
    """The answer to a post request; ``kind`` is "info", "action" or "error"."""
    return message("post", {"id": post_id, "response": {"type": kind, "payload": payload}})


PONG: dict[str, Any] = {"channel": "pong"}


def encode(msg: dict[str, Any]) -> str:
    """A message as the text frame carries it (compact JSON)."""
    return msgspec.json.encode(msg).decode()


def route_events(
    events: Sequence[VenueEvent], wanted: Callable[[Route], bool]
) -> list[tuple[Route, dict[str, Any]]]:
    """The messages one batch of state events makes, for the routes ``wanted`` accepts.

    One message per route and batch (trades grouped by coin, the rest by user), except the
    ``user`` channel, which sends fills, each funding payment and cancels as separate messages
    like Hyperliquid's ``WsUserEvent``.
    """
    parts: dict[tuple[str, str, str], list[Any]] = {}

    def add(kind: str, key: str, part: str, item: Callable[[], Any]) -> None:
        if wanted((kind, key)):
            parts.setdefault((kind, key, part), []).append(item())

    for event in events:
        if isinstance(event, Trade):
            add("trades", event.coin, "", event.to_wire)
            continue
        user = event.user.lower()
        if isinstance(event, OrderUpdate):
            add("orderUpdates", user, "", event.to_wire)
        elif isinstance(event, Fill):
            add("userFills", user, "", event.to_wire)
            add("userEvents", user, "fills", event.to_wire)
        elif isinstance(event, Funding):
            add("userFundings", user, "", event.to_wire)
            add("userEvents", user, "funding", event.to_wire)
        elif isinstance(event, NonUserCancel):
            add("userEvents", user, "nonUserCancel", event.to_wire)
    out = []
    for (kind, key, part), items in parts.items():
        route = (kind, key)
        if kind in ("trades", "orderUpdates"):
            out.append((route, message(kind, items)))
        elif kind == "userFills":
            out.append((route, message(kind, {"user": key, "fills": items})))
        elif kind == "userFundings":
            out.append((route, message(kind, {"user": key, "fundings": items})))
        elif part == "funding":
            out.extend((route, message("user", {"funding": item})) for item in items)
        else:
            out.append((route, message("user", {part: items})))
    return out


def polled_data(sub: Subscription, state: VenueState, now_ms: int) -> Any:
    """The current value of a polled channel (``l2Book``, ``bbo``, ``activeAssetCtx``,
    ``allMids``)."""
    if sub.type == "allMids":
        mids = {lst.coin: state.mid_or_mark(lst.coin, now_ms) for lst in state.listings(sub.dex)}
        return {"mids": {coin: decimal_to_wire(px) for coin, px in mids.items()}}
    assert sub.coin is not None
    if sub.type == "bbo":
        return state.engine.bbo(sub.coin, now_ms).to_wire()
    if sub.type == "activeAssetCtx":
        return {"coin": sub.coin, "ctx": state.asset_ctx(sub.coin, now_ms)}
    if sub.n_sig_figs is None:
        return state.engine.l2_book(sub.coin, now_ms, depth=BOOK_DEPTH).to_wire()
    book = state.engine.l2_book(sub.coin, now_ms, depth=AGGREGATION_DEPTH)
    return aggregate_book(book, sub.n_sig_figs, sub.mantissa).to_wire()


def snapshot(sub: Subscription, state: VenueState, now_ms: int) -> dict[str, Any] | None:
    """The message sent right after the ack, if the channel has one."""
    if sub.type in _POLLED_TYPES:
        return message(sub.channel, polled_data(sub, state, now_ms))
    if sub.user is None:
        return None
    if sub.type == "userFills":
        fills = [fill.to_wire() for fill in state.user_fills(sub.user)[-MAX_FILLS:]]
        return message("userFills", {"isSnapshot": True, "user": sub.user, "fills": fills})
    if sub.type == "userFundings":
        fundings = [payment.to_wire() for payment in state.user_funding(sub.user)]
        return message("userFundings", {"isSnapshot": True, "user": sub.user, "fundings": fundings})
    return None


def unchanged_key(data: Any) -> Any:
    """What must differ for a polled channel to be sent again (everything but ``time``)."""
    return {key: value for key, value in data.items() if key != "time"}


def bucket_px(px: Decimal, n_sig_figs: int, mantissa: int | None, *, is_bid: bool) -> Decimal:
    """The price level ``px`` falls in at ``n_sig_figs`` significant figures (and ``mantissa``).

    Bids round down and asks up, so an aggregated level never looks better than its orders.
    """
    step = Decimal(mantissa or 1).scaleb(px.adjusted() - n_sig_figs + 1)
    rounding = ROUND_FLOOR if is_bid else ROUND_CEILING
    return ((px / step).to_integral_value(rounding=rounding) * step).normalize()


def aggregate_book(
    book: L2Book, n_sig_figs: int, mantissa: int | None, depth: int = BOOK_DEPTH
) -> L2Book:
    """The book with levels merged by ``bucket_px``, at most ``depth`` per side."""

    def side(levels: Sequence[Level], *, is_bid: bool) -> tuple[Level, ...]:
        merged: list[Level] = []
        for level in levels:
            px = bucket_px(level.px, n_sig_figs, mantissa, is_bid=is_bid)
            if merged and merged[-1].px == px:
                last = merged[-1]
                merged[-1] = Level(px, last.sz + level.sz, last.n + level.n)
            elif len(merged) == depth:
                break
            else:
                merged.append(Level(px, level.sz, level.n))
        return tuple(merged)

    return L2Book(book.coin, book.time, side(book.bids, is_bid=True), side(book.asks, is_bid=False))


# ---- the shell ------------------------------------------------------------------------------


class _Connection:
    """One client: its socket, outgoing queue, subscriptions (each with the batch sequence it
    starts after) and the post actions in flight."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        max_queued: int,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.queue: asyncio.Queue[str] = asyncio.Queue(max_queued)
        self.subs: dict[Subscription, int] = {}
        self.posts: set[asyncio.Task[None]] = set()
        self.closing = False


class WebSocketHub:
    """Serves ``/ws`` for one ``VenueState`` (see the module docstring).

    ``clock_now_ms`` is the simulated clock (book times, snapshots, post info queries);
    ``post_action``, if given, answers signed actions sent as post requests: it takes the
    /exchange body and returns /exchange's JSON answer, or raises ValueError (such as
    ``DeserializeError``) where /exchange would answer 422. ``stamps``, if given, is told when
    each full-precision ``l2Book`` goes out while it records books (`amm bench latency`).
    """

    def __init__(
        self,
        state: VenueState,
        clock_now_ms: Callable[[], int],
        faults: Faults,
        *,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        push_interval_s: float = PUSH_INTERVAL_S,
        max_queued: int = MAX_QUEUED,
        close_timeout_s: float = CLOSE_TIMEOUT_S,
        post_action: ActionHandler | None = None,
        stamps: Stamps | None = None,
    ) -> None:
        self._state = state
        self._clock = clock_now_ms
        self._faults = faults
        self._idle_timeout_s = idle_timeout_s
        self._push_interval_s = push_interval_s
        self._max_queued = max_queued
        self._close_timeout_s = close_timeout_s
        self._post_action = post_action
        self._stamps = stamps
        self._connections: set[_Connection] = set()
        self._routes: dict[Route, set[tuple[_Connection, Subscription]]] = {}
        self._polled: dict[Subscription, set[_Connection]] = {}
        self._last: dict[Subscription, Any] = {}
        self._batches: deque[tuple[int, Sequence[VenueEvent]]] = deque()
        self._seq = 0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closers: set[asyncio.Task[None]] = set()

    @property
    def connections(self) -> int:
        """How many clients are connected."""
        return len(self._connections)

    def attach(self, app: web.Application) -> None:
        """Serve ``GET /ws`` on ``app``, run with it, and close every socket on its shutdown."""
        app.router.add_get("/ws", self.handle)
        app.cleanup_ctx.append(self._lifespan)
        app.on_shutdown.append(self._on_shutdown)

    async def start(self) -> None:
        """Listen to the state and start the pump, poll and drop tasks (on the serving loop)."""
        self._state.add_listener(self._on_events)
        self._tasks = [
            asyncio.create_task(self._pump()),
            asyncio.create_task(self._poll()),
            asyncio.create_task(self._drop_on_schedule()),
            asyncio.create_task(self._burst()),
        ]

    async def stop(self) -> None:
        """Close every connection, stop listening and stop the tasks."""
        await self.close_all(WSCloseCode.GOING_AWAY, SHUTDOWN_REASON)
        tasks, self._tasks = self._tasks, []
        if tasks:
            self._state.remove_listener(self._on_events)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close_all(self, code: int, reason: str) -> None:
        """Close every connection and wait until the close handshakes end (or time out)."""
        for conn in list(self._connections):
            self._drop(conn, code, reason)
        if self._closers:
            await asyncio.gather(*self._closers, return_exceptions=True)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp handler of ``GET /ws``: one connection, until it closes."""
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, timeout=self._close_timeout_s)
        await ws.prepare(request)
        conn = _Connection(ws, request.transport, self._max_queued)
        self._connections.add(conn)
        writer = asyncio.create_task(self._write(conn))
        try:
            await self._read(conn)
        finally:
            conn.closing = True
            self._forget(conn)
            self._connections.discard(conn)
            for task in (writer, *conn.posts):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    # ---- connection tasks ---------------------------------------------------------------------

    async def _read(self, conn: _Connection) -> None:
        while True:
            try:
                msg = await conn.ws.receive(timeout=self._idle_timeout_s)
            except TimeoutError:
                await self._close(conn, WSCloseCode.GOING_AWAY, IDLE_REASON)
                return
            if msg.type is WSMsgType.TEXT:
                self._on_text(conn, msg.data)
            elif msg.type is WSMsgType.BINARY:
                text = msg.data.decode(errors="replace")
                self._send(conn, error_message(PARSE_ERROR.format(text=text)))
            else:
                return
            await asyncio.sleep(0)  # let the writer drain a burst of answers before the next

    async def _write(self, conn: _Connection) -> None:
        """Send the queue in order; a failed send ends it (the reader then sees the close)."""
        with contextlib.suppress(ConnectionError):
            while True:
                await conn.ws.send_str(await conn.queue.get())

    async def _close(self, conn: _Connection, code: int, reason: str) -> None:
        """Close with a close frame; a client that does not take it in time is cut off (a
        plain transport close would wait for a stalled client to read what is buffered)."""
        try:
            await asyncio.wait_for(
                conn.ws.close(code=code, message=reason.encode()), self._close_timeout_s
            )
        except TimeoutError:
            if conn.transport is not None:
                conn.transport.abort()

    def _drop(self, conn: _Connection, code: int, reason: str) -> None:
        """Stop serving ``conn`` now and close it in the background."""
        if conn.closing:
            return
        conn.closing = True
        self._forget(conn)
        task = asyncio.create_task(self._close(conn, code, reason))
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    def _send(self, conn: _Connection, msg: dict[str, Any] | str) -> None:
        if conn.closing:
            return
        try:
            conn.queue.put_nowait(msg if isinstance(msg, str) else encode(msg))
        except asyncio.QueueFull:
            self._drop(conn, WSCloseCode.POLICY_VIOLATION, SLOW_REASON)

    # ---- client messages ----------------------------------------------------------------------

    def _on_text(self, conn: _Connection, text: str) -> None:
        try:
            request = parse_request(text)
        except RequestError as exc:
            self._send(conn, error_message(str(exc)))
            return
        if isinstance(request, Ping):
            self._send(conn, PONG)
        elif isinstance(request, Post):
            self._post(conn, request)
        elif request.method == "subscribe":
            self._subscribe(conn, request)
        else:
            self._unsubscribe(conn, request)

    def _subscribe(self, conn: _Connection, request: SubscriptionRequest) -> None:
        sub = request.subscription
        error = check_subscription(sub, self._state.coins(), self._state.dexes())
        if error is None and sub in conn.subs:
            error = ALREADY_SUBSCRIBED_ERROR.format(subscription=encode(request.echo))
        if error is None and len(conn.subs) >= MAX_SUBSCRIPTIONS:
            error = TOO_MANY_ERROR
        if error is not None:
            self._send(conn, error_message(error))
            return
        conn.subs[sub] = self._seq
        route = sub.route
        if route is None:
            self._polled.setdefault(sub, set()).add(conn)
        else:
            self._routes.setdefault(route, set()).add((conn, sub))
        self._send(conn, subscription_response("subscribe", request.echo))
        first = snapshot(sub, self._state, self._clock())
        if first is not None:
            self._send(conn, first)
            if route is None:
                self._last.setdefault(sub, unchanged_key(first["data"]))

    def _unsubscribe(self, conn: _Connection, request: SubscriptionRequest) -> None:
        sub = request.subscription
        if sub not in conn.subs:
            error = NOT_SUBSCRIBED_ERROR.format(subscription=encode(request.echo))
            self._send(conn, error_message(error))
            return
        self._unregister(conn, sub)
        del conn.subs[sub]
        self._send(conn, subscription_response("unsubscribe", request.echo))

    def _post(self, conn: _Connection, post: Post) -> None:
        if post.type == "info":
            now_ms = self._clock()
            self._state.advance(now_ms)
            try:
                data = handle_info(self._state, post.payload, now_ms)
            except InfoRequestError as exc:
                error = POST_ERROR.format(error=exc)
                self._send(conn, post_response(post.id, "error", error))
                return
            payload = {"type": post.payload["type"], "data": data}
            self._send(conn, post_response(post.id, "info", payload))
        elif self._post_action is None:
            self._send(conn, post_response(post.id, "error", NO_ACTIONS_ERROR))
        else:
            task = asyncio.create_task(self._act(conn, post, self._post_action))
            conn.posts.add(task)
            task.add_done_callback(conn.posts.discard)

    async def _act(self, conn: _Connection, post: Post, act: ActionHandler) -> None:
        try:
            answer = await act(post.payload)
        except ValueError as exc:
            error = POST_ERROR.format(error=exc)
            self._send(conn, post_response(post.id, "error", error))
            return
        self._send(conn, post_response(post.id, "action", answer))

    # ---- fan-out --------------------------------------------------------------------------------

    def _on_events(self, events: Sequence[VenueEvent]) -> None:
        """The state listener: number the batch and queue it for the pump (nothing else)."""
        self._seq += 1
        if self._routes:
            self._batches.append((self._seq, events))
            self._wake.set()

    async def _pump(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._batches:
                seq, events = self._batches.popleft()
                for route, msg in route_events(events, self._routes.__contains__):
                    text = encode(msg)
                    for conn, sub in list(self._routes.get(route, ())):
                        if conn.subs.get(sub, seq) < seq:
                            self._send(conn, text)
                await asyncio.sleep(0)  # writers drain between batches: a burst is not slowness

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._push_interval_s)
            if self._polled:
                self._push_changes(self._clock())

    def _push_changes(self, now_ms: int, *, force: bool = False) -> None:
        """Send each polled channel whose value changed since it was last sent (all: ``force``)."""
        for sub, conns in list(self._polled.items()):
            data = polled_data(sub, self._state, now_ms)
            key = unchanged_key(data)
            if not force and self._last.get(sub, _MISSING) == key:
                continue
            self._last[sub] = key
            text = encode(message(sub.channel, data))
            stamps = self._stamps
            if stamps is not None and stamps.books and _is_full_book(sub):
                stamps.book(time.monotonic_ns(), data)
            for conn in list(conns):
                self._send(conn, text)

    async def _burst(self) -> None:
        """Send every polled channel ``faults.ws_burst_per_s`` times a second (read live; 0: off),
        on a schedule that does not drift."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            rate = self._faults.ws_burst_per_s
            if rate <= 0:
                await asyncio.sleep(DROP_CHECK_S)
                next_at = loop.time()
                continue
            next_at = max(next_at + 1 / rate, loop.time() - 1)  # a stall is not made up for
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            self._push_changes(self._clock(), force=True)

    async def _drop_on_schedule(self) -> None:
        """Drop every connection each ``faults.ws_drop_interval_s`` (read live; 0: never)."""
        loop = asyncio.get_running_loop()
        next_drop: float | None = None
        while True:
            await asyncio.sleep(DROP_CHECK_S)
            interval, now = self._faults.ws_drop_interval_s, loop.time()
            if interval <= 0:
                next_drop = None
                continue
            if next_drop is None or next_drop > now + interval:
                next_drop = now + interval
            if now >= next_drop:
                next_drop = now + interval
                for conn in list(self._connections):
                    self._drop(conn, WSCloseCode.GOING_AWAY, DROP_REASON)

    def _unregister(self, conn: _Connection, sub: Subscription) -> None:
        route = sub.route
        if route is None:
            conns = self._polled.get(sub, set())
            conns.discard(conn)
            if not conns:
                self._polled.pop(sub, None)
                self._last.pop(sub, None)
        else:
            members = self._routes.get(route, set())
            members.discard((conn, sub))
            if not members:
                self._routes.pop(route, None)

    def _forget(self, conn: _Connection) -> None:
        for sub in conn.subs:
            self._unregister(conn, sub)
        conn.subs.clear()

    # ---- app hooks ------------------------------------------------------------------------------

    async def _lifespan(self, app: web.Application) -> AsyncIterator[None]:
        await self.start()
        yield
        await self.stop()

    async def _on_shutdown(self, app: web.Application) -> None:
        await self.close_all(WSCloseCode.GOING_AWAY, SHUTDOWN_REASON)


def _is_full_book(sub: Subscription) -> bool:
    """An ``l2Book`` subscription at full precision (what ``marketdata`` subscribes to)."""
    return sub.type == "l2Book" and sub.n_sig_figs is None and sub.mantissa is None
