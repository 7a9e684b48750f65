"""Execution's process (``amm/services/execution/service.py``) around ``ExecutionCore``.

The step loop as live: step the core, send its plans one request after another (per market:
cancels, the rebalance, modifies, places), each waiting for its answer, read positions if a fill
came, then wait ``step_interval_ms``. Answers and the account's ``orderUpdates``/``userFills``
go to the core's book exactly as ``ExchangeIO`` and the service give them. A fill is numbered
once per ``tid`` (the journal's ``journal_seq``) and published before the book counts it.
Positions are read every ``position_interval_s`` and the address budget every
``rate_limit_interval_s``; recovery (an empty account at the start) reads both first.

Left out, because nothing is ever lost in a backtest: resends of unanswered requests,
reconciliation, the REST fill poll, and the dead-man switch.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import msgspec

from amm.backtest.scheduler import Scheduler
from amm.common.hyperliquid.client import statuses
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import Heartbeat, RiskDecision, RiskState, Schema
from amm.services.execution.actions import Action, Cancel, Modify, NewOrder, Plan
from amm.services.execution.budget import info_weight
from amm.services.execution.logic import ExecutionCore
from amm.services.execution.settings import ExecutionSettings
from amm.services.execution.wire import action_wire, fill_from_wire, position_from_wire

_MS = 1_000_000
Answer = Callable[[Any], None]


class Exchange(Protocol):
    """Execution's REST connection to the (simulated) exchange."""

    def submit(self, action: dict[str, Any], expires_after_ms: int, answer: Answer) -> None:
        """Send one /exchange action; ``answer`` gets the response body when it is back."""
        ...

    def info(self, body: dict[str, Any], answer: Answer) -> None:
        """Send one /info request; ``answer`` gets the response when it is back."""
        ...


class ExecutionShell:
    """The execution actor in simulated time (see the module docstring)."""

    def __init__(
        self,
        core: ExecutionCore,
        settings: ExecutionSettings,
        specs: Mapping[str, MarketSpec],
        account: str,
        scheduler: Scheduler,
        exchange: Exchange,
        publish: Callable[[Schema], None],
    ) -> None:
        self.core = core
        self.settings = settings
        self.specs = dict(specs)
        self.account = account.lower()
        self.scheduler = scheduler
        self.exchange = exchange
        self.publish = publish
        self.requests: collections.Counter[str] = collections.Counter()
        self.orders: collections.Counter[str] = collections.Counter()
        self._queue: collections.deque[tuple[str, Sequence[Action]]] = collections.deque()
        self._tids: set[int] = set()
        self._journal_seq = 0
        self._position_due = False

    # ---- start -------------------------------------------------------------------------------

    def start(self) -> None:
        """Recovery (the budget, then positions), then the step loop and the timers."""
        self._read_rate_limit(lambda: self._read_positions(self._recovered))

    def _recovered(self) -> None:
        scheduler, settings = self.scheduler, self.settings
        now = scheduler.now_ns
        scheduler.at(now, self._step)
        positions_ns = round(settings.position_interval_s * 1e9)
        limit_ns = round(settings.rate_limit_interval_s * 1e9)
        scheduler.every(positions_ns, self._read_positions, first_ns=now + positions_ns)
        scheduler.every(limit_ns, self._read_rate_limit, first_ns=now + limit_ns)

    # ---- risk's word -------------------------------------------------------------------------

    def on_body(self, body: Schema, now_ns: int) -> None:
        """``risk.decision``, ``risk.state`` or ``hb.risk``."""
        if isinstance(body, RiskDecision):
            self.core.on_decision(body, now_ns)
        elif isinstance(body, RiskState):
            self.core.on_risk_state(body, now_ns)
        elif isinstance(body, Heartbeat) and body.program == "risk":
            self.core.on_risk_heartbeat(now_ns)

    # ---- the account's websocket -------------------------------------------------------------

    def on_stream(self, channel: str, data: Any, now_ns: int) -> None:
        """One ``orderUpdates`` or ``userFills`` message."""
        book = self.core.book
        if channel == "orderUpdates":
            for update in data:
                book.order_update(update, now_ns)
        elif channel == "userFills" and str(data.get("user", "")).lower() == self.account:
            for wire in data.get("fills", []):
                fill = fill_from_wire(wire)
                if fill.tid not in self._tids:
                    self._tids.add(fill.tid)
                    self._journal_seq += 1
                    self.publish(msgspec.structs.replace(fill, journal_seq=self._journal_seq))
                    self._position_due = True
                book.fill(fill, now_ns)

    # ---- the step loop -----------------------------------------------------------------------

    def _step(self) -> None:
        step = self.core.step(self.scheduler.now_ns)
        self._queue.extend(batch for plan in step.plans for batch in _batches(plan))
        self._send_next()

    def _send_next(self) -> None:
        if self._queue:
            kind, actions = self._queue.popleft()
            self._send(kind, actions)
        elif self._position_due:
            self._position_due = False
            self._read_positions(self._wait)
        else:
            self._wait()

    def _wait(self) -> None:
        self.scheduler.after(self.settings.step_interval_ms * _MS, self._step)

    def _send(self, kind: str, actions: Sequence[Action]) -> None:
        cloids = [action.cloid for action in actions]
        first = actions[0]
        wire = action_wire(actions, self._asset)
        self.requests[kind] += 1
        self.orders[kind] += len(actions)
        book = self.core.book
        record = {
            Cancel: book.cancel_result,
            Modify: book.modify_result,
            NewOrder: book.place_result,
        }
        recorder = record[type(first)]

        def answered(answer: dict[str, Any]) -> None:
            now_ns = self.scheduler.now_ns
            if answer.get("status") != "ok":
                for cloid in cloids:
                    book.action_failed(cloid, str(answer.get("response")), now_ns)
            else:
                for cloid, status in zip(cloids, statuses(answer), strict=False):
                    recorder(cloid, status, now_ns)
            self._send_next()

        expires = self.scheduler.now_ns // _MS + self.settings.action_expiry_ms
        self.exchange.submit(wire, expires, answered)

    def _asset(self, coin: str) -> int:
        return self.specs[coin].asset

    # ---- reads -------------------------------------------------------------------------------

    def _read_positions(self, then: Callable[[], None] | None = None) -> None:
        """``clearinghouseState`` of each dex of our markets, one after another."""
        dexes = sorted({spec.dex for spec in self.specs.values()})
        self._read_dexes(dexes, then)

    def _read_dexes(self, dexes: list[str], then: Callable[[], None] | None) -> None:
        if not dexes:
            if then is not None:
                then()
            return
        dex = dexes[0]
        body = {"type": "clearinghouseState", "user": self.account, "dex": dex}

        def answered(state: Any) -> None:
            self.core.budget.spend(info_weight(body["type"]), self.scheduler.now_ns)
            for coin, spec in self.specs.items():
                if spec.dex == dex:
                    self.publish(position_from_wire(state, coin, dex))
            self._read_dexes(dexes[1:], then)

        self.exchange.info(body, answered)

    def _read_rate_limit(self, then: Callable[[], None] | None = None) -> None:
        body = {"type": "userRateLimit", "user": self.account}

        def answered(answer: Any) -> None:
            self.core.budget.spend(info_weight(body["type"]), self.scheduler.now_ns)
            self.core.budget.observe_rate_limit(answer)
            if then is not None:
                then()

        self.exchange.info(body, answered)


def _batches(plan: Plan) -> list[tuple[str, Sequence[Action]]]:
    """A plan's requests in the order the service sends them."""
    batches: list[tuple[str, Sequence[Action]]] = []
    if plan.cancels:
        batches.append(("cancel", plan.cancels))
    if plan.rebalance is not None:
        batches.append(("rebalance", [plan.rebalance]))
    if plan.modifies:
        batches.append(("modify", plan.modifies))
    if plan.places:
        batches.append(("place", plan.places))
    return batches
