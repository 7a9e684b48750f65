"""Our live orders and their state machine, fed by what we send and what the exchange says.

An order is keyed by cloid and lives through one or more *legs*: a place creates the first leg,
every successful modify a new one (Hyperliquid gives the modified order a new oid and keeps the
cloid). Sizes are exact:

- ``filled_sz``: fills over all legs (each ``tid`` counted once);
- ``sz``: the current leg's size plus what earlier legs filled, so ``filled_sz <= sz`` always;
- ``open_sz``: what still rests on the current leg.

A quote that lives all day is modified thousands of times, so nothing here walks the legs: what
the superseded legs filled is a running total, legs are found by oid in a dict, and a superseded
leg (with its oid) is forgotten ``keep_ns`` after it was superseded (``prune``), as a finished
order is. A fill that comes later still counts once: by its cloid it finds the order and
becomes an old leg again; only a fill without a cloid for a forgotten oid is held as unknown.
An adopted leg whose baseline is not covered by the fills seen is kept (see ``Leg``).

Statuses are the seven of ``exec.order``. An outstanding request is ``pending`` (kind "new",
"modify" or "cancel") from the moment it is sent until its HTTP answer (or ``action_failed``,
or ``resolve`` after a timeout): the planner never acts on an order with a pending request.
Streams (``orderUpdates``, ``userFills``) change the state as soon as they arrive, whatever
the order of arrival. The modify race, as handled here:

- ``open``/``filled`` for a new oid with our cloid while a modify is pending: that is the
  modified order (a new leg), even before the modify's answer;
- a fill for the old oid before the modify's answer counts on the old leg; a fill with our cloid
  and a new oid counts on the new leg (created from the modify's terms if not yet known);
- ``canceled`` for the old oid once the new leg is known is stale and ignored; if it arrives while
  the modify is still unanswered and no new leg is known, it is held: the modify's success makes
  it stale, its failure makes it a real cancellation.

Every method returns the ``exec.order`` bodies to publish: one per order whose visible state
(status, oid, px, sz, filled_sz, reason) changed, and nothing otherwise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from amm.common.hyperliquid.rules import MISSING_ORDER_ERROR
from amm.common.messages import Fill, OrderEvent, OrderStatus, Side
from amm.services.execution.actions import Action, Cancel, Modify, NewOrder, Tif

ZERO = Decimal(0)
TERMINAL: frozenset[str] = frozenset({"filled", "cancelled", "rejected"})
LIVE: frozenset[str] = frozenset({"resting", "partially_filled"})
MAX_ORPHAN_OIDS = 10_000
"""Fills for oids we do not know yet are held for this many oids (the oldest are dropped)."""

# Hyperliquid's answers that mean "that order is no longer open" (filled or cancelled): the
# cancel error from its docs, and the modify error quoted from live answers in public SDK tests.
GONE_ERRORS = frozenset({MISSING_ORDER_ERROR, "Cannot modify canceled or filled order"})
NOT_OPEN_REASON = "not open on the exchange"
UNKNOWN_REASON = "unknownOid"
_TIFS: frozenset[str] = frozenset({"Alo", "Ioc", "Gtc"})

PendingKind = Literal["new", "modify", "cancel"]


class OrderBookError(ValueError):
    """An action the book cannot record (a programming error of the caller)."""


def is_canceled_status(status: str) -> bool:
    """``canceled`` and its kinds (``marginCanceled``, ``scheduledCancel``, ...)."""
    return status in ("canceled", "scheduledCancel") or status.endswith("Canceled")


def is_rejected_status(status: str) -> bool:
    """``rejected`` and its kinds (``badAloPxRejected``, ``iocCancelRejected``, ...)."""
    return status == "rejected" or status.endswith("Rejected")


@dataclass(slots=True)
class Leg:
    """One exchange order (one oid) of a cloid.

    ``filled`` sums the fills seen by tid; ``baseline`` is what an adopted order had already
    filled when it was adopted (origSz - sz), so a fill seen again after a restart is not counted
    twice: the leg's fills are the larger of the two.
    """

    oid: int | None
    px: Decimal
    sz: Decimal
    filled: Decimal = ZERO
    baseline: Decimal = ZERO

    @property
    def filled_sz(self) -> Decimal:
        """What this leg has filled."""
        return max(self.filled, self.baseline)

    @property
    def is_complete(self) -> bool:
        """True when nothing of the leg is left to fill."""
        return self.filled_sz >= self.sz


@dataclass(frozen=True, slots=True)
class Pending:
    """A request sent and not answered yet; a modify keeps its new terms and the oid it left."""

    kind: PendingKind
    sent_ns: int
    px: Decimal = ZERO  # a place's terms (for its resend), a modify's new terms
    sz: Decimal = ZERO
    base_oid: int | None = None
    attempts: int = 1


@dataclass(slots=True, eq=False)
class Order:
    """One of our orders (see the module docstring for legs, sizes and ``pending``)."""

    cloid: str
    coin: str
    side: Side
    tif: Tif
    reduce_only: bool
    leg: Leg  # the current leg
    status: OrderStatus
    updated_ns: int
    pending: Pending | None = None
    reason: str = ""
    held_cancel: bool = False
    tids: set[int] = field(default_factory=set)
    old_legs: dict[int, Leg] = field(default_factory=dict)  # superseded, not forgotten yet
    prior_filled: Decimal = ZERO  # what every superseded leg filled
    forgotten_filled: Decimal = ZERO  # the part of it filled by legs no longer in old_legs

    @property
    def oid(self) -> int | None:
        """The current leg's oid (None until the exchange gives one)."""
        return self.leg.oid

    @property
    def oids(self) -> list[int]:
        """The oids the order is still known by: its remembered superseded legs', then the
        current one's."""
        current = [] if self.leg.oid is None else [self.leg.oid]
        return [*self.old_legs, *current]

    @property
    def px(self) -> Decimal:
        """The current leg's limit price."""
        return self.leg.px

    @property
    def sz(self) -> Decimal:
        """The current leg's size plus what earlier legs filled."""
        return self.leg.sz + self.prior_filled

    @property
    def filled_sz(self) -> Decimal:
        """Fills over every leg."""
        return self.prior_filled + self.leg.filled_sz

    @property
    def open_sz(self) -> Decimal:
        """What still rests (or will rest) on the exchange; zero once terminal."""
        if self.is_terminal:
            return ZERO
        return max(ZERO, self.leg.sz - self.leg.filled_sz)

    @property
    def is_terminal(self) -> bool:
        """Filled, cancelled or rejected: nothing of it can rest any more."""
        return self.status in TERMINAL

    def target(self) -> tuple[Decimal, Decimal]:
        """The (px, open size) the order has or is about to have, for matching to a ladder."""
        if self.pending is not None and self.pending.kind == "modify":
            return self.pending.px, self.pending.sz
        return self.px, self.open_sz

    def event(self, now_ns: int) -> OrderEvent:
        """The ``exec.order`` body for the order as it is now."""
        return OrderEvent(
            coin=self.coin,
            cloid=self.cloid,
            oid=self.oid,
            side=self.side,
            px=self.px,
            sz=self.sz,
            filled_sz=self.filled_sz,
            status=self.status,
            tif=self.tif,
            reduce_only=self.reduce_only,
            reason=self.reason,
            time_ns=now_ns,
        )

    def leg_of(self, oid: int) -> Leg | None:
        """The leg with ``oid``, if the order has it or still remembers it."""
        return self.leg if self.leg.oid == oid else self.old_legs.get(oid)

    def _snapshot(self) -> tuple[object, ...]:
        return (self.status, self.oid, self.px, self.sz, self.filled_sz, self.reason)

    def _live_status(self) -> OrderStatus:
        if self.leg.is_complete:
            return "filled"
        return "partially_filled" if self.filled_sz > 0 else "resting"

    def _modify_leg_unknown(self) -> bool:
        """True while a modify is unanswered and no leg of it has shown up."""
        return (
            self.pending is not None
            and self.pending.kind == "modify"
            and self.leg.oid == self.pending.base_oid
        )

    def _is_modify_leg(self, oid: int) -> bool:
        """True if ``oid``, not a leg we know, is the new order of the unanswered modify.

        Hyperliquid's oids only grow: one below the modified order's is a forgotten old leg.
        """
        if not self._modify_leg_unknown():
            return False
        assert self.pending is not None
        return self.pending.base_oid is None or oid > self.pending.base_oid

    def _refresh_prior(self) -> None:
        """Re-add what the superseded legs filled (after a late fill on one of them)."""
        self.prior_filled = sum(
            (leg.filled_sz for leg in self.old_legs.values()), self.forgotten_filled
        )


def _parse_status(status: Any) -> tuple[str, Any]:
    """("resting" | "filled", oid) or ("error", text) or ("success", None) from one status."""
    if status == "success":
        return "success", None
    if isinstance(status, Mapping):
        if "error" in status:
            return "error", str(status["error"])
        for kind in ("resting", "filled"):
            if kind in status:
                return kind, int(status[kind]["oid"])
    raise OrderBookError(f"unknown order status {status!r}")


class OrderBook:
    """Every order of ours we know of, by cloid, and the state machine that moves them."""

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._by_oid: dict[int, str] = {}
        self._orphans: dict[int, dict[int, Fill]] = {}
        self._superseded: deque[tuple[int, str, int]] = deque()  # (when, cloid, oid), oldest first
        self.last_fill_ns: dict[str, int] = {}  # per coin: when a fill of ours last arrived

    # ---- queries ------------------------------------------------------------------------

    def get(self, cloid: str) -> Order | None:
        """The order with ``cloid``, if known."""
        return self._orders.get(cloid.lower())

    def orders(self, coin: str | None = None) -> list[Order]:
        """Every order known (of one market, if given), in the order they were first seen."""
        return [o for o in self._orders.values() if coin is None or o.coin == coin]

    def live(self, coin: str | None = None) -> list[Order]:
        """The orders that are not terminal (of one market, if given)."""
        return [o for o in self.orders(coin) if not o.is_terminal]

    def overdue(self, now_ns: int, timeout_ns: int) -> list[Order]:
        """Orders whose pending request has waited ``timeout_ns`` or more for its answer."""
        return [
            o
            for o in self._orders.values()
            if o.pending is not None and now_ns - o.pending.sent_ns >= timeout_ns
        ]

    # ---- what we send -------------------------------------------------------------------

    def sent(self, order: NewOrder, now_ns: int) -> list[OrderEvent]:
        """A new order went out: it is ``pending_new`` until the exchange answers."""
        cloid = order.cloid.lower()
        if cloid in self._orders:
            raise OrderBookError(f"cloid {cloid} is already in use")
        record = Order(
            cloid=cloid,
            coin=order.coin,
            side=order.side,
            tif=order.tif,
            reduce_only=order.reduce_only,
            leg=Leg(None, order.px, order.sz),
            status="pending_new",
            updated_ns=now_ns,
            pending=Pending("new", now_ns, order.px, order.sz),
        )
        self._orders[cloid] = record
        return [record.event(now_ns)]

    def modify_sent(self, modify: Modify, now_ns: int) -> list[OrderEvent]:
        """A modify went out; nothing visible changes until the exchange says so."""
        order = self._actionable(modify.cloid)
        order.pending = Pending("modify", now_ns, modify.px, modify.sz, base_oid=order.oid)
        order.held_cancel = False
        return []

    def cancel_sent(self, cancel: Cancel, now_ns: int) -> list[OrderEvent]:
        """A cancel went out: ``pending_cancel``."""
        order = self._actionable(cancel.cloid)
        before = order._snapshot()
        order.pending = Pending("cancel", now_ns)
        order.status = "pending_cancel"
        return self._changed(order, before, now_ns)

    def retry(self, cloid: str, now_ns: int) -> Action | None:
        """The pending request of ``cloid`` again, same cloid and terms (None if none pending).

        Cancels and modifies target the cloid, so resending them cannot create an order. Resend a
        place only once the exchange has said it does not know the cloid (``resolve``) after the
        first request's ``expiresAfter``: then it can never be applied late. A modify whose new
        order has shown up landed and only its answer was lost: it is settled, not resent (a
        resend would replace that order again, and its ``canceled`` would look real).
        """
        order = self.get(cloid)
        if order is None or order.pending is None:
            return None
        pending = order.pending
        if pending.kind == "modify" and not order._modify_leg_unknown():
            order.pending = None
            return None
        order.pending = replace(pending, sent_ns=now_ns, attempts=pending.attempts + 1)
        if pending.kind == "cancel":
            return Cancel(order.cloid, order.coin)
        terms = (order.cloid, order.coin, order.side, pending.px, pending.sz, order.tif)
        if pending.kind == "modify":
            return Modify(*terms, order.reduce_only)
        return NewOrder(*terms, order.reduce_only)

    # ---- answers to what we sent --------------------------------------------------------

    def place_result(self, cloid: str, status: Any, now_ns: int) -> list[OrderEvent]:
        """One status of an ``order`` answer: ``{"resting"|"filled": {"oid"}}`` or ``{"error"}``."""
        order = self.get(cloid)
        if order is None:
            return []
        before = order._snapshot()
        if order.pending is not None and order.pending.kind == "new":
            order.pending = None
        kind, value = _parse_status(status)
        if kind == "error":
            if order.status == "pending_new":
                order.status, order.reason = "rejected", value
        elif kind in ("resting", "filled"):
            if order.leg.oid is None:
                self._bind(order, order.leg, value)
            if kind == "filled":
                order.status = "filled"
            elif order.status == "pending_new":
                order.status = order._live_status()
        return self._changed(order, before, now_ns)

    def modify_result(self, cloid: str, status: Any, now_ns: int) -> list[OrderEvent]:
        """One status of a ``batchModify`` answer: the modified order's new oid, or an error."""
        order = self.get(cloid)
        if order is None:
            return []
        before = order._snapshot()
        pending = order.pending if order.pending and order.pending.kind == "modify" else None
        kind, value = _parse_status(status)
        if kind == "error":
            self._refuse_modify(order, value)
        elif kind in ("resting", "filled"):
            if order.leg_of(value) is None:
                px, sz = (pending.px, pending.sz) if pending else (order.px, order.leg.sz)
                self._new_leg(order, value, px, sz, now_ns)
            order.held_cancel = False
            if kind == "filled":
                order.status = "filled"
            elif order.status in LIVE:
                order.status = order._live_status()
        if pending is not None:
            order.pending = None
        return self._changed(order, before, now_ns)

    def cancel_result(self, cloid: str, status: Any, now_ns: int) -> list[OrderEvent]:
        """One status of a ``cancelByCloid`` answer: ``"success"`` or ``{"error"}``."""
        order = self.get(cloid)
        if order is None:
            return []
        before = order._snapshot()
        if order.pending is not None and order.pending.kind == "cancel":
            order.pending = None
        kind, value = _parse_status(status)
        if kind == "success":
            if not order.is_terminal:
                order.status, order.reason = "cancelled", ""
        elif kind == "error":
            if value in GONE_ERRORS:
                self._gone(order, value)
            elif order.status == "pending_cancel":
                order.status, order.reason = order._live_status(), value
        return self._changed(order, before, now_ns)

    def action_failed(self, cloid: str, reason: str, now_ns: int) -> list[OrderEvent]:
        """The whole request was refused and certainly not applied (``{"status": "err"}``).

        Do not call it for the refusal of a resent payload (its duplicate nonce may mean the
        first copy was applied): ``resolve`` that order instead.
        """
        order = self.get(cloid)
        if order is None or order.pending is None:
            return []
        before = order._snapshot()
        kind = order.pending.kind
        if kind == "modify":
            self._refuse_modify(order, reason)
        order.pending = None
        if kind == "new" and order.status == "pending_new":
            order.status, order.reason = "rejected", reason
        elif kind == "cancel" and order.status == "pending_cancel":
            order.status, order.reason = order._live_status(), reason
        return self._changed(order, before, now_ns)

    def resolve(self, cloid: str, answer: Mapping[str, Any], now_ns: int) -> list[OrderEvent]:
        """An ``orderStatus`` answer (queried by cloid) for an order whose request timed out.

        Call it only after the request's ``expiresAfter``, so the request can no longer land.
        A known order is updated from it and its pending request is settled. ``unknownOid`` for a
        place leaves it pending, to be resent with ``retry``; for any other order it means gone.
        """
        order = self.get(cloid)
        if order is None:
            return []
        if answer.get("status") != "order":
            if order.pending is not None and order.pending.kind == "new":
                return []
            before = order._snapshot()
            order.pending = None
            self._gone(order, UNKNOWN_REASON)
            return self._changed(order, before, now_ns)
        before = order._snapshot()
        self._update(order, answer["order"], now_ns)
        order.pending = None
        if order.held_cancel:
            self._gone(order, str(answer["order"]["status"]))
        if order.status == "pending_cancel":
            order.status = order._live_status()
        return self._changed(order, before, now_ns)

    # ---- streams ------------------------------------------------------------------------

    def order_update(self, update: Mapping[str, Any], now_ns: int) -> list[OrderEvent]:
        """One ``orderUpdates`` element: ``{"order": {..., "oid", "cloid"?}, "status", ...}``."""
        body = update["order"]
        order = self._find(body.get("cloid"), int(body["oid"]))
        if order is None:
            return []
        before = order._snapshot()
        self._update(order, update, now_ns)
        return self._changed(order, before, now_ns)

    def fill(self, fill: Fill, now_ns: int) -> list[OrderEvent]:
        """One of our fills (``userFills`` element as the ``exec.fill`` body); a tid counts once.

        Matched by cloid when it has one, else by any oid an order ever had; a fill for an oid
        not known yet is held until that oid is learned.
        """
        self.last_fill_ns[fill.coin] = now_ns
        order = self._find(fill.cloid, fill.oid)
        if order is None:
            self._hold(fill)
            return []
        if fill.tid in order.tids:
            return []
        before = order._snapshot()
        leg = order.leg_of(fill.oid)
        if leg is None:
            if order.leg.oid is None:
                self._bind(order, order.leg, fill.oid)
            elif order._is_modify_leg(fill.oid):
                assert order.pending is not None
                self._new_leg(order, fill.oid, order.pending.px, order.pending.sz, now_ns)
            else:
                self._old_leg(order, fill.oid, fill.px, now_ns)
            leg = order.leg_of(fill.oid)
            assert leg is not None
        if fill.tid not in order.tids:
            self._count(order, leg, fill)
        return self._changed(order, before, now_ns)

    # ---- recovery and upkeep ------------------------------------------------------------

    def adopt(self, wire: Mapping[str, Any], now_ns: int) -> list[OrderEvent]:
        """Take over an open order of ours (``frontendOpenOrders`` element) at start-up."""
        cloid = str(wire["cloid"]).lower()
        if cloid in self._orders:
            return []
        sz, orig_sz = Decimal(wire["sz"]), Decimal(wire.get("origSz", wire["sz"]))
        tif = wire.get("tif")
        order = Order(
            cloid=cloid,
            coin=wire["coin"],
            side=wire["side"],
            tif=tif if tif in _TIFS else "Gtc",
            reduce_only=bool(wire.get("reduceOnly", False)),
            leg=Leg(None, Decimal(wire["limitPx"]), orig_sz, baseline=orig_sz - sz),
            status="resting",
            updated_ns=now_ns,
        )
        self._orders[cloid] = order
        self._bind(order, order.leg, int(wire["oid"]))
        order.status = order._live_status()
        return [order.event(now_ns)]

    def reconcile(self, open_oids: Collection[int], as_of_ns: int, now_ns: int) -> list[OrderEvent]:
        """Settle orders the exchange no longer has open (an ``openOrders`` snapshot).

        ``as_of_ns`` is when the snapshot was requested: only orders unchanged since then and
        with no pending request are judged, so one placed meanwhile is not mistaken for gone.
        """
        events: list[OrderEvent] = []
        for order in self._orders.values():
            if order.is_terminal or order.pending is not None or order.updated_ns >= as_of_ns:
                continue
            if order.oid not in open_oids:
                before = order._snapshot()
                self._gone(order, NOT_OPEN_REASON)
                events.extend(self._changed(order, before, now_ns))
        return events

    def prune(self, now_ns: int, keep_ns: int) -> int:
        """Forget terminal orders unchanged for ``keep_ns``, and legs superseded ``keep_ns``
        ago; how many orders were forgotten.

        Keep them long enough for late fills to find them; a fill for a forgotten order is
        still journaled and published, it just no longer changes an ``exec.order``.
        """
        superseded = self._superseded
        while superseded and now_ns - superseded[0][0] >= keep_ns:
            _, cloid, oid = superseded.popleft()
            order = self._orders.get(cloid)
            if order is not None:
                self._forget_leg(order, oid)
        done = [
            o
            for o in self._orders.values()
            if o.is_terminal and o.pending is None and now_ns - o.updated_ns >= keep_ns
        ]
        for order in done:
            del self._orders[order.cloid]
            for oid in order.oids:
                self._by_oid.pop(oid, None)
        return len(done)

    # ---- internals ----------------------------------------------------------------------

    def _actionable(self, cloid: str) -> Order:
        order = self.get(cloid)
        if order is None or order.is_terminal or order.pending is not None:
            raise OrderBookError(f"no order {cloid} to act on (unknown, terminal or pending)")
        return order

    def _find(self, cloid: str | None, oid: int) -> Order | None:
        if cloid is not None:
            order = self._orders.get(cloid.lower())
            if order is not None:
                return order
        found = self._by_oid.get(oid)
        return None if found is None else self._orders.get(found)

    def _changed(self, order: Order, before: tuple[object, ...], now_ns: int) -> list[OrderEvent]:
        if order._snapshot() == before:
            return []
        order.updated_ns = now_ns
        return [order.event(now_ns)]

    def _bind(self, order: Order, leg: Leg, oid: int) -> None:
        """Give ``leg`` its oid and count the fills that were waiting for it."""
        leg.oid = oid
        self._by_oid[oid] = order.cloid
        for fill in self._orphans.pop(oid, {}).values():
            if fill.tid not in order.tids:
                self._count(order, leg, fill)

    def _new_leg(self, order: Order, oid: int, px: Decimal, sz: Decimal, now_ns: int) -> None:
        """The modified order: the current leg is superseded by a new one with ``oid``."""
        old = order.leg
        order.prior_filled += old.filled_sz
        if old.oid is None:
            order.forgotten_filled += old.filled_sz
        else:
            self._remember(order, old, old.oid, now_ns)
        order.leg = Leg(None, px, sz)
        order.reason = ""
        self._bind(order, order.leg, oid)
        pending = order.pending
        if pending is not None and pending.kind == "modify" and pending.attempts > 1:
            # a resent modify may land on top of this leg too: hold its cancel until then
            order.pending = replace(pending, base_oid=oid)

    def _old_leg(self, order: Order, oid: int, px: Decimal, now_ns: int) -> None:
        """An oid of the order from before we knew it (an adopted order's earlier leg), or one
        forgotten since."""
        leg = Leg(None, px, ZERO)
        self._remember(order, leg, oid, now_ns)
        self._bind(order, leg, oid)

    def _remember(self, order: Order, leg: Leg, oid: int, now_ns: int) -> None:
        order.old_legs[oid] = leg
        self._superseded.append((now_ns, order.cloid, oid))

    def _forget_leg(self, order: Order, oid: int) -> None:
        """Drop a superseded leg; its fills stay in the order's totals. An adopted leg whose
        baseline is not covered yet is kept: a fill seen again must not count twice."""
        leg = order.old_legs.get(oid)
        if leg is None or leg.filled < leg.baseline:
            return
        del order.old_legs[oid]
        order.forgotten_filled += leg.filled_sz
        if self._by_oid.get(oid) == order.cloid:
            del self._by_oid[oid]

    def _count(self, order: Order, leg: Leg, fill: Fill) -> None:
        order.tids.add(fill.tid)
        leg.filled += fill.sz
        if leg is not order.leg:
            order._refresh_prior()
        if leg is order.leg and leg.is_complete:
            order.status = "filled"
        elif order.status == "pending_new" or order.status in LIVE:
            order.status = order._live_status()

    def _hold(self, fill: Fill) -> None:
        held = self._orphans.setdefault(fill.oid, {})
        held[fill.tid] = fill
        if len(self._orphans) > MAX_ORPHAN_OIDS:
            del self._orphans[next(iter(self._orphans))]

    def _gone(self, order: Order, reason: str) -> None:
        """The exchange no longer has the order open: filled if its fills say so, else cancelled."""
        order.held_cancel = False
        if order.is_terminal:
            return
        order.status = "filled" if order.leg.is_complete else "cancelled"
        order.reason = "" if order.status == "filled" else reason

    def _refuse_modify(self, order: Order, reason: str) -> None:
        """The modify failed: the old leg stands unless the exchange cancelled it meanwhile."""
        if order.held_cancel or reason in GONE_ERRORS:
            self._gone(order, reason)
        elif not order.is_terminal:
            order.reason = reason

    def _update(self, order: Order, update: Mapping[str, Any], now_ns: int) -> None:
        body, status = update["order"], str(update["status"])
        oid = int(body["oid"])
        leg = order.leg_of(oid)
        if leg is None:
            if order.leg.oid is None:
                self._bind(order, order.leg, oid)
            elif order._is_modify_leg(oid):
                if is_rejected_status(status):
                    self._refuse_modify(order, status)
                    return
                limit_px, orig_sz = Decimal(body["limitPx"]), Decimal(body["origSz"])
                self._new_leg(order, oid, limit_px, orig_sz, now_ns)
                order.held_cancel = False
            else:
                return
            leg = order.leg
        if leg is not order.leg:
            return
        self._apply_status(order, status)

    def _apply_status(self, order: Order, status: str) -> None:
        if status == "open":
            if order.status == "pending_new":
                order.status = order._live_status()
        elif status == "filled":
            order.status, order.reason = "filled", ""
        elif is_canceled_status(status):
            if order._modify_leg_unknown():
                order.held_cancel = True
            elif not order.is_terminal:
                asked = order.status == "pending_cancel" and status == "canceled"
                order.status, order.reason = "cancelled", "" if asked else status
        elif is_rejected_status(status) and order.status == "pending_new":
            order.status, order.reason = "rejected", status
