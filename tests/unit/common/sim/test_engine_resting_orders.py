from amm.common.hyperliquid.rules import MarketSpec
from amm.common.sim import Tif
from amm.common.sim.engine import BookOrder
from tests.unit.common.sim.sim_helpers import ALICE, BOB, COIN, HOUSE, buy, engine, sell

OTHER = MarketSpec(coin="BTC", sz_decimals=5, max_leverage=40)


def test_resting_orders_follow_matching_priority_with_owners():
    eng = engine()
    first_bid = buy(eng, ALICE, "99", "1", t=1).status.oid
    better_bid = buy(eng, HOUSE, "99.5", "2", t=2).status.oid
    later_bid = buy(eng, BOB, "99", "3", t=3).status.oid
    ask = sell(eng, BOB, "101", "1", t=4).status.oid
    better_ask = sell(eng, ALICE, "100.5", "1", t=5).status.oid
    orders = eng.resting_orders(COIN)
    assert [o.oid for o in orders] == [better_bid, first_bid, later_bid, better_ask, ask]
    # 99.5 and 2 as price units and lots of a market with two size decimals
    assert orders[0] == BookOrder(HOUSE, better_bid, True, 995_000, 200, 2)
    assert orders[2].user == BOB and orders[2].lots == 300 and orders[2].timestamp == 3


def test_resting_orders_can_leave_out_the_house_and_show_what_remains():
    eng = engine()
    buy(eng, HOUSE, "99", "1")
    mine = sell(eng, ALICE, "100", "2").status.oid
    buy(eng, BOB, "100", "0.5", Tif.IOC)
    assert eng.resting_orders(COIN, include_house=False) == [
        BookOrder(ALICE, mine, False, 1_000_000, 150, 0)
    ]


def test_resting_orders_are_per_market_and_read_only():
    eng = engine()
    eng.add_market(OTHER)
    buy(eng, ALICE, "99", "1")
    assert eng.resting_orders("BTC") == []
    before = eng.l2_book(COIN, 0)
    eng.resting_orders(COIN)
    assert eng.l2_book(COIN, 0) == before
