from decimal import Decimal as D

import pytest

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.sim import (
    EngineConfig,
    Fill,
    Filled,
    OrderError,
    OrderRequest,
    OrderUpdate,
    Resting,
    Tif,
    Trade,
)
from tests.unit.common.sim.sim_helpers import (
    ALICE,
    BOB,
    COIN,
    HOUSE,
    SPEC,
    buy,
    engine,
    order,
    sell,
)

CLOID = "0x" + "1" * 32


def fills_of(result, user=None):
    return [e for e in result.events if isinstance(e, Fill) and (user is None or e.user == user)]


def updates_of(result):
    return [e for e in result.events if isinstance(e, OrderUpdate)]


def test_resting_order_answers_with_its_oid_and_cloid():
    eng = engine()
    result = buy(eng, ALICE, "100", "1", cloid=CLOID)
    assert result.status == Resting(oid=1, cloid=CLOID)
    assert result.status.to_wire() == {"resting": {"oid": 1, "cloid": CLOID}}
    [update] = updates_of(result)
    assert update.status == "open"
    assert update.to_wire()["order"]["limitPx"] == "100"


def test_oids_increase_with_every_order():
    eng = engine()
    oids = [buy(eng, ALICE, str(90 + i), "1").status.oid for i in range(3)]
    assert oids == sorted(oids) and len(set(oids)) == 3


def test_better_price_fills_first_then_earlier_order_at_same_price():
    eng = engine()
    first = sell(eng, HOUSE, "101", "1").status.oid
    second = sell(eng, BOB, "101", "1").status.oid
    better = sell(eng, HOUSE, "100.5", "1").status.oid
    result = buy(eng, ALICE, "101", "2.5", Tif.IOC)
    maker_oids = [f.oid for f in fills_of(result) if not f.crossed]
    assert maker_oids == [better, first, second]
    assert [f.sz for f in fills_of(result) if not f.crossed] == [D("1"), D("1"), D("0.5")]


def test_partial_fill_keeps_the_maker_resting_with_the_rest():
    eng = engine()
    maker = sell(eng, BOB, "100", "5").status.oid
    result = buy(eng, ALICE, "100", "2", Tif.IOC)
    assert result.status == Filled(
        total_sz=D("2"), avg_px=D("100"), oid=result.status.oid, cloid=None
    )
    book = eng.l2_book(COIN, 0)
    assert [(lv.px, lv.sz, lv.n) for lv in book.asks] == [(D("100"), D("3"), 1)]
    assert [o.oid for o in eng.open_orders(BOB)] == [maker]
    assert eng.open_orders(BOB)[0].sz == D("3")


def test_gtc_remainder_rests_after_a_partial_fill():
    eng = engine()
    sell(eng, BOB, "100", "1")
    result = buy(eng, ALICE, "100", "3")
    assert isinstance(result.status, Resting)
    assert eng.l2_book(COIN, 0).bids[0].sz == D("2")
    assert eng.position(ALICE, COIN).szi == D("1")


def test_ioc_remainder_is_cancelled():
    eng = engine()
    sell(eng, BOB, "100", "1")
    result = buy(eng, ALICE, "101", "3", Tif.IOC)
    assert result.status.total_sz == D("1")
    assert updates_of(result)[-1].status == "canceled"
    assert eng.l2_book(COIN, 0).bids == ()


def test_fill_price_is_the_makers_price_and_avg_px_weights_by_size():
    eng = engine()
    sell(eng, BOB, "100", "1")
    sell(eng, BOB, "103", "3")
    result = buy(eng, ALICE, "105", "4", Tif.IOC)
    assert [f.px for f in fills_of(result, ALICE)] == [D("100"), D("103")]
    assert result.status.avg_px == D("102.25")


def test_taker_pays_taker_fee_and_maker_pays_maker_fee():
    eng = engine()
    sell(eng, BOB, "100", "10")
    result = buy(eng, ALICE, "100", "10", Tif.IOC)
    [taker] = fills_of(result, ALICE)
    [maker] = fills_of(result, BOB)
    assert (taker.crossed, taker.fee) == (True, D("0.45"))
    assert (maker.crossed, maker.fee) == (False, D("0.15"))
    assert eng.collateral(ALICE) == D("999.55")
    assert eng.collateral(BOB) == D("999.85")


def test_hip3_fee_scale_multiplies_fees():
    spec = MarketSpec(COIN, 2, 20, fee_scale=D(2))
    eng = engine(spec=spec)
    sell(eng, BOB, "100", "10")
    result = buy(eng, ALICE, "100", "10", Tif.IOC)
    assert fills_of(result, ALICE)[0].fee == D("0.90")
    assert fills_of(result, BOB)[0].fee == D("0.30")


def test_house_liquidity_pays_no_fees_and_needs_no_margin():
    eng = engine()
    result = sell(eng, HOUSE, "100", "1000")
    assert isinstance(result.status, Resting)
    taken = buy(eng, ALICE, "100", "1", Tif.IOC)
    assert fills_of(taken, HOUSE)[0].fee == 0
    assert eng.position(HOUSE, COIN).szi == D("-1")


def test_position_entry_and_closed_pnl_through_a_flip_from_long_to_short():
    eng = engine()
    sell(eng, HOUSE, "100", "1")
    first = buy(eng, ALICE, "100", "1", Tif.IOC, t=1)
    sell(eng, HOUSE, "102", "1")
    second = buy(eng, ALICE, "102", "1", Tif.IOC, t=2)
    assert eng.position(ALICE, COIN).szi == D("2")
    assert eng.position(ALICE, COIN).entry_px == D("101")
    buy(eng, HOUSE, "105", "3")
    flip = sell(eng, ALICE, "105", "3", Tif.IOC, t=3)
    [fill] = fills_of(flip, ALICE)
    assert fill.dir == "Long > Short"
    assert fill.start_position == D("2")
    assert fill.closed_pnl == D("8")  # 2 * (105 - 101): the whole long closes at 105
    assert fill.fee == D("0.14175")  # 3 * 105 * 0.00045
    position = eng.position(ALICE, COIN)
    assert (position.szi, position.entry_px) == (D("-1"), D("105"))
    assert [f.dir for f in fills_of(first, ALICE) + fills_of(second, ALICE)] == [
        "Open Long",
        "Open Long",
    ]
    # 1000 - 0.045 - 0.0459 + 8 - 0.14175
    assert eng.collateral(ALICE) == D("1007.76735")
    sell(eng, HOUSE, "104", "1")
    close = buy(eng, ALICE, "104", "1", Tif.IOC, t=4)
    [fill] = fills_of(close, ALICE)
    assert (fill.dir, fill.closed_pnl, fill.start_position) == ("Close Short", D("1"), D("-1"))
    assert eng.position(ALICE, COIN).szi == 0


def test_fill_record_has_every_user_fills_field():
    eng = engine()
    sell(eng, BOB, "100", "1", cloid=CLOID)
    result = buy(eng, ALICE, "100", "1", Tif.IOC, t=1234)
    maker = fills_of(result, BOB)[0].to_wire()
    assert set(maker) == {
        "coin",
        "px",
        "sz",
        "side",
        "time",
        "startPosition",
        "dir",
        "closedPnl",
        "hash",
        "oid",
        "crossed",
        "fee",
        "tid",
        "feeToken",
        "cloid",
    }
    assert maker["side"] == "A" and maker["time"] == 1234 and maker["feeToken"] == "USDC"
    assert maker["hash"].startswith("0x") and len(maker["hash"]) == 66
    taker = fills_of(result, ALICE)[0]
    assert taker.tid == fills_of(result, BOB)[0].tid
    assert "cloid" not in taker.to_wire()


def test_every_match_publishes_a_trade_with_aggressor_side_and_both_users():
    eng = engine()
    buy(eng, BOB, "100", "1")
    result = sell(eng, ALICE, "99", "1", Tif.IOC, t=7)
    [trade] = [e for e in result.events if isinstance(e, Trade)]
    wire = trade.to_wire()
    assert wire["side"] == "A"
    assert wire["users"] == [BOB, ALICE]
    assert (wire["px"], wire["sz"], wire["time"]) == ("100", "1", 7)


def test_maker_fully_filled_gets_a_filled_order_update():
    eng = engine()
    maker = sell(eng, BOB, "100", "1").status.oid
    result = buy(eng, ALICE, "100", "1", Tif.IOC)
    statuses = {(u.oid, u.status) for u in updates_of(result)}
    assert (maker, "filled") in statuses
    assert (result.status.oid, "filled") in statuses


def test_alo_order_that_would_cross_is_rejected_with_the_bbo():
    eng = engine()
    buy(eng, HOUSE, "99.5", "1")
    sell(eng, HOUSE, "100.5", "1")
    result = buy(eng, ALICE, "100.5", "1", Tif.ALO)
    assert result.status == OrderError(
        "Post only order would have immediately matched, bbo was 99.5@100.5.", "badAloPxRejected"
    )
    assert updates_of(result)[0].status == "badAloPxRejected"
    assert isinstance(buy(eng, ALICE, "100.4", "1", Tif.ALO).status, Resting)


def test_ioc_with_nothing_to_hit_is_rejected():
    eng = engine()
    sell(eng, HOUSE, "101", "1")
    result = buy(eng, ALICE, "100", "1", Tif.IOC)
    assert result.status == OrderError(
        "Order could not immediately match against any resting orders.", "iocCancelRejected"
    )
    assert eng.open_orders(ALICE) == ()


def test_cancel_of_unknown_order_returns_hyperliquids_text():
    eng = engine()
    result = eng.cancel(ALICE, COIN, 12345, 0)
    assert result.error == "Order was never placed, already canceled, or filled."
    assert result.to_wire() == {"error": "Order was never placed, already canceled, or filled."}


def test_cancel_twice_fails_the_second_time():
    eng = engine()
    oid = buy(eng, ALICE, "100", "1").status.oid
    first = eng.cancel(ALICE, COIN, oid, 5)
    assert first.to_wire() == "success"
    assert [(u.oid, u.status, u.status_timestamp) for u in first.events] == [(oid, "canceled", 5)]
    assert eng.cancel(ALICE, COIN, oid, 6).error is not None
    assert eng.l2_book(COIN, 0).bids == ()


def test_cancel_by_cloid_and_cloid_is_free_again_afterwards():
    eng = engine()
    buy(eng, ALICE, "100", "1", cloid=CLOID)
    duplicate = buy(eng, ALICE, "99", "1", cloid=CLOID)
    assert duplicate.status.message == "Duplicate cloid."
    assert eng.cancel_by_cloid(ALICE, COIN, CLOID.upper().replace("0X", "0x"), 1).error is None
    assert eng.cancel_by_cloid(ALICE, COIN, CLOID, 2).error is not None
    assert isinstance(buy(eng, ALICE, "99", "1", cloid=CLOID).status, Resting)


def test_another_users_order_cannot_be_cancelled():
    eng = engine()
    oid = buy(eng, BOB, "100", "1").status.oid
    assert eng.cancel(ALICE, COIN, oid, 0).error is not None
    assert len(eng.open_orders(BOB)) == 1


def test_modify_gives_a_new_oid_and_loses_queue_priority():
    eng = engine()
    alice_oid = sell(eng, ALICE, "100", "1", cloid=CLOID).status.oid
    bob_oid = sell(eng, BOB, "100", "1").status.oid
    result = eng.modify(ALICE, alice_oid, order(False, "100", "1", cloid=CLOID), 1)
    assert isinstance(result.status, Resting) and result.status.oid > bob_oid
    assert [(u.oid, u.status) for u in updates_of(result)] == [
        (alice_oid, "canceled"),
        (result.status.oid, "open"),
    ]
    taken = buy(eng, HOUSE, "100", "1", Tif.IOC)
    assert [f.oid for f in fills_of(taken) if not f.crossed] == [bob_oid]


def test_modify_by_cloid_and_of_unknown_order():
    eng = engine()
    sell(eng, ALICE, "100", "1", cloid=CLOID)
    moved = eng.modify(ALICE, CLOID, order(False, "101", "2", cloid=CLOID), 1)
    assert eng.open_orders(ALICE)[0].oid == moved.status.oid
    assert eng.open_orders(ALICE)[0].limit_px == D("101")
    missing = eng.modify(ALICE, 999, order(False, "101", "2"), 2)
    assert missing.status.message == "Order was never placed, already canceled, or filled."


def test_rejected_modify_leaves_the_old_order_in_place():
    eng = engine()
    oid = sell(eng, ALICE, "100", "1").status.oid
    result = eng.modify(ALICE, oid, order(False, "100.123", "1"), 1)
    assert result.status.message == "Price must be divisible by tick size."
    assert [o.oid for o in eng.open_orders(ALICE)] == [oid]


def test_cancel_all_cancels_every_open_order_of_the_user():
    eng = engine()
    for px in ("97", "98", "99"):
        buy(eng, ALICE, px, "1")
    buy(eng, BOB, "96", "1")
    events = eng.cancel_all(ALICE, 9)
    assert [(e.status, e.status_timestamp) for e in events] == [("canceled", 9)] * 3
    assert eng.open_orders(ALICE) == ()
    assert len(eng.open_orders(BOB)) == 1


def test_order_below_ten_dollars_is_rejected():
    eng = engine()
    result = buy(eng, ALICE, "100", "0.09")
    assert result.status == OrderError(
        "Order must have minimum value of $10.", "minTradeNtlRejected"
    )
    assert isinstance(buy(eng, ALICE, "100", "0.1").status, Resting)


def test_price_off_the_tick_grid_is_rejected():
    eng = engine()
    assert buy(eng, ALICE, "5012.34", "1").status.message == "Price must be divisible by tick size."
    assert isinstance(buy(eng, ALICE, "5012.3", "1").status, Resting)
    eng.deposit(ALICE, D("100000"))
    assert isinstance(buy(eng, ALICE, "123456", "0.01").status, Resting)


def test_size_off_the_lot_grid_is_rejected():
    eng = engine()
    result = buy(eng, ALICE, "100", "1.001")
    assert result.status == OrderError("Order has invalid size.", "rejected")


def test_errors_can_carry_the_asset_suffix_like_the_live_exchange():
    eng = engine(EngineConfig(append_asset_suffix=True))
    result = buy(eng, ALICE, "100", "0.01")
    assert result.status.message == "Order must have minimum value of $10. asset=110000"


def test_order_needing_more_margin_than_available_is_rejected():
    eng = engine()
    assert eng.update_leverage(ALICE, COIN, 1) is None
    result = buy(eng, ALICE, "100", "10.01")
    assert result.status == OrderError("Insufficient margin to place order.", "perpMarginRejected")
    assert isinstance(buy(eng, ALICE, "100", "6").status, Resting)
    # resting orders hold margin too: 6 + 5 lots at 100 > 1000 USDC at 1x
    assert buy(eng, ALICE, "100", "5").status.message == "Insufficient margin to place order."
    # the other side only counts when it is the worse of the two cases (720 < 1000)
    assert isinstance(sell(eng, ALICE, "120", "6").status, Resting)


def test_margin_uses_the_mark_price_once_there_is_one():
    eng = engine()
    eng.update_leverage(ALICE, COIN, 2)
    eng.set_mark(COIN, D("50"))
    assert isinstance(buy(eng, ALICE, "100", "39").status, Resting)  # 39 * 50 / 2 = 975
    assert buy(eng, ALICE, "100", "2").status.message == "Insufficient margin to place order."


def test_leverage_is_bounded_by_max_leverage():
    eng = engine()
    assert eng.update_leverage(ALICE, COIN, 21) == "Invalid leverage value."
    assert eng.update_leverage(ALICE, COIN, 0) == "Invalid leverage value."
    assert eng.leverage(ALICE, COIN) == 20
    assert eng.update_leverage(ALICE, COIN, 3) is None
    assert eng.leverage(ALICE, COIN) == 3


def test_lowering_leverage_below_what_open_risk_needs_is_refused():
    eng = engine()
    buy(eng, ALICE, "100", "50")  # 5000 notional, 250 margin at 20x
    assert eng.update_leverage(ALICE, COIN, 4) == "Insufficient margin to place order."
    assert eng.leverage(ALICE, COIN) == 20
    assert eng.update_leverage(ALICE, COIN, 5) is None


def test_reduce_only_order_that_would_increase_position_is_rejected():
    eng = engine()
    result = sell(eng, ALICE, "100", "1", reduce_only=True)
    assert result.status == OrderError(
        "Reduce only order would increase position.", "reduceOnlyRejected"
    )
    sell(eng, HOUSE, "100", "1")
    buy(eng, ALICE, "100", "1", Tif.IOC)
    assert buy(eng, ALICE, "99", "1", reduce_only=True).status.message == (
        "Reduce only order would increase position."
    )


def test_ioc_reduce_only_is_clipped_to_the_position():
    eng = engine()
    sell(eng, HOUSE, "100", "1")
    buy(eng, ALICE, "100", "1", Tif.IOC)
    buy(eng, HOUSE, "100", "5")
    result = sell(eng, ALICE, "100", "3", Tif.IOC, reduce_only=True)
    assert result.status.total_sz == D("1")
    assert eng.position(ALICE, COIN).szi == 0


def test_resting_reduce_only_is_cancelled_once_the_position_is_flat():
    eng = engine()
    sell(eng, HOUSE, "100", "1")
    buy(eng, ALICE, "100", "1", Tif.IOC)
    ro = sell(eng, ALICE, "110", "1", reduce_only=True).status.oid
    buy(eng, HOUSE, "100", "1")
    closing = sell(eng, ALICE, "100", "1", Tif.IOC)
    assert (ro, "reduceOnlyCanceled") in {(u.oid, u.status) for u in updates_of(closing)}
    assert eng.open_orders(ALICE) == ()


def test_taker_meeting_its_own_order_cancels_the_resting_one():
    eng = engine()
    own = sell(eng, ALICE, "100", "1").status.oid
    sell(eng, BOB, "100.5", "1")
    result = buy(eng, ALICE, "101", "1", Tif.IOC)
    assert (own, "selfTradeCanceled") in {(u.oid, u.status) for u in updates_of(result)}
    assert [f.px for f in fills_of(result, ALICE)] == [D("100.5")]


def test_open_orders_are_capped_at_one_thousand_per_user():
    eng = engine()
    for _ in range(1000):
        assert isinstance(buy(eng, ALICE, "100", "0.1").status, Resting)
    result = buy(eng, ALICE, "100", "0.1")
    assert result.status.message == "Too many open orders."
    assert eng.l2_book(COIN, 0).bids[0].n == 1000


def test_l2_book_aggregates_levels_best_first_up_to_depth():
    eng = engine()
    buy(eng, HOUSE, "99", "1")
    buy(eng, BOB, "99", "2")
    buy(eng, HOUSE, "98", "1")
    buy(eng, HOUSE, "97", "1")
    sell(eng, HOUSE, "101", "1")
    sell(eng, HOUSE, "100.5", "0.5")
    book = eng.l2_book(COIN, 42, depth=2)
    assert book.to_wire() == {
        "coin": COIN,
        "time": 42,
        "levels": [
            [{"px": "99", "sz": "3", "n": 2}, {"px": "98", "sz": "1", "n": 1}],
            [{"px": "100.5", "sz": "0.5", "n": 1}, {"px": "101", "sz": "1", "n": 1}],
        ],
    }
    bbo = eng.bbo(COIN, 42)
    assert (bbo.bid.px, bbo.ask.px) == (D("99"), D("100.5"))
    assert engine().bbo(COIN, 0).to_wire() == {"coin": COIN, "time": 0, "bbo": [None, None]}


def test_malformed_input_raises_instead_of_answering():
    with pytest.raises(TypeError):
        OrderRequest(COIN, True, 100.0, D(1))
    with pytest.raises(ValueError, match="cloid"):
        order(True, "100", "1", cloid="0x123")
    with pytest.raises(KeyError):
        engine().cancel(ALICE, "ETH", 1, 0)


def test_account_view_reports_value_margin_and_positions():
    eng = engine()
    sell(eng, HOUSE, "100", "2")
    buy(eng, ALICE, "100", "2", Tif.IOC)
    eng.set_mark(COIN, D("110"))
    view = eng.account_view(ALICE, 5)
    assert view.account_value == D("1000") - D("0.09") + D("20")
    assert view.margin_used == D("11")  # 220 / 20
    [position] = view.positions
    assert (position.szi, position.entry_px, position.unrealized_pnl) == (D(2), D(100), D(20))
    wire = view.to_wire()
    assert wire["assetPositions"][0]["position"]["leverage"] == {"type": "cross", "value": 20}
    assert wire["marginSummary"]["totalNtlPos"] == "220"
    assert SPEC.coin == wire["assetPositions"][0]["position"]["coin"]
