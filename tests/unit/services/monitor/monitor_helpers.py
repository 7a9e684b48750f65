"""Builders shared by the monitor's unit tests: fills, tops of book, a core with a snapshot."""

from __future__ import annotations

import itertools
from decimal import Decimal as D
from typing import Any

import msgspec

from amm.common.messages import Bbo, Fill, MarketDataStatus, Position, RiskPosition, RiskState
from amm.services.monitor.logic import MonitorCore
from amm.services.monitor.settings import AlertSettings, ModeSettings, MonitorSettings
from amm.services.monitor.state import Saved

COIN = "km:US500"
MS = 1_000_000
SECOND_MS = 1_000
T0_MS = 1_700_000_000_000
T0 = T0_MS * MS
SETTINGS = MonitorSettings()

_tids = itertools.count(1)


def settings(**overrides: Any) -> MonitorSettings:
    """Default settings with some keys replaced (``alerts``/``modes`` as dicts of overrides)."""
    alerts = overrides.pop("alerts", {})
    mode_keys = overrides.pop("modes", {})
    return msgspec.structs.replace(
        SETTINGS,
        alerts=msgspec.structs.replace(AlertSettings(), **alerts),
        modes=msgspec.structs.replace(ModeSettings(), **mode_keys),
        **overrides,
    )


def fill(
    side: str,
    px: str,
    sz: str,
    *,
    start: str,
    seq: int,
    time_ms: int = T0_MS,
    fee: str = "0",
    crossed: bool = False,
    closed_pnl: str = "0",
    coin: str = COIN,
    tid: int | None = None,
) -> Fill:
    return Fill(
        coin=coin,
        tid=next(_tids) if tid is None else tid,
        oid=1,
        cloid=None,
        side=side,  # type: ignore[arg-type]
        px=D(px),
        sz=D(sz),
        fee=D(fee),
        closed_pnl=D(closed_pnl),
        crossed=crossed,
        start_position=D(start),
        dir="",
        hash="0x0",
        time_ms=time_ms,
        journal_seq=seq,
    )


def bbo(bid: str, ask: str, time_ms: int, coin: str = COIN) -> Bbo:
    return Bbo(
        coin=coin,
        exch_time_ms=time_ms,
        recv_ns=time_ms * MS,
        bid_px=D(bid),
        bid_sz=D(1),
        ask_px=D(ask),
        ask_sz=D(1),
    )


def position(
    szi: str = "0",
    *,
    mark: str = "6000",
    account_value: str = "1000",
    time_ms: int = T0_MS,
    coin: str = COIN,
) -> Position:
    size = D(szi)
    return Position(
        coin=coin,
        dex="km",
        szi=size,
        entry_px=None if size == 0 else D(mark),
        position_value=abs(size) * D(mark),
        unrealized_pnl=D(0),
        margin_used=D(0),
        leverage=20,
        account_value=D(account_value),
        withdrawable=D(account_value),
        time_ms=time_ms,
    )


def risk_state(delta: float, coin: str = COIN) -> RiskState:
    return RiskState(
        state="ACTIVE",
        reasons=[],
        positions={coin: RiskPosition(szi=D(0), entry_px=None, notional=D(0), delta=delta)},
        session_pnl=D(0),
        snapshot_ok=True,
    )


LIVE = MarketDataStatus(state="live", markets={COIN: "live"})


def ready_core(
    fills: list[Fill] | None = None,
    *,
    config: MonitorSettings = SETTINGS,
    now_ms: int = T0_MS - 60 * SECOND_MS,
) -> MonitorCore:
    """A fresh core (session starting at ``now_ms``) holding execution's snapshot."""
    core = MonitorCore(config, [COIN], Saved(), now_ns=now_ms * MS)
    core.on_snapshot(fills or [])
    return core
