"""The venue's placement audit: each accepted placement counted per cloid, modifies not."""

from __future__ import annotations

from decimal import Decimal as D

from amm.common.config import VenueConfig, VenueMarketConfig
from amm.common.sim import OrderRequest, Tif
from amm.services.venue.placements import PlacementAudit, is_rejection
from amm.services.venue.state import VenueState

US500 = "km:US500"
ALICE = "0x" + "a" * 40
BOB = "0x" + "b" * 40
T0 = 1_700_000_000_000
CLOID = "0x" + "c" * 32
OTHER = "0x" + "d" * 32


def audited() -> tuple[VenueState, PlacementAudit]:
    markets = [VenueMarketConfig(coin=US500, sz_decimals=2, max_leverage=20, start_px=6000.0)]
    state = VenueState(VenueConfig(markets=markets))
    audit = PlacementAudit()
    state.add_listener(audit.on_events)
    for nonce, user in enumerate((ALICE, BOB)):
        assert state.admit(user, T0 + nonce, None, T0) is None
    return state, audit


def bid(px: str, cloid: str | None = CLOID, tif: Tif = Tif.ALO) -> OrderRequest:
    return OrderRequest(US500, True, D(px), D("0.1"), tif, cloid=cloid)


def test_a_placement_and_its_modifies_count_once():
    state, audit = audited()
    state.place(ALICE, [bid("5990")], T0)
    state.modify(ALICE, [(CLOID, bid("5991"))], T0 + 1)
    state.modify(ALICE, [(CLOID, bid("5992"))], T0 + 2)
    assert audit.report(ALICE) == {
        "user": ALICE,
        "placements": 1,
        "cloids": 1,
        "repeated": {},
    }


def test_a_cloid_placed_again_after_its_order_was_cancelled_is_repeated():
    state, audit = audited()
    state.place(ALICE, [bid("5990")], T0)
    state.cancel(ALICE, [(US500, CLOID)], T0 + 1)
    state.place(ALICE, [bid("5990"), bid("5980", OTHER)], T0 + 2)
    report = audit.report(ALICE.upper().replace("0X", "0x"))
    assert report["placements"] == 3 and report["cloids"] == 2
    assert report["repeated"] == {CLOID: 2}


def test_rejected_orders_and_orders_without_cloid_are_not_placements():
    state, audit = audited()
    state.place(ALICE, [bid("5990")], T0)
    state.place(ALICE, [bid("5980")], T0 + 1)  # the cloid is open: refused
    state.place(ALICE, [bid("5990.123", OTHER)], T0 + 2)  # off the price grid
    state.place(ALICE, [bid("5970", None)], T0 + 3)
    assert audit.report(ALICE)["placements"] == 1
    assert audit.report(BOB) == {"user": BOB, "placements": 0, "cloids": 0, "repeated": {}}


def test_rejection_statuses_are_told_apart_from_the_rest():
    assert is_rejection("rejected") and is_rejection("badAloPxRejected")
    assert not any(is_rejection(s) for s in ("open", "filled", "canceled", "scheduledCancel"))


def test_an_ioc_that_fills_in_part_is_a_placement():
    state, audit = audited()
    state.place(BOB, [OrderRequest(US500, False, D("6000"), D("0.05"), Tif.GTC)], T0)
    state.place(ALICE, [bid("6000", tif=Tif.IOC)], T0 + 1)
    assert audit.report(ALICE)["placements"] == 1
