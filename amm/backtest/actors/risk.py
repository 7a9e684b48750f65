"""Risk's message handling (``amm/services/risk/service.py``) around ``RiskCore``.

The halt store is not kept (a backtest starts unhalted and nobody resumes it) and execution's
snapshot is handed over directly at the start instead of asked for over request/reply.
"""

from __future__ import annotations

from collections.abc import Mapping

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import (
    Position,
    RiskDecision,
    RiskState,
    Schema,
)
from amm.services.risk.logic import RiskCore
from amm.services.risk.settings import RiskSettings


class RiskShell:
    """Feeds bus bodies to the core and says what the actor would publish."""

    def __init__(self, core: RiskCore, settings: RiskSettings) -> None:
        self.core = core
        self._state_every = max(1, round(settings.state_interval_s / settings.decision_interval_s))
        self._ticks = 0

    def on_markets(self, specs: Mapping[str, MarketSpec]) -> None:
        """The markets' rules, as the actor reads them from `meta`."""
        self.core.on_markets(specs)

    def on_snapshot(self, positions: Mapping[str, Position], now_ns: int) -> bool:
        """Execution's snapshot with no fills before it; False if it lacks a market."""
        return self.core.on_snapshot(positions, [], now_ns)

    def on_body(self, body: Schema, now_ns: int) -> list[RiskDecision]:
        """One consumed message; the decisions the actor publishes at once."""
        self.core.on_body(body, now_ns)
        decision = self.core.decision_for(body, now_ns)
        return [] if decision is None else [decision]

    def tick(self, now_ns: int) -> tuple[list[RiskDecision], RiskState | None]:
        """The publish timer: every market's decision, and every few ticks the state."""
        with_state = self._ticks % self._state_every == 0
        self._ticks += 1
        self.core.update(now_ns)
        decisions = self.core.decisions(now_ns)
        return decisions, self.core.state(now_ns) if with_state else None
