"""What a run's result is made of, gathered as the run goes.

Our fills and funding are booked into the shared ``Ledger`` (``amm.common.accounting``) at
exchange time, so PnL comes from the same code risk and the monitor use. Marks, fills, the
trading state and the curves are kept here; ``result.py`` turns them into the result.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from amm.backtest.metrics import FillMetric
from amm.common.accounting import ZERO, Ledger
from amm.common.messages import Bbo, Fill, RiskDecision, RiskState, TradingState

_NS_PER_MS = 1_000_000


@dataclass(slots=True)
class PositionTrack:
    """One market's position over time: the integral of |szi| and the largest |szi|."""

    szi: Decimal = ZERO
    since_ms: int = 0
    abs_integral: Decimal = ZERO  # |szi| x ms
    max_abs: Decimal = ZERO

    def move(self, szi: Decimal, time_ms: int) -> None:
        self.abs_integral += abs(self.szi) * (time_ms - self.since_ms)
        self.szi, self.since_ms = szi, time_ms
        self.max_abs = max(self.max_abs, abs(szi))


@dataclass(slots=True)
class Collector:
    """The run's books, marks, curves and counters."""

    coins: Sequence[str]
    metrics: Sequence[FillMetric]
    start_ns: int
    ledger: Ledger = field(default_factory=Ledger)
    marks: dict[str, Decimal] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    pnl_curve: list[tuple[int, Decimal]] = field(default_factory=list)
    position_curves: dict[str, list[tuple[int, Decimal]]] = field(default_factory=dict)
    mark_curves: dict[str, list[tuple[int, Decimal]]] = field(default_factory=dict)
    positions: dict[str, PositionTrack] = field(default_factory=dict)
    state_ns: collections.Counter[str] = field(default_factory=collections.Counter)
    decisions: collections.Counter[str] = field(default_factory=collections.Counter)
    last_state: RiskState | None = None
    _state_since_ns: int = 0

    def __post_init__(self) -> None:
        start_ms = self.start_ns // _NS_PER_MS
        self.positions = {coin: PositionTrack(since_ms=start_ms) for coin in self.coins}
        self.position_curves = {coin: [] for coin in self.coins}
        self.mark_curves = {coin: [] for coin in self.coins}
        self._state_since_ns = self.start_ns

    # ---- the exchange ------------------------------------------------------------------------

    def on_mark(self, coin: str, px: Decimal) -> None:
        """The venue's mark of ``coin``: what open positions are valued at."""
        self.marks[coin] = px

    def on_bbo(self, bbo: Bbo) -> None:
        """An ``md.bbo`` marketdata published."""
        for metric in self.metrics:
            metric.on_bbo(bbo)

    def on_fill(self, fill: Fill) -> None:
        """One of our fills, as the exchange made it."""
        if not self.ledger.apply(fill):
            return
        self.fills.append(fill)
        for metric in self.metrics:
            metric.on_fill(fill)
        track = self.positions.get(fill.coin)
        if track is not None:
            track.move(self.ledger.coin(fill.coin).szi, fill.time_ms)

    def on_funding(self, coin: str, usdc: Decimal, time_ms: int) -> None:
        """One of our funding payments (> 0 received)."""
        self.ledger.apply_funding(coin, usdc, time_ms)
        for metric in self.metrics:
            metric.on_funding(coin, usdc, time_ms)

    # ---- the actors --------------------------------------------------------------------------

    def on_risk_state(self, state: RiskState, now_ns: int) -> None:
        """A published ``risk.state``: time is counted in the state it replaces."""
        if self.last_state is not None:
            self.state_ns[self.last_state.state] += now_ns - self._state_since_ns
        self.last_state, self._state_since_ns = state, now_ns

    def on_decision(self, decision: RiskDecision) -> None:
        self.decisions[decision.verdict] += 1

    # ---- curves ------------------------------------------------------------------------------

    def net_pnl(self) -> Decimal:
        """The ledger's net PnL at the current marks."""
        return self.ledger.net_pnl(dict(self.marks))

    def sample(self, now_ns: int) -> None:
        """One point of the PnL, position and mark curves."""
        time_ms = now_ns // _NS_PER_MS
        self.pnl_curve.append((time_ms, self.net_pnl()))
        for coin in self.coins:
            self.position_curves[coin].append((time_ms, self.ledger.coin(coin).szi))
            mark = self.marks.get(coin)
            if mark is not None:
                self.mark_curves[coin].append((time_ms, mark))

    def finish(self, end_ns: int) -> dict[TradingState, int]:
        """Close the open intervals; the nanoseconds spent in each trading state."""
        end_ms = end_ns // _NS_PER_MS
        for coin, track in self.positions.items():
            track.move(self.ledger.coin(coin).szi, end_ms)
        if self.last_state is not None:
            self.state_ns[self.last_state.state] += end_ns - self._state_since_ns
            self._state_since_ns = end_ns
        return {state: self.state_ns.get(state, 0) for state in ("ACTIVE", "REDUCING", "HALTED")}
