"""Listen to the bus briefly and report the newest heartbeat of each actor."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import dataclass

from amm.common.bus import Subscriber
from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.logs import EventLog
from amm.common.messages import Heartbeat


@dataclass(frozen=True)
class HeartbeatSeen:
    program: str
    epoch: str
    seq: int
    ts_ns: int
    body: Heartbeat


async def collect_heartbeats(
    config: Config, wanted: set[str], window_s: float
) -> dict[str, HeartbeatSeen]:
    """Heartbeats heard within `window_s`, returning early once every wanted actor was heard."""
    ctx = client_context(config)
    quiet = EventLog("amm", stream=io.StringIO())
    subscriber = Subscriber(
        ctx,
        dict(config.bus.items()),
        config.transport,
        quiet,
        topics=("hb.",),
        on_seq_event=lambda event: None,
    )
    seen: dict[str, HeartbeatSeen] = {}
    deadline = time.monotonic() + window_s
    try:
        while not wanted <= seen.keys():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                message = await asyncio.wait_for(subscriber.recv(), remaining)
            except TimeoutError:
                break
            env = message.envelope
            seen[message.publisher] = HeartbeatSeen(
                message.publisher, env.epoch, env.seq, env.ts_ns, message.body
            )
    finally:
        subscriber.close()
        ctx.term()
    return seen
