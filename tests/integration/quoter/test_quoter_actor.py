"""The quoter actor on real sockets: stand-in peers publish, a SUB socket reads `quote.intent`.

The actor runs in this test's event loop with its settings passed in, because the `[quoter]`
config table is not wired into `Config` yet. The first test also gives it the market's spec;
the second reads `meta` from a real paper venue and takes `md.*` from a real marketdata process.
"""

from __future__ import annotations

import asyncio
import io
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import msgspec
import zmq
import zmq.asyncio

from amm.common import envelope
from amm.common.bus import Publisher
from amm.common.config import Config, MarketConfig, load_config
from amm.common.hyperliquid.rules import MarketSpec, is_valid_price, is_valid_size
from amm.common.logs import EventLog
from amm.common.messages import QuoteIntent, Schema, decode_body, topic_for
from amm.common.reqrep import request
from amm.common.runtime import EXIT_CONFIG, EXIT_OK
from amm.services.quoter.service import QuoterActor
from amm.services.quoter.settings import IntensitySettings, QuoterSettings
from tests.helpers import AMM, start_actor, stop
from tests.integration.risk.risk_rig import Venue
from tests.unit.services.quoter.quoter_helpers import COIN, SPEC, bbo, mode, risk, status

SETTINGS = QuoterSettings(republish_interval_s=0.2, intensity=IntensitySettings(calibrate=False))


class GivenSpecsQuoter(QuoterActor):
    """The quoter with the market's spec given, instead of read from an exchange's `meta`."""

    async def load_specs(self) -> dict[str, MarketSpec]:
        return {COIN: SPEC}


class Peers:
    """Stand-ins for the quoter's publishers, re-publishing their latest bodies."""

    def __init__(self, config: Config, programs: tuple[str, ...]) -> None:
        self.ctx = zmq.Context()
        bus = dict(config.bus.items())
        self.publishers = {
            name: Publisher(self.ctx, name, bus[name], config.transport) for name in programs
        }
        self.latest: dict[str, tuple[str, Schema]] = {}

    def set(self, program: str, body: Schema, key: str | None = None) -> None:
        self.latest[key or topic_for(body)] = (program, body)

    def publish(self) -> None:
        for topic, (program, body) in self.latest.items():
            self.publishers[program].publish(topic, body)

    def close(self) -> None:
        for publisher in self.publishers.values():
            publisher.close()
        self.ctx.term()


class IntentTap:
    """A SUB socket on the quoter's endpoint, keeping every `quote.intent` in arrival order."""

    def __init__(self, ctx: zmq.asyncio.Context, endpoint: str) -> None:
        self.socket = ctx.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"quote.intent")
        self.socket.connect(endpoint)
        self.seen: list[QuoteIntent] = []

    async def until(
        self, peers: Peers, predicate: Callable[[QuoteIntent], bool], timeout_s: float = 10.0
    ) -> QuoteIntent:
        """The first intent (from now on) that satisfies `predicate`; peers keep publishing."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            peers.publish()
            while await self.socket.poll(50):
                topic, payload = await self.socket.recv_multipart()
                body = decode_body(topic.decode(), envelope.decode(payload, 1 << 20).data)
                assert isinstance(body, QuoteIntent)
                self.seen.append(body)
                if predicate(body):
                    return body
        raise AssertionError(f"no matching intent in {timeout_s} s; last: {self.seen[-1:]}")


def test_quoter_publishes_intents_from_bus_inputs_and_fails_closed(write_config):
    config = load_config(write_config())
    log_lines = io.StringIO()
    actor = GivenSpecsQuoter(
        "quoter", config, EventLog("quoter", stream=log_lines), settings=SETTINGS
    )
    code, report = asyncio.run(_scenario(actor, config))
    assert code == EXIT_OK
    assert report["model"] == "glft" and report["mode"] == "defensive"
    market = report["markets"][COIN]
    assert market["model"]["reasons"] == ["md_not_live"]
    assert market["intent"]["bids"] == [] and market["intent"]["asks"] == []
    assert "quoter.quoting coin=km:US500 reasons=md_not_live" in log_lines.getvalue()


async def _scenario(actor: QuoterActor, config: Config) -> tuple[int, dict[str, Any]]:
    run = asyncio.create_task(actor.run())
    peers = Peers(config, ("marketdata", "risk", "monitor"))
    ctx = zmq.asyncio.Context()
    tap = IntentTap(ctx, config.bus.quoter)
    try:
        peers.set("marketdata", status())
        peers.set("marketdata", bbo())
        peers.set("risk", risk("0"))
        flat = await tap.until(peers, lambda i: bool(i.bids and i.asks))
        assert flat.coin == COIN and flat.fair_px == D(6000) and flat.mode == "moderate"
        assert flat.bids[0].px < flat.fair_px < flat.asks[0].px

        # level-triggered: the same intent again on the timer, while nothing changes
        again = await tap.until(peers, lambda i: i.intent_id == flat.intent_id, timeout_s=2)
        assert again == flat

        peers.set("risk", risk("0.07"))  # long $420: both quotes lower, the ask nearer the mid
        long = await tap.until(peers, lambda i: i.intent_id > flat.intent_id and bool(i.asks))
        assert long.bids[0].px < flat.bids[0].px and long.asks[0].px < flat.asks[0].px
        assert long.asks[0].px - long.fair_px < long.fair_px - long.bids[0].px

        peers.set("monitor", mode("defensive"))
        defensive = await tap.until(peers, lambda i: i.mode == "defensive")
        # defensive: $420 long is past 0.4 of its $1000 max exposure, so only asks, 2 levels
        assert defensive.bids == [] and len(defensive.asks) == 2

        peers.set("marketdata", status("stale"))
        empty = await tap.until(peers, lambda i: not i.bids and not i.asks)
        assert empty.intent_id > defensive.intent_id

        reply = await request(ctx, config.snapshot.quoter, "quote", timeout_s=2)
        report = msgspec.to_builtins(reply.data)
    finally:
        actor.stop_event.set()
        code = await asyncio.wait_for(run, 10)
        tap.socket.close()
        ctx.term()
        peers.close()
    return code, report


FAST_FEED = {"marketdata": {"stale_after_s": 1.0, "status_interval_s": 0.5}}


def wait_until_serving(url: str, timeout_s: float = 20.0) -> None:
    body = b'{"type":"allMids"}'
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            req = urllib.request.Request(url + "/info", data=body, method="POST")
            req.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(req, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_quoter_quotes_the_paper_venue_through_the_marketdata_actor(write_config, processes):
    """Real venue and marketdata processes, the real `meta` read; only risk is a stand-in."""
    path = write_config(FAST_FEED)
    config = load_config(path)
    venue = subprocess.Popen(
        [AMM, "venue", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    processes.append(venue)
    wait_until_serving(config.exchange.url)
    marketdata = start_actor("marketdata", path)
    processes.append(marketdata)
    actor = QuoterActor("quoter", config, EventLog("quoter", stream=io.StringIO()), SETTINGS)
    code = asyncio.run(_venue_scenario(actor, config, venue))
    assert code == EXIT_OK
    assert stop(marketdata)[0] == 0
    venue.send_signal(signal.SIGCONT)
    assert stop(venue)[0] == 0


async def _venue_scenario(actor: QuoterActor, config: Config, venue: subprocess.Popen[str]) -> int:
    run = asyncio.create_task(actor.run())
    peers = Peers(config, ("risk",))
    ctx = zmq.asyncio.Context()
    tap = IntentTap(ctx, config.bus.quoter)
    try:
        peers.set("risk", risk("0"))
        intent = await tap.until(peers, lambda i: bool(i.bids and i.asks), timeout_s=20)
        assert actor.core is not None and actor.core.markets[COIN].spec.sz_decimals == 2
        top = actor.core.markets[COIN].top
        assert top is not None and top.bid_px < intent.fair_px < top.ask_px
        for level in (*intent.bids, *intent.asks):
            assert is_valid_price(level.px, 2) and is_valid_size(level.sz, 2)
            assert level.px * level.sz >= 10
        assert intent.bids[0].px < intent.asks[0].px

        venue.send_signal(signal.SIGSTOP)  # the feed goes silent: stale, then nothing quoted
        empty = await tap.until(peers, lambda i: not i.bids and not i.asks, timeout_s=10)
        assert empty.intent_id > intent.intent_id
        view = actor.core.view(COIN)
        assert view is not None and "md_not_live" in view.reasons
    finally:
        actor.stop_event.set()
        code = await asyncio.wait_for(run, 10)
        tap.socket.close()
        ctx.term()
        peers.close()
    return code


def test_quoter_refuses_to_start_with_exit_2_on_a_market_the_exchange_does_not_list(write_config):
    config = load_config(write_config())
    # ETH passes no config check here (the venue table is bypassed); the venue does not list it
    config = msgspec.structs.replace(config, markets=[*config.markets, MarketConfig(coin="ETH")])
    log_lines = io.StringIO()
    actor = QuoterActor("quoter", config, EventLog("quoter", stream=log_lines), SETTINGS)
    assert asyncio.run(_unknown_market_scenario(actor, config)) == EXIT_CONFIG
    assert "quoter.unknown_market" in log_lines.getvalue()
    assert "market ETH is not listed" in log_lines.getvalue()
    assert actor.core is None  # it never quoted


async def _unknown_market_scenario(actor: QuoterActor, config: Config) -> int:
    venue = Venue(config)
    await venue.start()
    try:
        return await asyncio.wait_for(actor.run(), 10)
    finally:
        await venue.stop()
