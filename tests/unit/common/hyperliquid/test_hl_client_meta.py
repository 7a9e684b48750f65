"""MarketDirectory: the SDK's asset ids, szDecimals and leverage, and errors that name the coin."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from amm.common.hyperliquid.meta import (
    MalformedMeta,
    MarketDirectory,
    UnknownMarket,
    dex_of,
    dex_offsets,
)

PERP_DEXS = [None, {"name": "xyz", "fullName": "XYZ"}, {"name": "km", "fullName": "Kinetiq"}]
MAIN = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 40},
        {"name": "ETH", "szDecimals": 4, "maxLeverage": 25},
        {"name": "OLD", "szDecimals": 0, "maxLeverage": 3, "isDelisted": True},
        {"name": "SOL", "szDecimals": 2, "maxLeverage": 20},
    ]
}
KM = {
    "universe": [
        {"name": "km:NDX", "szDecimals": 3, "maxLeverage": 10},
        {"name": "km:US500", "szDecimals": 2, "maxLeverage": 20},
    ]
}
XYZ = {"universe": [{"name": "xyz:GOLD", "szDecimals": 4, "maxLeverage": 10}]}


class FakeHttp:
    """Answers /info from a table and records what was asked."""

    base_url = "http://exchange.test"

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    async def info(self, body: dict[str, Any]) -> Any:
        self.asked.append(body)
        if body["type"] == "perpDexs":
            return PERP_DEXS
        return {"": MAIN, "km": KM, "xyz": XYZ}[body["dex"]]


def test_asset_ids_are_the_sdks_main_index_and_builder_offsets():
    directory = MarketDirectory.from_meta(PERP_DEXS, {"": MAIN, "km": KM, "xyz": XYZ})
    assert directory.asset("BTC") == 0
    assert directory.asset("SOL") == 3  # the delisted asset still takes its index
    assert directory.asset("xyz:GOLD") == 110000
    assert directory.asset("km:NDX") == 120000
    assert directory.asset("km:US500") == 120001
    assert directory.coin(120001) == "km:US500"
    assert directory.sz_decimals("km:US500") == 2
    assert directory.max_leverage("km:US500") == 20
    assert directory.dex("km:US500") == "km" and directory.dex("BTC") == ""


def test_offsets_and_dex_names():
    assert dex_offsets(PERP_DEXS) == {"": 0, "xyz": 110000, "km": 120000}
    assert dex_of("km:US500") == "km" and dex_of("BTC") == ""


def test_unknown_and_delisted_markets_are_named():
    directory = MarketDirectory.from_meta(PERP_DEXS, {"": MAIN, "km": KM})
    with pytest.raises(UnknownMarket, match=r"market km:SPX is not listed on perp dex 'km'"):
        directory.spec("km:SPX")
    with pytest.raises(UnknownMarket, match=r"market OLD is delisted on the main perp dex"):
        directory.asset("OLD")
    with pytest.raises(UnknownMarket, match="asset id 5"):
        directory.coin(5)


def test_malformed_meta_is_reported_with_its_dex():
    with pytest.raises(MalformedMeta, match="dex 'km'"):
        MarketDirectory.from_meta(PERP_DEXS, {"km": {"universe": [{"name": "km:X"}]}})
    with pytest.raises(MalformedMeta, match=r"perpDexs\[1\]"):
        dex_offsets([None, {"fullName": "no name"}])


def test_load_fetches_only_the_dexes_of_the_configured_coins():
    http = FakeHttp()
    directory = asyncio.run(MarketDirectory.load(http, ["km:US500"]))
    assert http.asked == [{"type": "perpDexs"}, {"type": "meta", "dex": "km"}]
    assert directory.asset("km:US500") == 120001
    assert set(directory.coins) == {"km:NDX", "km:US500"}


def test_load_of_main_dex_coins_does_not_need_perp_dexs():
    http = FakeHttp()
    directory = asyncio.run(MarketDirectory.load(http, ["BTC", "ETH"]))
    assert http.asked == [{"type": "meta", "dex": ""}]
    assert directory.asset("ETH") == 1


def test_load_names_a_configured_coin_the_exchange_does_not_list():
    with pytest.raises(UnknownMarket, match=r"market km:SPX is not listed on perp dex 'km'"):
        asyncio.run(MarketDirectory.load(FakeHttp(), ["km:US500", "km:SPX"]))
    with pytest.raises(UnknownMarket, match=r"market abc:US500: perp dex 'abc' does not exist"):
        asyncio.run(MarketDirectory.load(FakeHttp(), ["abc:US500"]))
