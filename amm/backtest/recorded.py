"""A bus recording replayed into the quoter's and risk's cores: the decisions the live actors
would make, compared with what they published. A recording holds no exchange, so nothing
fills: the result is ladders and verdicts, not PnL.

Each recorded message is first checked as a live subscriber checks it (envelope, seq, schema),
then fed to the core of each actor that acts on it (``programs.LISTENS_TO``/``CONSUMES``) at the
recorder's receive time; ``recorded_quoter`` and ``recorded_risk`` say how each is aligned with
the live actor. The replayed ladders are aligned in order with the ladders the live quoter
published (fair price, ladder, mode, model; ids and ``created_ns`` aside, so one intent too many
or too few costs one item, not every later one); each replayed verdict is compared with the live
risk's decision on the same intent (verdict, reasons, state, ladder, rebalance). Messages of
two publishers that reached the recorder almost together may have reached the actor the other
way round (``recorded_order``); such swaps are counted in ``reordered``.

The clocks are the recorder's, not the actors': an estimator that switches at a time boundary
(sigma sampled once a second, the throttle's refresh and token bucket, A/k refits) can land on
the other side of it when the recorder got a message a fraction of a millisecond before or
after the actor did.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
import zmq.asyncio

from amm.backtest.recorded_quoter import replay_quoter
from amm.backtest.recorded_risk import replay_risk
from amm.common.bus import Received, Subscriber
from amm.common.config import Config
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.logs import EventLog
from amm.common.messages import QuoteIntent, RiskDecision
from amm.common.programs import CONSUMES, LISTENS_TO
from amm.services.venue.state import list_markets
from amm.tools.record import read_recording

_SHOWN_MISMATCHES = 5


class Comparison(msgspec.Struct, kw_only=True):
    """Replayed against live: how many, how many equal, the first differences."""

    live: int
    replayed: int
    matched: int
    mismatches: list[dict[str, Any]]
    reordered: int = 0  # pairs of concurrent inputs replayed in the other order


class RecordingResult(msgspec.Struct, kw_only=True):
    """What replaying a recording gives: the decisions, and how they compare with live."""

    source: str
    start_ns: int
    end_ns: int
    messages: int
    quoter: Comparison
    risk: Comparison
    intents: list[QuoteIntent]

    def to_json(self) -> bytes:
        return msgspec.json.encode(self, order="deterministic")


RECORDING_TAIL_NS = 100_000_000  # far above the quoter's reaction time (~1 ms)


def replay_recording(config: Config, path: Path, source: str | None = None) -> RecordingResult:
    """Replay ``path`` into fresh quoter and risk cores configured by ``config``."""
    received = list(accepted(config, path))
    specs = _specs(config)
    live = first_epoch_intents(received)
    quoter = replay_quoter(config, specs, received, live, consumes, ladder_key)
    live_decisions, decisions, swapped = replay_risk(
        config, specs, received, consumes, _decision_view
    )
    times = [recv_ns for recv_ns, _ in received]
    end_ns = times[-1] if times else 0
    aligned = _align(live, _answerable(quoter.intents, len(live), end_ns))
    return RecordingResult(
        source=source or path.name,
        start_ns=times[0] if times else 0,
        end_ns=end_ns,
        messages=len(received),
        quoter=msgspec.structs.replace(aligned, reordered=quoter.reordered),
        risk=msgspec.structs.replace(_pairs(live_decisions, decisions), reordered=swapped),
        intents=quoter.intents,
    )


def _answerable(
    replayed: Sequence[QuoteIntent], live_count: int, end_ns: int
) -> Sequence[QuoteIntent]:
    """Without the extra replayed intents decided in the recording's last moments.

    The live quoter's answer to the last inputs may come after the recorder stopped; such an
    intent is not a disagreement. Only surplus intents at the very end are dropped.
    """
    kept = len(replayed)
    while kept > live_count and replayed[kept - 1].created_ns > end_ns - RECORDING_TAIL_NS:
        kept -= 1
    return replayed[:kept]


def accepted(config: Config, path: Path) -> Iterator[tuple[int, Received]]:
    """Each recorded message a live subscriber would have taken, with its receive time."""
    ctx = zmq.asyncio.Context()
    log = EventLog("amm-backtest", level="error", stream=sys.stderr)
    subscriber = Subscriber(ctx, {}, config.transport, log)
    try:
        for recorded in read_recording(path).messages:
            message = subscriber.accept(recorded.publisher, recorded.frames)
            if message is not None:
                yield recorded.recv_ns, message
    finally:
        subscriber.close()
        ctx.term()


def consumes(program: str, message: Received) -> bool:
    """True if the live ``program`` acts on ``message``."""
    return message.publisher in LISTENS_TO[program] and message.topic.startswith(CONSUMES[program])


def first_epoch_intents(received: Sequence[tuple[int, Received]]) -> list[QuoteIntent]:
    """The new intents of the first recorded quoter instance, in publishing order."""
    intents: list[QuoteIntent] = []
    seen: set[int] = set()
    epoch = None
    for _, message in received:
        body = message.body
        if message.publisher != "quoter" or not isinstance(body, QuoteIntent):
            continue
        epoch = epoch or message.envelope.epoch
        if message.envelope.epoch == epoch and body.intent_id not in seen:
            seen.add(body.intent_id)
            intents.append(body)
    return intents


def ladder_key(intent: QuoteIntent) -> bytes:
    """What must be equal for two intents to be the same decision."""
    view = _intent_view(intent)
    view.pop("intent_id")
    return msgspec.json.encode(view, order="deterministic")


def _specs(config: Config) -> dict[str, MarketSpec]:
    """The markets' rules as the live actors read them from the venue's `meta`."""
    if config.venue is None:
        raise ValueError("replaying a recording needs the markets' rules: add a [venue] table")
    listed = {listing.coin: listing.spec for listing in list_markets(config.venue)}
    return {market.coin: listed[market.coin] for market in config.markets if market.coin in listed}


def _intent_view(intent: QuoteIntent) -> dict[str, Any]:
    view: dict[str, Any] = msgspec.to_builtins(intent)
    view.pop("created_ns")
    return view


def _decision_view(decision: RiskDecision) -> dict[str, Any]:
    view: dict[str, Any] = msgspec.to_builtins(decision)
    for key in ("decision_id", "created_ns"):
        view.pop(key)
    return view


def _pairs(live: Sequence[RiskDecision], replayed: Sequence[RiskDecision]) -> Comparison:
    """Decision by decision; the first few differences are shown."""
    matched = 0
    mismatches: list[dict[str, Any]] = []
    for index, (a, b) in enumerate(zip(live, replayed, strict=True)):
        if _decision_view(a) == _decision_view(b):
            matched += 1
        elif len(mismatches) < _SHOWN_MISMATCHES:
            mismatches.append(
                {"index": index, "live": _decision_view(a), "replayed": _decision_view(b)}
            )
    return Comparison(
        live=len(live), replayed=len(replayed), matched=matched, mismatches=mismatches
    )


def _align(live: Sequence[QuoteIntent], replayed: Sequence[QuoteIntent]) -> Comparison:
    """The two sequences of ladders aligned in order; the unmatched stretches are shown."""
    keys = [[ladder_key(intent) for intent in side] for side in (live, replayed)]
    matcher = difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False)
    matched = 0
    mismatches: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            matched += i2 - i1
        elif len(mismatches) < _SHOWN_MISMATCHES:
            mismatches.append(
                {
                    "index": i1,
                    "live": [_intent_view(intent) for intent in live[i1:i2]],
                    "replayed": [_intent_view(intent) for intent in replayed[j1:j2]],
                }
            )
    return Comparison(
        live=len(live), replayed=len(replayed), matched=matched, mismatches=mismatches
    )
