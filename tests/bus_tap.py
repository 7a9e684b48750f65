"""A SUB socket on one actor's endpoint that waits for a schema-checked body (tests only)."""

from __future__ import annotations

import time
from typing import Any

import zmq
import zmq.asyncio

from amm.common import envelope
from amm.common.messages import decode_body


class BusTap:
    """Every message of one publisher, decoded with its topic's schema."""

    def __init__(self, endpoint: str, *, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.ctx = zmq.asyncio.Context()
        self.socket = self.ctx.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"")
        self.socket.connect(endpoint)

    async def until(self, topic: str, check: Any, timeout_s: float | None = None) -> Any:
        """The first body on ``topic`` (from now on) for which ``check(body)`` holds."""
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else timeout_s)
        last = None
        while time.monotonic() < deadline:
            if not await self.socket.poll(50):
                continue
            raw_topic, payload = await self.socket.recv_multipart()
            if raw_topic.decode() != topic:
                continue
            last = decode_body(topic, envelope.decode(payload, 1 << 20).data)
            if check(last):
                return last
        raise AssertionError(f"timed out waiting on {topic}; last: {last}")

    def close(self) -> None:
        self.socket.close()
        self.ctx.term()
