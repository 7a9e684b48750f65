"""`amm actor marketdata` as a real process against `amm venue` as a real process."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
import zmq

from amm.common import envelope
from amm.common.config import load_config
from amm.common.messages import Bbo, Book, MarketDataStatus, decode_body
from tests.helpers import AMM, start_actor, stop

US500 = "km:US500"
FAST_FEED = {
    "marketdata": {
        "stale_after_s": 1.0,
        "ping_interval_s": 0.5,
        "pong_timeout_s": 1.0,
        "connect_timeout_s": 1.0,
        "reconnect_backoff_min_s": 0.1,
        "reconnect_backoff_max_s": 0.5,
        "status_interval_s": 0.5,
    }
}


def start_venue(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [AMM, "venue", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_serving(url: str, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    request = urllib.request.Request(
        url + "/info", data=b'{"type":"allMids"}', headers={"Content-Type": "application/json"}
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class BusTap:
    """A SUB socket on marketdata's endpoint: schema-checked bodies, in arrival order."""

    def __init__(self, endpoint: str) -> None:
        self.ctx = zmq.Context()
        self.socket = self.ctx.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"")
        self.socket.connect(endpoint)
        self.seen: list[tuple[str, Any]] = []

    def until(self, predicate: Callable[[str, Any], bool], timeout_s: float = 10.0) -> Any:
        """The first body (from now on) for which ``predicate(topic, body)`` holds."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.socket.poll(50):
                continue
            topic_raw, payload = self.socket.recv_multipart()
            topic = topic_raw.decode()
            body = decode_body(topic, envelope.decode(payload, 1 << 20).data)
            self.seen.append((topic, body))
            if predicate(topic, body):
                return body
        raise AssertionError(f"timed out; last topics {[t for t, _ in self.seen[-5:]]}")

    def status(self, state: str, timeout_s: float = 10.0) -> MarketDataStatus:
        return self.until(
            lambda topic, body: topic == "md.status" and body.state == state, timeout_s
        )

    def close(self) -> None:
        self.socket.close()
        self.ctx.term()


def ask(endpoint: str, op: str, args: dict | None = None) -> dict:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    try:
        sock.connect(endpoint)
        sock.send(msgpack.packb({"v": 1, "id": 1, "op": op, "args": args or {}}))
        assert sock.poll(3000), f"no reply to {op}"
        reply = msgpack.unpackb(sock.recv())
        assert reply["ok"], reply
        return reply["data"]
    finally:
        sock.close()
        ctx.term()


def test_marketdata_publishes_live_books_then_stale_reconnecting_and_live_again(
    write_config, processes
):
    path = write_config(FAST_FEED)
    config = load_config(path)
    venue = start_venue(path)
    processes.append(venue)
    wait_until_serving(config.exchange.url)
    actor = start_actor("marketdata", path)
    processes.append(actor)
    tap = BusTap(config.bus.marketdata)
    try:
        book = tap.until(lambda topic, _: topic == f"md.book.{US500}")
        assert isinstance(book, Book) and book.bids and book.asks
        assert book.bids[0].px < book.asks[0].px
        assert isinstance(tap.until(lambda topic, _: topic == f"md.bbo.{US500}"), Bbo)
        tap.until(lambda topic, _: topic == f"md.ctx.{US500}")
        live = tap.status("live")
        assert live.markets == {US500: "live"}
        tap.until(lambda topic, _: topic == f"md.trade.{US500}")

        books = ask(config.snapshot.marketdata, "book")["books"]
        assert books[US500]["coin"] == US500 and books[US500]["bids"]
        feed = ask(config.snapshot.marketdata, "feed")
        assert feed["connected"] and feed["pongs"] >= 1 and feed["acks"] == 4

        since = len(tap.seen)
        tap.status("live")  # re-published while nothing changes (level-triggered)
        tap.status("live")
        assert [t for t, _ in tap.seen[since:]].count("md.status") == 2

        venue.send_signal(signal.SIGSTOP)  # the connection stays up, silent
        stale = tap.status("stale", timeout_s=5)
        assert stale.markets == {US500: "stale"} and US500 in stale.reason
        reconnecting = tap.status("reconnecting", timeout_s=5)
        assert reconnecting.markets == {US500: "reconnecting"}

        venue.kill()
        venue.wait()
        venue = start_venue(path)
        processes.append(venue)
        assert tap.status("live", timeout_s=15).markets == {US500: "live"}
        tap.until(lambda topic, _: topic == f"md.book.{US500}")
    finally:
        tap.close()
    code, output = stop(actor)
    assert code == 0, output
    assert "md.disconnected" in output and "md.state state=live" in output
    assert stop(venue)[0] == 0
