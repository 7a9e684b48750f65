"""The quoter's side of a recording replay: a fresh core fed what the live quoter consumed.

Steps. Each recorded message the quoter acts on (``md.*``, ``risk.state``, ``monitor.mode``
from their publishers) is fed at the recorder's receive time, in recorded order, except that a
concurrent pair may be swapped (``recorded_order``). The quoter's republish timer is a step at
the ``ts_ns`` of each re-published ``quote.intent``, and at the ``created_ns`` of each new one
that no recorded input came within ``CONCURRENT_NS`` of (a new intent near an input was that
input's doing, which the recorder may even have received after the quoter published). The core
starts when the live one was built: intent ids count from that time in ms, so the same
decisions get the same ids. Heartbeats are not steps: the core does nothing with them.

Late join. A recorder reaches a quoter started after it only at its next reconnect attempt
(ZeroMQ's slow joiner), so it can miss the quoter's first intents, and then the first recorded
id is not the start. The quoter's first recorded ``seq`` bounds how many it missed: each number
is tried, and the one whose replay agrees best with the recorded ladders is taken (the most
shared in order, less the replayed ones the recording lacks; the fewest missed on a tie).
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from amm.backtest.actors.quoter import QuoterShell
from amm.backtest.recorded_order import CONCURRENT_NS, Step, feed_steps
from amm.common.bus import Received
from amm.common.config import Config
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import Heartbeat, QuoteIntent
from amm.services.quoter.logic import QuoterCore

_MS = 1_000_000
Consumes = Callable[[str, Received], bool]
LadderKey = Callable[[QuoteIntent], bytes]


@dataclass(frozen=True, slots=True)
class QuoterReplay:
    """The replayed intents from the first recorded live one on, and the pairs swapped."""

    intents: list[QuoteIntent]
    reordered: int


def replay_quoter(
    config: Config,
    specs: dict[str, MarketSpec],
    received: Sequence[tuple[int, Received]],
    live: Sequence[QuoteIntent],
    consumes: Consumes,
    key: LadderKey,
) -> QuoterReplay:
    """The replay whose start agrees best with the live intents (module docstring)."""
    if not live:
        return QuoterReplay([], 0)
    first = live[0].intent_id
    live_keys = [key(intent) for intent in live]
    best: tuple[int, QuoterReplay] | None = None
    for missed in range(missed_at_start(received) + 1):
        steps = _steps(received, (first - missed) * _MS, consumes)
        replay = _run(config, specs, steps, first - missed, first, live_keys, key)
        shared = _shared(live_keys, [key(intent) for intent in replay.intents])
        score = 2 * shared - len(replay.intents)
        if best is None or score > best[0]:
            best = (score, replay)
    assert best is not None
    return best[1]


def missed_at_start(received: Sequence[tuple[int, Received]]) -> int:
    """How many of the quoter's first messages the recorder did not get (its first seq - 1)."""
    for _, message in received:
        if message.publisher == "quoter":
            return message.envelope.seq - 1
    return 0


def _shared(live: Sequence[bytes], replayed: Sequence[bytes]) -> int:
    """How many ladders the two sequences share, in order."""
    matcher = difflib.SequenceMatcher(None, list(live), list(replayed), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _steps(
    received: Sequence[tuple[int, Received]], start_ns: int, consumes: Consumes
) -> list[Step]:
    inputs: list[Step] = []
    published: list[tuple[int, int, QuoteIntent]] = []
    for order, (recv_ns, message) in enumerate(received):
        body = message.body
        if message.publisher == "quoter" and isinstance(body, QuoteIntent):
            published.append((order, message.envelope.ts_ns, body))
        elif recv_ns >= start_ns and _input(message, consumes):
            inputs.append(Step(recv_ns, order, message.publisher, body))
    input_times = [step.time_ns for step in inputs]
    timer: list[Step] = []
    seen: set[int] = set()
    for order, ts_ns, intent in published:
        new = intent.intent_id not in seen
        seen.add(intent.intent_id)
        at_ns = intent.created_ns if new else ts_ns
        if at_ns >= start_ns and not (new and _near(input_times, at_ns)):
            timer.append(Step(at_ns, order, "quoter", None))
    return sorted([*inputs, *timer], key=lambda step: (step.time_ns, step.order))


def _input(message: Received, consumes: Consumes) -> bool:
    """A message the quoter's core takes (the quoter also consumes heartbeats, to no effect)."""
    return consumes("quoter", message) and not isinstance(message.body, Heartbeat)


def _near(times: Sequence[int], time_ns: int) -> bool:
    """True if one of the sorted ``times`` is within ``CONCURRENT_NS`` of ``time_ns``."""
    index = bisect.bisect_left(times, time_ns - CONCURRENT_NS)
    return index < len(times) and times[index] <= time_ns + CONCURRENT_NS


def _run(
    config: Config,
    specs: dict[str, MarketSpec],
    steps: Sequence[Step],
    first_id: int,
    shown_from: int,
    live_keys: Sequence[bytes],
    key: LadderKey,
) -> QuoterReplay:
    coins = [market.coin for market in config.markets]
    shell = QuoterShell(QuoterCore(config.quoter, specs, first_intent_id=first_id), coins)

    def agrees(made: list[QuoteIntent], candidates: list[QuoteIntent]) -> bool:
        shown = [intent for intent in candidates if intent.intent_id >= shown_from]
        at = sum(intent.intent_id >= shown_from for intent in made)
        return [key(intent) for intent in shown] == list(live_keys[at : at + len(shown)])

    fed = feed_steps(shell, steps, _feed, agrees)
    intents = [intent for intent in fed.outputs if intent.intent_id >= shown_from]
    return QuoterReplay(intents, fed.reordered)


def _feed(shell: QuoterShell, step: Step, time_ns: int) -> list[QuoteIntent]:
    if step.body is None:
        return shell.step_all(time_ns)
    return shell.on_body(step.body, time_ns)
