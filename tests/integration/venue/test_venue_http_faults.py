"""The fault switchboard over real HTTP: the admin endpoint and what each fault does to the SDK."""

from __future__ import annotations

import time

import pytest
import requests
from hyperliquid.utils.error import ServerError

from amm.common.config import FaultConfig
from tests.integration.venue.test_venue_sdk_http import (
    GTC,
    US500,
    info_of,
    only_status,
    serve,
    trader,
    venue_config,
)


@pytest.fixture
def venue():
    server = serve(venue_config(), FaultConfig())
    yield server
    server.stop()


def set_faults(venue, **changes):
    response = requests.post(f"{venue.url}/_venue/faults", json=changes, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_admin_endpoint_shows_and_changes_the_switchboard(venue):
    shown = requests.get(f"{venue.url}/_venue/faults", timeout=5).json()
    assert shown == {
        "http_error_rate": 0.0,
        "timeout_rate": 0.0,
        "ack_delay_s": 0.0,
        "reject_rate": 0.0,
        "ws_drop_interval_s": 0.0,
        "ws_burst_per_s": 0.0,
    }
    assert set_faults(venue, ws_drop_interval_s=30)["ws_drop_interval_s"] == 30.0
    assert venue.faults.ws_drop_interval_s == 30.0
    refused = requests.post(f"{venue.url}/_venue/faults", json={"reject_rate": 5}, timeout=5)
    assert refused.status_code == 400 and "reject_rate" in refused.json()["error"]


def test_http_error_rate_answers_5xx_without_acting(venue):
    exchange = trader(venue)
    set_faults(venue, http_error_rate=1.0)
    with pytest.raises(ServerError) as raised:
        exchange.order(US500, True, 1, 5990, GTC)
    assert raised.value.status_code in (500, 502)
    set_faults(venue, http_error_rate=0.0)
    assert info_of(venue).open_orders(exchange.wallet.address, "km") == []


def test_timeout_rate_never_answers_and_does_not_act(venue):
    exchange = trader(venue)
    exchange.timeout = 0.3
    set_faults(venue, timeout_rate=1.0)
    with pytest.raises(requests.exceptions.Timeout):
        exchange.order(US500, True, 1, 5990, GTC)
    set_faults(venue, timeout_rate=0.0)
    assert info_of(venue).open_orders(exchange.wallet.address, "km") == []


def test_ack_delay_acts_then_answers_late(venue):
    exchange = trader(venue)
    set_faults(venue, ack_delay_s=0.3)
    started = time.monotonic()
    assert "resting" in only_status(exchange.order(US500, True, 1, 5990, GTC))
    assert time.monotonic() - started >= 0.3


def test_reject_rate_answers_orders_with_errors_and_places_nothing(venue):
    exchange = trader(venue)
    set_faults(venue, reject_rate=1.0)
    status = only_status(exchange.order(US500, True, 1, 5990, GTC))
    assert "fault switchboard" in status["error"]
    assert info_of(venue).open_orders(exchange.wallet.address, "km") == []
