"""Properties of planner + book under any sequence of ladders and exchange answers."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import MISSING_ORDER_ERROR
from amm.services.execution.actions import Cancel, Modify, NewOrder
from amm.services.execution.orders import OrderBook
from amm.services.execution.planner import Desired, Tolerance, plan
from tests.unit.services.execution.execution_helpers import (
    COIN,
    SPEC,
    T0,
    decision,
    factory,
    fill,
    levels,
    update,
)

TOL = Tolerance(price_bps=D(1), size=D("0.1"))

ladder = st.tuples(
    st.just("ladder"),
    st.integers(0, 4),  # bids
    st.integers(0, 4),  # asks
    st.integers(0, 6),  # shift in dollars
    st.sampled_from(["0.5", "0.52", "0.8"]),
)
change = st.one_of(st.just(("keep",)), st.just(("close",)), ladder, ladder)
answer = st.tuples(st.just("answer"), st.integers(0, 50), st.sampled_from([0, 0, 0, 1, 2]))
stream = st.tuples(
    st.just("stream"),
    st.integers(0, 50),
    st.sampled_from(["fill", "fill_old", "canceled", "canceled_old", "filled", "dup_fill"]),
)
# one round: the desired ladder may change, execution steps, then answers and stream messages
# arrive in any order
rounds = st.lists(
    st.tuples(change, st.lists(st.one_of(answer, answer, stream), max_size=8)), max_size=25
)


class Driver:
    """Runs commands against a book; answers are arbitrary but shaped like Hyperliquid's."""

    def __init__(self) -> None:
        self.book = OrderBook()
        self.cloids = factory()
        self.desired: Desired | None = None
        self.outstanding: list[NewOrder | Modify | Cancel] = []
        self.oid = 1000
        self.tid = 0
        self.now = T0
        self.decision_id = 0

    def run(self, command: tuple) -> None:
        self.now += 1
        getattr(self, command[0])(*command[1:])

    def ladder(self, n_bids: int, n_asks: int, shift: int, sz: str) -> None:
        self.decision_id += 1
        bids = levels(*[(str(5990 - shift - i), sz) for i in range(n_bids)])
        asks = levels(*[(str(6010 + shift + i), sz) for i in range(n_asks)])
        self.desired = Desired.of(decision(bids, asks, decision_id=self.decision_id))

    def close(self) -> None:
        self.desired = None

    def keep(self) -> None:
        """The same ladder again (risk re-publishes it on a timer)."""

    def round(self, change: tuple, messages: list[tuple]) -> None:
        self.run(change)
        self.step()
        for message in messages:
            self.run(message)

    def step(self) -> None:
        before = {o.cloid: o.pending for o in self.book.orders()}
        p = plan(COIN, self.desired, self.book.live(COIN), SPEC, TOL, self.cloids.next)
        targets = p.cloids()
        assert len(targets) == len(set(targets)), "two actions for one cloid"
        for target in (*p.cancels, *p.modifies):
            assert before.get(target.cloid) is None, "acted on an order with a pending request"
        self.check_counts(p)
        for c in p.cancels:
            self.book.cancel_sent(c, self.now)
        for m in p.modifies:
            self.book.modify_sent(m, self.now)
        for o in p.places:
            self.book.sent(o, self.now)
        self.outstanding.extend((*p.cancels, *p.modifies, *p.places))
        pending = [a.cloid for a in self.outstanding]
        assert len(pending) == len(set(pending)), "two outstanding requests for one cloid"

    def check_counts(self, p) -> None:
        cancelled = {c.cloid for c in p.cancels}
        for side in ("B", "A"):
            wanted = 0
            if self.desired is not None:
                wanted = len(self.desired.bids if side == "B" else self.desired.asks)
            places = [o for o in p.places if o.side == side]
            assert len(places) <= wanted, "more orders placed than desired levels"
            free = [
                o
                for o in self.book.live(COIN)
                if o.side == side
                and o.pending is None
                and o.status != "pending_cancel"
                and o.cloid not in cancelled
            ]
            assert len(places) + len(free) <= wanted, "more quotes kept than desired levels"

    def answer(self, index: int, outcome: int) -> None:
        if not self.outstanding:
            return
        action = self.outstanding.pop(index % len(self.outstanding))
        if isinstance(action, Cancel):
            status = ("success", {"error": MISSING_ORDER_ERROR}, {"error": "busy"})[outcome]
            self.book.cancel_result(action.cloid, status, self.now)
            return
        self.oid += 1
        status = ({"resting": {"oid": self.oid}}, {"error": "refused"}, {"error": "refused"})[
            outcome
        ]
        if isinstance(action, Modify):
            self.book.modify_result(action.cloid, status, self.now)
        else:
            self.book.place_result(action.cloid, status, self.now)

    def stream(self, index: int, kind: str) -> None:
        orders = [o for o in self.book.orders() if o.oids]
        if not orders:
            return
        order = orders[index % len(orders)]
        oid = order.oids[0] if kind.endswith("_old") else order.oids[-1]
        if kind in ("fill", "fill_old", "dup_fill"):
            self.tid += kind != "dup_fill"
            self.book.fill(fill(max(self.tid, 1), oid, "0.1", order.cloid), self.now)
        elif kind in ("canceled", "canceled_old"):
            self.book.order_update(update(oid, "canceled", order.cloid), self.now)
        else:
            self.book.order_update(update(oid, "filled", order.cloid), self.now)


@settings(max_examples=300, deadline=None)
@given(rounds)
def test_the_planner_never_doubles_an_action_nor_places_more_than_desired(script):
    driver = Driver()
    for change, messages in script:
        driver.round(change, messages)
    driver.step()
    for order in driver.book.orders():
        assert order.filled_sz <= order.sz or order.is_terminal
        assert len(order.tids) == len(set(order.tids))


@settings(max_examples=200, deadline=None)
@given(rounds)
def test_a_converged_book_plans_nothing(script):
    driver = Driver()
    for change, messages in script:
        driver.round(change, messages)
    # answer everything as accepted, then the same ladder again must need nothing
    while driver.outstanding:
        driver.answer(0, 0)
    for _ in range(3):
        driver.step()
        while driver.outstanding:
            driver.answer(0, 0)
    again = plan(COIN, driver.desired, driver.book.live(COIN), SPEC, TOL, driver.cloids.next)
    assert again.is_empty
