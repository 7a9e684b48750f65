"""A rogue publisher on an actor's bus endpoint (while the actor is stopped).

Subscribers connect to the configured endpoints, not to a process, so whoever binds an
endpoint speaks to its subscribers. The rogue binds an XPUB (a PUB that also shows who
subscribed), waits until the actor's subscribers have reconnected to it, and sends garbage.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import zmq
import zmq.asyncio

from amm.tools.chaos.garbage import Garbage

SUBSCRIBE = 1  # first byte of an XPUB subscription message


class Rogue:
    """An XPUB bound at `endpoint`, counting the subscribers that joined it."""

    def __init__(self, ctx: zmq.asyncio.Context, endpoint: str) -> None:
        self._socket = ctx.socket(zmq.XPUB)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.SNDHWM, 100_000)
        self._socket.setsockopt(zmq.XPUB_VERBOSE, 1)
        self._socket.bind(endpoint)
        self.subscribers = 0

    async def wait_subscribers(self, count: int, timeout_s: float) -> int:
        """Wait until `count` subscriptions arrived (or the timeout); how many did."""
        deadline = time.monotonic() + timeout_s
        while self.subscribers < count and (left := deadline - time.monotonic()) > 0:
            if await self._socket.poll(int(left * 1000) + 1):
                message = await self._socket.recv()
                self.subscribers += message[:1] == bytes([SUBSCRIBE])
        await asyncio.sleep(0.2)  # let each connection's handshake settle before sending
        return self.subscribers

    def send(self, messages: Sequence[Garbage]) -> None:
        """Send every message now (nothing blocks: the queue is far deeper than one round)."""
        for message in messages:
            self._socket.send_multipart(message.frames, flags=zmq.NOBLOCK)

    def close(self) -> None:
        self._socket.close(linger=0)
