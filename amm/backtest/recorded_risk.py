"""Risk's side of a recording replay: the live quoter's intents answered by a fresh core.

The core's session starts when the live one's did (``risk.state`` limits' ``session_start_ns``)
and it takes every recorded message the live risk acts on, at its receive time, from the start
of the recording, except that a concurrent pair may be swapped (``recorded_order``). Its
snapshot is the first moment the recording has an ``exec.position`` of every market (those
positions, no earlier fills); intents and fills before it are skipped (an intent first seen
before it is not compared, even when re-published later), and its timer is approximated by a
step at each recorded ``risk.state`` after it. Each live intent it answers is paired with the
live risk's first decision for that ``intent_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from amm.backtest.actors.risk import RiskShell
from amm.backtest.recorded_order import Step, feed_steps
from amm.common.bus import Received
from amm.common.config import Config
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import Fill, Position, QuoteIntent, RiskDecision, RiskState
from amm.services.risk.logic import RiskCore

Consumes = Callable[[str, Received], bool]
Answer = tuple[int, RiskDecision]


@dataclass(slots=True)
class _Replayed:
    """The replayed risk and where it is in the recording (copied whole for a swap)."""

    shell: RiskShell
    coins: list[str]
    positions: dict[str, Position] = field(default_factory=dict)
    snapshot: bool = False
    early: set[int] = field(default_factory=set)

    def feed(self, step: Step, time_ns: int) -> list[Answer]:
        body = step.body
        if not self.snapshot:
            if isinstance(body, Position) and body.coin in self.coins:
                self.positions[body.coin] = body
                if len(self.positions) == len(self.coins):
                    self.snapshot = self.shell.on_snapshot(self.positions, time_ns)
            elif isinstance(body, QuoteIntent):
                self.early.add(body.intent_id)
            elif body is not None and not isinstance(body, Fill):
                self.shell.on_body(body, time_ns)
            return []
        if body is None:
            self.shell.tick(time_ns)
            return []
        decisions = self.shell.on_body(body, time_ns)
        if isinstance(body, QuoteIntent) and body.intent_id not in self.early:
            return [(body.intent_id, decision) for decision in decisions]
        return []


def replay_risk(
    config: Config,
    specs: dict[str, MarketSpec],
    received: Sequence[tuple[int, Received]],
    consumes: Consumes,
    view: Callable[[RiskDecision], Any],
) -> tuple[list[RiskDecision], list[RiskDecision], int]:
    """(live, replayed) decisions for the live intents both answered, in order; and the
    number of concurrent pairs swapped."""
    coins = [market.coin for market in config.markets]
    live = live_answers(received)
    if not received:
        return [], [], 0
    start_ns = _session_start(received) or received[0][0]
    shell = RiskShell(RiskCore(config.risk, coins, now_ns=start_ns), config.risk)
    shell.on_markets(specs)
    steps = []
    for order, (recv_ns, message) in enumerate(received):
        if message.publisher == "risk" and isinstance(message.body, RiskState):
            steps.append(Step(message.envelope.ts_ns, order, "risk", None))
        elif consumes("risk", message):
            steps.append(Step(recv_ns, order, message.publisher, message.body))
    steps.sort(key=lambda step: (step.time_ns, step.order))

    def agrees(made: list[Answer], candidates: list[Answer]) -> bool:
        answered = {intent_id for intent_id, _ in made}
        return all(
            view(decision) == view(live[intent_id])
            for intent_id, decision in candidates
            if intent_id in live and intent_id not in answered
        )

    fed = feed_steps(_Replayed(shell, coins), steps, _Replayed.feed, agrees)
    answers: dict[int, RiskDecision] = {}
    for intent_id, decision in fed.outputs:
        answers.setdefault(intent_id, decision)
    answered = [intent_id for intent_id in live if intent_id in answers]
    return [live[i] for i in answered], [answers[i] for i in answered], fed.reordered


def live_answers(received: Sequence[tuple[int, Received]]) -> Mapping[int, RiskDecision]:
    """The live risk's first decision for each intent it answered."""
    answers: dict[int, RiskDecision] = {}
    for _, message in received:
        body = message.body
        is_decision = message.publisher == "risk" and isinstance(body, RiskDecision)
        if is_decision and body.intent_id is not None:
            answers.setdefault(body.intent_id, body)
    return answers


def _session_start(received: Sequence[tuple[int, Received]]) -> int | None:
    for _, message in received:
        body = message.body
        if isinstance(body, RiskState) and "session_start_ns" in body.limits:
            return int(body.limits["session_start_ns"])
    return None
