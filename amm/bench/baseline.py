"""The floor under tick-to-order: the same processes and hops with nothing else on them.

The real path is venue ws -> marketdata -> quoter -> risk -> execution -> venue http: five
processes and five hops (one websocket, three bus hops, one HTTP request). Here the driver (in
the venue's place) and four relays pass one msgpack message of an ``md.book`` envelope's size
along five PUB/SUB hops, each relay decoding and re-encoding it, and the relay in execution's
place signs one action with ``L1Signer``, as execution does (a ``batchModify`` of the ladder's
levels, what execution signs on a refresh). The driver times each round trip on one clock. One
message is in flight at a time, with a pause between messages as between the real book changes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from decimal import Decimal
from typing import Any

import msgpack
import zmq

from amm.common import envelope
from amm.common.hyperliquid.client import LimitOrder, batch_modify_action
from amm.common.hyperliquid.signing import L1Signer
from amm.common.messages import Book, BookLevel
from amm.tools.chaos.deployment import free_ports

ROLES = ("marketdata", "quoter", "risk", "execution")  # the relays; the driver is the venue
HOPS = len(ROLES) + 1
BOOK_LEVELS = 20
_THROWAWAY_KEY = "0x" + "11" * 32
_STOP = b"stop"
_WARM = b"warm"
_RECV_TIMEOUT_MS = 5_000


def book_payload(levels: int = BOOK_LEVELS) -> bytes:
    """An ``md.book`` envelope of a 20-level BTC book: the largest message on the path."""
    bids = [BookLevel(Decimal(50_000 - 5 * i), Decimal("0.12345"), 1) for i in range(levels)]
    asks = [BookLevel(Decimal(50_005 + 5 * i), Decimal("0.12345"), 1) for i in range(levels)]
    body = Book(
        coin="BTC", exch_time_ms=1_700_000_000_000, recv_ns=time.time_ns(), bids=bids, asks=asks
    )
    return envelope.encode("marketdata", "0123456789abcdef", 1, time.time_ns(), body)


def ladder_action(orders: int) -> dict[str, Any]:
    """A ``batchModify`` of ``orders`` quotes, as execution signs it on a refresh."""
    modifies = [
        (
            f"0x{i + 1:032x}",
            LimitOrder(
                asset=0,
                is_buy=i % 2 == 0,
                px=Decimal(50_000 + (-1 if i % 2 == 0 else 1) * 5 * (i + 2)),
                sz=Decimal("0.001"),
                tif="Alo",
                cloid=f"0x{i + 1:032x}",
            ),
        )
        for i in range(orders)
    ]
    return batch_modify_action(modifies)


def _relay(inbound: str, outbound: str, sign_orders: int) -> None:
    """One process of the chain: receive, decode, (sign), re-encode, send on; until ``stop``."""
    signer = L1Signer(_THROWAWAY_KEY, is_mainnet=False)
    action = ladder_action(sign_orders) if sign_orders else None
    ctx = zmq.Context()
    sub, pub = ctx.socket(zmq.SUB), ctx.socket(zmq.PUB)
    try:
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(inbound)
        pub.bind(outbound)
        nonce = int(time.time() * 1000)
        while True:
            topic, payload = sub.recv_multipart()
            if topic == _STOP:
                pub.send_multipart((topic, payload))
                return
            message = msgpack.unpackb(payload)
            if action is not None:
                nonce += 1
                signer.sign(action, nonce)
            pub.send_multipart((topic, msgpack.packb(message)))
    finally:
        sub.close(linger=0)
        pub.close(linger=100)
        ctx.term()


def run_baseline(count: int, gap_s: float, sign_orders: int) -> tuple[list[float], int]:
    """``count`` round trips along the chain (ms each) and the message size in bytes."""
    payload = book_payload()
    endpoints = [f"tcp://127.0.0.1:{port}" for port in free_ports(HOPS)]
    spawn = multiprocessing.get_context("spawn")
    relays = [
        spawn.Process(
            target=_relay,
            args=(endpoints[i], endpoints[i + 1], sign_orders if role == "execution" else 0),
            name=f"baseline-{role}",
            daemon=True,
        )
        for i, role in enumerate(ROLES)
    ]
    ctx = zmq.Context()
    pub, sub = ctx.socket(zmq.PUB), ctx.socket(zmq.SUB)
    try:
        pub.bind(endpoints[0])
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.setsockopt(zmq.RCVTIMEO, _RECV_TIMEOUT_MS)
        sub.connect(endpoints[-1])
        for relay in relays:
            relay.start()
        _warm_up(pub, sub, payload)
        samples = []
        for _ in range(count):
            started = time.monotonic_ns()
            pub.send_multipart((b"md.book.BTC", payload))
            sub.recv_multipart()
            samples.append((time.monotonic_ns() - started) / 1e6)
            time.sleep(gap_s)
        return samples, len(payload)
    finally:
        with contextlib.suppress(zmq.ZMQError):
            pub.send_multipart((_STOP, b""))
        for relay in relays:
            relay.join(timeout=5)
            if relay.is_alive():
                relay.kill()
                relay.join()
        pub.close(linger=0)
        sub.close(linger=0)
        ctx.term()


def _warm_up(pub: zmq.Socket, sub: zmq.Socket, payload: bytes, timeout_s: float = 30.0) -> None:
    """Send until a message makes the whole round (every subscription is then in place)."""
    deadline = time.monotonic() + timeout_s
    sub.setsockopt(zmq.RCVTIMEO, 20)
    try:
        while time.monotonic() < deadline:
            pub.send_multipart((_WARM, payload))
            try:
                sub.recv_multipart()
            except zmq.Again:
                continue
            while True:  # drain the other warm-up messages still on their way
                try:
                    sub.recv_multipart()
                except zmq.Again:
                    return
        raise TimeoutError(f"the baseline chain did not pass a message within {timeout_s:g} s")
    finally:
        sub.setsockopt(zmq.RCVTIMEO, _RECV_TIMEOUT_MS)
