"""What a market model is to the venue and the backtester that drive it."""

from __future__ import annotations

from typing import Protocol

from amm.common.sim.engine import MatchingEngine
from amm.common.sim.events import Event


class MarketModel(Protocol):
    """Makes the public market: house liquidity, takers and the mark, on a simulated clock."""

    def advance(self, engine: MatchingEngine, now_ms: int) -> list[Event]:
        """Move the market up to `now_ms` (place and cancel house orders, send house takers, set
        the mark); returns the engine events this caused, in order. Deterministic for a seed."""
        ...

    def next_wakeup_ms(self) -> int:
        """When the model next wants `advance` called."""
        ...
