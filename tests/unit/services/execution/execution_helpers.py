"""Builders shared by the execution tests: wire elements in Hyperliquid's exact shapes."""

from __future__ import annotations

from decimal import Decimal as D

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import Fill, QuoteLevel, Rebalance, RiskDecision, RiskState
from amm.services.execution.actions import NewOrder
from amm.services.execution.cloids import CloidFactory

COIN = "km:US500"
SPEC = MarketSpec(coin=COIN, sz_decimals=2, max_leverage=20, asset=110000)
T0 = 1_700_000_000_000_000_000
INSTANCE = bytes.fromhex("0a0b0c0d")
SECOND = 1_000_000_000


def factory(instance: bytes = INSTANCE) -> CloidFactory:
    return CloidFactory(instance)


def cloid(n: int, instance: bytes = INSTANCE) -> str:
    return CloidFactory(instance, next_counter=n).next()


def new_order(
    n: int = 1,
    side: str = "B",
    px: str = "5990",
    sz: str = "0.5",
    tif: str = "Alo",
    reduce_only: bool = False,
) -> NewOrder:
    return NewOrder(cloid(n), COIN, side, D(px), D(sz), tif, reduce_only)


def resting(oid: int) -> dict:
    return {"resting": {"oid": oid}}


def filled(oid: int, total: str = "0.5", avg: str = "5990") -> dict:
    return {"filled": {"totalSz": total, "avgPx": avg, "oid": oid}}


def error(text: str) -> dict:
    return {"error": text}


def update(
    oid: int,
    status: str,
    cloid_: str | None = None,
    px: str = "5990",
    sz: str = "0.5",
    orig_sz: str | None = None,
    side: str = "B",
) -> dict:
    """An ``orderUpdates`` element."""
    order = {
        "coin": COIN,
        "side": side,
        "limitPx": px,
        "sz": sz,
        "oid": oid,
        "timestamp": 1_700_000_000_000,
        "origSz": orig_sz or sz,
    }
    if cloid_ is not None:
        order["cloid"] = cloid_
    return {"order": order, "status": status, "statusTimestamp": 1_700_000_000_001}


def fill(
    tid: int,
    oid: int,
    sz: str,
    cloid_: str | None = None,
    px: str = "5990",
    side: str = "B",
    time_ms: int = 1_700_000_000_000,
) -> Fill:
    return Fill(
        coin=COIN,
        tid=tid,
        oid=oid,
        cloid=cloid_,
        side=side,
        px=D(px),
        sz=D(sz),
        fee=D("0.01"),
        closed_pnl=D(0),
        crossed=False,
        start_position=D(0),
        dir="Open Long",
        hash="0x" + "ab" * 32,
        time_ms=time_ms,
    )


def levels(*pairs: tuple[str, str]) -> list[QuoteLevel]:
    return [QuoteLevel(D(px), D(sz)) for px, sz in pairs]


def decision(
    bids: list[QuoteLevel] | None = None,
    asks: list[QuoteLevel] | None = None,
    *,
    decision_id: int = 1,
    verdict: str = "approve",
    trading_state: str = "ACTIVE",
    rebalance: Rebalance | None = None,
    coin: str = COIN,
) -> RiskDecision:
    return RiskDecision(
        coin=coin,
        decision_id=decision_id,
        intent_id=decision_id,
        verdict=verdict,
        reasons=[],
        trading_state=trading_state,
        bids=bids or [],
        asks=asks or [],
        rebalance=rebalance,
        created_ns=T0,
    )


def risk_state(state: str = "ACTIVE", snapshot_ok: bool = True) -> RiskState:
    return RiskState(
        state=state, reasons=[], positions={}, session_pnl=D(0), snapshot_ok=snapshot_ok
    )
