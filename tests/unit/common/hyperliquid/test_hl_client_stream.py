"""The websocket stream's pure parts: urls, backoff, frames."""

from __future__ import annotations

import json
import random

import pytest

from amm.common.hyperliquid.stream import (
    MalformedFrame,
    backoff_delay,
    parse_frame,
    subscribe_text,
    ws_url_for,
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://127.0.0.1:7100", "ws://127.0.0.1:7100/ws"),
        ("http://127.0.0.1:7100/", "ws://127.0.0.1:7100/ws"),
        ("https://api.hyperliquid.xyz", "wss://api.hyperliquid.xyz/ws"),
        ("https://api.hyperliquid-testnet.xyz/", "wss://api.hyperliquid-testnet.xyz/ws"),
    ],
)
def test_ws_url_of_an_exchange_url(url, expected):
    assert ws_url_for(url) == expected


def test_ws_url_refuses_other_schemes():
    with pytest.raises(ValueError, match="http"):
        ws_url_for("ftp://example.com")


def test_backoff_grows_exponentially_to_the_cap_with_full_jitter():
    rng = random.Random(7)
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0), (500, 30.0)]:
        delays = [backoff_delay(attempt, 0.5, 30.0, rng) for _ in range(300)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > 0.8 * cap and min(delays) < 0.2 * cap  # spread over [0, cap]


def test_backoff_is_reproducible_with_a_seeded_rng():
    first = [backoff_delay(n, 0.1, 5, random.Random(3)) for n in range(1, 6)]
    assert first == [backoff_delay(n, 0.1, 5, random.Random(3)) for n in range(1, 6)]


def test_subscribe_text_is_hyperliquids_request():
    text = subscribe_text({"type": "l2Book", "coin": "km:US500"})
    assert json.loads(text) == {
        "method": "subscribe",
        "subscription": {"type": "l2Book", "coin": "km:US500"},
    }


def test_parse_frame_keeps_channel_data_and_receive_time():
    message = parse_frame('{"channel":"bbo","data":{"coin":"km:US500"}}', 123)
    assert (message.channel, message.data, message.recv_ns) == ("bbo", {"coin": "km:US500"}, 123)
    assert parse_frame('{"channel":"pong"}', 1).data is None


@pytest.mark.parametrize(
    "text, kind",
    [("not json", "not_json"), ("[1, 2]", "no_channel"), ('{"data": 1}', "no_channel")],
)
def test_malformed_frames_are_classified(text, kind):
    with pytest.raises(MalformedFrame) as caught:
        parse_frame(text, 0)
    assert caught.value.kind == kind
