"""`amm bench bus`: messages per second over one hop, the bus's envelope against raw pyzmq.

``envelope``: ``amm.common.bus.Publisher`` (envelope, seq) in one process and
``amm.common.bus.Subscriber`` (checks, seq tracking, the ``md.bbo`` schema) in another, on uvloop
as the actors run. ``raw``: a PUB socket sending ``msgpack.packb`` of the same map and a blocking
SUB socket doing ``msgpack.unpackb``, nothing else. Each is run with one and with two subscriber
processes. The publisher sends ``count`` messages as fast as it can, with high-water marks above
``count`` so that nothing is dropped; a subscriber's rate is its messages over the time from its
first to its last, so it is the slower of sending and receiving.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from decimal import Decimal
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

import msgpack
import msgspec
import uvloop
import zmq
import zmq.asyncio

from amm.bench.report import BenchResult, Check
from amm.common import envelope
from amm.common.bus import Publisher, Subscriber
from amm.common.config import TransportConfig
from amm.common.logs import EventLog
from amm.common.messages import Bbo
from amm.tools.chaos.deployment import free_ports

TOPIC = "md.bbo.BTC"
PROGRAM = "marketdata"
TARGET_RATIO = 0.5
IDLE_S = 2.0
_JOIN_S = 0.5  # after every subscriber is connected: let the subscriptions reach the publisher


def _bbo() -> Bbo:
    return Bbo(
        coin="BTC",
        exch_time_ms=1_700_000_000_000,
        recv_ns=time.time_ns(),
        bid_px=Decimal("50000"),
        bid_sz=Decimal("0.12345"),
        ask_px=Decimal("50001"),
        ask_sz=Decimal("0.23456"),
    )


def _transport(count: int) -> TransportConfig:
    return TransportConfig(send_hwm=count + 1000, recv_hwm=count + 1000)


def _publish(kind: str, endpoint: str, count: int, ready: list[Event], sent: Queue) -> None:
    ctx = zmq.Context()
    body = _bbo()
    if kind == "envelope":
        publisher = Publisher(ctx, PROGRAM, endpoint, _transport(count))
        send = lambda: publisher.publish(TOPIC, body)  # noqa: E731
        close = publisher.close
    else:
        socket = ctx.socket(zmq.PUB)
        socket.setsockopt(zmq.SNDHWM, count + 1000)
        socket.bind(endpoint)
        data = msgspec.to_builtins(body)
        topic = TOPIC.encode()

        def send() -> None:
            fields = {"v": 1, "src": PROGRAM, "epoch": "0123456789abcdef", "seq": 1}
            payload = msgpack.packb({**fields, "ts_ns": time.time_ns(), "data": data})
            socket.send_multipart((topic, payload))

        close = lambda: socket.close(linger=-1)  # noqa: E731
    try:
        for event in ready:
            event.wait(30)
        time.sleep(_JOIN_S)
        started = time.perf_counter()
        for _ in range(count):
            send()
        sent.put(time.perf_counter() - started)
    finally:
        close()
        ctx.term()


def _subscribe(kind: str, endpoint: str, count: int, ready: Event, results: Queue) -> None:
    if kind == "envelope":
        results.put(uvloop.run(_envelope_subscriber(endpoint, count, ready)))
        return
    ctx = zmq.Context()
    socket = ctx.socket(zmq.SUB)
    socket.setsockopt(zmq.RCVHWM, count + 1000)
    socket.setsockopt(zmq.SUBSCRIBE, b"")
    socket.setsockopt(zmq.RCVTIMEO, int(IDLE_S * 1000))
    socket.connect(endpoint)
    ready.set()
    received, first, last = 0, 0, 0
    try:
        while received < count:
            try:
                _, payload = socket.recv_multipart()
            except zmq.Again:
                break
            msgpack.unpackb(payload)
            last = time.perf_counter_ns()
            first = first or last
            received += 1
    finally:
        socket.close(linger=0)
        ctx.term()
    results.put((received, first, last))


async def _envelope_subscriber(endpoint: str, count: int, ready: Event) -> tuple[int, int, int]:
    ctx = zmq.asyncio.Context()
    log = EventLog("bench", level="error")
    subscriber = Subscriber(ctx, {PROGRAM: endpoint}, _transport(count), log, topics=("md.",))
    ready.set()
    received, first, last = 0, 0, 0
    try:
        while received < count:
            try:
                await asyncio.wait_for(subscriber.recv(), IDLE_S)
            except TimeoutError:
                break
            last = time.perf_counter_ns()
            first = first or last
            received += 1
    finally:
        subscriber.close()
        ctx.term()
    return received, first, last


def run_pair(kind: str, count: int, subscribers: int) -> dict[str, Any]:
    """One publisher and ``subscribers`` subscribers of ``kind``: rates and losses."""
    spawn = multiprocessing.get_context("spawn")
    endpoint = f"tcp://127.0.0.1:{free_ports(1)[0]}"
    ready = [spawn.Event() for _ in range(subscribers)]
    results: Queue = spawn.Queue()
    sent: Queue = spawn.Queue()
    processes = [
        spawn.Process(target=_subscribe, args=(kind, endpoint, count, event, results), daemon=True)
        for event in ready
    ]
    processes.append(
        spawn.Process(target=_publish, args=(kind, endpoint, count, ready, sent), daemon=True)
    )
    try:
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in range(subscribers)]
        send_s = sent.get(timeout=30)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
    rates = [
        (received - 1) / ((last - first) / 1e9) if received > 1 and last > first else 0.0
        for received, first, last in outcomes
    ]
    return {
        "msgs_per_s": round(sum(rates) / len(rates)),
        "per_subscriber": [round(rate) for rate in rates],
        "received": [received for received, _, _ in outcomes],
        "lost": sum(count - received for received, _, _ in outcomes),
        "publisher_msgs_per_s": round(count / send_s) if send_s > 0 else None,
    }


def run_bus(count: int) -> BenchResult:
    figures: dict[str, Any] = {}
    for subscribers in (1, 2):
        for kind in ("envelope", "raw"):
            figures[f"{kind}_{subscribers}sub"] = run_pair(kind, count, subscribers)
    ratio1 = _ratio(figures["envelope_1sub"], figures["raw_1sub"])
    ratio2 = _ratio(figures["envelope_2sub"], figures["raw_2sub"])
    figures["ratio_1sub"], figures["ratio_2sub"] = ratio1, ratio2
    lines = [
        f"  {name}: {f['msgs_per_s']:,} msg/s per subscriber (publisher"
        f" {f['publisher_msgs_per_s']:,} msg/s, lost {f['lost']})"
        for name, f in figures.items()
        if isinstance(f, dict)
    ]
    lines.append(f"  envelope / raw: {ratio1} with one subscriber, {ratio2} with two")
    payload = envelope.encode(PROGRAM, "0123456789abcdef", 1, time.time_ns(), _bbo())
    conditions = {
        "messages": count,
        "topic": TOPIC,
        "message_bytes": len(payload),
        "processes": "1 publisher + 1 or 2 subscribers",
        "subscriber_loop": "uvloop (envelope), blocking recv (raw)",
    }
    checks = [
        Check("bus.envelope_vs_raw_1sub", ratio1, ">=", TARGET_RATIO),
        Check("bus.envelope_vs_raw_2sub", ratio2, ">=", TARGET_RATIO),
    ]
    return BenchResult("bus", figures, conditions, checks, lines)


def _ratio(ours: dict[str, Any], raw: dict[str, Any]) -> float | None:
    return round(ours["msgs_per_s"] / raw["msgs_per_s"], 3) if raw["msgs_per_s"] else None
