"""Action builders: byte for byte the actions (and signatures) the SDK's Exchange produces."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import eth_account
import msgpack
import pytest
from hyperliquid import exchange as sdk_exchange
from hyperliquid.exchange import Exchange
from hyperliquid.utils.types import Cloid

from amm.common.hyperliquid.client import (
    LimitOrder,
    Signer,
    batch_modify_action,
    cancel_action,
    cancel_by_cloid_action,
    order_action,
    order_wire,
    schedule_cancel_action,
    statuses,
    update_leverage_action,
)
from amm.common.keys import AccountKey

SECRET = "0x" + "22" * 32
NONCE = 1_795_000_000_123
ASSETS = {"km:US500": 110000, "BTC": 0}
CLOID_A = "0x" + "0123456789abcdef" * 2
CLOID_B = "0x" + "fedcba9876543210" * 2


class SdkRecorder:
    """The SDK's Exchange without a network: it records what it would POST."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sdk_exchange, "get_timestamp_ms", lambda: NONCE)
        self.exchange = Exchange.__new__(Exchange)
        self.exchange.wallet = eth_account.Account.from_key(SECRET)
        self.exchange.vault_address = None
        self.exchange.account_address = None
        self.exchange.expires_after = None
        self.exchange.base_url = "http://127.0.0.1:1"  # not mainnet: signs as testnet
        self.exchange.info = SimpleNamespace(name_to_asset=ASSETS.__getitem__)
        self.posted: list[tuple[dict, dict, int]] = []
        self.exchange._post_action = lambda action, sig, nonce: self.posted.append(
            (action, sig, nonce)
        )

    def last(self) -> tuple[dict, dict, int]:
        return self.posted[-1]


@pytest.fixture
def sdk(monkeypatch) -> SdkRecorder:
    return SdkRecorder(monkeypatch)


@pytest.fixture
def signer() -> Signer:
    address = "0x1563915e194D8CfBA1943570603F7606A3115508"  # of SECRET
    return Signer(AccountKey(address, address, "test", SECRET), is_mainnet=False)


def same_as_sdk(ours: dict[str, Any], sdk: SdkRecorder, signer: Signer) -> None:
    """Equal down to key order (the msgpack bytes that are hashed) and the same signature."""
    action, signature, nonce = sdk.last()
    assert msgpack.packb(ours) == msgpack.packb(action)
    assert signer.sign(ours, nonce)["signature"] == signature


def test_bulk_orders_match_the_sdk(sdk, signer):
    ours = order_action(
        [
            LimitOrder(110000, True, D("5999.5"), D("0.25"), "Alo", cloid=CLOID_A),
            LimitOrder(110000, False, D("6001"), D("1.5"), "Gtc", reduce_only=True),
            LimitOrder(0, True, D("90000"), D("0.00012"), "Ioc", cloid=CLOID_B),
        ]
    )
    sdk.exchange.bulk_orders(
        [
            {
                "coin": "km:US500",
                "is_buy": True,
                "sz": 0.25,
                "limit_px": 5999.5,
                "order_type": {"limit": {"tif": "Alo"}},
                "reduce_only": False,
                "cloid": Cloid(CLOID_A),
            },
            {
                "coin": "km:US500",
                "is_buy": False,
                "sz": 1.5,
                "limit_px": 6001.0,
                "order_type": {"limit": {"tif": "Gtc"}},
                "reduce_only": True,
            },
            {
                "coin": "BTC",
                "is_buy": True,
                "sz": 0.00012,
                "limit_px": 90000.0,
                "order_type": {"limit": {"tif": "Ioc"}},
                "reduce_only": False,
                "cloid": Cloid(CLOID_B),
            },
        ]
    )
    same_as_sdk(ours, sdk, signer)
    assert ours["grouping"] == "na"
    assert [o["p"] for o in ours["orders"]] == ["5999.5", "6001", "90000"]


def test_batch_modify_by_oid_and_by_cloid_matches_the_sdk(sdk, signer):
    new_a = LimitOrder(110000, True, D("5998"), D("0.3"), "Alo", cloid=CLOID_A)
    new_b = LimitOrder(110000, False, D("6002.5"), D("0.1"), "Alo")
    ours = batch_modify_action([(CLOID_A, new_a), (42, new_b)])
    sdk.exchange.bulk_modify_orders_new(
        [
            {
                "oid": Cloid(CLOID_A),
                "order": {
                    "coin": "km:US500",
                    "is_buy": True,
                    "sz": 0.3,
                    "limit_px": 5998.0,
                    "order_type": {"limit": {"tif": "Alo"}},
                    "reduce_only": False,
                    "cloid": Cloid(CLOID_A),
                },
            },
            {
                "oid": 42,
                "order": {
                    "coin": "km:US500",
                    "is_buy": False,
                    "sz": 0.1,
                    "limit_px": 6002.5,
                    "order_type": {"limit": {"tif": "Alo"}},
                    "reduce_only": False,
                    "cloid": None,
                },
            },
        ]
    )
    same_as_sdk(ours, sdk, signer)


def test_cancels_match_the_sdk(sdk, signer):
    sdk.exchange.bulk_cancel([{"coin": "km:US500", "oid": 7}, {"coin": "BTC", "oid": 9}])
    same_as_sdk(cancel_action([(110000, 7), (0, 9)]), sdk, signer)
    sdk.exchange.bulk_cancel_by_cloid(
        [{"coin": "km:US500", "cloid": Cloid(CLOID_A)}, {"coin": "BTC", "cloid": Cloid(CLOID_B)}]
    )
    same_as_sdk(cancel_by_cloid_action([(110000, CLOID_A), (0, CLOID_B)]), sdk, signer)


def test_schedule_cancel_and_update_leverage_match_the_sdk(sdk, signer):
    sdk.exchange.schedule_cancel(NONCE + 10_000)
    same_as_sdk(schedule_cancel_action(NONCE + 10_000), sdk, signer)
    sdk.exchange.schedule_cancel(None)
    same_as_sdk(schedule_cancel_action(None), sdk, signer)
    sdk.exchange.update_leverage(5, "km:US500", is_cross=True)
    same_as_sdk(update_leverage_action(110000, 5), sdk, signer)
    sdk.exchange.update_leverage(3, "BTC", is_cross=False)
    same_as_sdk(update_leverage_action(0, 3, is_cross=False), sdk, signer)


def test_equal_decimals_give_the_same_wire():
    plain = order_wire(LimitOrder(1, True, D("6000.1"), D("2"), "Gtc"))
    padded = order_wire(LimitOrder(1, True, D("6000.10"), D("2.000"), "Gtc"))
    assert plain == padded and plain["p"] == "6000.1" and plain["s"] == "2"


@pytest.mark.parametrize(
    "px, sz, match",
    [
        (D("0.000000001"), D("1"), "8 decimals"),
        (D("6000"), D("0"), "positive"),
        (D("-1"), D("1"), "positive"),
        (D("NaN"), D("1"), "positive"),
    ],
)
def test_prices_and_sizes_the_wire_cannot_carry_are_refused(px, sz, match):
    with pytest.raises(ValueError, match=match):
        order_wire(LimitOrder(1, True, px, sz, "Gtc"))


@pytest.mark.parametrize("cloid", ["0x123", "0x" + "g" * 32, "12" * 17])
def test_malformed_cloids_are_refused(cloid):
    with pytest.raises(ValueError, match="cloid"):
        order_wire(LimitOrder(1, True, D("1"), D("1"), "Gtc", cloid=cloid))
    with pytest.raises(ValueError, match="cloid"):
        cancel_by_cloid_action([(1, cloid)])


def test_statuses_of_order_and_default_answers():
    answer = {"status": "ok", "response": {"type": "order", "data": {"statuses": ["success"]}}}
    assert statuses(answer) == ["success"]
    assert statuses({"status": "ok", "response": {"type": "default"}}) == []
