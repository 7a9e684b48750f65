import itertools
from decimal import Decimal as D

import pytest

from amm.common.hyperliquid.rules import MISSING_ORDER_ERROR
from amm.services.execution.actions import Cancel, Modify, NewOrder
from amm.services.execution.orders import (
    NOT_OPEN_REASON,
    OrderBook,
    OrderBookError,
)
from tests.unit.services.execution.execution_helpers import (
    COIN,
    SECOND,
    T0,
    cloid,
    error,
    fill,
    filled,
    new_order,
    resting,
    update,
)

C1 = cloid(1)


def placed(oid: int = 100, sz: str = "0.5") -> OrderBook:
    """A book with one resting bid 0.5 @ 5990 (cloid C1, oid 100)."""
    book = OrderBook()
    book.sent(new_order(1, sz=sz), T0)
    book.place_result(C1, resting(oid), T0 + 1)
    return book


def modify(px: str = "5991", sz: str = "0.5") -> Modify:
    return Modify(C1, COIN, "B", D(px), D(sz), "Alo")


def statuses(events) -> list[str]:
    return [e.status for e in events]


# ---- place ----------------------------------------------------------------------------------


def test_a_sent_order_is_pending_new_without_an_oid():
    book = OrderBook()
    [event] = book.sent(new_order(1), T0)
    assert (event.status, event.oid, event.cloid, event.filled_sz) == ("pending_new", None, C1, 0)
    assert book.get(C1).pending.kind == "new"


def test_a_resting_answer_makes_it_resting_with_its_oid():
    book = OrderBook()
    book.sent(new_order(1), T0)
    [event] = book.place_result(C1, resting(100), T0 + 1)
    assert (event.status, event.oid) == ("resting", 100)
    assert book.get(C1).pending is None
    assert book.get(C1).oids == [100]


def test_a_filled_answer_makes_it_filled():
    book = OrderBook()
    book.sent(new_order(1, tif="Ioc", reduce_only=True), T0)
    [event] = book.place_result(C1, filled(100), T0 + 1)
    assert (event.status, event.oid, event.tif, event.reduce_only) == ("filled", 100, "Ioc", True)


def test_an_error_answer_rejects_it_with_hyperliquids_reason():
    book = OrderBook()
    book.sent(new_order(1), T0)
    text = "Post only order would have immediately matched, bbo was 5990@5991."
    [event] = book.place_result(C1, error(text), T0 + 1)
    assert (event.status, event.reason) == ("rejected", text)


def test_an_open_update_before_the_answer_makes_it_resting_and_the_answer_adds_nothing():
    book = OrderBook()
    book.sent(new_order(1), T0)
    [event] = book.order_update(update(100, "open", C1), T0 + 1)
    assert (event.status, event.oid) == ("resting", 100)
    assert book.get(C1).pending is not None  # the request itself is still unanswered
    assert book.place_result(C1, resting(100), T0 + 2) == []
    assert book.get(C1).pending is None


def test_a_rejected_update_before_the_answer_rejects_it():
    book = OrderBook()
    book.sent(new_order(1), T0)
    [event] = book.order_update(update(100, "badAloPxRejected", C1), T0 + 1)
    assert (event.status, event.reason) == ("rejected", "badAloPxRejected")
    assert book.place_result(C1, error("Post only order would have ..."), T0 + 2) == []


def test_fills_make_it_partially_filled_then_filled():
    book = placed()
    [first] = book.fill(fill(1, 100, "0.2", C1), T0 + 2)
    [second] = book.fill(fill(2, 100, "0.3", C1), T0 + 3)
    assert (first.status, first.filled_sz) == ("partially_filled", D("0.2"))
    assert (second.status, second.filled_sz, second.sz) == ("filled", D("0.5"), D("0.5"))


def test_a_fill_before_the_place_answer_makes_it_partially_filled():
    book = OrderBook()
    book.sent(new_order(1), T0)
    [event] = book.fill(fill(1, 100, "0.2", C1), T0 + 1)
    assert (event.status, event.oid, event.filled_sz) == ("partially_filled", 100, D("0.2"))
    assert book.place_result(C1, resting(100), T0 + 2) == []
    assert book.get(C1).status == "partially_filled"


def test_a_fill_completing_the_order_before_the_place_answer_makes_it_filled():
    book = OrderBook()
    book.sent(new_order(1), T0)
    [event] = book.fill(fill(1, 100, "0.5", C1), T0 + 1)
    assert event.status == "filled"
    assert book.place_result(C1, resting(100), T0 + 2) == []
    assert book.get(C1).status == "filled"


def test_a_fill_without_cloid_before_the_oid_is_known_waits_for_the_oid():
    book = OrderBook()
    book.sent(new_order(1), T0)
    assert book.fill(fill(1, 100, "0.2"), T0 + 1) == []
    [event] = book.place_result(C1, resting(100), T0 + 2)
    assert (event.status, event.filled_sz) == ("partially_filled", D("0.2"))


def test_a_duplicate_tid_is_counted_once():
    book = placed()
    book.fill(fill(7, 100, "0.2", C1), T0 + 2)
    assert book.fill(fill(7, 100, "0.2", C1), T0 + 3) == []
    assert book.fill(fill(7, 100, "0.2"), T0 + 4) == []
    assert book.get(C1).filled_sz == D("0.2")


def test_a_held_fill_delivered_again_is_counted_once():
    book = OrderBook()
    book.sent(new_order(1), T0)
    book.fill(fill(7, 100, "0.2"), T0 + 1)  # no cloid, oid unknown: held
    book.fill(fill(7, 100, "0.2", C1), T0 + 2)  # the same tid, now with the cloid
    assert book.get(C1).filled_sz == D("0.2")


def test_fills_of_unknown_orders_change_nothing():
    book = placed()
    assert book.fill(fill(1, 999, "0.1"), T0) == []
    assert book.order_update(update(999, "canceled"), T0) == []
    assert book.get(C1).filled_sz == 0


# ---- cancel ---------------------------------------------------------------------------------


def test_a_cancel_is_pending_cancel_then_cancelled():
    book = placed()
    [pending] = book.cancel_sent(Cancel(C1, COIN), T0 + 2)
    [done] = book.cancel_result(C1, "success", T0 + 3)
    assert (pending.status, done.status, done.reason) == ("pending_cancel", "cancelled", "")


def test_a_canceled_update_before_the_cancel_answer_cancels_it():
    book = placed()
    book.cancel_sent(Cancel(C1, COIN), T0 + 2)
    [event] = book.order_update(update(100, "canceled", C1), T0 + 3)
    assert (event.status, event.reason) == ("cancelled", "")
    assert book.cancel_result(C1, "success", T0 + 4) == []
    assert book.get(C1).pending is None


def test_a_cancel_answered_already_gone_is_filled_when_its_fills_say_so():
    book = placed()
    book.cancel_sent(Cancel(C1, COIN), T0 + 2)
    book.fill(fill(1, 100, "0.5", C1), T0 + 3)
    book.cancel_result(C1, error(MISSING_ORDER_ERROR), T0 + 4)
    assert book.get(C1).status == "filled"


def test_a_cancel_answered_already_gone_is_cancelled_and_late_fills_still_count():
    book = placed()
    book.cancel_sent(Cancel(C1, COIN), T0 + 2)
    [event] = book.cancel_result(C1, error(MISSING_ORDER_ERROR), T0 + 3)
    assert (event.status, event.reason) == ("cancelled", MISSING_ORDER_ERROR)
    [late] = book.fill(fill(1, 100, "0.5", C1), T0 + 4)
    assert (late.status, late.filled_sz) == ("filled", D("0.5"))


def test_a_cancel_refused_for_another_reason_leaves_the_order_resting():
    book = placed()
    book.cancel_sent(Cancel(C1, COIN), T0 + 2)
    [event] = book.cancel_result(C1, error("Unknown asset 7."), T0 + 3)
    assert (event.status, event.reason) == ("resting", "Unknown asset 7.")
    assert book.get(C1).pending is None


@pytest.mark.parametrize(
    "status", ["marginCanceled", "scheduledCancel", "reduceOnlyCanceled", "selfTradeCanceled"]
)
def test_the_exchange_cancelling_an_order_cancels_it_with_the_exchanges_reason(status):
    book = placed()
    [event] = book.order_update(update(100, status, C1), T0 + 2)
    assert (event.status, event.reason) == ("cancelled", status)


def test_an_unrequested_plain_canceled_keeps_its_reason():
    book = placed()
    [event] = book.order_update(update(100, "canceled", C1), T0 + 2)
    assert (event.status, event.reason) == ("cancelled", "canceled")


def test_a_filled_update_makes_it_filled():
    book = placed()
    [event] = book.order_update(update(100, "filled", C1), T0 + 2)
    assert event.status == "filled"


# ---- modify and its race --------------------------------------------------------------------


def test_a_modify_gives_a_new_oid_for_the_same_cloid():
    book = placed()
    assert book.modify_sent(modify("5991"), T0 + 2) == []
    [event] = book.modify_result(C1, resting(101), T0 + 3)
    assert (event.cloid, event.oid, event.px, event.status) == (C1, 101, D("5991"), "resting")
    assert book.get(C1).oids == [100, 101]
    assert book.get(C1).pending is None


def test_stale_canceled_for_the_old_oid_after_a_modify_does_not_cancel_the_order():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    book.modify_result(C1, resting(101), T0 + 3)
    assert book.order_update(update(100, "canceled", C1), T0 + 4) == []
    assert book.order_update(update(100, "canceled"), T0 + 5) == []
    assert book.get(C1).status == "resting"
    assert book.get(C1).oid == 101


def test_canceled_for_the_old_oid_before_the_modify_answer_is_held_and_the_answer_drops_it():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    assert book.order_update(update(100, "canceled", C1), T0 + 3) == []
    [event] = book.modify_result(C1, resting(101), T0 + 4)
    assert (event.status, event.oid) == ("resting", 101)


def test_canceled_for_the_old_oid_then_a_failed_modify_is_a_real_cancellation():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    book.order_update(update(100, "canceled", C1), T0 + 3)
    [event] = book.modify_result(C1, error("Insufficient margin to place order."), T0 + 4)
    assert (event.status, event.oid) == ("cancelled", 100)


def test_a_failed_modify_keeps_the_old_order_and_says_why():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    [event] = book.modify_result(C1, error("Price must be divisible by tick size."), T0 + 3)
    assert (event.status, event.oid, event.px) == ("resting", 100, D("5990"))
    assert event.reason == "Price must be divisible by tick size."
    assert book.get(C1).pending is None


def test_a_modify_refused_because_the_order_is_gone_is_cancelled():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    [event] = book.modify_result(C1, error("Cannot modify canceled or filled order"), T0 + 3)
    assert event.status == "cancelled"


def test_a_fill_for_the_old_oid_before_the_modify_answer_counts_toward_the_order():
    book = placed()
    book.modify_sent(modify("5991", "0.5"), T0 + 2)
    [event] = book.fill(fill(1, 100, "0.2", C1), T0 + 3)
    assert (event.status, event.filled_sz, event.oid) == ("partially_filled", D("0.2"), 100)
    [after] = book.modify_result(C1, resting(101), T0 + 4)
    # the new leg rests 0.5 (the modify's size); the old leg filled 0.2 before it
    assert (after.oid, after.filled_sz, after.sz) == (101, D("0.2"), D("0.7"))
    assert book.get(C1).open_sz == D("0.5")


def test_a_fill_for_the_old_oid_after_the_modify_answer_still_counts():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    book.modify_result(C1, resting(101), T0 + 3)
    [event] = book.fill(fill(1, 100, "0.2"), T0 + 4)  # by oid only
    assert (event.status, event.filled_sz, event.oid) == ("partially_filled", D("0.2"), 101)
    assert book.get(C1).open_sz == D("0.5")


def test_a_fill_for_the_new_oid_before_the_modify_answer_opens_the_new_leg():
    book = placed()
    book.modify_sent(modify("5991", "0.4"), T0 + 2)
    [event] = book.fill(fill(1, 101, "0.1", C1, px="5991"), T0 + 3)
    assert (event.oid, event.px, event.filled_sz, event.sz) == (101, D("5991"), D("0.1"), D("0.4"))
    assert book.modify_result(C1, resting(101), T0 + 4) == []
    assert book.get(C1).open_sz == D("0.3")


def test_an_open_update_for_the_new_oid_before_the_modify_answer_opens_the_new_leg():
    book = placed()
    book.modify_sent(modify("5991", "0.4"), T0 + 2)
    [event] = book.order_update(update(101, "open", C1, px="5991", sz="0.4"), T0 + 3)
    assert (event.oid, event.px, event.sz) == (101, D("5991"), D("0.4"))
    assert book.order_update(update(100, "canceled", C1), T0 + 4) == []
    assert book.modify_result(C1, resting(101), T0 + 5) == []
    assert book.get(C1).status == "resting"


def test_a_rejected_update_for_the_modifys_new_order_keeps_the_old_one():
    book = placed()
    book.modify_sent(modify(), T0 + 2)
    [event] = book.order_update(update(101, "badAloPxRejected", C1), T0 + 3)
    assert (event.status, event.oid, event.reason) == ("resting", 100, "badAloPxRejected")


def test_every_arrival_order_of_the_modify_race_ends_in_the_same_state():
    messages = {
        "answer": lambda b, t: b.modify_result(C1, resting(101), t),
        "canceled_old": lambda b, t: b.order_update(update(100, "canceled", C1), t),
        "open_new": lambda b, t: b.order_update(update(101, "open", C1, "5991", "0.5"), t),
        "fill_old": lambda b, t: b.fill(fill(1, 100, "0.1", C1), t),
        "fill_new": lambda b, t: b.fill(fill(2, 101, "0.2", C1, px="5991"), t),
    }
    for arrival in itertools.permutations(messages):
        if arrival.index("fill_new") < arrival.index("fill_old"):
            continue  # the old order filled before the modify replaced it
        book = placed()
        book.modify_sent(modify("5991", "0.5"), T0 + 2)
        for i, name in enumerate(arrival):
            messages[name](book, T0 + 3 + i)
        order = book.get(C1)
        state = (order.status, order.oid, order.oids, order.px, order.filled_sz, order.open_sz)
        assert state == ("partially_filled", 101, [100, 101], D("5991"), D("0.3"), D("0.3")), (
            arrival
        )
        assert order.pending is None


def test_a_modify_of_a_partially_filled_order_starts_a_new_leg():
    book = placed()
    book.fill(fill(1, 100, "0.2", C1), T0 + 2)
    book.modify_sent(modify("5991", "0.5"), T0 + 3)
    [event] = book.modify_result(C1, resting(101), T0 + 4)
    assert (event.status, event.filled_sz, event.sz) == ("partially_filled", D("0.2"), D("0.7"))
    [done] = book.fill(fill(2, 101, "0.5", C1), T0 + 5)
    assert (done.status, done.filled_sz, done.sz) == ("filled", D("0.7"), D("0.7"))


# ---- a quote modified all day ---------------------------------------------------------------


def modified(times: int, *, at: int = T0) -> OrderBook:
    """`placed()` then modified `times` times (oids 101, 102, ...), one ns apart from `at`."""
    book = placed()
    for i in range(times):
        book.modify_sent(modify(str(5991 + i % 2)), at + 2 * i)
        book.modify_result(C1, resting(101 + i), at + 2 * i + 1)
    return book


def test_superseded_legs_are_forgotten_after_keep_ns_and_the_totals_stay():
    book = placed()
    book.fill(fill(1, 100, "0.1", C1), T0 + 2)
    book.modify_sent(modify(), T0 + 3)
    book.modify_result(C1, resting(101), T0 + 4)
    book.fill(fill(2, 101, "0.1", C1, px="5991"), T0 + 5)
    for i in range(2, 200):
        book.modify_sent(modify(str(5990 + i % 2)), T0 + 10 * i)
        book.modify_result(C1, resting(100 + i), T0 + 10 * i + 1)
    order = book.get(C1)
    assert len(order.oids) == 200
    book.prune(T0 + 10 * 199 + 1 + SECOND, keep_ns=SECOND)
    assert order.oids == [299]  # only the current leg is remembered
    assert (order.filled_sz, order.sz, order.open_sz) == (D("0.2"), D("0.7"), D("0.5"))


def test_a_late_fill_for_a_forgotten_leg_counts_once_by_its_cloid():
    book = modified(3)  # oids 100 -> 101 -> 102 -> 103
    book.prune(T0 + SECOND, keep_ns=SECOND // 2)
    assert book.get(C1).oids == [103]
    [event] = book.fill(fill(1, 101, "0.2", C1), T0 + SECOND + 1)
    assert (event.oid, event.filled_sz, event.sz, event.status) == (
        103,
        D("0.2"),
        D("0.7"),
        "partially_filled",
    )
    assert book.fill(fill(1, 101, "0.2", C1), T0 + SECOND + 2) == []  # seen again


def test_an_update_for_a_forgotten_oid_is_not_taken_for_a_pending_modifys_new_order():
    book = modified(2)  # oids 100 -> 101 -> 102
    book.prune(T0 + SECOND, keep_ns=SECOND // 2)
    book.modify_sent(modify("5995"), T0 + SECOND + 1)
    assert book.order_update(update(100, "canceled", C1), T0 + SECOND + 2) == []
    [event] = book.modify_result(C1, resting(103), T0 + SECOND + 3)
    assert (event.oid, event.px, event.status) == (103, D("5995"), "resting")


def adoptable(side: str = "A", px: str = "6010") -> dict:
    """A ``frontendOpenOrders`` element of ours: 0.2 of 0.5 already filled, oid 55."""
    return {
        "coin": COIN, "side": side, "limitPx": px, "sz": "0.3", "oid": 55,
        "timestamp": 1, "origSz": "0.5", "cloid": C1, "tif": "Alo", "reduceOnly": False,
    }  # fmt: skip


def test_an_adopted_leg_whose_earlier_fills_are_not_all_seen_is_kept():
    book = OrderBook()
    book.adopt(adoptable("B", "5990"), T0)
    book.modify_sent(modify(), T0 + 1)
    book.modify_result(C1, resting(101), T0 + 2)
    book.prune(T0 + 2 * SECOND, keep_ns=SECOND)
    assert book.get(C1).oids == [55, 101]
    assert book.fill(fill(1, 55, "0.2", C1), T0 + 2 * SECOND) == []  # replayed: counted already
    assert book.get(C1).filled_sz == D("0.2")


# ---- refusals, timeouts, recovery -----------------------------------------------------------


def test_a_refused_request_rejects_a_place_and_restores_a_cancel():
    book = placed()
    book.sent(new_order(2), T0)
    [rejected] = book.action_failed(cloid(2), "Too many cumulative requests", T0 + 1)
    assert (rejected.status, rejected.reason) == ("rejected", "Too many cumulative requests")
    book.cancel_sent(Cancel(C1, COIN), T0 + 2)
    [restored] = book.action_failed(C1, "Invalid nonce", T0 + 3)
    assert (restored.status, restored.reason) == ("resting", "Invalid nonce")
    assert book.get(C1).pending is None


def test_acting_on_an_order_with_a_pending_request_is_refused():
    book = OrderBook()
    book.sent(new_order(1), T0)
    with pytest.raises(OrderBookError):
        book.cancel_sent(Cancel(C1, COIN), T0 + 1)
    with pytest.raises(OrderBookError):
        book.sent(new_order(1), T0 + 1)


def test_overdue_requests_are_retried_with_the_same_cloid():
    book = OrderBook()
    book.sent(new_order(1), T0)
    assert book.overdue(T0 + SECOND - 1, SECOND) == []
    [late] = book.overdue(T0 + SECOND, SECOND)
    assert late.cloid == C1
    again = book.retry(C1, T0 + 2 * SECOND)
    assert again == new_order(1)
    assert book.get(C1).pending.attempts == 2
    assert book.overdue(T0 + 2 * SECOND, SECOND) == []


def test_a_modify_and_a_cancel_are_retried_as_themselves():
    book = placed()
    book.modify_sent(modify("5991", "0.4"), T0 + 2)
    assert book.retry(C1, T0 + 3) == modify("5991", "0.4")
    book.modify_result(C1, resting(101), T0 + 4)
    book.cancel_sent(Cancel(C1, COIN), T0 + 5)
    assert book.retry(C1, T0 + 6) == Cancel(C1, COIN)


def test_an_unanswered_modify_whose_new_order_showed_up_is_settled_not_resent():
    book = placed()
    book.modify_sent(modify("5991"), T0 + 2)
    book.order_update(update(101, "open", C1, px="5991"), T0 + 3)  # landed; its answer is lost
    assert book.retry(C1, T0 + 4) is None
    assert book.get(C1).pending is None
    [event] = book.order_update(update(101, "canceled", C1), T0 + 5)  # now a real cancel
    assert event.status == "cancelled"


def test_a_resent_modify_that_lands_on_top_of_the_first_keeps_the_order():
    book = placed()
    book.modify_sent(modify("5991"), T0 + 2)
    assert book.retry(C1, T0 + 3) == modify("5991")  # nothing heard of it: resent
    book.order_update(update(101, "open", C1, px="5991"), T0 + 4)  # the first landed late
    assert book.order_update(update(101, "canceled", C1), T0 + 5) == []  # replaced by the resend
    book.order_update(update(102, "open", C1, px="5991"), T0 + 6)
    book.modify_result(C1, resting(102), T0 + 7)
    order = book.get(C1)
    assert (order.status, order.oid, order.px, order.pending) == ("resting", 102, D("5991"), None)


def test_resolve_settles_an_unanswered_place_from_order_status():
    book = OrderBook()
    book.sent(new_order(1), T0)
    answer = {"status": "order", "order": update(100, "open", C1)}
    [event] = book.resolve(C1, answer, T0 + SECOND)
    assert (event.status, event.oid) == ("resting", 100)
    assert book.get(C1).pending is None


def test_resolve_of_an_unknown_place_leaves_it_to_be_resent():
    book = OrderBook()
    book.sent(new_order(1), T0)
    assert book.resolve(C1, {"status": "unknownOid"}, T0 + SECOND) == []
    assert book.get(C1).pending.kind == "new"


def test_resolve_finds_the_modified_order():
    book = placed()
    book.modify_sent(modify("5991"), T0 + 2)
    answer = {"status": "order", "order": update(101, "open", C1, px="5991")}
    [event] = book.resolve(C1, answer, T0 + SECOND)
    assert (event.oid, event.px, event.status) == (101, D("5991"), "resting")


def test_an_adopted_order_counts_its_earlier_fills_once():
    book = OrderBook()
    [event] = book.adopt(adoptable(), T0)
    assert (event.status, event.filled_sz, event.oid, event.side) == (
        "partially_filled",
        D("0.2"),
        55,
        "A",
    )
    book.fill(fill(1, 55, "0.2", C1, side="A"), T0 + 1)  # replayed from the journal
    assert book.get(C1).filled_sz == D("0.2")
    book.fill(fill(2, 55, "0.1", C1, side="A"), T0 + 2)  # a new one
    assert (book.get(C1).filled_sz, book.get(C1).open_sz) == (D("0.3"), D("0.2"))


def test_reconcile_settles_orders_missing_from_open_orders_but_not_newer_ones():
    book = placed()  # answered at T0 + 1
    book.sent(new_order(2), T0 + 10)
    book.place_result(cloid(2), resting(200), T0 + 20)
    [event] = book.reconcile(open_oids={200}, as_of_ns=T0 + 15, now_ns=T0 + 30)
    assert (event.cloid, event.status, event.reason) == (C1, "cancelled", NOT_OPEN_REASON)
    assert book.reconcile(open_oids=set(), as_of_ns=T0 + 15, now_ns=T0 + 31) == []


def test_prune_forgets_finished_orders_after_a_while():
    book = placed()
    book.order_update(update(100, "filled", C1), T0 + 2)
    assert book.prune(T0 + 3, keep_ns=SECOND) == 0
    assert book.prune(T0 + 2 + SECOND, keep_ns=SECOND) == 1
    assert book.get(C1) is None
    assert book.fill(fill(1, 100, "0.5"), T0 + 3 * SECOND) == []


def test_an_event_is_published_only_when_something_visible_changed():
    book = placed()
    assert book.order_update(update(100, "open", C1), T0 + 2) == []
    assert book.place_result(C1, resting(100), T0 + 3) == []


def test_exec_order_bodies_carry_the_orders_terms():
    book = OrderBook()
    order = NewOrder(cloid(3), COIN, "A", D("6010"), D("1.25"), "Ioc", True)
    [event] = book.sent(order, T0)
    assert (event.coin, event.side, event.px, event.sz, event.tif, event.reduce_only) == (
        COIN,
        "A",
        D("6010"),
        D("1.25"),
        "Ioc",
        True,
    )
    assert event.time_ns == T0
