"""Shorthands for driving the market models against a real matching engine in tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.sim import EngineConfig, Event, MatchingEngine, OrderRequest, Tif
from amm.common.sim.market.house import HOUSE_ACCOUNTS

US500 = MarketSpec(coin="km:US500", sz_decimals=2, max_leverage=20, asset=110000)
BTC = MarketSpec(coin="BTC", sz_decimals=5, max_leverage=40, asset=0)
TRADER = "0x" + "c" * 40
OTHER_TRADER = "0x" + "d" * 40


def engine(*specs: MarketSpec) -> MatchingEngine:
    """An engine whose house accounts are the models' and whose traders never run out."""
    config = EngineConfig(starting_collateral=Decimal(10**9), house_addresses=HOUSE_ACCOUNTS)
    return MatchingEngine(specs, config)


def place(
    eng: MatchingEngine,
    coin: str,
    is_buy: bool,
    px: Decimal,
    sz: Decimal,
    time_ms: int,
    user: str = TRADER,
    tif: Tif = Tif.ALO,
) -> int:
    """Rest an order (post-only by default) and return its oid."""
    result = eng.place_order(user, OrderRequest(coin, is_buy, px, sz, tif), time_ms)
    oid = getattr(result.status, "oid", None)
    assert oid is not None and tif is not Tif.IOC, result.status
    return oid


def serialise(events: Iterable[Event]) -> str:
    """Events as the venue would publish them, for exact comparison."""
    return json.dumps([[type(e).__name__, e.to_wire()] for e in events], sort_keys=True)
