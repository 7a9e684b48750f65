"""The venue's /ws over real sockets on loopback: the unmodified SDK and a plain aiohttp client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal as D
from typing import Any

import eth_account
import pytest
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType, web
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info

from amm.common.config import FaultConfig, VenueConfig, VenueMarketConfig
from amm.common.sim import Filled, OrderRequest, OrderStatus, Resting, Tif
from amm.services.venue.faults import Faults
from amm.services.venue.http import create_app
from amm.services.venue.state import VenueState
from amm.services.venue.ws import NO_ACTIONS_ERROR, PARSE_ERROR, WebSocketHub

US500 = "km:US500"
DEXES = ["", "km"]
GTC = {"limit": {"tif": "Gtc"}}
IOC = {"limit": {"tif": "Ioc"}}
ALICE = "0x" + "a" * 40
BOB = "0x" + "b" * 40
WAIT_S = 5.0


class Clock:
    """A simulated clock that starts at the wall clock (the SDK's nonces) and moves by hand."""

    def __init__(self) -> None:
        self.ms = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.ms


class Venue:
    """The venue app with the hub on 127.0.0.1 (port from the OS), in a thread with its own loop."""

    def __init__(self, **hub_options: Any) -> None:
        markets = [
            VenueMarketConfig(coin="BTC", sz_decimals=5, max_leverage=40, start_px=90000.0),
            VenueMarketConfig(coin=US500, sz_decimals=2, max_leverage=20, start_px=6000.0),
        ]
        config = VenueConfig(markets=markets)
        self.state = VenueState(config)
        self.clock = Clock()
        self.faults = Faults(FaultConfig(), config.seed)
        self.hub = WebSocketHub(self.state, self.clock, self.faults, **hub_options)
        self._nonce = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> None:
        self._thread.start()
        self.url = self.run(self._start())

    def stop(self) -> None:
        if self._runner is not None:
            self.run(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/ws"

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (the state is only touched there)."""

        async def run() -> Any:
            return fn()

        return self.run(run())

    def place(self, user: str, is_buy: bool, px: str, sz: str, tif: Tif = Tif.GTC) -> OrderStatus:
        """One order of ``user`` straight into the state (no signing)."""

        def act() -> OrderStatus:
            self._nonce += 1
            now = self.clock()
            assert self.state.admit(user, now + self._nonce, None, now) is None
            [status] = self.state.place(user, [OrderRequest(US500, is_buy, D(px), D(sz), tif)], now)
            return status

        return self.call(act)

    async def _start(self) -> str:
        app = create_app(self.state, self.clock, self.faults, tick_s=0.01, hold_max_s=1.0)
        self.hub.attach(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"


def serve(**hub_options: Any) -> Venue:
    venue = Venue(**hub_options)
    venue.start()
    return venue


@pytest.fixture
def venue() -> Iterator[Venue]:
    server = serve()
    yield server
    server.stop()


def wait_until(predicate: Callable[[], Any], timeout_s: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("timed out")


# ---- the SDK ------------------------------------------------------------------------------


class Inbox:
    """Messages the SDK's callbacks received, by channel (callbacks run on the SDK's thread)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append(msg)

    def of(self, channel: str) -> list[Any]:
        with self._lock:
            return [m["data"] for m in self.messages if m["channel"] == channel]

    def items(self, channel: str) -> list[Any]:
        """The elements of every message of a list-valued channel, in order."""
        return [item for data in self.of(channel) for item in data]


def only_status(answer: dict[str, Any]) -> Any:
    assert answer["status"] == "ok", answer
    [status] = answer["response"]["data"]["statuses"]
    return status


def test_sdk_subscriptions_stream_km_us500_book_trades_fills_and_order_updates(venue):
    maker = Exchange(eth_account.Account.create(), venue.url, perp_dexs=DEXES, timeout=5)
    taker = Exchange(eth_account.Account.create(), venue.url, perp_dexs=DEXES, timeout=5)
    user = taker.wallet.address
    assert "resting" in only_status(maker.order(US500, True, 1, 5999, GTC))
    assert "resting" in only_status(maker.order(US500, False, 1, 6001, GTC))
    assert "filled" in only_status(taker.order(US500, True, 0.5, 6001, IOC))

    info = Info(venue.url, skip_ws=False, perp_dexs=DEXES, timeout=5)
    inbox = Inbox()
    try:
        info.subscribe({"type": "orderUpdates", "user": user}, inbox)
        info.subscribe({"type": "userEvents", "user": user}, inbox)
        info.subscribe({"type": "userFills", "user": user}, inbox)
        info.subscribe({"type": "trades", "coin": US500}, inbox)
        info.subscribe({"type": "bbo", "coin": US500}, inbox)
        info.subscribe({"type": "activeAssetCtx", "coin": US500}, inbox)
        info.subscribe({"type": "l2Book", "coin": US500}, inbox)
        [book] = wait_until(lambda: inbox.of("l2Book"))
        assert book["coin"] == US500
        assert book["levels"] == [
            [{"px": "5999", "sz": "1", "n": 1}],
            [{"px": "6001", "sz": "0.5", "n": 1}],
        ]
        [history] = inbox.of("userFills")
        assert history["isSnapshot"] is True
        assert history["user"] == user.lower()
        assert [(f["coin"], f["px"], f["sz"]) for f in history["fills"]] == [(US500, "6001", "0.5")]
        assert inbox.of("bbo")[0]["bbo"] == [book["levels"][0][0], book["levels"][1][0]]
        assert inbox.of("activeAssetCtx")[0]["ctx"]["markPx"] == "6000"

        oid = only_status(taker.order(US500, True, 0.5, 6000, GTC))["resting"]["oid"]
        wait_until(lambda: [b for b in inbox.of("l2Book") if b["levels"][0][0]["px"] == "6000"])
        assert "filled" in only_status(maker.order(US500, False, 0.5, 6000, IOC))

        wait_until(lambda: len(inbox.items("orderUpdates")) >= 2)
        updates = inbox.items("orderUpdates")
        assert [(u["order"]["oid"], u["order"]["coin"], u["status"]) for u in updates] == [
            (oid, US500, "open"),
            (oid, US500, "filled"),
        ]
        stream = wait_until(lambda: inbox.of("userFills")[1:])[0]
        assert "isSnapshot" not in stream
        assert [(f["oid"], f["px"], f["sz"], f["side"]) for f in stream["fills"]] == [
            (oid, "6000", "0.5", "B")
        ]
        [event] = wait_until(lambda: inbox.of("user"))
        assert event == {"fills": stream["fills"]}
        trades = wait_until(lambda: [t for t in inbox.items("trades") if t["px"] == "6000"])
        assert [(t["coin"], t["side"], t["sz"]) for t in trades] == [(US500, "A", "0.5")]
        assert user.lower() in [u.lower() for u in trades[0]["users"]]
    finally:
        stop_sdk_websocket(venue, info)


def stop_sdk_websocket(venue: Venue, info: Info) -> None:
    """Stop the SDK's websocket threads: the venue closes first, then ``disconnect_websocket``.

    Closing from the client side alone races inside websocket-client (two threads read the
    socket; the reader can sit out its 10 s select timeout), so the server closes first.
    """
    manager = info.ws_manager
    assert manager is not None
    venue.run(venue.hub.close_all(1000, "test over"))
    manager.join(timeout=5)
    info.disconnect_websocket()
    assert not manager.is_alive() and not manager.ping_sender.is_alive()


# ---- a plain client -----------------------------------------------------------------------


async def recv(ws: ClientWebSocketResponse, timeout_s: float = WAIT_S) -> Any:
    msg = await ws.receive(timeout=timeout_s)
    assert msg.type is WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def send(ws: ClientWebSocketResponse, method: str, subscription: dict[str, Any]) -> None:
    await ws.send_json({"method": method, "subscription": subscription})


async def expect_closed(ws: ClientWebSocketResponse, timeout_s: float = WAIT_S) -> None:
    """The server closes the socket (any text still in flight is skipped)."""
    while True:
        msg = await ws.receive(timeout=timeout_s)
        if msg.type is not WSMsgType.TEXT:
            assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED), msg
            return


def post(post_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {"method": "post", "id": post_id, "request": {"type": "info", "payload": payload}}


def client_run(scenario: Callable[[ClientSession], Any]) -> Any:
    async def main() -> Any:
        async with ClientSession() as session:
            return await scenario(session)

    return asyncio.run(main())


def test_acks_pong_and_errors_follow_hyperliquid(venue):
    async def scenario(session: ClientSession) -> None:
        async with session.ws_connect(venue.ws_url) as ws:
            trades = {"type": "trades", "coin": US500}
            await send(ws, "subscribe", trades)
            assert await recv(ws) == {
                "channel": "subscriptionResponse",
                "data": {"method": "subscribe", "subscription": trades},
            }
            await ws.send_str('{"method":"ping"}')
            assert await recv(ws) == {"channel": "pong"}
            await send(ws, "subscribe", trades)
            assert await recv(ws) == {
                "channel": "error",
                "data": 'Already subscribed: {"type":"trades","coin":"km:US500"}',
            }
            bad = '{"method":"subscribe","subscription":{"type":"candles","coin":"BTC"}}'
            await ws.send_str(bad)
            assert await recv(ws) == {"channel": "error", "data": PARSE_ERROR.format(text=bad)}
            await send(ws, "subscribe", {"type": "l2Book", "coin": "DOGE"})
            error = await recv(ws)
            assert error["channel"] == "error" and "DOGE" in error["data"]
            await send(ws, "unsubscribe", {"type": "bbo", "coin": US500})
            assert (await recv(ws))["channel"] == "error"
            await send(ws, "unsubscribe", trades)
            assert await recv(ws) == {
                "channel": "subscriptionResponse",
                "data": {"method": "unsubscribe", "subscription": trades},
            }

    client_run(scenario)


def test_unsubscribe_stops_delivery(venue):
    assert isinstance(venue.place(BOB, True, "6000", "2"), Resting)

    async def scenario(session: ClientSession) -> None:
        async with session.ws_connect(venue.ws_url) as ws:
            trades = {"type": "trades", "coin": US500}
            await send(ws, "subscribe", trades)
            assert (await recv(ws))["channel"] == "subscriptionResponse"
            assert isinstance(venue.place(ALICE, False, "6000", "1", Tif.IOC), Filled)
            await ws.send_str('{"method":"ping"}')
            delivered = await recv(ws)
            assert delivered["channel"] == "trades"
            assert [(t["coin"], t["px"], t["sz"]) for t in delivered["data"]] == [
                (US500, "6000", "1")
            ]
            assert await recv(ws) == {"channel": "pong"}
            await send(ws, "unsubscribe", trades)
            assert (await recv(ws))["channel"] == "subscriptionResponse"
            assert isinstance(venue.place(ALICE, False, "6000", "1", Tif.IOC), Filled)
            await ws.send_str('{"method":"ping"}')
            assert await recv(ws) == {"channel": "pong"}

    client_run(scenario)


def test_book_snapshot_then_one_coalesced_update_per_burst(venue):
    async def scenario(session: ClientSession) -> None:
        async with session.ws_connect(venue.ws_url) as ws:
            await send(ws, "subscribe", {"type": "l2Book", "coin": US500})
            assert (await recv(ws))["channel"] == "subscriptionResponse"
            first = await recv(ws)
            assert first["channel"] == "l2Book"
            assert first["data"]["levels"] == [[], []]

            venue.call(lambda: rest_bids(venue, BOB, 5))
            update = await recv(ws)
            assert update["channel"] == "l2Book"
            bids = update["data"]["levels"][0]
            assert [level["px"] for level in bids] == ["5999", "5998", "5997", "5996", "5995"]
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.3)

    client_run(scenario)


def test_post_info_request_is_answered_on_the_post_channel(venue):
    async def scenario(session: ClientSession) -> None:
        async with session.ws_connect(venue.ws_url) as ws:
            await ws.send_json(post(9, {"type": "allMids", "dex": "km"}))
            mids = {"type": "allMids", "data": {US500: "6000"}}
            assert await recv(ws) == {
                "channel": "post",
                "data": {"id": 9, "response": {"type": "info", "payload": mids}},
            }
            await ws.send_json(post(10, {"type": "nope"}))
            error = await recv(ws)
            assert error["data"]["id"] == 10 and error["data"]["response"]["type"] == "error"

    client_run(scenario)


def test_post_actions_go_to_the_injected_handler_or_are_refused():
    received: list[Any] = []

    async def act(body: Any) -> Any:
        received.append(body)
        if body.get("bad"):
            raise ValueError("Failed to deserialize the JSON body")
        return {"status": "ok", "response": {"type": "default"}}

    venue = serve(post_action=act)
    plain = serve()
    try:

        async def scenario(session: ClientSession) -> None:
            action = {"method": "post", "id": 3, "request": {"type": "action", "payload": {}}}
            async with session.ws_connect(venue.ws_url) as ws:
                await ws.send_json(action)
                answer = {"status": "ok", "response": {"type": "default"}}
                assert (await recv(ws))["data"] == {
                    "id": 3,
                    "response": {"type": "action", "payload": answer},
                }
                action["request"]["payload"] = {"bad": True}
                await ws.send_json(action)
                assert (await recv(ws))["data"]["response"] == {
                    "type": "error",
                    "payload": "422 Unprocessable Entity: Failed to deserialize the JSON body",
                }
            async with session.ws_connect(plain.ws_url) as ws:
                await ws.send_json(action)
                assert (await recv(ws))["data"]["response"] == {
                    "type": "error",
                    "payload": NO_ACTIONS_ERROR,
                }

        client_run(scenario)
        assert received == [{}, {"bad": True}]
    finally:
        venue.stop()
        plain.stop()


def test_stopping_the_venue_closes_open_connections_promptly():
    venue = serve()

    async def scenario(session: ClientSession) -> None:
        async with session.ws_connect(venue.ws_url) as ws:
            await send(ws, "subscribe", {"type": "l2Book", "coin": US500})
            assert (await recv(ws))["channel"] == "subscriptionResponse"
            started = time.monotonic()
            stopping = asyncio.create_task(asyncio.to_thread(venue.stop))
            await expect_closed(ws)
            await stopping
            assert time.monotonic() - started < 1.0

    client_run(scenario)


def test_an_idle_connection_is_closed_and_pinging_keeps_one_open():
    venue = serve(idle_timeout_s=0.3)
    try:

        async def scenario(session: ClientSession) -> None:
            async with (
                session.ws_connect(venue.ws_url) as idle,
                session.ws_connect(venue.ws_url) as busy,
            ):
                started = time.monotonic()
                for _ in range(8):
                    await busy.send_str('{"method":"ping"}')
                    assert await recv(busy) == {"channel": "pong"}
                    await asyncio.sleep(0.1)
                await expect_closed(idle, timeout_s=1.0)
                assert time.monotonic() - started > 0.25
                assert not busy.closed

        client_run(scenario)
        wait_until(lambda: venue.hub.connections == 0)
    finally:
        venue.stop()


def test_ws_drop_interval_drops_every_connection_and_is_read_live(venue):
    async def scenario(session: ClientSession) -> None:
        async with (
            session.ws_connect(venue.ws_url) as first,
            session.ws_connect(venue.ws_url) as second,
        ):
            venue.call(lambda: venue.faults.update({"ws_drop_interval_s": 0.2}))
            await expect_closed(first, timeout_s=1.0)
            await expect_closed(second, timeout_s=1.0)
        venue.call(lambda: venue.faults.update({"ws_drop_interval_s": 0}))
        async with session.ws_connect(venue.ws_url) as third:
            await asyncio.sleep(0.5)
            await third.send_str('{"method":"ping"}')
            assert await recv(third) == {"channel": "pong"}

    client_run(scenario)


def test_ws_burst_resends_an_unchanged_book_that_often_and_is_read_live(venue):
    async def scenario(session: ClientSession) -> None:
        async with session.ws_connect(venue.ws_url) as ws:
            await send(ws, "subscribe", {"type": "l2Book", "coin": US500})
            assert (await recv(ws))["channel"] == "subscriptionResponse"
            first = await recv(ws)
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.3)  # unchanged: nothing is sent
            venue.call(lambda: venue.faults.update({"ws_burst_per_s": 50}))
            books, started = [], time.monotonic()
            while time.monotonic() - started < 1.0:
                books.append(await recv(ws))
            venue.call(lambda: venue.faults.update({"ws_burst_per_s": 0}))
            assert 30 <= len(books) <= 60
            assert {json.dumps(book) for book in books} == {json.dumps(first)}
            with contextlib.suppress(TimeoutError):
                for _ in range(10):  # what was in flight when it was switched off
                    await ws.receive(timeout=0.3)
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.3)

    client_run(scenario)


def test_a_slow_consumer_is_dropped_while_others_keep_receiving():
    venue = serve(max_queued=20)
    stalled = StalledClient(venue.ws_url)
    try:
        venue.call(lambda: rest_bids(venue, BOB, 20))

        async def scenario(session: ClientSession) -> None:
            async with session.ws_connect(venue.ws_url) as ws:
                await send(ws, "subscribe", {"type": "trades", "coin": US500})
                assert (await recv(ws))["channel"] == "subscriptionResponse"
                await eventually(lambda: venue.hub.connections == 2)
                stalled.flood(post(1, {"type": "l2Book", "coin": US500}), 4000)
                await eventually(lambda: venue.hub.connections == 1)
                assert isinstance(venue.place(ALICE, False, "5999", "0.01", Tif.IOC), Filled)
                assert (await recv(ws))["channel"] == "trades"

        client_run(scenario)
        assert stalled.is_cut_off()
    finally:
        stalled.close()
        venue.stop()


def rest_bids(venue: Venue, user: str, count: int) -> None:
    """``count`` bids of 0.01 from 5999 down, straight into the state (on the server's loop)."""
    now = venue.clock()
    for i in range(count):
        assert venue.state.admit(user, now - i, None, now) is None
        order = OrderRequest(US500, True, D(5999 - i), D("0.01"), Tif.GTC)
        assert isinstance(venue.state.place(user, [order], now)[0], Resting)


async def eventually(predicate: Callable[[], Any], timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


class StalledClient:
    """A raw websocket client with a tiny receive buffer that sends but never reads."""

    def __init__(self, ws_url: str) -> None:
        host, port = ws_url.removeprefix("ws://").removesuffix("/ws").split(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        self.sock.connect((host, int(port)))
        self.sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: venue\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )

    def flood(self, request: dict[str, Any], count: int) -> None:
        """Send ``count`` copies of ``request`` as masked text frames (the server may hang up)."""
        payload = json.dumps(request).encode()
        assert len(payload) < 126
        mask = b"\x01\x02\x03\x04"
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        frame = bytes([0x81, 0x80 | len(payload)]) + mask + masked
        with contextlib.suppress(OSError):
            self.sock.sendall(frame * count)

    def is_cut_off(self) -> bool:
        """True once the socket reads to its end (what was buffered, then EOF or a reset)."""
        self.sock.settimeout(WAIT_S)
        try:
            while self.sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
        return True

    def close(self) -> None:
        self.sock.close()
