import json
import random
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.sim import MatchingEngine, Tif
from tests.unit.common.sim.sim_helpers import ALICE, BOB, COIN, HOUSE, engine, order

USERS = (ALICE, BOB, HOUSE)
TIFS = (Tif.GTC, Tif.IOC, Tif.ALO)

place_op = st.tuples(
    st.just("place"),
    st.integers(0, len(USERS) - 1),
    st.booleans(),
    st.integers(-4, 4),  # aggressiveness: half dollars through 100 (> 0 crosses a mid book)
    st.integers(11, 300),  # size in lots of 0.01 (0.11 * 95 clears the $10 minimum)
    st.integers(0, len(TIFS) - 1),
    st.integers(0, 9).map(lambda n: n == 0),  # reduce-only one time in ten
)
cancel_op = st.tuples(st.just("cancel"), st.integers(0, len(USERS) - 1), st.integers(0, 5))
mark_op = st.tuples(st.just("mark"), st.integers(196, 204))
funding_op = st.tuples(st.just("funding"), st.integers(-10, 10))
operations = st.lists(
    st.one_of(place_op, place_op, place_op, cancel_op, mark_op, funding_op),
    min_size=10,
    max_size=60,
)


def run(eng: MatchingEngine, op: tuple, time_ms: int) -> list:
    """Apply one generated operation; returns what the engine said, as wire JSON."""
    kind = op[0]
    if kind == "place":
        _, user, is_buy, aggressiveness, lots, tif, reduce_only = op
        half_dollars = 200 + (aggressiveness if is_buy else -aggressiveness)
        px = str(D(half_dollars) / 2)
        request = order(is_buy, px, str(D(lots) / 100), TIFS[tif], reduce_only=reduce_only)
        result = eng.place_order(USERS[user], request, time_ms)
        return [result.status.to_wire(), *(e.to_wire() for e in result.events)]
    if kind == "cancel":
        _, user, index = op
        orders = eng.open_orders(USERS[user])
        if not orders:
            return []
        result = eng.cancel(USERS[user], COIN, orders[index % len(orders)].oid, time_ms)
        return [result.to_wire(), *(e.to_wire() for e in result.events)]
    if kind == "mark":
        eng.set_mark(COIN, D(op[1]) / 2)
        return []
    if eng.mark_px(COIN) is None:
        return []
    return [e.to_wire() for e in eng.apply_funding(COIN, D(op[1]) / 100000, time_ms)]


def check_invariants(eng: MatchingEngine) -> None:
    book = eng.l2_book(COIN, 0, depth=1000)
    if book.bids and book.asks:
        assert book.bids[0].px < book.asks[0].px, "book is crossed"
    accounts = eng.accounts()
    assert sum((a.position(COIN).szi for a in accounts), D(0)) == 0
    for account in accounts:
        funding = sum(account.funding.values(), D(0))
        expected = account.deposits + account.closed_pnl + funding - account.fees_paid
        assert account.collateral == expected
    values = sum((eng.account_value(a.address) for a in accounts), D(0))
    fees = sum((a.fees_paid for a in accounts), D(0))
    deposits = sum((a.deposits for a in accounts), D(0))
    assert values + fees == deposits
    levels: dict[tuple[str, D], tuple[D, int]] = {}
    for o in (o for a in accounts for o in eng.open_orders(a.address)):
        sz, n = levels.get((o.side, o.limit_px), (D(0), 0))
        levels[o.side, o.limit_px] = (sz + o.sz, n + 1)
    shown = {("B", lv.px): (lv.sz, lv.n) for lv in book.bids}
    shown |= {("A", lv.px): (lv.sz, lv.n) for lv in book.asks}
    assert shown == levels, "a level's total is not the sum of its orders"


@settings(max_examples=150, deadline=None)
@given(operations)
def test_book_never_crossed_positions_net_to_zero_and_money_is_conserved(ops):
    eng = engine()
    for time_ms, op in enumerate(ops):
        run(eng, op, time_ms)
        check_invariants(eng)


@settings(max_examples=100, deadline=None)
@given(operations)
def test_open_order_totals_match_the_resting_orders(ops):
    eng = engine()
    for time_ms, op in enumerate(ops):
        run(eng, op, time_ms)
    for account in eng.accounts():
        exposure = account.exposures.get(COIN)
        open_orders = eng.open_orders(account.address)
        buys = sum((o.sz for o in open_orders if o.side == "B"), D(0))
        sells = sum((o.sz for o in open_orders if o.side == "A"), D(0))
        assert (exposure.buy_lots if exposure else 0) == buys * 100
        assert (exposure.sell_lots if exposure else 0) == sells * 100
        reduce_only = sum(o.reduce_only for o in open_orders)
        assert (exposure.reduce_only_orders if exposure else 0) == reduce_only


def random_session(seed: int, steps: int = 400) -> str:
    """A seeded random sequence of calls, and everything the engine answered, as JSON."""
    rng = random.Random(seed)
    eng = engine()
    transcript = []
    for time_ms in range(steps):
        roll = rng.random()
        if roll < 0.75:
            op = (
                "place",
                rng.randrange(len(USERS)),
                rng.random() < 0.5,
                rng.randint(-4, 4),
                rng.randint(11, 300),
                rng.randrange(len(TIFS)),
                rng.random() < 0.1,
            )
        elif roll < 0.9:
            op = ("cancel", rng.randrange(len(USERS)), rng.randrange(6))
        elif roll < 0.97:
            op = ("mark", rng.randint(196, 204))
        else:
            op = ("funding", rng.randint(-10, 10))
        transcript.append(run(eng, op, time_ms * 100))
        check_invariants(eng)
    return json.dumps(transcript, sort_keys=True)


def test_same_calls_produce_identical_fills_and_events():
    first = random_session(7)
    assert '"crossed": true' in first  # the session really traded
    assert random_session(7) == first
    assert random_session(8) != first
