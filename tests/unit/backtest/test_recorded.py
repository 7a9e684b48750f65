"""Replaying a recording into the quoter's core: alignment, start, timer steps, comparison."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import msgspec

from amm.backtest.actors.quoter import QuoterShell
from amm.backtest.recorded import replay_recording
from amm.common import envelope
from amm.common.config import load_config
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import (
    Bbo,
    MarketDataStatus,
    QuoteIntent,
    RiskPosition,
    RiskState,
    Schema,
    topic_for,
)
from amm.services.quoter.logic import QuoterCore
from amm.services.venue.state import list_markets
from amm.tools.record import RecordingWriter, read_recording
from tests.helpers import REPO

CONFIG = load_config(REPO / "configs" / "paper.toml")
COIN = "km:US500"
MS = 1_000_000
T0 = 1_800_000_000_000 * MS


class Bus:
    """Writes messages as publishers would send them and a recorder would receive them."""

    def __init__(self, path: Path) -> None:
        self.writer = RecordingWriter(path, CONFIG, T0)
        self.seq: dict[str, int] = {}

    def publish(self, src: str, body: Schema, ts_ns: int, recv_ns: int | None = None) -> None:
        self.seq[src] = self.seq.get(src, 0) + 1
        payload = envelope.encode(src, f"{src:0>16}"[:16], self.seq[src], ts_ns, body)
        frames = [topic_for(body).encode(), payload]
        self.writer.write(ts_ns + 200_000 if recv_ns is None else recv_ns, src, frames)


def bbo(mid: str) -> Bbo:
    px = D(mid)
    return Bbo(
        coin=COIN,
        exch_time_ms=0,
        recv_ns=0,
        bid_px=px - D("0.5"),
        bid_sz=D(2),
        ask_px=px + D("0.5"),
        ask_sz=D(2),
    )


def risk_state(szi: str) -> RiskState:
    return RiskState(
        state="ACTIVE",
        reasons=[],
        positions={COIN: RiskPosition(szi=D(szi), entry_px=None, notional=D(0), delta=0.0)},
        session_pnl=D(0),
        snapshot_ok=True,
    )


def live_session(path: Path) -> list[QuoteIntent]:
    """A quoter core fed like the live actor, its intents published to the recording."""
    bus = Bus(path)
    status = MarketDataStatus(state="live", markets={COIN: "live"})
    bus.publish("marketdata", bbo("6000"), T0 - 5000 * MS)  # before the quoter started
    start_ns = T0
    shell = QuoterShell(
        QuoterCore(CONFIG.quoter, {COIN: _spec()}, first_intent_id=start_ns // MS), [COIN]
    )
    published: list[QuoteIntent] = []
    mids = ["6000", "6000.5", "6003", "6003", "5998", "6001", "6010", "6010"]
    time_ns = start_ns + 100 * MS
    inputs: list[tuple[str, Schema]] = [("marketdata", status), ("risk", risk_state("0"))]
    inputs += [("marketdata", bbo(mid)) for mid in mids]
    inputs.insert(6, ("risk", risk_state("0.05")))
    for n, (src, body) in enumerate(inputs):
        time_ns += 700 * MS
        bus.publish(src, body, time_ns)
        for intent in shell.on_body(body, time_ns + 300_000):
            published.append(intent)
            bus.publish("quoter", intent, time_ns + 400_000)
        if n % 3 == 2:  # the republish timer
            tick_ns = time_ns + 350 * MS
            for intent in shell.tick(tick_ns):
                if intent not in published:
                    published.append(intent)
                bus.publish("quoter", intent, tick_ns)
    bus.writer.close()
    return published


def _spec() -> MarketSpec:
    """The market as the venue lists it."""
    assert CONFIG.venue is not None
    return next(lst.spec for lst in list_markets(CONFIG.venue) if lst.coin == COIN)


def test_the_replayed_quoter_makes_exactly_the_live_ladders(tmp_path):
    path = tmp_path / "bus.rec"
    live = live_session(path)
    assert len(live) >= 3
    result = replay_recording(CONFIG, path)
    assert result.quoter.live == len(live)
    assert result.quoter.replayed == len(live)
    assert result.quoter.matched == len(live), result.quoter.mismatches
    assert [i.intent_id for i in result.intents] == [i.intent_id for i in live]


def test_a_different_ladder_is_reported_with_both_sides(tmp_path):
    path = tmp_path / "bus.rec"
    live = live_session(path)
    changed = msgspec.structs.replace(live[1], fair_px=live[1].fair_px + 1)
    bus = Bus(tmp_path / "changed.rec")
    for recorded in read_recording(path).messages:
        body = msgspec.msgpack.decode(recorded.frames[1])
        data = body["data"]
        if recorded.publisher == "quoter" and data["intent_id"] == changed.intent_id:
            data = msgspec.to_builtins(changed)
        frames = [
            recorded.frames[0],
            envelope.encode(body["src"], body["epoch"], body["seq"], body["ts_ns"], data),
        ]
        bus.writer.write(recorded.recv_ns, recorded.publisher, frames)
    bus.writer.close()
    result = replay_recording(CONFIG, tmp_path / "changed.rec")
    assert result.quoter.matched == len(live) - 1
    [mismatch] = result.quoter.mismatches
    assert mismatch["index"] == 1
    [live_one], [replayed_one] = mismatch["live"], mismatch["replayed"]
    assert live_one["fair_px"] != replayed_one["fair_px"]
