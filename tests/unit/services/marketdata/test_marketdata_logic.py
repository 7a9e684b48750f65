"""The marketdata core: Hyperliquid payloads -> bus bodies, and feed health over (given) time."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import pytest

from amm.common.messages import (
    AssetCtx,
    Bbo,
    Book,
    BookLevel,
    Trade,
    Trades,
    decode_body,
    topic_for,
)
from amm.services.marketdata.logic import (
    BadPayload,
    FeedHealth,
    MarketDataCore,
    subscriptions,
)

US500 = "km:US500"
S = 1_000_000_000  # ns per second
RECV = 1_795_000_000_000_000_000

L2BOOK = {
    "coin": US500,
    "time": 1_795_000_000_123,
    "levels": [
        [{"px": "5999.5", "sz": "1.25", "n": 2}, {"px": "5999", "sz": "0.5", "n": 1}],
        [{"px": "6000.5", "sz": "0.83", "n": 1}],
    ],
}
BBO = {
    "coin": US500,
    "time": 1_795_000_000_124,
    "bbo": [{"px": "5999.5", "sz": "1.25", "n": 2}, None],
}
TRADES = [
    {
        "coin": US500,
        "side": "B",
        "px": "6000.5",
        "sz": "0.1",
        "time": 1_795_000_000_200,
        "hash": "0x" + "ab" * 32,
        "tid": 11,
        "users": ["0x" + "a" * 40, "0x" + "b" * 40],
    },
    {
        "coin": US500,
        "side": "A",
        "px": "5999.5",
        "sz": "0.2",
        "time": 1_795_000_000_201,
        "hash": "0x" + "cd" * 32,
        "tid": 12,
        "users": ["0x" + "b" * 40, "0x" + "a" * 40],
    },
]
CTX = {
    "coin": US500,
    "ctx": {
        "funding": "0.0000125",
        "openInterest": "12.5",
        "prevDayPx": "5980",
        "dayNtlVlm": "1234567.8",
        "premium": "-0.00004167",
        "oraclePx": "6000.1",
        "markPx": "6000.2",
        "midPx": "6000",
        "impactPxs": ["5999.5", "6000.5"],
        "dayBaseVlm": "205.7",
    },
}


@pytest.fixture
def core() -> MarketDataCore:
    return MarketDataCore([US500], stale_after_s=5.0)


def bodies(core: MarketDataCore, channel: str, data, now_ns: int = 0) -> list:
    out, _ = core.on_message(channel, data, RECV, now_ns)
    return out


def test_subscriptions_cover_every_channel_of_every_market():
    assert subscriptions([US500, "BTC"]) == [
        {"type": "l2Book", "coin": US500},
        {"type": "bbo", "coin": US500},
        {"type": "trades", "coin": US500},
        {"type": "activeAssetCtx", "coin": US500},
        {"type": "l2Book", "coin": "BTC"},
        {"type": "bbo", "coin": "BTC"},
        {"type": "trades", "coin": "BTC"},
        {"type": "activeAssetCtx", "coin": "BTC"},
    ]


def test_l2book_becomes_md_book_of_the_hip3_coin(core):
    [book] = bodies(core, "l2Book", L2BOOK)
    assert book == Book(
        coin=US500,
        exch_time_ms=1_795_000_000_123,
        recv_ns=RECV,
        bids=[BookLevel(D("5999.5"), D("1.25"), 2), BookLevel(D("5999"), D("0.5"), 1)],
        asks=[BookLevel(D("6000.5"), D("0.83"), 1)],
    )
    assert topic_for(book) == "md.book.km:US500"
    assert core.books[US500] is book


def test_bbo_with_an_empty_side(core):
    [bbo] = bodies(core, "bbo", BBO)
    assert bbo == Bbo(
        coin=US500,
        exch_time_ms=1_795_000_000_124,
        recv_ns=RECV,
        bid_px=D("5999.5"),
        bid_sz=D("1.25"),
        ask_px=None,
        ask_sz=None,
    )
    assert topic_for(bbo) == "md.bbo.km:US500"


def test_trades_become_one_batch_per_coin_in_exchange_order(core):
    [trades] = bodies(core, "trades", TRADES)
    assert trades == Trades(
        coin=US500,
        recv_ns=RECV,
        trades=[
            Trade(px=D("6000.5"), sz=D("0.1"), side="B", time_ms=1_795_000_000_200, tid=11),
            Trade(px=D("5999.5"), sz=D("0.2"), side="A", time_ms=1_795_000_000_201, tid=12),
        ],
    )
    assert topic_for(trades) == "md.trade.km:US500"


def test_active_asset_ctx_becomes_md_ctx(core):
    [ctx] = bodies(core, "activeAssetCtx", CTX)
    assert ctx == AssetCtx(
        coin=US500,
        recv_ns=RECV,
        mark_px=D("6000.2"),
        oracle_px=D("6000.1"),
        mid_px=D("6000"),
        funding=D("0.0000125"),
        premium=D("-0.00004167"),
        open_interest=D("12.5"),
        prev_day_px=D("5980"),
        day_ntl_vlm=D("1234567.8"),
        impact_bid_px=D("5999.5"),
        impact_ask_px=D("6000.5"),
    )
    assert topic_for(ctx) == "md.ctx.km:US500"
    assert core.ctxs[US500] is ctx


def test_ctx_without_mid_premium_or_impact_prices(core):
    data = {"coin": US500, "ctx": {**CTX["ctx"], "midPx": None, "premium": None, "impactPxs": None}}
    [ctx] = bodies(core, "activeAssetCtx", data)
    assert (ctx.mid_px, ctx.premium, ctx.impact_bid_px, ctx.impact_ask_px) == (None,) * 4


def test_every_body_survives_the_bus_codec(core):
    for channel, data in [
        ("l2Book", L2BOOK),
        ("bbo", BBO),
        ("trades", TRADES),
        ("activeAssetCtx", CTX),
    ]:
        for body in bodies(core, channel, data):
            topic = topic_for(body)
            assert decode_body(topic, msgspec.msgpack.encode(body)) == body


def test_other_coins_and_channels_are_ignored_and_counted(core):
    assert bodies(core, "l2Book", {**L2BOOK, "coin": "BTC"}) == []
    assert bodies(core, "allMids", {"mids": {}}) == []
    assert core.ignored == {"l2Book": 1, "allMids": 1}
    assert core.books == {}


@pytest.mark.parametrize(
    "channel, data",
    [
        ("l2Book", {"coin": US500, "time": 1}),
        ("l2Book", {**L2BOOK, "levels": [[{"px": 5999.5, "sz": "1", "n": 1}], []]}),
        ("l2Book", {**L2BOOK, "levels": [[{"px": "abc", "sz": "1", "n": 1}], []]}),
        ("l2Book", {**L2BOOK, "levels": [[{"px": "-1", "sz": "1", "n": 1}], []]}),
        ("bbo", {"coin": US500, "time": 1, "bbo": [None]}),
        ("trades", [{**TRADES[0], "side": "S"}]),
        ("trades", {"coin": US500}),
        ("activeAssetCtx", {"coin": US500, "ctx": {"markPx": "1"}}),
        ("l2Book", None),
    ],
)
def test_malformed_payloads_raise_bad_payload_and_are_counted(core, channel, data):
    with pytest.raises(BadPayload) as caught:
        core.on_message(channel, data, RECV, 0)
    assert caught.value.channel == channel
    assert core.malformed[channel] == 1
    assert core.books == {}


# ---- health ---------------------------------------------------------------------------------


def test_health_starts_reconnecting_and_waits_for_first_data_after_connect():
    health = FeedHealth([US500, "BTC"], stale_after_s=2.0)
    status = health.status(0)
    assert status.state == "reconnecting" and status.reason == "not connected yet"
    health.on_connected(10 * S)
    status = health.status(11 * S)
    assert status.state == "reconnecting"
    assert status.markets == {US500: "reconnecting", "BTC": "reconnecting"}
    assert "waiting for the first data" in status.reason
    assert health.saw(US500, 11 * S) is True
    status = health.status(11 * S)
    assert status.markets == {US500: "live", "BTC": "reconnecting"}
    assert status.state == "reconnecting"
    status = health.status(12 * S + 1)  # BTC never sent anything within stale_after_s
    assert status.state == "stale" and status.markets["BTC"] == "stale"
    assert status.reason == "no data within 2 s for BTC"


def test_a_silent_market_goes_stale_and_its_next_message_makes_it_live():
    health = FeedHealth([US500], stale_after_s=2.0)
    health.on_connected(0)
    assert health.saw(US500, 1 * S) is True
    assert health.saw(US500, 2 * S) is False
    assert health.status(4 * S).state == "live"  # exactly stale_after_s: still live
    stale = health.status(4 * S + 1)
    assert stale.state == "stale" and stale.markets == {US500: "stale"}
    assert health.status(9 * S) == stale  # no ages in the reason: no change to publish
    assert health.saw(US500, 10 * S) is True
    assert health.status(10 * S).state == "live"


def test_disconnect_makes_everything_reconnecting_and_old_data_does_not_count_after():
    health = FeedHealth([US500], stale_after_s=2.0)
    health.on_connected(0)
    health.saw(US500, 1 * S)
    health.on_disconnected("closed by the server (code 1001)")
    status = health.status(1 * S)
    assert status.state == "reconnecting"
    assert status.markets == {US500: "reconnecting"}
    assert status.reason == "closed by the server (code 1001)"
    health.on_connected(2 * S)
    assert health.status(2 * S).state == "reconnecting"  # the book from before is not live
    assert health.saw(US500, 2 * S + 5) is True
    assert health.status(2 * S + 5).state == "live"


def test_the_core_reports_when_a_message_brings_a_market_back(core):
    core.health.on_connected(0)
    _, woke = core.on_message("l2Book", L2BOOK, RECV, 1 * S)
    assert woke is True
    _, woke = core.on_message("bbo", BBO, RECV, 2 * S)
    assert woke is False
    _, woke = core.on_message("trades", TRADES, RECV, 20 * S)
    assert woke is True
