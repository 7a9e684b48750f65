"""Listening to one publisher on the bus: a tap that records its stream, and a slow subscriber.

The tap keeps every message's seq, topic and publish time (for the burst's rates and the
quoter's lag). The slow subscriber connects with a tiny receive buffer and high-water mark and
reads nothing until asked: the publisher must drop what does not fit for it alone, and the seq
numbers it reads afterwards must show the loss.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import zmq
import zmq.asyncio

from amm.common.bus import Subscriber, decode_any_body
from amm.common.config import Config
from amm.common.envelope import MalformedMessage, decode
from amm.common.logs import EventLog
from amm.common.sequence import SeqEvent, SeqEventKind, SeqTracker
from amm.tools.chaos.conflation import TapRecord


class Tap:
    """Records one publisher's whole stream while `running()` is open."""

    def __init__(self, ctx: zmq.asyncio.Context, config: Config, program: str) -> None:
        self.records: list[TapRecord] = []
        self.gaps = 0
        self._subscriber = Subscriber(
            ctx,
            {program: dict(config.bus.items())[program]},
            config.transport,
            EventLog("chaos-tap", stream=io.StringIO()),
            body_decoder=decode_any_body,
            on_seq_event=self._on_seq_event,
        )

    def _on_seq_event(self, event: SeqEvent) -> None:
        self.gaps += event.kind is SeqEventKind.GAP

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Tap]:
        """Record in the background until the block ends."""
        task = asyncio.create_task(self._record())
        try:
            yield self
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            self._subscriber.close()

    async def _record(self) -> None:
        while True:
            message = await self._subscriber.recv()
            env = message.envelope
            self.records.append(TapRecord(env.seq, message.topic, env.ts_ns))


class SlowSubscriber:
    """A subscriber that never reads until `drain`, with buffers a few messages deep."""

    def __init__(
        self, ctx: zmq.asyncio.Context, endpoint: str, *, hwm: int = 10, rcvbuf: int = 4096
    ) -> None:
        self._socket = ctx.socket(zmq.SUB)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.RCVHWM, hwm)
        self._socket.setsockopt(zmq.RCVBUF, rcvbuf)
        self._socket.setsockopt(zmq.SUBSCRIBE, b"")
        self._socket.connect(endpoint)
        self.tracker = SeqTracker()

    async def drain(self, until_ns: int, max_bytes: int, timeout_s: float) -> tuple[int, int]:
        """Read until a message published at `until_ns` or later (caught up with the live
        stream), or the timeout; how many were read and how many the seq shows lost."""
        read, caught_up = 0, False
        sync = zmq.Socket.shadow(self._socket.underlying)  # reads a backlog without the loop
        deadline = time.monotonic() + timeout_s
        while not caught_up and (left := deadline - time.monotonic()) > 0:
            if not await self._socket.poll(int(left * 1000) + 1):
                continue
            while not caught_up:
                try:
                    frames = sync.recv_multipart(flags=zmq.NOBLOCK)
                except zmq.Again:
                    break
                read += 1
                try:
                    env = decode(frames[-1], max_bytes)
                except MalformedMessage:
                    continue
                self.tracker.observe(env.src, env.epoch, env.seq)
                caught_up = env.ts_ns >= until_ns
        return read, sum(track.missing for track in self.tracker.publishers.values())

    def close(self) -> None:
        self._socket.close(linger=0)
