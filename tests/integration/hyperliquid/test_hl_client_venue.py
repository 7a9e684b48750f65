"""HyperliquidHttp, Signer and MarketDirectory against the paper venue over real HTTP."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal as D

import eth_account
import pytest
from hyperliquid.info import Info

from amm.common.config import load_config
from amm.common.hyperliquid.client import (
    ExchangeClient,
    ExchangeRejected,
    ExchangeUnavailable,
    HyperliquidHttp,
    LimitOrder,
    Signer,
    batch_modify_action,
    cancel_action,
    cancel_by_cloid_action,
    order_action,
    schedule_cancel_action,
    signs_for_mainnet,
    statuses,
    update_leverage_action,
)
from amm.common.hyperliquid.meta import MarketDirectory, UnknownMarket
from amm.common.hyperliquid.rules import MISSING_ORDER_ERROR
from amm.common.keys import AccountKey
from tests.helpers import free_port
from tests.integration.hyperliquid.hl_venue_runner import set_faults, venue_in_loop

US500 = "km:US500"
CLOID = "0x" + "5a" * 16


def fresh_key() -> AccountKey:
    account = eth_account.Account.create()
    return AccountKey(account.address, account.address, "test", account.key.hex())


@pytest.fixture
def config(write_config):
    return load_config(write_config())


def test_orders_modify_and_cancels_get_hyperliquids_statuses(config):
    async def scenario() -> None:
        async with venue_in_loop(config) as url, HyperliquidHttp(url, timeout_s=5) as http:
            directory = await MarketDirectory.load(http, [US500])
            asset = directory.asset(US500)
            signer = Signer(fresh_key(), is_mainnet=signs_for_mainnet(config.mode))
            client = ExchangeClient(http, signer)
            book = await http.info({"type": "l2Book", "coin": US500})
            best_ask = D(book["levels"][1][0]["px"])

            bid = LimitOrder(asset, True, D("5900"), D("0.1"), "Alo", cloid=CLOID)
            crossing = LimitOrder(asset, True, best_ask + 5, D("0.1"), "Alo")
            placed = await client.submit(order_action([bid, crossing]))
            [resting, refused] = statuses(placed)
            assert resting["resting"]["cloid"] == CLOID
            assert refused["error"].startswith("Post only order would have immediately matched")

            moved = LimitOrder(asset, True, D("5901.5"), D("0.2"), "Alo", cloid=CLOID)
            [modified] = statuses(await client.submit(batch_modify_action([(CLOID, moved)])))
            oid = modified["resting"]["oid"]
            open_orders = await http.info(
                {"type": "openOrders", "user": signer.account, "dex": "km"}
            )
            assert [(o["limitPx"], o["sz"], o["cloid"]) for o in open_orders] == [
                ("5901.5", "0.2", CLOID)
            ]

            assert statuses(await client.submit(cancel_action([(asset, oid)]))) == ["success"]
            [again] = statuses(await client.submit(cancel_by_cloid_action([(asset, CLOID)])))
            assert again == {"error": MISSING_ORDER_ERROR}

            later = int(time.time() * 1000) + 60_000
            done = await client.submit(schedule_cancel_action(later))
            assert done == {"status": "ok", "response": {"type": "default"}}
            done = await client.submit(update_leverage_action(asset, 5))
            assert done == {"status": "ok", "response": {"type": "default"}}

    asyncio.run(scenario())


def test_refusals_carry_hyperliquids_message(config):
    async def scenario() -> None:
        async with venue_in_loop(config) as url, HyperliquidHttp(url, timeout_s=5) as http:
            signer = Signer(fresh_key(), is_mainnet=False)
            payload = signer.sign(schedule_cancel_action(None), int(time.time() * 1000))
            await http.exchange(payload)
            with pytest.raises(ExchangeRejected, match="Invalid nonce: duplicate nonce") as caught:
                await http.exchange(payload)  # the same signed payload again: harmless
            assert caught.value.status == 200
            with pytest.raises(ExchangeRejected, match="unknown variant") as caught:
                await http.info({"type": "noSuchQuery"})
            assert caught.value.status == 422

    asyncio.run(scenario())


def test_a_refused_connection_is_unavailable():
    async def scenario() -> None:
        async with HyperliquidHttp(f"http://127.0.0.1:{free_port()}", timeout_s=2) as http:
            with pytest.raises(ExchangeUnavailable, match="POST /info") as caught:
                await http.info({"type": "meta"})
            assert caught.value.status is None
            with pytest.raises(ExchangeUnavailable, match="POST /exchange"):
                await http.exchange({"action": {"type": "scheduleCancel"}})

    asyncio.run(scenario())


def test_server_errors_and_timeouts_are_unavailable(config):
    async def scenario() -> None:
        async with venue_in_loop(config) as url, HyperliquidHttp(url, timeout_s=0.5) as http:
            await set_faults(url, http_error_rate=1.0)
            with pytest.raises(ExchangeUnavailable, match=r"HTTP 50\d") as caught:
                await http.info({"type": "meta", "dex": "km"})
            assert caught.value.status in (500, 502)
            signer = Signer(fresh_key(), is_mainnet=False)
            payload = signer.sign(schedule_cancel_action(None), int(time.time() * 1000))
            with pytest.raises(ExchangeUnavailable, match=r"HTTP 50\d"):
                await http.exchange(payload)

            await set_faults(url, http_error_rate=0.0, timeout_rate=1.0)
            with pytest.raises(ExchangeUnavailable, match=r"no answer within 0.5 s"):
                await http.info({"type": "meta", "dex": "km"})

            await set_faults(url, timeout_rate=0.0)
            assert (await http.exchange(payload))["status"] == "ok"  # it was never applied

    asyncio.run(scenario())


def test_directory_ids_and_decimals_equal_the_sdks(config):
    async def scenario() -> None:
        async with venue_in_loop(config) as url, HyperliquidHttp(url, timeout_s=5) as http:
            directory = await MarketDirectory.load(http, [US500, "BTC"])
            info = await asyncio.to_thread(Info, url, skip_ws=True, perp_dexs=["", "km"], timeout=5)
            for coin in (US500, "BTC"):
                asset = info.name_to_asset(coin)
                assert directory.asset(coin) == asset
                assert directory.sz_decimals(coin) == info.asset_to_sz_decimals[asset]
            assert directory.max_leverage(US500) == 20
            with pytest.raises(UnknownMarket, match="km:NDX"):
                await MarketDirectory.load(http, ["km:NDX"])

    asyncio.run(scenario())
