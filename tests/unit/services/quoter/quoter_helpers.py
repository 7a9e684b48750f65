"""Builders shared by the quoter tests: market data, risk state and a core at a known time."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import (
    Bbo,
    Book,
    BookLevel,
    MarketDataStatus,
    ModeRecommendation,
    RiskPosition,
    RiskState,
    Trade,
    Trades,
)
from amm.services.quoter.logic import QuoterCore
from amm.services.quoter.settings import IntensitySettings, QuoterSettings

COIN = "km:US500"
SPEC = MarketSpec(coin=COIN, sz_decimals=2, max_leverage=20, asset=110000)
SECOND = 1_000_000_000
T0 = 1_000 * SECOND  # the monotonic clock's "now" at the start of a test
WALL0 = 1_700_000_000 * SECOND

# Deterministic settings: A and k as configured, so no test depends on trades it did not send.
SETTINGS = QuoterSettings(intensity=IntensitySettings(calibrate=False))


def settings(**changes: object) -> QuoterSettings:
    return msgspec.structs.replace(SETTINGS, **changes)


def bbo(bid: str = "5999.9", ask: str = "6000.1", bid_sz: str = "5", ask_sz: str = "5") -> Bbo:
    return Bbo(
        coin=COIN,
        exch_time_ms=0,
        recv_ns=0,
        bid_px=D(bid),
        bid_sz=D(bid_sz),
        ask_px=D(ask),
        ask_sz=D(ask_sz),
    )


def book(bid: str = "5999.9", ask: str = "6000.1", bid_sz: str = "5", ask_sz: str = "5") -> Book:
    return Book(
        coin=COIN,
        exch_time_ms=0,
        recv_ns=0,
        bids=[BookLevel(D(bid), D(bid_sz), 1)],
        asks=[BookLevel(D(ask), D(ask_sz), 1)],
    )


def status(state: str = "live", coin: str = COIN) -> MarketDataStatus:
    return MarketDataStatus(state=state, markets={coin: state})  # type: ignore[arg-type]


def risk(szi: str = "0", state: str = "ACTIVE") -> RiskState:
    position = RiskPosition(
        szi=D(szi), entry_px=None if D(szi) == 0 else D(6000), notional=D(szi) * 6000, delta=0.0
    )
    return RiskState(
        state=state,  # type: ignore[arg-type]
        reasons=[],
        positions={COIN: position},
        session_pnl=D(0),
        snapshot_ok=True,
    )


def mode(name: str, reason: str = "test") -> ModeRecommendation:
    return ModeRecommendation(mode=name, reason=reason, since_ns=WALL0)  # type: ignore[arg-type]


def trades(*fills: tuple[str, str], tid: int = 1) -> Trades:
    """`md.trade` with (px, side) pairs."""
    return Trades(
        coin=COIN,
        recv_ns=0,
        trades=[
            Trade(px=D(px), sz=D("0.1"), side=side, time_ms=0, tid=tid + i)  # type: ignore[arg-type]
            for i, (px, side) in enumerate(fills)
        ],
    )


def live_core(
    quoter: QuoterSettings = SETTINGS, szi: str = "0", now_ns: int = T0, spec: MarketSpec = SPEC
) -> QuoterCore:
    """A core that has heard everything it needs to quote at `now_ns`."""
    core = QuoterCore(quoter, {spec.coin: spec})
    core.on_status(status(coin=spec.coin), now_ns)
    core.on_bbo(bbo(), now_ns)
    core.on_risk_state(risk(szi), now_ns)
    return core
