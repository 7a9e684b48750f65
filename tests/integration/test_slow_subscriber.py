"""A subscriber that falls behind past its high-water mark sees the loss reported, not silence."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import time
from pathlib import Path

import zmq.asyncio

from amm.common.bus import Subscriber, decode_any_body
from amm.common.config import TransportConfig
from amm.common.logs import EventLog
from amm.common.sequence import SeqEventKind
from tests.helpers import REPO, free_port

BURST = 20_000
HWM = 100


def test_slow_subscriber_past_its_high_water_mark_sees_the_gap_reported(processes):
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    publisher = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("burst_publisher.py")),
            endpoint,
            str(BURST),
            str(HWM),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    processes.append(publisher)
    assert publisher.stdout.readline().strip() == "ready"
    log = io.StringIO()
    events = []

    async def run() -> int:
        ctx = zmq.asyncio.Context()
        sub = Subscriber(
            ctx,
            {"risk": endpoint},
            TransportConfig(recv_hwm=HWM),
            EventLog("slow", stream=log),
            body_decoder=decode_any_body,
            on_seq_event=events.append,
        )
        try:
            await asyncio.sleep(0.5)  # connected (slow joiner) before the burst starts
            publisher.stdin.write("go\n")
            publisher.stdin.flush()
            await asyncio.to_thread(publisher.stdout.readline)  # burst done; we never read
            publisher.stdin.write("end\n")
            publisher.stdin.flush()
            delivered = 0
            async with asyncio.timeout(20):
                while True:
                    message = await sub.recv()
                    delivered += 1
                    if message.topic == "end":
                        break
            track = sub.tracker.publishers["risk"]
            assert track.received + track.missing == track.seq  # every seq is accounted for
            return delivered
        finally:
            sub.close()
            ctx.term()

    started = time.monotonic()
    delivered = asyncio.run(run())
    publisher.stdin.close()
    publisher.wait(timeout=10)
    gaps = [event for event in events if event.kind is SeqEventKind.GAP]
    assert gaps, "messages were dropped at the high-water mark but no gap was reported"
    lost = sum(event.missing for event in gaps)
    assert lost > 0 and delivered < BURST
    assert delivered + lost >= BURST
    assert time.monotonic() - started < 30
