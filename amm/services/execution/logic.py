"""Execution's pure core: risk's word in, the actions to send and ``exec.order`` bodies out.

``ExecutionCore`` ties the pieces together so the service only moves bytes: it holds the order
book, the view of risk, the request budget and the cloid factory. Each ``step(now_ns)`` plans
every market (``planner.py``) behind its gate (``gate.py``), admits the plans against the budget
(``budget.py``), records what is admitted as sent in the book (``orders.py``) and returns it. The
service signs and sends the admitted plans (cancels, then the rebalance, then modifies and places
together: ``ExchangeIO.send_plan``) and feeds every answer and stream message back to
``core.book``. The ``on_*`` inputs say whether risk's word is news, which the service steps on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import OrderEvent, RiskDecision, RiskState
from amm.services.execution.actions import Plan
from amm.services.execution.budget import Budget, BudgetConfig
from amm.services.execution.cloids import CloidFactory
from amm.services.execution.gate import GateConfig, GateStatus, RiskView, gate
from amm.services.execution.orders import OrderBook
from amm.services.execution.planner import Desired, Tolerance, plan
from amm.services.execution.recovery import Recovery, sort_open_orders
from amm.services.execution.settings import ExecutionSettings

_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class Step:
    """One step's output: the admitted plans (already recorded as sent), events, gates."""

    plans: tuple[Plan, ...]
    events: tuple[OrderEvent, ...]
    gates: Mapping[str, GateStatus]


class ExecutionCore:
    """Everything execution decides, with time as an argument."""

    def __init__(
        self,
        settings: ExecutionSettings,
        markets: Mapping[str, MarketSpec],
        cloids: CloidFactory,
    ) -> None:
        self.settings = settings
        self.markets = dict(markets)
        self.cloids = cloids
        self.book = OrderBook()
        self.risk = RiskView()
        self.budget = Budget(
            BudgetConfig(
                cancel_reserve=settings.cancel_reserve_weight,
                address_reserve=settings.address_reserve,
            )
        )
        self.tolerance = Tolerance(settings.price_tolerance_bps, settings.size_tolerance)
        self.gate_config = GateConfig(
            max_decision_age_ns=settings.max_decision_age_ms * _MS,
            max_risk_age_ns=settings.max_risk_age_ms * _MS,
        )
        self._last_rebalance: dict[str, int] = {}

    def on_decision(self, decision: RiskDecision, now_ns: int) -> bool:
        """A ``risk.decision`` arrived (decisions for markets we do not trade are ignored).

        True if it is news: it changes what may be quoted on its market (its ladder, verdict,
        state or rebalance, or whether the gate is open), so the service steps at once. Risk's
        timer re-publishing the same decision is not, nor is risk's answer to a fill that
        repeats the ladder, although it lets the filled level be placed again: the quoter's new
        ladder follows within milliseconds and one step then does both (stepping on each sent
        a quarter more requests in a paper session with fills); else the timer's step does.
        """
        coin = decision.coin
        if coin not in self.markets:
            return False
        held = self.risk.decision(coin)
        was_open = self.gate(coin, now_ns).is_open
        self.risk.on_decision(decision, now_ns)
        return (
            held is None
            or _terms(held[0]) != _terms(decision)
            or self.gate(coin, now_ns).is_open != was_open
        )

    def on_risk_state(self, state: RiskState, now_ns: int) -> bool:
        """A ``risk.state`` arrived; True if it opened or closed a gate."""
        before = self._open_gates(now_ns)
        self.risk.on_state(state, now_ns)
        return self._open_gates(now_ns) != before

    def on_risk_heartbeat(self, now_ns: int) -> bool:
        """An ``hb.risk`` arrived; True if it opened a gate (risk heard again)."""
        before = self._open_gates(now_ns)
        self.risk.on_heartbeat(now_ns)
        return self._open_gates(now_ns) != before

    def gate(self, coin: str, now_ns: int) -> GateStatus:
        """Whether orders on ``coin`` may be kept now, and why."""
        return gate(coin, self.risk, now_ns, self.gate_config)

    def _open_gates(self, now_ns: int) -> list[bool]:
        return [self.gate(coin, now_ns).is_open for coin in self.markets]

    def _may_place(self, coin: str) -> bool:
        """False once a fill of ours on ``coin`` came after the decision held: a fill spends the
        decision it was quoted under, and nothing is placed until a newer one (planner rule 5)."""
        held = self.risk.decision(coin)
        last_fill_ns = self.book.last_fill_ns.get(coin)
        return held is not None and (last_fill_ns is None or held[1] > last_fill_ns)

    def recover(
        self, open_orders: Iterable[Mapping[str, Any]], now_ns: int
    ) -> tuple[Recovery, list[OrderEvent]]:
        """Sort the account's open orders at start-up and adopt ours into the book."""
        recovery = sort_open_orders(open_orders, self.markets, self.cloids)
        events = [e for wire in recovery.adopt for e in self.book.adopt(wire, now_ns)]
        return recovery, events

    def step(self, now_ns: int) -> Step:
        """Plan every market, admit against the budget, record what is to be sent."""
        gates: dict[str, GateStatus] = {}
        plans: list[Plan] = []
        for coin, spec in self.markets.items():
            gates[coin] = status = self.gate(coin, now_ns)
            held = self.risk.decision(coin)
            desired = Desired.of(held[0]) if status.is_open and held else None
            plans.append(
                plan(
                    coin,
                    desired,
                    self.book.live(coin),
                    spec,
                    self.tolerance,
                    self.cloids.next,
                    last_rebalance_id=self._last_rebalance.get(coin),
                    may_place=self._may_place(coin),
                )
            )
        admitted = self.budget.admit(plans, now_ns)
        events: list[OrderEvent] = []
        for p in admitted:
            for cancel in p.cancels:
                events.extend(self.book.cancel_sent(cancel, now_ns))
            if p.rebalance is not None and p.rebalance_decision_id is not None:
                events.extend(self.book.sent(p.rebalance, now_ns))
                self._last_rebalance[p.coin] = p.rebalance_decision_id
            for modify in p.modifies:
                events.extend(self.book.modify_sent(modify, now_ns))
            for order in p.places:
                events.extend(self.book.sent(order, now_ns))
        self.book.prune(now_ns, self.settings.keep_done_ms * _MS)
        return Step(tuple(admitted), tuple(events), gates)


def _terms(decision: RiskDecision) -> tuple[object, ...]:
    """What of a decision the gate and the planner use."""
    return (
        decision.decision_id,
        decision.verdict,
        decision.trading_state,
        decision.bids,
        decision.asks,
        decision.rebalance,
    )
