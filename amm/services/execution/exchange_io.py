"""Execution's conversation with the exchange: plans in, Hyperliquid actions out, answers back.

Every request goes through here so that the request budget sees it and every answer reaches the
order book. An action the exchange refused as a whole (`{"status": "err"}`) fails its orders; an
action whose fate is unknown (timeout, 5xx) leaves them pending for the overdue check, which asks
`orderStatus` by cloid once the action's `expiresAfter` has passed (so it can no longer land) and
only then resends: the same cloid, never a second order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from amm.common.hyperliquid.client import (
    ExchangeClient,
    ExchangeRejected,
    ExchangeUnavailable,
    cancel_action,
    schedule_cancel_action,
    statuses,
)
from amm.common.hyperliquid.meta import MarketDirectory
from amm.common.logs import EventLog
from amm.common.messages import OrderEvent
from amm.services.execution.actions import Action, Cancel, Modify, NewOrder, Plan
from amm.services.execution.budget import exchange_weight, info_weight
from amm.services.execution.logic import ExecutionCore
from amm.services.execution.wire import action_wire

Publish = Callable[[Sequence[OrderEvent]], None]
MAX_ATTEMPTS = 3


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class ExchangeIO:
    """Signs, sends and books: the only place execution talks to the exchange."""

    def __init__(
        self,
        client: ExchangeClient,
        directory: MarketDirectory,
        core: ExecutionCore,
        log: EventLog,
        publish: Publish,
        *,
        expiry_ms: int,
    ) -> None:
        self.client = client
        self.directory = directory
        self.core = core
        self.log = log
        self.publish = publish
        self.expiry_ms = expiry_ms
        self.account = client.signer.account
        self.sent_actions = 0

    # ---- reads ----------------------------------------------------------------------------

    async def info(self, body: dict[str, Any]) -> Any:
        """An /info read, counted against the IP budget."""
        answer = await self.client.http.info(body)
        items = len(answer) if isinstance(answer, list) else 0
        self.core.budget.spend(info_weight(body["type"], items), time.time_ns())
        return answer

    async def open_orders(self) -> list[dict[str, Any]]:
        """Every open order of the account on the dexes of our markets."""
        orders: list[dict[str, Any]] = []
        for dex in sorted({self.directory.dex(coin) for coin in self.core.markets}):
            body = {"type": "frontendOpenOrders", "user": self.account, "dex": dex}
            orders += await self.info(body)
        return orders

    # ---- actions --------------------------------------------------------------------------

    async def send_plan(self, plan: Plan) -> None:
        """Cancels, then the rebalance, then modifies and places together (see `Plan`).

        Cancels go first and alone: they free the margin the rest may need, and they take our
        quotes out of the way of the rebalance, an Ioc that must not trade with them. The
        rebalance goes before the quotes for the same reason. Modifies and places need no order
        between them, so they go at once and a refresh that moves some levels and places others
        costs one round trip: they name different cloids, the ladder they move to is uncrossed,
        and a new quote is Alo, so one that lands before an order of ours on the other side has
        moved away is refused (and planned again), never filled against it.
        """
        if plan.cancels:
            await self._send(plan.cancels)
        if plan.rebalance is not None:
            await self._send([plan.rebalance])
        if plan.modifies and plan.places:
            await asyncio.gather(self._send(plan.modifies), self._send(plan.places))
        elif plan.modifies:
            await self._send(plan.modifies)
        elif plan.places:
            await self._send(plan.places)

    async def resend(self, actions: Sequence[Action]) -> None:
        """Resend pending actions (retries: a refusal now does not fail the order)."""
        for kind in (Cancel, Modify, NewOrder):
            batch = [a for a in actions if isinstance(a, kind)]
            if batch:
                await self._send(batch, first_attempt=False)

    async def cancel_by_oid(self, targets: Sequence[tuple[str, int]]) -> list[Any]:
        """Cancel orders that are not ours to keep (start-up and reconciliation)."""
        action = cancel_action([(self.directory.asset(coin), oid) for coin, oid in targets])
        answer = await self._submit(action, len(targets))
        return statuses(answer)

    async def schedule_cancel(self, at_ms: int | None) -> None:
        """Arm (or disarm, with None) the exchange's dead-man switch."""
        await self._submit(schedule_cancel_action(at_ms), 1)

    async def _submit(self, action: dict[str, Any], batch: int) -> dict[str, Any]:
        self.core.budget.spend(exchange_weight(batch), time.time_ns())
        self.sent_actions += 1
        return await self.client.submit(action, expires_after_ms=wall_ms() + self.expiry_ms)

    async def _send(self, actions: Sequence[Action], *, first_attempt: bool = True) -> None:
        kind = type(actions[0])
        cloids = [a.cloid for a in actions]
        wire = action_wire(actions, self.directory.asset)
        self.sent_actions += 1
        try:
            answer = await self.client.submit(wire, expires_after_ms=wall_ms() + self.expiry_ms)
        except ExchangeUnavailable as exc:
            self.log.warning("execution.action_unanswered", action=wire["type"], error=str(exc))
            return
        except ExchangeRejected as exc:
            self.log.warning("execution.action_refused", action=wire["type"], error=exc.message)
            now_ns = time.time_ns()
            book = self.core.book
            for cloid in cloids:
                order = book.get(cloid)
                attempts = order.pending.attempts if order and order.pending else 0
                # A refused resend may mean the first copy landed (duplicate nonce): only give
                # up after MAX_ATTEMPTS, when the overdue lookups have had their chances.
                if first_attempt or attempts >= MAX_ATTEMPTS:
                    self.publish(book.action_failed(cloid, exc.message, now_ns))
            return
        now_ns = time.time_ns()
        results = statuses(answer)
        book = self.core.book
        record = {
            Cancel: book.cancel_result,
            Modify: book.modify_result,
            NewOrder: book.place_result,
        }[kind]
        events: list[OrderEvent] = []
        for cloid, status in zip(cloids, results, strict=False):
            events += record(cloid, status, now_ns)
        self.publish(events)

    # ---- overdue answers ------------------------------------------------------------------

    async def settle_overdue(self, timeout_ms: int) -> None:
        """Orders whose request went unanswered: ask the exchange, then resend if it is safe."""
        now_ns = time.time_ns()
        overdue = self.core.book.overdue(now_ns, timeout_ms * 1_000_000)
        retries: list[Action] = []
        for order in overdue:
            pending = order.pending
            if pending is None:
                continue
            if pending.kind == "new":
                try:
                    answer = await self.info(
                        {"type": "orderStatus", "user": self.account, "oid": order.cloid}
                    )
                except (ExchangeUnavailable, ExchangeRejected) as exc:
                    self.log.warning(
                        "execution.status_unavailable", cloid=order.cloid, error=str(exc)
                    )
                    continue
                self.publish(self.core.book.resolve(order.cloid, answer, time.time_ns()))
                if order.pending is None:
                    continue
            retry = self.core.book.retry(order.cloid, time.time_ns())
            if retry is not None:
                retries.append(retry)
        if retries:
            self.log.info("execution.resend", count=len(retries))
            await self.resend(retries)
