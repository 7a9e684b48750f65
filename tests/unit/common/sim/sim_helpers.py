"""Shorthands for driving the matching engine in tests."""

from __future__ import annotations

import json
from decimal import Decimal

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.sim import EngineConfig, MatchingEngine, OrderRequest, PlaceResult, Tif
from amm.common.sim.engine import HOUSE_ADDRESS

COIN = "km:US500"
SPEC = MarketSpec(coin=COIN, sz_decimals=2, max_leverage=20, asset=110000)
ALICE = "0x" + "a" * 40
BOB = "0x" + "b" * 40
HOUSE = HOUSE_ADDRESS


def engine(config: EngineConfig | None = None, spec: MarketSpec = SPEC) -> MatchingEngine:
    """An engine with one market."""
    return MatchingEngine([spec], config)


def order(
    is_buy: bool,
    px: str,
    sz: str,
    tif: Tif = Tif.GTC,
    *,
    reduce_only: bool = False,
    cloid: str | None = None,
    coin: str = COIN,
) -> OrderRequest:
    """An order request from strings."""
    return OrderRequest(coin, is_buy, Decimal(px), Decimal(sz), tif, reduce_only, cloid)


def buy(eng, user, px, sz, tif=Tif.GTC, t=0, *, reduce_only=False, cloid=None) -> PlaceResult:
    """Place a buy."""
    return eng.place_order(user, order(True, px, sz, tif, reduce_only=reduce_only, cloid=cloid), t)


def sell(eng, user, px, sz, tif=Tif.GTC, t=0, *, reduce_only=False, cloid=None) -> PlaceResult:
    """Place a sell."""
    return eng.place_order(user, order(False, px, sz, tif, reduce_only=reduce_only, cloid=cloid), t)


def events_json(results: list[PlaceResult]) -> str:
    """Everything the engine said, serialised, for byte-for-byte comparison."""
    return json.dumps(
        [
            {"status": r.status.to_wire(), "events": [e.to_wire() for e in r.events]}
            for r in results
        ],
        sort_keys=True,
    )
