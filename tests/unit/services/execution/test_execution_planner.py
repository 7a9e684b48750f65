from decimal import Decimal as D

from amm.common.messages import Rebalance
from amm.services.execution.actions import Cancel, Modify, NewOrder
from amm.services.execution.orders import OrderBook
from amm.services.execution.planner import (
    BELOW_MIN_VALUE,
    CROSSED,
    INVALID_PRICE,
    INVALID_SIZE,
    Desired,
    Tolerance,
    plan,
)
from tests.unit.services.execution.execution_helpers import (
    COIN,
    SPEC,
    T0,
    cloid,
    decision,
    factory,
    fill,
    levels,
    resting,
)

TOL = Tolerance(price_bps=D(1), size=D("0.1"))
BIDS = levels(("5990", "0.5"), ("5989", "0.5"))
ASKS = levels(("6010", "0.5"), ("6011", "0.5"))


def desired(bids=BIDS, asks=ASKS, **kw) -> Desired:
    return Desired.of(decision(bids, asks, **kw))


class Exchange:
    """A book whose orders all rest as planned (each plan sent and answered at once)."""

    def __init__(self) -> None:
        self.book = OrderBook()
        self.cloids = factory()
        self.next_oid = 100

    def plan(self, want: Desired | None, **kw):
        return plan(COIN, want, self.book.live(COIN), SPEC, TOL, self.cloids.next, **kw)

    def apply(self, p) -> None:
        for c in p.cancels:
            self.book.cancel_sent(c, T0)
            self.book.cancel_result(c.cloid, "success", T0)
        for m in p.modifies:
            self.book.modify_sent(m, T0)
            self.book.modify_result(m.cloid, resting(self._oid()), T0)
        for o in p.places:
            self.book.sent(o, T0)
            self.book.place_result(o.cloid, resting(self._oid()), T0)

    def converge(self, want: Desired | None):
        p = self.plan(want)
        self.apply(p)
        return p

    def _oid(self) -> int:
        self.next_oid += 1
        return self.next_oid


def test_an_empty_book_places_the_whole_ladder_as_alo_with_new_cloids():
    p = Exchange().plan(desired())
    assert p.cancels == () and p.modifies == ()
    assert [(o.side, o.px, o.sz, o.tif, o.reduce_only) for o in p.places] == [
        ("B", D("5990"), D("0.5"), "Alo", False),
        ("B", D("5989"), D("0.5"), "Alo", False),
        ("A", D("6010"), D("0.5"), "Alo", False),
        ("A", D("6011"), D("0.5"), "Alo", False),
    ]
    assert [o.cloid for o in p.places] == [cloid(n) for n in (1, 2, 3, 4)]


def test_nothing_changed_plans_nothing():
    ex = Exchange()
    ex.converge(desired())
    again = ex.plan(desired(decision_id=2))
    assert again.is_empty
    assert again.cloids() == []


def test_a_move_smaller_than_the_price_tolerance_is_ignored():
    ex = Exchange()
    ex.converge(desired())
    # 0.5 on 5990 is 0.83 bp, within 1 bp
    assert ex.plan(desired(levels(("5990.5", "0.5"), ("5989", "0.5")), ASKS)).is_empty


def test_a_size_change_within_the_size_tolerance_is_ignored():
    ex = Exchange()
    ex.converge(desired())
    assert ex.plan(desired(levels(("5990", "0.54"), ("5989", "0.5")), ASKS)).is_empty


def test_a_move_beyond_the_tolerance_becomes_a_modify_that_keeps_the_cloid():
    ex = Exchange()
    ex.converge(desired())
    top = ex.book.orders()[0]
    p = ex.plan(desired(levels(("5992", "0.5"), ("5989", "0.5")), ASKS))
    assert p.modifies == (Modify(top.cloid, COIN, "B", D("5992"), D("0.5"), "Alo"),)
    assert p.places == () and p.cancels == ()


def test_a_resize_beyond_the_tolerance_becomes_a_modify():
    ex = Exchange()
    ex.converge(desired())
    p = ex.plan(desired(levels(("5990", "0.8"), ("5989", "0.5")), ASKS))
    assert [(m.px, m.sz) for m in p.modifies] == [(D("5990"), D("0.8"))]


def test_a_ladder_shifted_by_one_level_moves_one_order_not_all():
    ex = Exchange()
    ex.converge(desired(levels(("5990", "0.5"), ("5989", "0.5"), ("5988", "0.5")), []))
    p = ex.plan(desired(levels(("5989", "0.5"), ("5988", "0.5"), ("5987", "0.5")), []))
    assert [(m.px) for m in p.modifies] == [D("5987")]
    assert p.modifies[0].cloid == cloid(1)  # the old top of book moves to the new bottom
    assert p.places == () and p.cancels == ()


def test_an_added_level_is_placed():
    ex = Exchange()
    ex.converge(desired())
    p = ex.plan(desired(levels(("5990", "0.5"), ("5989", "0.5"), ("5988", "0.5")), ASKS))
    assert [(o.side, o.px) for o in p.places] == [("B", D("5988"))]
    assert p.modifies == () and p.cancels == ()


def test_a_removed_level_is_cancelled():
    ex = Exchange()
    ex.converge(desired())
    p = ex.plan(desired(BIDS, levels(("6010", "0.5"))))
    assert p.cancels == (Cancel(cloid(4), COIN),)
    assert p.modifies == () and p.places == ()


def test_pending_orders_are_not_acted_on_again():
    ex = Exchange()
    first = ex.plan(desired())
    for o in first.places:
        ex.book.sent(o, T0)  # sent, no answer yet
    assert ex.plan(desired()).is_empty
    moved = ex.plan(desired(levels(("5995", "0.5"), ("5989", "0.5")), ASKS))
    assert moved.is_empty  # the move waits for the answers
    assert ex.plan(desired([], [])).is_empty  # and so does the removal


def test_a_pending_modify_counts_with_its_new_terms():
    ex = Exchange()
    ex.converge(desired())
    moved = desired(levels(("5995", "0.5"), ("5989", "0.5")), ASKS)
    [m] = ex.plan(moved).modifies
    ex.book.modify_sent(m, T0)
    assert ex.plan(moved).is_empty


def test_an_order_being_cancelled_is_not_a_slot():
    ex = Exchange()
    ex.converge(desired())
    ex.book.cancel_sent(Cancel(cloid(1), COIN), T0)
    p = ex.plan(desired())
    assert [(o.side, o.px) for o in p.places] == [("B", D("5990"))]
    assert p.cancels == ()


def test_a_closed_gate_cancels_everything_and_places_nothing():
    ex = Exchange()
    ex.converge(desired())
    p = ex.plan(None)
    assert sorted(c.cloid for c in p.cancels) == [cloid(n) for n in (1, 2, 3, 4)]
    assert p.places == () and p.modifies == () and p.rebalance is None


def test_a_closed_gate_cancels_pending_orders_once_they_are_answered():
    ex = Exchange()
    [order, *_] = ex.plan(desired()).places
    ex.book.sent(order, T0)
    assert ex.plan(None).is_empty
    ex.book.place_result(order.cloid, resting(100), T0)
    assert ex.plan(None).cancels == (Cancel(order.cloid, COIN),)


def test_invalid_levels_are_dropped_with_a_reason():
    bids = levels(("5990.55", "0.5"), ("5990", "0.123"), ("999", "0.01"), ("5988", "0.5"))
    asks = levels(("5985", "0.5"), ("6010", "0.5"))
    p = Exchange().plan(desired(bids, asks))
    assert {(d.side, d.px): d.reason for d in p.dropped} == {
        ("B", D("5990.55")): INVALID_PRICE,  # six significant figures
        ("B", D("5990")): INVALID_SIZE,  # three decimals, the market has two
        ("B", D("999")): BELOW_MIN_VALUE,  # $9.99
        ("B", D("5988")): CROSSED,  # at or above the best valid ask (5985)
        ("A", D("5985")): CROSSED,  # at or below the best valid bid (5988)
    }
    assert [(o.side, o.px) for o in p.places] == [("A", D("6010"))]


def test_a_partially_filled_quote_is_topped_up_by_a_modify():
    ex = Exchange()
    ex.converge(desired())
    ex.book.fill(fill(1, 101, "0.3", cloid(1)), T0)  # 0.2 left of 0.5: beyond 10 %
    p = ex.plan(desired())
    assert p.modifies == (Modify(cloid(1), COIN, "B", D("5990"), D("0.5"), "Alo"),)


def test_adopted_reduce_only_orders_are_cancelled():
    ex = Exchange()
    wire = {
        "coin": COIN, "side": "B", "limitPx": "5000", "sz": "0.5", "oid": 9, "timestamp": 1,
        "origSz": "0.5", "cloid": cloid(9, bytes(4)), "tif": "Gtc", "reduceOnly": True,
    }  # fmt: skip
    ex.book.adopt(wire, T0)
    p = ex.plan(desired())
    assert Cancel(cloid(9, bytes(4)), COIN) in p.cancels
    assert len(p.places) == 4


def test_the_rebalance_is_a_reduce_only_ioc_at_risks_limit_price_once_per_decision():
    ex = Exchange()
    rebalance = Rebalance(side="A", sz=D("0.4"), limit_px=D("5980"))
    want = desired([], [], decision_id=7, rebalance=rebalance)
    p = ex.plan(want)
    assert p.rebalance == NewOrder(cloid(1), COIN, "A", D("5980"), D("0.4"), "Ioc", True)
    assert p.rebalance_decision_id == 7
    assert ex.plan(want, last_rebalance_id=7).rebalance is None


def test_no_second_rebalance_while_one_is_unanswered():
    ex = Exchange()
    rebalance = Rebalance(side="A", sz=D("0.4"), limit_px=D("5980"))
    first = ex.plan(desired([], [], decision_id=7, rebalance=rebalance))
    ex.book.sent(first.rebalance, T0)
    later = ex.plan(desired([], [], decision_id=8, rebalance=rebalance), last_rebalance_id=7)
    assert later.rebalance is None
    assert later.cancels == ()  # an Ioc is never cancelled: it cannot rest


def test_an_invalid_rebalance_is_dropped():
    rebalance = Rebalance(side="A", sz=D("0.01"), limit_px=D("999"))
    p = Exchange().plan(desired([], [], rebalance=rebalance))
    assert p.rebalance is None
    assert [d.reason for d in p.dropped] == [BELOW_MIN_VALUE]
