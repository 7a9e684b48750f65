"""Hyperliquid's websocket from asyncio: subscribe, keep alive, reconnect forever.

Not the SDK's ``WebsocketManager`` (a thread with blocking callbacks): an aiohttp client whose
messages come out of one async iterator, interleaved with connection markers so the consumer can
say whether its data is live. Hyperliquid closes a connection the client has sent nothing on for
60 s, so the client sends ``{"method": "ping"}`` every ``ping_interval_s`` (it answers
``{"channel": "pong"}``); a connection silent for ``ping_interval_s + pong_timeout_s`` is dead
(half-open TCP never closes by itself) and is replaced. Every drop is followed by a reconnect
after an exponential backoff with full jitter, and the subscriptions are sent again.

A slow consumer is not buffered for: while it is busy the socket is not read, and the server
drops the connection (Hyperliquid does that to slow clients), which shows up as a reconnect.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse, urlunparse

import aiohttp
import msgspec

from amm.common.logs import EventLog

PING = '{"method":"ping"}'
_CLOSE_TIMEOUT_S = 1.0
_INTERNAL_CHANNELS = frozenset({"pong", "subscriptionResponse"})


@dataclass(frozen=True, slots=True)
class WsMessage:
    """One server message: its channel, its decoded ``data`` and when it arrived (wall ns)."""

    channel: str
    data: Any
    recv_ns: int


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    """A marker in the stream: ``connected`` (subscriptions sent), ``disconnected`` (a live
    connection ended) or ``reconnecting`` (the next attempt, after ``delay_s``)."""

    state: Literal["connected", "disconnected", "reconnecting"]
    reason: str = ""
    attempt: int = 0
    delay_s: float = 0.0


StreamItem = WsMessage | ConnectionChange


class MalformedFrame(ValueError):
    """A frame that is not a JSON object with a string ``channel``; ``kind`` says how."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class StreamStats:
    """Counters for status replies and tests; never reset, so rates can be derived."""

    connects: int = 0
    disconnects: int = 0
    failed_connects: int = 0
    pings: int = 0
    pongs: int = 0
    acks: int = 0
    messages: int = 0
    malformed: collections.Counter[str] = field(default_factory=collections.Counter)
    connected: bool = False


def ws_url_for(exchange_url: str) -> str:
    """The websocket url of an exchange url: http -> ws, https -> wss, path /ws."""
    parts = urlparse(exchange_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"not an http(s) url: {exchange_url}")
    return urlunparse((scheme, parts.netloc, "/ws", "", "", ""))


def backoff_delay(attempt: int, min_s: float, max_s: float, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_s, min_s * 2^(attempt-1))] for attempt >= 1."""
    cap = min(max_s, min_s * 2.0 ** min(max(attempt - 1, 0), 62))
    return rng.uniform(0.0, cap)


def subscribe_text(subscription: dict[str, Any]) -> str:
    return msgspec.json.encode({"method": "subscribe", "subscription": subscription}).decode()


def parse_frame(text: str, recv_ns: int) -> WsMessage:
    """Decode one text frame (raises MalformedFrame)."""
    try:
        body = msgspec.json.decode(text)
    except msgspec.DecodeError:
        raise MalformedFrame("not_json", text[:200]) from None
    if not isinstance(body, dict) or not isinstance(body.get("channel"), str):
        raise MalformedFrame("no_channel", text[:200])
    return WsMessage(body["channel"], body.get("data"), recv_ns)


class HyperliquidStream:
    """Subscriptions on Hyperliquid's ``/ws`` as an endless async iterator of ``StreamItem``."""

    def __init__(
        self,
        ws_url: str,
        subscriptions: Sequence[dict[str, Any]],
        *,
        ping_interval_s: float = 50.0,
        pong_timeout_s: float = 10.0,
        backoff_min_s: float = 0.5,
        backoff_max_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        rng: random.Random | None = None,
        log: EventLog | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.ws_url = ws_url
        self.subscriptions = list(subscriptions)
        self.ping_interval_s = ping_interval_s
        self.silence_limit_s = ping_interval_s + pong_timeout_s
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self.connect_timeout_s = connect_timeout_s
        self.rng = rng or random.Random()
        self.log = log
        self.clock_ns = clock_ns
        self.stats = StreamStats()

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        return self.items()

    async def items(self) -> AsyncIterator[StreamItem]:
        """Connect, subscribe and yield until closed; every failure is a marker, never a raise."""
        attempt = 0
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    ws = await self._connect(session)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    self.stats.failed_connects += 1
                    reason = f"connect failed: {type(exc).__name__}: {exc}"
                else:
                    try:
                        self.stats.connects += 1
                        self.stats.connected = True
                        yield ConnectionChange("connected")
                        async with contextlib.aclosing(self._receive(ws)) as messages:
                            async for message in messages:
                                attempt = 0  # reset only once data flows: flapping backs off
                                yield message
                        reason = f"closed by the server (code {ws.close_code})"
                    except TimeoutError:
                        reason = f"silent for {self.silence_limit_s:g} s"
                    except (aiohttp.ClientError, OSError) as exc:
                        reason = f"{type(exc).__name__}: {exc}"
                    finally:
                        self.stats.connected = False
                        with contextlib.suppress(Exception):
                            await ws.close()
                    self.stats.disconnects += 1
                    yield ConnectionChange("disconnected", reason)
                attempt += 1
                delay = backoff_delay(attempt, self.backoff_min_s, self.backoff_max_s, self.rng)
                yield ConnectionChange("reconnecting", reason, attempt, delay)
                await asyncio.sleep(delay)

    async def _connect(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        async with asyncio.timeout(self.connect_timeout_s):
            ws = await session.ws_connect(
                self.ws_url,
                autoping=True,
                heartbeat=None,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=_CLOSE_TIMEOUT_S),
            )
            try:
                for subscription in self.subscriptions:
                    await ws.send_str(subscribe_text(subscription))
            except BaseException:
                await ws.close()
                raise
        return ws

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[WsMessage]:
        """Data messages until the connection ends; pongs and acks are only counted."""
        pinger = asyncio.create_task(self._ping(ws))
        try:
            while True:
                frame = await ws.receive(timeout=self.silence_limit_s)
                if frame.type is aiohttp.WSMsgType.TEXT:
                    try:
                        message = parse_frame(frame.data, self.clock_ns())
                    except MalformedFrame as exc:
                        self._malformed(exc)
                        continue
                    if message.channel in _INTERNAL_CHANNELS:
                        if message.channel == "pong":
                            self.stats.pongs += 1
                        else:
                            self.stats.acks += 1
                        continue
                    self.stats.messages += 1
                    yield message
                elif frame.type is aiohttp.WSMsgType.BINARY:
                    self._malformed(MalformedFrame("binary", f"{len(frame.data)} bytes"))
                else:
                    return
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        with contextlib.suppress(aiohttp.ClientError, ConnectionError):
            while True:
                await asyncio.sleep(self.ping_interval_s)
                await ws.send_str(PING)
                self.stats.pings += 1

    def _malformed(self, error: MalformedFrame) -> None:
        """Count it; log only the first of each kind (a broken feed must not flood the log)."""
        self.stats.malformed[error.kind] += 1
        if self.stats.malformed[error.kind] == 1 and self.log is not None:
            self.log.warning(
                "ws.malformed",
                url=self.ws_url,
                kind=error.kind,
                detail=error.detail,
                note="dropped; later ones of this kind are only counted",
            )
