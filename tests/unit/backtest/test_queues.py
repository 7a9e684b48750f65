"""Queue models on crafted books: the conservative one never fills without a trade-through."""

from __future__ import annotations

import random
from decimal import Decimal as D

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from amm.backtest.queues import replay_market
from amm.backtest.settings import QueueSettings
from amm.common.config import load_config
from amm.common.sim import OrderRequest, Tif
from amm.common.sim.grid import Grid
from amm.common.sim.market.snapshots import BookSnapshot
from amm.services.venue.state import VenueState, list_markets
from tests.helpers import REPO

COIN = "BTC"
USER = "0x" + "ab" * 20
CONFIG = load_config(REPO / "configs" / "paper.toml")
assert CONFIG.venue is not None
VENUE = msgspec.structs.replace(
    CONFIG.venue, markets=[m for m in CONFIG.venue.markets if m.coin == COIN]
)
SPEC = list_markets(VENUE)[0].spec
GRID = Grid(SPEC.sz_decimals)


def snapshot(time_ms: int, bids: dict[int, str], asks: dict[int, str]) -> BookSnapshot:
    """Whole-dollar prices and BTC sizes, best first."""

    def side(levels: dict[int, str], *, best_high: bool) -> list[tuple[int, int]]:
        ordered = sorted(levels.items(), reverse=best_high)
        return [(GRID.px_to_units(D(px)), GRID.sz_to_lots(D(sz))) for px, sz in ordered]

    return BookSnapshot.of(time_ms, side(bids, best_high=True), side(asks, best_high=False))


def venue(snapshots: list[BookSnapshot], **queue: object) -> VenueState:
    settings = QueueSettings(**queue)  # type: ignore[arg-type]
    model = replay_market(SPEC, snapshots, settings, random.Random(1), file="crafted")
    state = VenueState(VENUE, model)
    state.advance(snapshots[0].time_ms)
    assert state.admit(USER, 1, None, snapshots[0].time_ms) is None
    return state


def place(state: VenueState, is_buy: bool, px: int, time_ms: int, sz: str = "0.001") -> None:
    [status] = state.place(USER, [OrderRequest(COIN, is_buy, D(px), D(sz), Tif.ALO)], time_ms)
    assert hasattr(status, "oid"), status


def fills(state: VenueState) -> list[tuple[int, str, D]]:
    return [(f.time, f.side, f.px) for f in state.user_fills(USER)]


BOOKS = [
    snapshot(0, {42000: "1"}, {42002: "1"}),
    snapshot(1000, {42000: "1"}, {42001: "1"}),  # an ask touches our bid at 42001
    snapshot(2000, {41999: "1"}, {42000: "1"}),  # the book trades through it
]


def test_conservative_waits_for_a_trade_through_and_fills_at_our_price():
    state = venue(BOOKS)
    place(state, True, 42001, 10)
    state.advance(1000)
    assert fills(state) == []
    state.advance(2000)
    assert fills(state) == [(2000, "B", D(42001))]


def test_probabilistic_fills_a_used_up_queue_at_the_touch_with_its_probability():
    certain = venue(BOOKS, model="probabilistic", touch_fill_prob=1.0)
    place(certain, True, 42001, 10)
    certain.advance(1000)
    assert fills(certain) == [(1000, "B", D(42001))]
    never = venue(BOOKS, model="probabilistic", touch_fill_prob=0.0)
    place(never, True, 42001, 10)
    never.advance(1000)
    assert fills(never) == []
    never.advance(2000)
    assert fills(never) == [(2000, "B", D(42001))]


CANCELS = [
    snapshot(0, {42000: "1"}, {42002: "1"}),
    snapshot(1000, {42000: "0.4"}, {42002: "1"}),  # 0.6 cancelled ahead of or behind us
    snapshot(2000, {41999: "1"}, {42002: "1"}),  # the rest of the level cancelled
    snapshot(3000, {41999: "1"}, {42000: "1"}),  # an ask touches 42000
]


def test_cancels_move_us_up_only_in_the_probabilistic_model():
    conservative = venue(CANCELS)
    place(conservative, True, 42000, 10)  # behind the house's 1 BTC
    probabilistic = venue(CANCELS, model="probabilistic", touch_fill_prob=1.0)
    place(probabilistic, True, 42000, 10)
    for time_ms in (1000, 2000, 3000):
        conservative.advance(time_ms)
        probabilistic.advance(time_ms)
    assert fills(conservative) == []
    assert fills(probabilistic) == [(3000, "B", D(42000))]


prices = st.integers(min_value=41990, max_value=42010)


@st.composite
def books(draw: st.DrawFn) -> list[BookSnapshot]:
    """A random walk of uncrossed books, one a second."""
    out = []
    for n in range(draw(st.integers(min_value=2, max_value=8))):
        bid = draw(prices)
        ask = bid + draw(st.integers(min_value=1, max_value=4))
        sizes = st.sampled_from(["0.001", "0.01", "0.5"])
        bids = {bid - k: draw(sizes) for k in range(draw(st.integers(1, 3)))}
        asks = {ask + k: draw(sizes) for k in range(draw(st.integers(1, 3)))}
        out.append(snapshot(n * 1000, bids, asks))
    return out


@settings(max_examples=150)
@given(books(), st.lists(st.tuples(st.booleans(), prices), min_size=1, max_size=6))
def test_conservative_never_fills_an_order_the_recorded_book_did_not_trade_through(
    recorded, orders
):
    state = venue(recorded)
    first = recorded[0]
    for is_buy, px in orders:
        best_ask, best_bid = first.best(is_bid=False), first.best(is_bid=True)
        assert best_ask is not None and best_bid is not None
        units = GRID.px_to_units(D(px))
        if (is_buy and units < best_ask) or (not is_buy and units > best_bid):
            request = OrderRequest(COIN, is_buy, D(px), D("0.001"), Tif.ALO)
            state.place(USER, [request], 10)  # may cross one of our own: then it is refused
    for book in recorded[1:]:
        state.advance(book.time_ms)
    by_time = {book.time_ms: book for book in recorded}
    for time_ms, side, px in fills(state):
        book = by_time[time_ms]
        units = GRID.px_to_units(px)
        if side == "B":
            best_ask = book.best(is_bid=False)
            assert best_ask is not None and best_ask < units, (time_ms, side, px)
        else:
            best_bid = book.best(is_bid=True)
            assert best_bid is not None and best_bid > units, (time_ms, side, px)
