"""HyperliquidStream over real websockets: the paper venue, a refused port, a broken server."""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import WSMsgType, web

from amm.common.config import load_config
from amm.common.hyperliquid.stream import (
    ConnectionChange,
    HyperliquidStream,
    StreamItem,
    WsMessage,
    ws_url_for,
)
from amm.common.logs import EventLog
from tests.helpers import free_port
from tests.integration.hyperliquid.hl_venue_runner import set_faults, venue_in_loop

US500 = "km:US500"
CHANNELS = {"l2Book", "bbo", "activeAssetCtx"}
SUBSCRIPTIONS = [
    {"type": "l2Book", "coin": US500},
    {"type": "bbo", "coin": US500},
    {"type": "activeAssetCtx", "coin": US500},
]


def stream(url: str, **options) -> HyperliquidStream:
    defaults = {"ping_interval_s": 0.2, "backoff_min_s": 0.05, "backoff_max_s": 0.2}
    return HyperliquidStream(url, SUBSCRIPTIONS, rng=random.Random(1), **(defaults | options))


async def collect(
    source: HyperliquidStream, done: Callable[[list[StreamItem]], bool], timeout_s: float = 8.0
) -> list[StreamItem]:
    """Items until ``done(items)``; the stream is closed afterwards."""
    items: list[StreamItem] = []
    async with asyncio.timeout(timeout_s), contextlib.aclosing(source.items()) as feed:
        async for item in feed:
            items.append(item)
            if done(items):
                break
    return items


def states(items: list[StreamItem]) -> list[str]:
    return [item.state for item in items if isinstance(item, ConnectionChange)]


def books(items: list[StreamItem]) -> list[WsMessage]:
    return [i for i in items if isinstance(i, WsMessage) and i.channel == "l2Book"]


@pytest.fixture
def config(write_config):
    return load_config(write_config())


def test_the_stream_gets_km_us500_book_bbo_ctx_and_pongs(config):
    async def scenario() -> None:
        async with venue_in_loop(config) as url:
            feed = stream(ws_url_for(url))
            channels: set[str] = set()

            def done(items: list[StreamItem]) -> bool:
                channels.update(i.channel for i in items[-1:] if isinstance(i, WsMessage))
                return channels == CHANNELS and feed.stats.pongs >= 2

            items = await collect(feed, done)
        assert states(items) == ["connected"]
        book = books(items)[0]
        assert book.data["coin"] == US500 and book.recv_ns > 0
        assert feed.stats.acks == 3 and feed.stats.pings >= feed.stats.pongs >= 2
        assert feed.stats.malformed == {}

    asyncio.run(scenario())


def test_the_stream_resubscribes_after_the_venue_drops_it(config):
    async def scenario() -> None:
        async with venue_in_loop(config) as url:
            await set_faults(url, ws_drop_interval_s=0.5)
            feed = stream(ws_url_for(url))

            def done(items: list[StreamItem]) -> bool:
                if states(items).count("connected") < 2:
                    return False
                since = items[_last_connect(items) :]
                return {i.channel for i in since if isinstance(i, WsMessage)} == CHANNELS

            items = await collect(feed, done)
        seen = states(items)
        assert seen[:4] == ["connected", "disconnected", "reconnecting", "connected"]
        dropped = next(i for i in items if isinstance(i, ConnectionChange) and i.reason)
        assert "closed by the server" in dropped.reason
        assert feed.stats.connects >= 2 and feed.stats.acks >= 6

    asyncio.run(scenario())


def _last_connect(items: list[StreamItem]) -> int:
    return max(
        n for n, i in enumerate(items) if isinstance(i, ConnectionChange) and i.state == "connected"
    )


def test_a_refused_port_is_retried_with_growing_jittered_delays():
    async def scenario() -> None:
        feed = stream(f"ws://127.0.0.1:{free_port()}/ws", backoff_min_s=0.01, backoff_max_s=0.04)
        items = await collect(feed, lambda items: len(items) >= 5)
        assert states(items) == ["reconnecting"] * 5
        assert [i.attempt for i in items] == [1, 2, 3, 4, 5]
        caps = [0.01, 0.02, 0.04, 0.04, 0.04]
        assert all(0 <= i.delay_s <= cap for i, cap in zip(items, caps, strict=True))
        assert "connect failed" in items[0].reason
        assert feed.stats.failed_connects == 5 and feed.stats.connects == 0

    asyncio.run(scenario())


@contextlib.asynccontextmanager
async def broken_server() -> AsyncIterator[str]:
    """A websocket server that sends junk, one good message, then never answers again."""

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        for junk in ("not json", "not json either", '["a list"]'):
            await ws.send_str(junk)
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str('{"channel":"l2Book","data":{"coin":"km:US500"}}')
        async for message in ws:  # swallow pings, answer nothing
            if message.type is WSMsgType.CLOSE:
                break
        return ws

    app = web.Application()
    app.router.add_get("/ws", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"ws://{host}:{port}/ws"
    finally:
        await runner.cleanup()


def test_junk_is_counted_and_logged_once_and_a_silent_server_is_left():
    async def scenario() -> None:
        out = io.StringIO()
        async with broken_server() as url:
            feed = stream(url, pong_timeout_s=0.3, log=EventLog("test", stream=out))
            items = await collect(feed, lambda items: "disconnected" in states(items))
        assert [i.data for i in items if isinstance(i, WsMessage)] == [{"coin": US500}]
        assert items[-1].reason == "silent for 0.5 s"
        assert feed.stats.malformed == {"not_json": 2, "no_channel": 1, "binary": 1}
        logged = out.getvalue()
        assert logged.count("ws.malformed") == 3 and logged.count("not_json") == 1

    asyncio.run(scenario())
