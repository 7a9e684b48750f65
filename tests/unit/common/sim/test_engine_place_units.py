"""``place_units`` (the market models' orders in grid units) answers as ``place_order`` does."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.sim import OrderRequest, Tif
from amm.common.sim.grid import Grid
from tests.unit.common.sim.sim_helpers import ALICE, BOB, COIN, HOUSE, SPEC, engine

GRID = Grid(SPEC.sz_decimals)
USERS = (ALICE, BOB, HOUSE)
TIFS = (Tif.GTC, Tif.IOC, Tif.ALO)

orders = st.lists(
    st.tuples(
        st.integers(0, len(USERS) - 1),
        st.booleans(),
        st.integers(990_000, 1_010_000).map(lambda px: px - px % 50),  # 99..101, often off-grid
        st.integers(1, 300),  # lots of 0.01: 0.1 and below is under the $10 minimum
        st.integers(0, len(TIFS) - 1),
        st.booleans(),  # which of the two ways this order goes in
    ),
    min_size=1,
    max_size=40,
)


def answer(result) -> str:
    return repr((result.status, result.events))


@settings(max_examples=200, deadline=None)
@given(orders)
def test_an_order_in_units_gets_the_answer_and_events_of_the_same_order_in_decimals(script):
    by_units, by_request = engine(), engine()
    for time_ms, (user, is_buy, px, lots, tif, units_first) in enumerate(script):
        request = OrderRequest(COIN, is_buy, GRID.units_to_px(px), GRID.lots_to_sz(lots), TIFS[tif])
        units = {"is_buy": is_buy, "px": px, "lots": lots, "tif": TIFS[tif], "time_ms": time_ms}
        if units_first:  # both engines see both ways, in either order
            by_units, by_request = by_request, by_units
        got = by_units.place_units(USERS[user], COIN, **units)
        expected = by_request.place_order(USERS[user], request, time_ms)
        assert answer(got) == answer(expected)
    assert by_units.l2_book(COIN, 0, 100) == by_request.l2_book(COIN, 0, 100)


def test_an_order_off_the_grid_or_under_ten_dollars_is_refused_in_the_same_words():
    eng = engine()
    off_grid = eng.place_units(
        ALICE, COIN, is_buy=True, px=1_000_050, lots=100, tif=Tif.GTC, time_ms=0
    )
    assert off_grid.status.message == "Price must be divisible by tick size."
    small = eng.place_units(ALICE, COIN, is_buy=True, px=1_000_000, lots=9, tif=Tif.GTC, time_ms=0)
    assert small.status.message == "Order must have minimum value of $10."
    assert [e.limit_px for e in (*off_grid.events, *small.events)] == [D("100.005"), D("100")]
