"""The websocket hub's pure parts: request parsing, subscription checks and message shaping."""

from decimal import Decimal as D

import pytest

from amm.common.config import VenueConfig, VenueMarketConfig
from amm.common.sim import Fill, Funding, L2Book, Level, OrderRequest, OrderUpdate, Tif, Trade
from amm.services.venue.state import NonUserCancel, VenueState
from amm.services.venue.ws import (
    AGGREGATE_BY_TIME_ERROR,
    PARSE_ERROR,
    Ping,
    Post,
    RequestError,
    Subscription,
    aggregate_book,
    bucket_px,
    check_subscription,
    encode,
    parse_request,
    polled_data,
    route_events,
    snapshot,
    unchanged_key,
)

US500 = "km:US500"
ALICE = "0x" + "a" * 40
BOB = "0x" + "b" * 40
MIXED = "0xAbCdEf" + "0" * 34
T0 = 1_700_000_000_000
COINS = ("BTC", US500)


def subscribe(subscription: dict) -> str:
    return encode({"method": "subscribe", "subscription": subscription})


def parsed(subscription: dict) -> Subscription:
    request = parse_request(subscribe(subscription))
    assert not isinstance(request, Ping | Post)
    return request.subscription


# ---- parsing ----------------------------------------------------------------------------------


def test_ping_and_post_requests_parse():
    assert parse_request('{"method":"ping"}') == Ping()
    post = parse_request(
        '{"method":"post","id":7,"request":{"type":"info","payload":{"type":"allMids"}}}'
    )
    assert post == Post(7, "info", {"type": "allMids"})


def test_a_subscription_keeps_the_clients_echo_and_normalizes_the_user():
    request = parse_request(subscribe({"type": "userFills", "user": MIXED, "extra": 1}))
    assert not isinstance(request, Ping | Post)
    assert request.method == "subscribe"
    assert request.echo == {"type": "userFills", "user": MIXED}
    assert request.subscription == Subscription("userFills", user=MIXED.lower())


def test_unsubscribe_parses_to_the_same_subscription_as_subscribe():
    raw = {"type": "l2Book", "coin": US500}
    request = parse_request(encode({"method": "unsubscribe", "subscription": raw}))
    assert not isinstance(request, Ping | Post)
    assert request.method == "unsubscribe"
    assert request.subscription == parsed(raw) == Subscription("l2Book", coin=US500)


def test_user_is_the_old_name_of_user_events():
    assert parsed({"type": "user", "user": ALICE}) == parsed({"type": "userEvents", "user": ALICE})
    assert parsed({"type": "user", "user": ALICE}).channel == "user"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1]",
        '{"method":"subscribe"}',
        '{"method":"dance"}',
        subscribe({"type": "candles", "coin": "BTC"}),
        subscribe({"type": "l2Book"}),
        subscribe({"type": "l2Book", "coin": 5}),
        subscribe({"type": "trades", "user": ALICE}),
        subscribe({"type": "orderUpdates", "user": "0x123"}),
        subscribe({"type": "orderUpdates", "user": "0x" + "g" * 40}),
        subscribe({"type": "orderUpdates"}),
        subscribe({"type": "l2Book", "coin": "BTC", "nSigFigs": 6}),
        subscribe({"type": "l2Book", "coin": "BTC", "nSigFigs": True}),
        subscribe({"type": "l2Book", "coin": "BTC", "nSigFigs": 4, "mantissa": 2}),
        subscribe({"type": "l2Book", "coin": "BTC", "nSigFigs": 5, "mantissa": 3}),
        subscribe({"type": "userFills", "user": ALICE, "aggregateByTime": "yes"}),
        subscribe({"type": "allMids", "dex": 3}),
        '{"method":"post","id":-1,"request":{"type":"info","payload":{}}}',
        '{"method":"post","id":1,"request":{"type":"explorer","payload":{}}}',
        '{"method":"post","id":1,"request":{"type":"info"}}',
    ],
)
def test_malformed_requests_get_hyperliquids_parse_error_with_the_text(text):
    with pytest.raises(RequestError) as caught:
        parse_request(text)
    assert str(caught.value) == PARSE_ERROR.format(text=text)


def test_l2_book_aggregation_parameters_parse():
    sub = parsed({"type": "l2Book", "coin": "BTC", "nSigFigs": 5, "mantissa": 2})
    assert (sub.n_sig_figs, sub.mantissa) == (5, 2)
    assert parsed({"type": "l2Book", "coin": "BTC", "nSigFigs": None, "mantissa": None}) == (
        Subscription("l2Book", coin="BTC")
    )


def test_check_subscription_refuses_unknown_coins_dexes_and_time_aggregation():
    assert check_subscription(parsed({"type": "l2Book", "coin": US500}), COINS, ("km",)) is None
    assert "DOGE" in (check_subscription(Subscription("bbo", coin="DOGE"), COINS, ("km",)) or "")
    assert "xyz" in (check_subscription(Subscription("allMids", dex="xyz"), COINS, ("km",)) or "")
    assert check_subscription(Subscription("allMids", dex="km"), COINS, ("km",)) is None
    aggregated = Subscription("userFills", user=ALICE, aggregate_by_time=True)
    assert check_subscription(aggregated, COINS, ()) == AGGREGATE_BY_TIME_ERROR


def test_routes_of_event_channels_and_none_for_polled_ones():
    assert Subscription("trades", coin=US500).route == ("trades", US500)
    assert Subscription("orderUpdates", user=ALICE).route == ("orderUpdates", ALICE)
    assert Subscription("userEvents", user=ALICE).route == ("userEvents", ALICE)
    for kind in ("l2Book", "bbo", "activeAssetCtx"):
        assert Subscription(kind, coin=US500).route is None
    assert Subscription("allMids").route is None


# ---- event messages -----------------------------------------------------------------------


def trade(coin: str, tid: int) -> Trade:
    return Trade(coin, "B", D("6000"), D("1"), T0, "0xh", tid, ALICE, BOB)


def fill(user: str, tid: int) -> Fill:
    return Fill(
        user, US500, D("6000"), D("1"), "B", T0, D("0"), "Open Long", D("0"), "0xh", 9, True,
        D("0.3"), tid, None,
    )  # fmt: skip


def order_update(user: str, oid: int) -> OrderUpdate:
    return OrderUpdate(
        user, US500, "B", D("6000"), D("1"), D("1"), oid, T0, "open", T0, None, False, "Gtc"
    )


def funding(user: str, coin: str) -> Funding:
    return Funding(user, T0, coin, D("-0.5"), D("1"), D("0.0001"), "0xf")


def everyone(route) -> bool:
    return True


def test_trades_are_grouped_per_coin_and_keep_their_order():
    events = [trade(US500, 1), trade("BTC", 2), trade(US500, 3)]
    out = route_events(events, everyone)
    assert [route for route, _ in out] == [("trades", US500), ("trades", "BTC")]
    assert out[0][1] == {"channel": "trades", "data": [events[0].to_wire(), events[2].to_wire()]}


def test_user_events_are_routed_to_their_lowercase_owner():
    upper = "0x" + "A" * 40
    events = [order_update(upper, 1), fill(upper, 5), order_update(BOB, 2)]
    out = dict(route_events(events, everyone))
    assert out[("orderUpdates", ALICE)] == {
        "channel": "orderUpdates",
        "data": [events[0].to_wire()],
    }
    assert out[("userFills", ALICE)] == {
        "channel": "userFills",
        "data": {"user": ALICE, "fills": [events[1].to_wire()]},
    }
    assert out[("userEvents", ALICE)] == {
        "channel": "user",
        "data": {"fills": [events[1].to_wire()]},
    }
    assert ("orderUpdates", BOB) in out


def test_the_user_channel_sends_each_funding_and_the_cancels_as_ws_user_events():
    events = [
        funding(ALICE, US500),
        funding(ALICE, "BTC"),
        NonUserCancel(ALICE, US500, 4, T0),
        NonUserCancel(ALICE, US500, 5, T0),
    ]
    out = route_events(events, everyone)
    cancels = [{"coin": US500, "oid": 4}, {"coin": US500, "oid": 5}]
    assert [msg for route, msg in out if route[0] == "userEvents"] == [
        {"channel": "user", "data": {"funding": events[0].to_wire()}},
        {"channel": "user", "data": {"funding": events[1].to_wire()}},
        {"channel": "user", "data": {"nonUserCancel": cancels}},
    ]
    fundings = dict(route_events(events, everyone))[("userFundings", ALICE)]
    assert fundings["data"] == {"user": ALICE, "fundings": [e.to_wire() for e in events[:2]]}


def test_routes_nobody_wants_are_not_shaped():
    events = [trade(US500, 1), fill(ALICE, 2), order_update(BOB, 3)]
    out = route_events(events, lambda route: route == ("orderUpdates", BOB))
    assert [route for route, _ in out] == [("orderUpdates", BOB)]


# ---- snapshots and polled channels --------------------------------------------------------


def make_state() -> VenueState:
    markets = [
        VenueMarketConfig(coin="BTC", sz_decimals=5, max_leverage=40, start_px=90000.0),
        VenueMarketConfig(coin=US500, sz_decimals=2, max_leverage=20, start_px=6000.0),
    ]
    return VenueState(VenueConfig(markets=markets))


def traded_state() -> VenueState:
    """Bob rests a 6000 bid and an ask at 6001; Alice sells 1 into the bid."""
    state = make_state()
    for user in (ALICE, BOB):
        assert state.admit(user, T0, None, T0) is None
    state.place(BOB, [OrderRequest(US500, True, D("6000"), D("2"), Tif.GTC)], T0)
    state.place(BOB, [OrderRequest(US500, False, D("6001"), D("1"), Tif.GTC)], T0)
    state.place(ALICE, [OrderRequest(US500, False, D("6000"), D("1"), Tif.IOC)], T0 + 1)
    return state


def test_user_fills_snapshot_is_flagged_and_holds_the_history():
    state = traded_state()
    first = snapshot(Subscription("userFills", user=ALICE), state, T0 + 2)
    assert first == {
        "channel": "userFills",
        "data": {
            "isSnapshot": True,
            "user": ALICE,
            "fills": [f.to_wire() for f in state.user_fills(ALICE)],
        },
    }
    assert len(first["data"]["fills"]) == 1
    fundings = snapshot(Subscription("userFundings", user=ALICE), state, T0 + 2)
    assert fundings == {
        "channel": "userFundings",
        "data": {"isSnapshot": True, "user": ALICE, "fundings": []},
    }


def test_stream_only_channels_have_no_snapshot():
    state = traded_state()
    for sub in (
        Subscription("trades", coin=US500),
        Subscription("orderUpdates", user=ALICE),
        Subscription("userEvents", user=ALICE),
    ):
        assert snapshot(sub, state, T0) is None


def test_polled_channels_show_the_current_book_bbo_context_and_mids():
    state = traded_state()
    now = T0 + 5
    book = polled_data(Subscription("l2Book", coin=US500), state, now)
    assert book == {
        "coin": US500,
        "time": now,
        "levels": [[{"px": "6000", "sz": "1", "n": 1}], [{"px": "6001", "sz": "1", "n": 1}]],
    }
    assert snapshot(Subscription("l2Book", coin=US500), state, now) == {
        "channel": "l2Book",
        "data": book,
    }
    bbo = polled_data(Subscription("bbo", coin=US500), state, now)
    assert bbo == {"coin": US500, "time": now, "bbo": [book["levels"][0][0], book["levels"][1][0]]}
    empty = polled_data(Subscription("bbo", coin="BTC"), state, now)
    assert empty["bbo"] == [None, None]
    ctx = polled_data(Subscription("activeAssetCtx", coin=US500), state, now)
    assert ctx == {"coin": US500, "ctx": state.asset_ctx(US500, now)}
    assert polled_data(Subscription("allMids", dex="km"), state, now) == {"mids": {US500: "6000.5"}}
    assert polled_data(Subscription("allMids"), state, now) == {"mids": {"BTC": "90000"}}


def test_only_a_change_beyond_the_time_makes_a_polled_channel_send_again():
    state = traded_state()
    sub = Subscription("l2Book", coin=US500)
    before = unchanged_key(polled_data(sub, state, T0 + 5))
    assert unchanged_key(polled_data(sub, state, T0 + 9)) == before
    state.place(BOB, [OrderRequest(US500, True, D("5999"), D("1"), Tif.GTC)], T0 + 10)
    assert unchanged_key(polled_data(sub, state, T0 + 11)) != before


# ---- nSigFigs aggregation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("px", "n_sig_figs", "mantissa", "is_bid", "bucket"),
    [
        ("6000.5", 5, None, True, "6000.5"),
        ("6000.5", 4, None, True, "6000"),
        ("6000.5", 4, None, False, "6001"),
        ("6000.5", 2, None, False, "6100"),
        ("90123", 5, 2, True, "90122"),
        ("90123", 5, 5, False, "90125"),
        ("0.012345", 3, None, True, "0.0123"),
        ("9999.5", 4, None, False, "10000"),
    ],
)
def test_bucket_px_rounds_bids_down_and_asks_up(px, n_sig_figs, mantissa, is_bid, bucket):
    assert bucket_px(D(px), n_sig_figs, mantissa, is_bid=is_bid) == D(bucket)


def test_aggregate_book_merges_levels_per_bucket_and_caps_the_depth():
    bids = (
        Level(D("6000.5"), D("1"), 1),
        Level(D("6000.1"), D("2"), 2),
        Level(D("5999"), D("1"), 1),
    )
    asks = tuple(Level(D(6001 + i), D("1"), 1) for i in range(30))
    book = aggregate_book(L2Book(US500, T0, bids, asks), 4, None, depth=2)
    assert book.bids == (Level(D("6000"), D("3"), 3), Level(D("5999"), D("1"), 1))
    assert book.asks == (Level(D("6001"), D("1"), 1), Level(D("6002"), D("1"), 1))
