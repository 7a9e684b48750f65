"""Signer and NonceSource: signatures the SDK recovers to our address, nonces that never repeat."""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest
from hyperliquid.utils.signing import recover_agent_or_user_from_l1_action

from amm.common.hyperliquid.client import (
    LimitOrder,
    NonceSource,
    Signer,
    order_action,
    signs_for_mainnet,
)
from amm.common.keys import AccountKey

SECRET = "0x" + "11" * 32
ADDRESS = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"  # of SECRET


@pytest.fixture
def key() -> AccountKey:
    return AccountKey(address=ADDRESS, signer=ADDRESS, source="test", _secret=SECRET)


def an_action() -> dict:
    order = LimitOrder(110000, True, D("5999.5"), D("0.25"), "Alo", cloid="0x" + "ab" * 16)
    return order_action([order])


def recover(payload: dict, *, is_mainnet: bool) -> str:
    return recover_agent_or_user_from_l1_action(
        payload["action"],
        payload["signature"],
        payload["vaultAddress"],
        payload["nonce"],
        payload.get("expiresAfter"),
        is_mainnet,
    )


def test_the_sdk_recovers_our_address_from_a_testnet_signature(key):
    payload = Signer(key, is_mainnet=False).sign(an_action(), 1_700_000_000_000)
    assert set(payload) == {"action", "nonce", "signature", "vaultAddress"}
    assert payload["vaultAddress"] is None
    assert recover(payload, is_mainnet=False) == ADDRESS
    assert recover(payload, is_mainnet=True) != ADDRESS


def test_a_mainnet_signature_only_recovers_as_mainnet(key):
    payload = Signer(key, is_mainnet=True).sign(an_action(), 1_700_000_000_000)
    assert recover(payload, is_mainnet=True) == ADDRESS
    assert recover(payload, is_mainnet=False) != ADDRESS


def test_expires_after_is_sent_and_covered_by_the_signature(key):
    payload = Signer(key, is_mainnet=False).sign(an_action(), 5, expires_after_ms=1_000)
    assert payload["expiresAfter"] == 1_000
    assert recover(payload, is_mainnet=False) == ADDRESS
    assert recover({**payload, "expiresAfter": 1_001}, is_mainnet=False) != ADDRESS


def test_only_mainnet_mode_signs_for_mainnet():
    assert signs_for_mainnet("mainnet") is True
    assert signs_for_mainnet("testnet") is False
    assert signs_for_mainnet("paper") is False


def test_the_signer_never_shows_its_key(key):
    signer = Signer(key, is_mainnet=False)
    assert SECRET[2:] not in repr(signer) and SECRET[2:] not in str(signer)
    assert signer.address == ADDRESS


def test_nonces_strictly_increase_in_a_burst_within_one_millisecond():
    nonces = NonceSource(lambda: 1_000)
    burst = [nonces.next() for _ in range(500)]
    assert burst == list(range(1_000, 1_500))


def test_nonces_follow_the_clock_and_never_go_back_when_it_does():
    now = [1_000]
    nonces = NonceSource(lambda: now[0])
    assert nonces.next() == 1_000
    now[0] = 5_000
    assert nonces.next() == 5_000
    now[0] = 4_000  # the wall clock stepped back
    assert [nonces.next(), nonces.next()] == [5_001, 5_002]
    now[0] = 9_000
    assert nonces.next() == 9_000


def test_the_default_clock_is_the_wall_clock_in_milliseconds():
    before = time.time_ns() // 1_000_000
    nonce = NonceSource().next()
    assert before <= nonce <= time.time_ns() // 1_000_000
