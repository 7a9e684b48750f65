import random
from decimal import Decimal as D
from pathlib import Path

import pytest

from amm.common.sim import Fill, OrderRequest, OrderUpdate, Tif, Trade
from amm.common.sim.grid import Grid
from amm.common.sim.market.house import HOUSE_MAKER, HOUSE_TAKER, min_lots
from amm.common.sim.market.params import ReplayParams
from amm.common.sim.market.replay import NEVER_MS, ReplayModel
from amm.common.sim.market.snapshots import BookSnapshot, SnapshotFile
from tests.unit.common.sim.market.market_model_helpers import (
    BTC,
    OTHER_TRADER,
    TRADER,
    engine,
    place,
)

FILE = (
    Path(__file__).parents[5].parent
    / "shared"
    / "data"
    / "hyperliquid"
    / "l2Book-BTC-20240101-12.lz4"
)
FIRST_MS = 1704110399915
START = 1_700_000_000_000
GRID = Grid(BTC.sz_decimals)
PARAMS = ReplayParams(file=str(FILE), coin="BTC", loop=False)


def book(time_ms, bids, asks):
    """A snapshot from ("px", "sz") strings."""

    def units(levels):
        return [(GRID.px_to_units(D(px)), GRID.sz_to_lots(D(sz))) for px, sz in levels]

    return BookSnapshot.of(time_ms, units(bids), units(asks))


def replay(snapshots, params=PARAMS):
    return ReplayModel(params, BTC, snapshots, START), engine(BTC)


def shown(eng, depth=20):
    view = eng.l2_book("BTC", 0, depth)
    return [(lv.px, lv.sz) for lv in view.bids], [(lv.px, lv.sz) for lv in view.asks]


def fills_of(events, user=TRADER):
    return [e for e in events if isinstance(e, Fill) and e.user == user]


def test_the_book_mirrors_a_snapshot_and_the_mark_is_its_mid():
    first = book(0, [("42700", "1.5"), ("42690", "0.0001")], [("42710", "0.25")])
    model, eng = replay([first])
    events = model.advance(eng, START)
    assert all(isinstance(e, OrderUpdate) and e.user == HOUSE_MAKER for e in events)
    raised = GRID.lots_to_sz(min_lots(GRID.px_to_units(D("42690"))))
    assert shown(eng) == (
        [(D("42700"), D("1.5")), (D("42690"), raised)],
        [(D("42710"), D("0.25"))],
    )
    assert eng.mark_px("BTC") == D("42705")
    assert model.next_wakeup_ms() == NEVER_MS


def test_only_changed_levels_are_replaced():
    first = book(0, [("42700", "1"), ("42690", "2")], [("42710", "1"), ("42720", "2")])
    second = book(600, [("42700", "1"), ("42690", "3")], [("42710", "1"), ("42720", "2")])
    model, eng = replay([first, second])
    model.advance(eng, START)
    assert model.next_wakeup_ms() == START + 600
    events = model.advance(eng, START + 600)
    assert [(e.status, e.limit_px, e.sz) for e in events] == [
        ("canceled", D("42690"), D("2")),
        ("open", D("42690"), D("3")),
    ]


def test_the_real_book_is_mirrored_level_by_level():
    snapshots = list(SnapshotFile(FILE, 5, end_ms=FIRST_MS + 30_000))
    model, eng = replay(snapshots)
    for snapshot in snapshots:
        model.advance(eng, START + snapshot.time_ms - FIRST_MS)
        bids, asks = shown(eng)
        for levels, is_bid in ((bids, True), (asks, False)):
            expected = [
                (GRID.units_to_px(px), GRID.lots_to_sz(max(lots, min_lots(px))))
                for px, lots in snapshot.levels(is_bid=is_bid).items()
            ]
            assert levels == expected


def test_touching_our_price_never_fills_and_trading_through_fills_the_whole_order():
    snapshots = [
        book(0, [("42700", "1")], [("42710", "1")]),
        book(500, [("42690", "1")], [("42705", "0.5"), ("42712", "1")]),
        book(1000, [("42690", "1")], [("42704", "0.5"), ("42712", "1")]),
    ]
    model, eng = replay(snapshots)
    model.advance(eng, START)
    oid = place(eng, "BTC", True, D("42705"), D("0.003"), START + 100)
    touched = model.advance(eng, START + 500)
    assert fills_of(touched) == []
    assert [o.oid for o in eng.open_orders(TRADER)] == [oid]
    assert shown(eng)[1] == [(D("42712"), D("1"))]  # the touching ask is held back
    through = model.advance(eng, START + 1000)
    [fill] = fills_of(through)
    assert (fill.oid, fill.px, fill.sz, fill.crossed) == (oid, D("42705"), D("0.003"), False)
    [trade] = [e for e in through if isinstance(e, Trade)]
    assert (trade.buyer, trade.seller, trade.side) == (TRADER, HOUSE_TAKER, "A")
    assert eng.open_orders(TRADER) == ()
    assert shown(eng)[1][0] == (D("42704"), D("0.5"))


QUEUE_BOOKS = [
    book(0, [("42700", "5")], [("42710", "5")]),
    book(500, [("42700", "1")], [("42710", "5")]),  # shrinks away from the touch: no credit
    book(1000, [("42690", "5")], [("42699", "2")]),  # through: 1 traded at 42700 + 2 met
    book(1500, [("42690", "5")], [("42699", "5")]),  # 3 more sellers below our price
]


def fill_time_when_joining_after(snapshot_index):
    model, eng = replay(QUEUE_BOOKS)
    placed = False
    for index, snapshot in enumerate(QUEUE_BOOKS):
        events = model.advance(eng, START + snapshot.time_ms)
        if fills := fills_of(events):
            return fills[0].time
        if index == snapshot_index and not placed:
            place(eng, "BTC", True, D("42700"), D("0.001"), START + snapshot.time_ms + 1)
            placed = True
    return None


def test_queue_position_delays_fills():
    behind_five = fill_time_when_joining_after(0)
    behind_one = fill_time_when_joining_after(1)
    assert behind_one == START + 1000
    assert behind_five == START + 1500


def test_queue_starts_at_what_rests_ahead_and_falls_only_on_evidence():
    model, eng = replay(QUEUE_BOOKS[:3])
    model.advance(eng, START)
    first = place(eng, "BTC", True, D("42700"), D("0.001"), START + 1)
    second = place(eng, "BTC", True, D("42700"), D("0.002"), START + 2, user=OTHER_TRADER)
    model.advance(eng, START + 500)
    five = GRID.sz_to_lots(D("5"))
    assert model.queue_ahead(first) == five
    assert model.queue_ahead(second) == five + GRID.sz_to_lots(D("0.001"))
    model.advance(eng, START + 1000)
    assert model.queue_ahead(first) == five - GRID.sz_to_lots(D("3"))
    assert {o.oid for o in eng.open_orders(TRADER)} == {first}


def test_a_remainder_under_the_minimum_is_still_filled_whole():
    snapshots = [
        book(0, [("42000", "1")], [("42010", "1")]),
        book(500, [("41990", "1")], [("41995", "1")]),
    ]
    model, eng = replay(snapshots)
    model.advance(eng, START)
    oid = place(eng, "BTC", True, D("42005"), D("0.0005"), START + 1)
    request = OrderRequest("BTC", False, D("42005"), D("0.00028"), Tif.IOC)
    assert fills_of(eng.place_order(OTHER_TRADER, request, START + 2).events)
    [fill] = fills_of(model.advance(eng, START + 500))
    assert (fill.oid, fill.sz) == (oid, D("0.00022"))
    assert eng.open_orders(TRADER) == ()


def test_the_replay_restarts_one_recorded_gap_after_its_end_when_looping():
    snapshots = [
        book(1000, [("42700", "1")], [("42710", "1")]),
        book(1500, [("42701", "1")], [("42710", "1")]),
        book(2300, [("42702", "1")], [("42710", "1")]),
    ]
    model, eng = replay(snapshots, ReplayParams(file="x", coin="BTC", loop=True))
    seen = []
    for _ in range(7):
        seen.append(model.next_wakeup_ms() - START)
        model.advance(eng, model.next_wakeup_ms())
    assert seen == [0, 500, 1300, 2100, 2600, 3400, 4200]
    assert eng.l2_book("BTC", 0).bids[0].px == D("42700")


def test_refuses_a_replay_for_another_market_or_without_snapshots():
    with pytest.raises(ValueError, match="not the market"):
        ReplayModel(ReplayParams(file="x", coin="ETH"), BTC, [book(0, [], [])], START)
    with pytest.raises(ValueError, match="no snapshots"):
        ReplayModel(PARAMS, BTC, [], START)


def test_on_real_data_no_order_fills_unless_the_book_traded_through_it():
    snapshots = list(SnapshotFile(FILE, 5, FIRST_MS + 1_200_000, FIRST_MS + 1_500_000))
    model, eng = replay(snapshots)
    rng = random.Random(4)
    placed = {}  # oid -> (is_buy, px, sz)
    fills = []
    for index, snapshot in enumerate(snapshots):
        at = START + snapshot.time_ms - snapshots[0].time_ms
        events = model.advance(eng, at)
        fills += [(f, snapshot) for f in fills_of(events)]
        for trade in (e for e in events if isinstance(e, Trade)):
            assert HOUSE_TAKER in (trade.buyer, trade.seller)
        if index % 5:
            continue
        for is_buy in (True, False):
            levels = list(snapshot.levels(is_bid=is_buy))
            px = GRID.units_to_px(levels[rng.choice((0, 0, 1, 3))])
            sz = D(rng.choice(("0.0005", "0.002", "0.01")))
            request = OrderRequest("BTC", is_buy, px, sz, Tif.ALO)
            result = eng.place_order(TRADER, request, at + 1)
            if hasattr(result.status, "oid") and not isinstance(result.status, Fill):
                placed[result.status.oid] = (is_buy, px, sz)
        for order in eng.open_orders(TRADER)[:-30]:
            eng.cancel(TRADER, "BTC", order.oid, at + 2)
    assert len(fills) >= 10
    for fill, snapshot in fills:
        is_buy, px, sz = placed[fill.oid]
        assert (fill.px, fill.sz, fill.crossed) == (px, sz, False)
        units = GRID.px_to_units(px)
        if is_buy:
            assert snapshot.best(is_bid=False) < units
        else:
            assert snapshot.best(is_bid=True) > units


def test_a_crossed_snapshot_is_mirrored_without_its_crossing_asks():
    crossed = book(0, [("42700", "1")], [("42695", "1"), ("42700", "1"), ("42710", "2")])
    model, eng = replay([crossed])
    events = model.advance(eng, START)
    assert not any(isinstance(e, Trade) for e in events)
    assert shown(eng) == ([(D("42700"), D("1"))], [(D("42710"), D("2"))])
    assert eng.mark_px("BTC") == D("42705")
