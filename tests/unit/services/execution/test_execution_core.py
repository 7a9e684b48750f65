from decimal import Decimal as D

import msgspec
import pytest

from amm.common.config import VenueConfig, VenueMarketConfig
from amm.common.messages import Fill, Position, Rebalance
from amm.common.sim import OrderRequest, Tif
from amm.common.sim import OrderUpdate as SimOrderUpdate
from amm.common.sim.events import Fill as SimFill
from amm.services.execution.actions import NewOrder
from amm.services.execution.cloids import CloidFactory
from amm.services.execution.gate import APPROVED, DECISION_STALE, NO_RISK
from amm.services.execution.logic import ExecutionCore, ExecutionSettings
from amm.services.execution.recovery import sort_open_orders
from amm.services.execution.wire import fill_from_wire, position_from_wire
from amm.services.venue.info import handle_info
from amm.services.venue.state import VenueState
from tests.unit.services.execution.execution_helpers import (
    COIN,
    INSTANCE,
    SECOND,
    SPEC,
    T0,
    cloid,
    decision,
    fill,
    levels,
    resting,
    risk_state,
)

ALICE = "0x" + "a1" * 20
BOB = "0x" + "b0" * 20
BIDS = levels(("5990", "0.5"), ("5989", "0.5"))
ASKS = levels(("6010", "0.5"), ("6011", "0.5"))
SETTINGS = ExecutionSettings(max_decision_age_ms=3_000, max_risk_age_ms=3_000)


def core() -> ExecutionCore:
    return ExecutionCore(SETTINGS, {COIN: SPEC}, CloidFactory(INSTANCE))


def approved(c: ExecutionCore, now: int = T0, **kw) -> None:
    c.on_risk_state(risk_state(), now)
    c.on_decision(decision(BIDS, ASKS, **kw), now)


def test_with_no_word_from_risk_nothing_is_placed():
    c = core()
    step = c.step(T0)
    assert step.plans[0].is_empty and step.events == ()
    assert step.gates[COIN].reason == NO_RISK


def test_an_approved_ladder_is_placed_once_and_then_left_alone():
    c = core()
    approved(c)
    step = c.step(T0)
    assert step.gates[COIN].reason == APPROVED
    assert len(step.plans[0].places) == 4
    assert [e.status for e in step.events] == ["pending_new"] * 4
    assert c.step(T0 + 1).plans[0].is_empty  # answers outstanding
    for i, order in enumerate(step.plans[0].places):
        c.book.place_result(order.cloid, resting(100 + i), T0 + 2)
    assert c.step(T0 + 3).plans[0].is_empty  # converged: zero churn


def first_level_filled(c: ExecutionCore) -> NewOrder:
    """The approved ladder placed and resting (oids 100, ...), then its first order filled at
    T0 + 2; that order."""
    approved(c)
    places = c.step(T0).plans[0].places
    for i, order in enumerate(places):
        c.book.place_result(order.cloid, resting(100 + i), T0 + 1)
    c.book.fill(fill(1, 100, "0.5", places[0].cloid), T0 + 2)
    return places[0]


def test_a_filled_level_is_not_placed_again_until_risk_decides_anew():
    c = core()
    filled = first_level_filled(c)
    c.on_risk_heartbeat(T0 + 3)
    assert c.step(T0 + 3).plans[0].is_empty  # the same decision: spent by the fill
    c.on_decision(decision(BIDS, ASKS, decision_id=2), T0 + 4)
    [again] = c.step(T0 + 4).plans[0].places
    assert (again.px, again.sz) == (filled.px, filled.sz)


def test_risks_answer_to_a_fill_that_repeats_the_ladder_is_not_news_but_unlocks_the_level():
    c = core()
    filled = first_level_filled(c)
    repeat = msgspec.structs.replace(decision(BIDS, ASKS), created_ns=T0 + 3)
    assert not c.on_decision(repeat, T0 + 3)  # placed by the next ladder's step, or the timer's
    [again] = c.step(T0 + 3).plans[0].places
    assert (again.px, again.sz) == (filled.px, filled.sz)


def test_a_stale_decision_cancels_everything():
    c = core()
    approved(c)
    for i, order in enumerate(c.step(T0).plans[0].places):
        c.book.place_result(order.cloid, resting(100 + i), T0 + 1)
    c.on_risk_heartbeat(T0 + 3 * SECOND)
    step = c.step(T0 + 3 * SECOND)
    assert step.gates[COIN].reason == DECISION_STALE
    assert len(step.plans[0].cancels) == 4 and step.plans[0].places == ()
    assert [e.status for e in step.events] == ["pending_cancel"] * 4


def test_a_new_decision_is_news_and_risks_timed_repeat_of_it_is_not():
    c = core()
    c.on_risk_state(risk_state(), T0)
    assert c.on_decision(decision(BIDS, ASKS), T0)
    repeat = msgspec.structs.replace(decision(BIDS, ASKS), created_ns=T0 + SECOND)
    assert not c.on_decision(repeat, T0 + SECOND)
    moved = decision(levels(("5991", "0.5")), ASKS, decision_id=2)
    assert c.on_decision(moved, T0 + SECOND)
    assert not c.on_decision(decision(BIDS, ASKS, coin="BTC"), T0 + SECOND)  # not traded


def test_the_same_decision_after_it_went_stale_is_news():
    c = core()
    approved(c)
    c.on_risk_heartbeat(T0 + 3 * SECOND)
    assert c.on_decision(decision(BIDS, ASKS), T0 + 3 * SECOND)  # the gate opens again


def test_a_risk_state_or_heartbeat_is_news_only_when_it_opens_or_closes_a_gate():
    c = core()
    approved(c)
    assert not c.on_risk_state(risk_state(), T0 + 1)
    assert not c.on_risk_heartbeat(T0 + 2)
    assert c.on_risk_state(risk_state("HALTED"), T0 + 3)
    assert c.on_risk_state(risk_state(), T0 + 4)
    quiet = T0 + 4 + 3 * SECOND
    assert not c.on_decision(decision(BIDS, ASKS), quiet)  # risk itself is stale: still closed
    assert c.on_risk_heartbeat(quiet)  # risk heard again after going quiet


def test_a_rebalance_is_sent_once_per_decision():
    c = core()
    rebalance = Rebalance(side="A", sz=D("0.4"), limit_px=D("5980"))
    approved(c, decision_id=5, rebalance=rebalance)
    first = c.step(T0).plans[0]
    assert first.rebalance is not None and first.rebalance.tif == "Ioc"
    c.book.place_result(first.rebalance.cloid, {"filled": {"oid": 9, "totalSz": "0.4"}}, T0)
    assert c.step(T0 + 1).plans[0].rebalance is None
    c.on_decision(decision(BIDS, ASKS, decision_id=6, rebalance=rebalance), T0 + 2)
    assert c.step(T0 + 2).plans[0].rebalance is not None


def test_start_up_adopts_our_orders_and_cancels_the_unknown_ones():
    earlier = CloidFactory(bytes.fromhex("01010101")).next()
    foreign = "0x" + "ee" * 16

    def wire(oid, coin=COIN, cloid_=None):
        order = {"coin": coin, "side": "B", "limitPx": "5990", "sz": "0.5", "oid": oid,
                 "timestamp": 1, "origSz": "0.5", "tif": "Alo", "reduceOnly": False}  # fmt: skip
        if cloid_:
            order["cloid"] = cloid_
        return order

    orders = [
        wire(1, cloid_=earlier),
        wire(2, cloid_=foreign),
        wire(3),
        wire(4, coin="BTC", cloid_=earlier.replace("01", "02", 1)),
        wire(5, coin="BTC", cloid_=foreign),
        wire(6, coin="BTC"),
    ]
    c = core()
    recovery, events = c.recover(orders, T0)
    assert [o["oid"] for o in recovery.adopt] == [1]
    assert recovery.cancel == ((COIN, 2), (COIN, 3), ("BTC", 4))
    assert [o["oid"] for o in recovery.ignore] == [5, 6]
    assert [(e.cloid, e.status, e.oid) for e in events] == [(earlier, "resting", 1)]
    approved(c)
    plan = c.step(T0 + 1).plans[0]
    assert len(plan.places) == 3  # the adopted order already quotes the top bid


def test_the_sort_treats_a_current_instance_order_as_ours():
    cloids = CloidFactory(INSTANCE)
    mine = {"coin": COIN, "oid": 1, "cloid": cloid(5)}
    assert sort_open_orders([mine], {COIN}, cloids).adopt == (mine,)


def test_a_userfills_element_becomes_an_exec_fill_body():
    sim = SimFill(
        user=ALICE, coin=COIN, px=D("5990.5"), sz=D("0.25"), side="B", time=1_700_000_000_123,
        start_position=D("-0.1"), dir="Close Short", closed_pnl=D("1.5"), hash="0x" + "1" * 64,
        oid=42, crossed=True, fee=D("0.67"), tid=9001, cloid=cloid(1).upper().replace("0X", "0x"),
    )  # fmt: skip
    assert fill_from_wire(sim.to_wire()) == Fill(
        coin=COIN, tid=9001, oid=42, cloid=cloid(1), side="B", px=D("5990.5"), sz=D("0.25"),
        fee=D("0.67"), fee_token="USDC", closed_pnl=D("1.5"), crossed=True,
        start_position=D("-0.1"), dir="Close Short", hash="0x" + "1" * 64,
        time_ms=1_700_000_000_123,
    )  # fmt: skip


# ---- against the paper venue's own state machine --------------------------------------------


class PaperExchange:
    """The venue's pure core in-process: answers and stream events in Hyperliquid's shapes."""

    def __init__(self) -> None:
        markets = [VenueMarketConfig(coin=COIN, sz_decimals=2, max_leverage=20, start_px=6000.0)]
        self.state = VenueState(VenueConfig(markets=markets, starting_collateral=100_000.0))
        self.stream: list = []
        self.state.add_listener(self.stream.extend)
        self.now_ms = T0 // 1_000_000
        for user in (ALICE, BOB):
            assert self.state.admit(user, self.now_ms, None, self.now_ms) is None

    def request(self, o) -> OrderRequest:
        return OrderRequest(COIN, o.is_buy, o.px, o.sz, Tif(o.tif), o.reduce_only, o.cloid)

    def run(self, c: ExecutionCore, now: int, *, stream_first: bool = True) -> list:
        """One core step sent to the venue; stream events delivered before the answers."""
        self.now_ms = now // 1_000_000
        step = c.step(now)
        answers = []
        for p in step.plans:
            targets = [(COIN, x.cloid) for x in p.cancels]
            for x, r in zip(p.cancels, self.state.cancel(ALICE, targets, self.now_ms), strict=True):
                answers.append((c.book.cancel_result, x.cloid, r.to_wire()))
            mods = [(m.cloid, self.request(m)) for m in p.modifies]
            for m, s in zip(p.modifies, self.state.modify(ALICE, mods, self.now_ms), strict=True):
                answers.append((c.book.modify_result, m.cloid, s.to_wire()))
            news = [*p.places, *([p.rebalance] if p.rebalance else [])]
            placed = self.state.place(ALICE, [self.request(o) for o in news], self.now_ms)
            for o, s in zip(news, placed, strict=True):
                answers.append((c.book.place_result, o.cloid, s.to_wire()))
        events = list(step.events)
        if stream_first:
            events += self.deliver(c, now)
        for method, target, answer in answers:
            events += method(target, answer, now)
        return events + self.deliver(c, now)

    def deliver(self, c: ExecutionCore, now: int) -> list:
        events = []
        batch, self.stream[:] = list(self.stream), []
        for e in batch:
            if isinstance(e, SimOrderUpdate) and e.user == ALICE:
                events += c.book.order_update(e.to_wire(), now)
            elif isinstance(e, SimFill) and e.user == ALICE:
                events += c.book.fill(fill_from_wire(e.to_wire()), now)
        return events

    def ours(self) -> list[tuple[str, D, D]]:
        return sorted((o.side, o.limit_px, o.sz) for o in self.state.engine.open_orders(ALICE))


def test_the_core_converges_the_paper_venue_through_moves_fills_and_a_closed_gate():
    c, venue = core(), PaperExchange()
    approved(c)
    events = venue.run(c, T0)
    assert {e.status for e in events} == {"pending_new", "resting"}
    assert venue.ours() == sorted(
        [("B", D(5990), D("0.5")), ("B", D(5989), D("0.5")),
         ("A", D(6010), D("0.5")), ("A", D(6011), D("0.5"))]
    )  # fmt: skip
    assert venue.run(c, T0 + 1) == []  # converged: nothing sent, nothing changes

    # move the top bid: one modify, the stream's canceled for the old oid arrives first
    c.on_decision(decision(levels(("5992", "0.5"), ("5989", "0.5")), ASKS, decision_id=2), T0 + 2)
    top = c.book.get(cloid(1))
    old_oid = top.oid
    events = venue.run(c, T0 + 2)
    assert [(e.cloid, e.status, e.px) for e in events] == [(cloid(1), "resting", D(5992))]
    assert top.oids == [old_oid, top.oid] and top.status == "resting"
    assert ("B", D(5992), D("0.5")) in venue.ours()

    # someone sells into our top bid: a partial fill, then a top-up by modify
    taker = OrderRequest(COIN, False, D(5992), D("0.3"), Tif.IOC)
    venue.state.place(BOB, [taker], venue.now_ms)
    events = venue.deliver(c, T0 + 3)
    assert [(e.status, e.filled_sz) for e in events] == [("partially_filled", D("0.3"))]
    venue.run(c, T0 + 4)
    assert ("B", D(5992), D("0.5")) in venue.ours()
    assert (top.filled_sz, top.open_sz) == (D("0.3"), D("0.5"))

    # risk goes quiet: everything is cancelled, nothing placed
    events = venue.run(c, T0 + 4 * SECOND)
    assert venue.ours() == []
    assert {e.status for e in events} == {"pending_cancel", "cancelled"}
    assert {o.status for o in c.book.orders()} == {"cancelled"}


def test_the_exchanges_position_becomes_an_exec_position_body():
    venue = PaperExchange()
    venue.state.place(ALICE, [OrderRequest(COIN, True, D(6000), D("0.5"), Tif.GTC)], venue.now_ms)
    venue.state.place(BOB, [OrderRequest(COIN, False, D(6000), D("0.5"), Tif.IOC)], venue.now_ms)
    body = {"type": "clearinghouseState", "user": ALICE, "dex": "km"}
    position = position_from_wire(handle_info(venue.state, body, venue.now_ms), COIN, "km")
    assert isinstance(position, Position)
    assert (position.szi, position.entry_px, position.leverage) == (D("0.5"), D(6000), 20)
    flat = position_from_wire(handle_info(venue.state, {**body, "user": BOB}, 1), "BTC", "km")
    assert (flat.szi, flat.entry_px, flat.leverage) == (0, None, None)


def test_the_settings_validate_like_a_config_table():
    settings = msgspec.convert({"price_tolerance_bps": 2.5}, ExecutionSettings)
    assert settings.price_tolerance_bps == D("2.5")
    for bad in ({"size_tolerance": -1}, {"max_risk_age_ms": 0}, {"typo": 1}):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, ExecutionSettings)
