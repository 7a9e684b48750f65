from decimal import Decimal as D

import pytest

from amm.common.config import VenueConfig, VenueMarketConfig
from amm.common.sim import Fill, Funding, OrderError, OrderRequest, OrderUpdate, Resting, Tif, Trade
from amm.common.sim.engine import HOUSE_ADDRESS
from amm.services.venue.state import (
    DAY_MS,
    EXPIRED_ERROR,
    MODIFY_MISSING_ERROR,
    SCHEDULE_TOO_EARLY_ERROR,
    SCHEDULE_TOO_MANY_ERROR,
    NonceBook,
    NonUserCancel,
    VenueState,
    list_markets,
)

US500 = "km:US500"
ALICE = "0x" + "a" * 40
BOB = "0x" + "b" * 40
T0 = 1_700_000_000_000
CLOID = "0x" + "c" * 32


def venue_config(**overrides) -> VenueConfig:
    markets = [
        VenueMarketConfig(coin=US500, sz_decimals=2, max_leverage=20, start_px=6000.0),
        VenueMarketConfig(coin="BTC", sz_decimals=5, max_leverage=40, start_px=90000.0),
    ]
    return VenueConfig(markets=overrides.pop("markets", markets), **overrides)


def make_state(**overrides) -> VenueState:
    return VenueState(venue_config(**overrides))


def signed(state: VenueState, user: str, now: int = T0) -> None:
    """Admit one action of ``user`` so it exists (nonce = now)."""
    assert state.admit(user, now, None, now) is None


def order(is_buy: bool, px: str, sz: str, tif: Tif = Tif.GTC, **kw) -> OrderRequest:
    return OrderRequest(US500, is_buy, D(px), D(sz), tif, **kw)


class FakeModel:
    """A market model that records when it was advanced and places nothing."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def advance(self, engine, now_ms: int) -> list:
        self.calls.append(now_ms)
        return []

    def next_wakeup_ms(self) -> int:
        return (self.calls[-1] if self.calls else 0) + 200


# ---- asset ids ---------------------------------------------------------------------------


def test_asset_ids_follow_the_sdk_main_dex_index_and_builder_dex_offsets():
    markets = [
        VenueMarketConfig(coin="BTC", sz_decimals=5, max_leverage=40, start_px=90000.0),
        VenueMarketConfig(coin=US500, sz_decimals=2, max_leverage=20, start_px=6000.0),
        VenueMarketConfig(coin="ETH", sz_decimals=4, max_leverage=25, start_px=3000.0),
        VenueMarketConfig(coin="xyz:GOLD", sz_decimals=3, max_leverage=10, start_px=2000.0),
        VenueMarketConfig(coin="km:NDX", sz_decimals=2, max_leverage=20, start_px=20000.0),
    ]
    assets = {lst.coin: lst.spec.asset for lst in list_markets(venue_config(markets=markets))}
    assert assets == {
        "BTC": 0,
        "ETH": 1,
        US500: 110000,
        "km:NDX": 110001,
        "xyz:GOLD": 120000,
    }


def test_state_maps_coins_assets_and_dexes_both_ways():
    state = make_state()
    assert state.coins() == (US500, "BTC")
    assert state.dexes() == ("km",)
    assert state.dex_of(US500) == "km" and state.dex_of("BTC") == ""
    assert state.asset_of(US500) == 110000 and state.coin_of_asset(0) == "BTC"
    assert state.coin_of_asset(5) is None


# ---- accounts ----------------------------------------------------------------------------


def test_first_signature_creates_the_account_with_the_starting_collateral():
    state = make_state(starting_collateral=2500.0)
    assert not state.is_known(ALICE)
    signed(state, ALICE.upper().replace("0X", "0x"))
    assert state.is_known(ALICE)
    assert state.engine.collateral(ALICE) == D(2500)


# ---- nonces ------------------------------------------------------------------------------


def test_reused_nonce_is_rejected_as_duplicate():
    state = make_state()
    assert state.admit(ALICE, T0, None, T0) is None
    assert state.admit(ALICE, T0, None, T0 + 5) == f"Invalid nonce: duplicate nonce {T0}"


def test_nonces_are_per_signer():
    state = make_state()
    assert state.admit(ALICE, T0, None, T0) is None
    assert state.admit(BOB, T0, None, T0) is None


def test_nonce_older_than_two_days_or_a_day_ahead_is_rejected():
    state = make_state()
    too_old = T0 - 2 * DAY_MS
    too_new = T0 + DAY_MS
    assert state.admit(ALICE, too_old, None, T0) == (
        f"Invalid nonce: nonce too low {too_old} < {too_old}"
    )
    assert state.admit(ALICE, too_new, None, T0) == (
        f"Invalid nonce: nonce too high {too_new} > {too_new}"
    )
    assert state.admit(ALICE, too_old + 1, None, T0) is None
    assert state.admit(ALICE, too_new - 1, None, T0) is None


def test_once_100_nonces_are_stored_a_new_one_must_exceed_the_smallest_of_them():
    book = NonceBook()
    for nonce in range(T0 + 1, T0 + 101):
        assert book.check(ALICE, nonce, T0) is None
        book.use(ALICE, nonce)
    assert book.check(ALICE, T0, T0) == f"Invalid nonce: nonce too low {T0} < {T0 + 1}"
    assert book.check(ALICE, T0 + 101, T0) is None
    book.use(ALICE, T0 + 101)
    assert book.check(ALICE, T0 + 1, T0) == f"Invalid nonce: nonce too low {T0 + 1} < {T0 + 2}"


def test_fewer_than_100_nonces_allow_a_lower_unused_one():
    state = make_state()
    assert state.admit(ALICE, T0 + 50, None, T0) is None
    assert state.admit(ALICE, T0 + 10, None, T0) is None


# ---- expiresAfter and rate limits --------------------------------------------------------


def test_action_with_expires_after_in_the_past_is_rejected_and_its_nonce_stays_unused():
    state = make_state()
    assert state.admit(ALICE, T0, T0 - 1, T0) == EXPIRED_ERROR
    assert state.rate_limit(ALICE).n_requests_used == 5
    assert state.admit(ALICE, T0, T0 + 1000, T0) is None


def test_every_admitted_request_counts_by_its_weight_for_the_rate_limit():
    state = make_state()
    state.admit(ALICE, T0, None, T0, weight=3)
    state.admit(ALICE, T0 + 1, None, T0)
    assert state.rate_limit(ALICE).to_wire() == {
        "cumVlm": "0",
        "nRequestsUsed": 4,
        "nRequestsCap": 10000,
        "nRequestsSurplus": 0,
    }


def test_requests_beyond_the_cap_are_refused_but_cancels_get_more_room():
    state = make_state()
    assert state.admit(ALICE, T0, None, T0, weight=10_000) is None
    refused = state.admit(ALICE, T0 + 1, None, T0)
    assert refused == (
        "Too many cumulative requests sent (10001 > 10000) for cumulative volume traded $0."
        " Place taker orders to free up 1 request per USDC traded."
    )
    assert state.admit(ALICE, T0 + 2, None, T0, is_cancel=True) is None


def test_traded_volume_raises_the_request_cap():
    state = make_state()
    signed(state, ALICE)
    signed(state, BOB)
    state.place(ALICE, [order(False, "6000", "1")], T0)
    state.place(BOB, [order(True, "6000", "1", Tif.IOC)], T0)
    assert state.rate_limit(BOB).cum_vlm == D(6000)
    assert state.rate_limit(BOB).n_requests_cap == 16_000


# ---- order status history ----------------------------------------------------------------


def test_order_status_is_found_by_oid_and_by_cloid():
    state = make_state()
    signed(state, ALICE)
    [status] = state.place(ALICE, [order(True, "5990", "1", cloid=CLOID)], T0)
    assert isinstance(status, Resting)
    by_oid = state.order_status(ALICE, status.oid)
    by_cloid = state.order_status(
        ALICE.upper().replace("0X", "0x"), CLOID.upper().replace("0X", "0x")
    )
    assert by_oid == by_cloid
    assert by_oid.status == "open" and by_oid.cloid == CLOID


def test_order_status_follows_partial_fill_then_cancel():
    state = make_state()
    signed(state, ALICE)
    signed(state, BOB)
    [resting] = state.place(ALICE, [order(False, "6000", "1")], T0)
    state.place(BOB, [order(True, "6000", "0.4", Tif.IOC)], T0 + 1)
    partial = state.order_status(ALICE, resting.oid)
    assert (partial.status, partial.sz, partial.orig_sz) == ("open", D("0.6"), D("1"))
    state.cancel(ALICE, [(US500, resting.oid)], T0 + 2)
    canceled = state.order_status(ALICE, resting.oid)
    assert (canceled.status, canceled.status_timestamp) == ("canceled", T0 + 2)


def test_rejected_and_filled_orders_keep_their_final_status():
    state = make_state()
    signed(state, ALICE)
    signed(state, BOB)
    [rejected] = state.place(ALICE, [order(True, "6000.05", "1", cloid=CLOID)], T0)
    assert isinstance(rejected, OrderError)
    assert state.order_status(ALICE, CLOID).status == "tickRejected"
    [maker] = state.place(ALICE, [order(False, "6000", "1")], T0)
    state.place(BOB, [order(True, "6000", "1", Tif.IOC)], T0)
    filled = state.order_status(ALICE, maker.oid)
    assert (filled.status, filled.sz) == ("filled", D(0))


def test_a_rejected_duplicate_cloid_does_not_hide_the_open_order():
    state = make_state()
    signed(state, ALICE)
    [first] = state.place(ALICE, [order(True, "5990", "1", cloid=CLOID)], T0)
    [dup] = state.place(ALICE, [order(True, "5980", "1", cloid=CLOID)], T0)
    assert isinstance(dup, OrderError)
    assert state.order_status(ALICE, CLOID).oid == first.oid


def test_unknown_order_has_no_status():
    state = make_state()
    assert state.order_status(ALICE, 12345) is None
    assert state.order_status(ALICE, CLOID) is None


def test_modify_of_a_missing_order_says_it_cannot_modify():
    state = make_state()
    signed(state, ALICE)
    [status] = state.modify(ALICE, [(999, order(True, "5990", "1"))], T0)
    assert status == OrderError(MODIFY_MISSING_ERROR, "rejected")


def test_modify_by_cloid_replaces_the_order_with_a_new_oid():
    state = make_state()
    signed(state, ALICE)
    [old] = state.place(ALICE, [order(True, "5990", "1", cloid=CLOID)], T0)
    [new] = state.modify(ALICE, [(CLOID, order(True, "5991", "1", cloid=CLOID))], T0 + 1)
    assert isinstance(new, Resting) and new.oid != old.oid
    assert state.order_status(ALICE, old.oid).status == "canceled"
    assert state.order_status(ALICE, CLOID).oid == new.oid


# ---- listeners ---------------------------------------------------------------------------


def test_listeners_get_one_batch_per_action_in_order():
    state = make_state()
    batches = []
    state.add_listener(batches.append)
    signed(state, ALICE)
    signed(state, BOB)
    state.place(ALICE, [order(False, "6000", "1"), order(False, "6001", "1")], T0)
    state.place(BOB, [order(True, "6000", "1", Tif.IOC)], T0)
    assert len(batches) == 2
    assert [type(e) for e in batches[0]] == [OrderUpdate, OrderUpdate]
    kinds = [type(e) for e in batches[1]]
    assert Trade in kinds and Fill in kinds and kinds[-1] is OrderUpdate


def test_a_removed_listener_hears_nothing_more():
    state = make_state()
    batches = []
    state.add_listener(batches.append)
    state.remove_listener(batches.append)
    signed(state, ALICE)
    state.place(ALICE, [order(True, "5990", "1")], T0)
    assert batches == []


# ---- scheduleCancel ----------------------------------------------------------------------


def test_schedule_cancel_less_than_5_seconds_ahead_is_rejected():
    state = make_state()
    signed(state, ALICE)
    assert state.schedule_cancel(ALICE, T0 + 4_999, T0) == SCHEDULE_TOO_EARLY_ERROR
    assert state.schedule_cancel(ALICE, T0 + 5_000, T0) is None


def test_schedule_cancel_fires_and_cancels_every_order_with_a_non_user_cancel_notice():
    state = make_state()
    batches = []
    state.add_listener(batches.append)
    signed(state, ALICE)
    placed = state.place(
        ALICE, [order(True, "5990", "1"), OrderRequest("BTC", True, D("80000"), D("0.01"))], T0
    )
    state.schedule_cancel(ALICE, T0 + 10_000, T0)
    assert state.advance(T0 + 9_999) == ()
    events = state.advance(T0 + 12_000)
    updates = [e for e in events if isinstance(e, OrderUpdate)]
    notices = [e for e in events if isinstance(e, NonUserCancel)]
    assert {u.oid for u in updates} == {s.oid for s in placed}
    assert {u.status for u in updates} == {"scheduledCancel"}
    assert {u.status_timestamp for u in updates} == {T0 + 10_000}
    assert [(n.coin, n.oid) for n in notices] == [(u.coin, u.oid) for u in updates]
    assert notices[0].to_wire() == {"coin": notices[0].coin, "oid": notices[0].oid}
    assert state.engine.open_orders(ALICE) == ()
    assert state.order_status(ALICE, placed[0].oid).status == "scheduledCancel"
    assert batches[-1] == events
    assert state.scheduled_cancel_ms(ALICE) is None


def test_schedule_cancel_with_null_time_disarms_it():
    state = make_state()
    signed(state, ALICE)
    state.place(ALICE, [order(True, "5990", "1")], T0)
    state.schedule_cancel(ALICE, T0 + 10_000, T0)
    assert state.schedule_cancel(ALICE, None, T0 + 1) is None
    state.advance(T0 + 20_000)
    assert len(state.engine.open_orders(ALICE)) == 1


def test_schedule_cancel_triggers_at_most_10_times_a_day_then_again_next_day():
    day_start = (T0 // DAY_MS + 1) * DAY_MS
    state = make_state()
    signed(state, ALICE, day_start)
    now = day_start
    for _ in range(10):
        assert state.schedule_cancel(ALICE, now + 5_000, now) is None
        now += 6_000
        state.advance(now)
    assert state.schedule_cancel(ALICE, now + 5_000, now) == SCHEDULE_TOO_MANY_ERROR
    tomorrow = day_start + DAY_MS
    assert state.schedule_cancel(ALICE, tomorrow + 5_000, tomorrow) is None


def test_timers_fire_in_time_order_with_the_model_advanced_first():
    model = FakeModel()
    state = VenueState(venue_config(), model)
    signed(state, ALICE)
    state.schedule_cancel(ALICE, T0 + 7_000, T0)
    state.advance(T0 + 60_000)
    assert model.calls[-2:] == [T0 + 7_000, T0 + 60_000]
    assert state.next_wakeup_ms() == T0 + 60_200


# ---- funding -----------------------------------------------------------------------------


def test_funding_is_paid_every_interval_by_longs_to_shorts_at_a_small_rate():
    state = make_state(funding_interval_s=3600.0)
    signed(state, ALICE)
    signed(state, BOB)
    state.place(ALICE, [order(False, "6000", "1")], T0)
    state.place(BOB, [order(True, "6000", "1", Tif.IOC)], T0)
    hour = 3_600_000
    next_hour = (T0 // hour + 1) * hour
    assert state.advance(next_hour - 1) == ()
    events = state.advance(next_hour + 2 * hour - 1)
    fundings = [e for e in events if isinstance(e, Funding)]
    assert [f.time for f in fundings if f.user == BOB] == [next_hour, next_hour + hour]
    paid = next(f for f in fundings if f.user == BOB)
    assert paid.funding_rate == D("0.0000125")
    assert paid.usdc == D("-0.075")  # 1 * 6000 * 0.0000125
    assert [f.time for f in state.user_funding(ALICE)] == [next_hour, next_hour + hour]


# ---- asset context -----------------------------------------------------------------------


def test_asset_ctx_shows_mid_impact_prices_volume_and_open_interest():
    state = make_state()
    signed(state, ALICE)
    signed(state, BOB)
    state.place(HOUSE_ADDRESS, [order(False, "6001", "5"), order(True, "5999", "5")], T0)
    state.place(BOB, [order(True, "6001", "1", Tif.IOC)], T0)
    ctx = state.asset_ctx(US500, T0)
    assert ctx == {
        "funding": "0.0000125",
        "openInterest": "1",
        "prevDayPx": "6000",
        "dayNtlVlm": "6001",
        "premium": "0",
        "oraclePx": "6000",
        "markPx": "6000",
        "midPx": "6000",
        "impactPxs": ["5999", "6001"],
        "dayBaseVlm": "1",
    }
    later = state.asset_ctx(US500, T0 + DAY_MS)
    assert (later["dayNtlVlm"], later["dayBaseVlm"]) == ("0", "0")


def test_asset_ctx_without_a_two_sided_book_has_no_mid_premium_or_impact():
    ctx = make_state().asset_ctx("BTC", T0)
    assert (ctx["midPx"], ctx["premium"], ctx["impactPxs"]) == (None, None, None)
    assert ctx["markPx"] == "90000"


def test_update_leverage_refuses_isolated_and_out_of_range():
    state = make_state()
    signed(state, ALICE)
    assert state.update_leverage(ALICE, US500, 5, T0) is None
    assert state.engine.leverage(ALICE, US500) == 5
    assert state.update_leverage(ALICE, US500, 50, T0) == "Invalid leverage value."
    assert state.update_leverage(ALICE, US500, 5, T0, is_cross=False) is not None


@pytest.mark.parametrize("later", [T0 - 1000, T0])
def test_time_never_goes_back(later):
    state = make_state()
    signed(state, ALICE)
    state.schedule_cancel(ALICE, T0 + 5_000, T0)
    state.advance(T0 + 6_000)
    assert state.advance(later) == ()


def test_nonces_are_checked_against_the_wall_clock_when_the_venue_runs_fast():
    state = make_state()
    three_days_ahead = T0 + 3 * 86_400_000
    assert state.admit(ALICE, T0, None, three_days_ahead, wall_ms=T0) is None
    assert state.admit(ALICE, T0 + 1, T0 + 10_000, three_days_ahead, wall_ms=T0) is None
    assert "too low" in state.admit(ALICE, T0 + 2, None, three_days_ahead)


def test_ids_from_a_later_start_never_repeat_the_earlier_ones():
    first = make_state()
    later = VenueState(venue_config(), first_id=10**15)
    signed(first, ALICE)
    signed(later, ALICE)
    a = first.place(ALICE, [order(True, "5000", "0.01")], T0)[0]
    b = later.place(ALICE, [order(True, "5000", "0.01")], T0)[0]
    assert isinstance(a, Resting) and isinstance(b, Resting)
    assert b.oid >= 10**15 > a.oid
