"""Builders shared by the risk tests: a core with a snapshot, a live book, an account."""

from __future__ import annotations

from decimal import Decimal as D

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import (
    Bbo,
    Fill,
    MarketDataStatus,
    Position,
    QuoteIntent,
    QuoteLevel,
)
from amm.services.risk.logic import RiskCore
from amm.services.risk.settings import RiskSettings
from amm.services.risk.states import Halt

COIN = "km:US500"
SPEC = MarketSpec(coin=COIN, sz_decimals=2, max_leverage=20, asset=110000)
T0 = 1_700_000_000_000_000_000
MS = 1_000_000
SECOND = 1_000_000_000
SETTINGS = RiskSettings()


def position(
    szi: str = "0",
    entry: str | None = None,
    *,
    account_value: str = "1000",
    leverage: int | None = 20,
    time_ms: int = T0 // MS,
    coin: str = COIN,
) -> Position:
    return Position(
        coin=coin,
        dex="km",
        szi=D(szi),
        entry_px=None if entry is None else D(entry),
        position_value=abs(D(szi)) * D(entry or 0),
        unrealized_pnl=D(0),
        margin_used=D(0),
        leverage=leverage,
        account_value=D(account_value),
        withdrawable=D(account_value),
        time_ms=time_ms,
    )


_tids = iter(range(1, 10**9))


def fill(
    side: str,
    px: str,
    sz: str,
    *,
    start: str,
    seq: int = 0,
    fee: str = "0",
    closed_pnl: str = "0",
    time_ms: int = T0 // MS,
    tid: int | None = None,
    coin: str = COIN,
) -> Fill:
    return Fill(
        coin=coin,
        tid=next(_tids) if tid is None else tid,
        oid=1,
        cloid=None,
        side=side,
        px=D(px),
        sz=D(sz),
        fee=D(fee),
        closed_pnl=D(closed_pnl),
        crossed=False,
        start_position=D(start),
        dir="",
        hash="0x0",
        time_ms=time_ms,
        journal_seq=seq,
    )


def levels(*pairs: tuple[str, str]) -> list[QuoteLevel]:
    return [QuoteLevel(D(px), D(sz)) for px, sz in pairs]


def intent(
    bids: list[QuoteLevel] | None = None,
    asks: list[QuoteLevel] | None = None,
    *,
    fair: str = "6000",
    intent_id: int = 1,
    coin: str = COIN,
) -> QuoteIntent:
    return QuoteIntent(
        coin=coin,
        intent_id=intent_id,
        fair_px=D(fair),
        bids=levels(("5999", "0.01")) if bids is None else bids,
        asks=levels(("6001", "0.01")) if asks is None else asks,
        model="test",
        mode="moderate",
        created_ns=T0,
    )


def bbo(bid: str = "5999.5", ask: str = "6000.5", coin: str = COIN) -> Bbo:
    return Bbo(
        coin=coin,
        exch_time_ms=0,
        recv_ns=0,
        bid_px=D(bid),
        bid_sz=D(1),
        ask_px=D(ask),
        ask_sz=D(1),
    )


def live(coin: str = COIN) -> MarketDataStatus:
    return MarketDataStatus(state="live", markets={coin: "live"})


def feed_market(core: RiskCore, now_ns: int, bid: str = "5999.5", ask: str = "6000.5") -> None:
    """A fresh, live two-sided top of book at ``now_ns``."""
    core.on_md_status(live(), now_ns)
    core.on_bbo(bbo(bid, ask), now_ns)


def ready_core(
    settings: RiskSettings = SETTINGS,
    *,
    szi: str = "0",
    entry: str | None = None,
    account_value: str = "1000",
    now_ns: int = T0,
    halt: Halt | None = None,
    bid: str = "5999.5",
    ask: str = "6000.5",
) -> RiskCore:
    """A core with the market's rules, a snapshot holding ``szi`` and a live book."""
    core = RiskCore(settings, [COIN], now_ns=now_ns, halt=halt)
    core.on_markets({COIN: SPEC})
    fills = []
    if D(szi) != 0:
        side = "B" if D(szi) > 0 else "A"
        fills = [fill(side, entry or "6000", str(abs(D(szi))), start="0", seq=1, time_ms=0)]
    assert core.on_snapshot(
        {COIN: position(szi, entry or ("6000" if D(szi) else None), account_value=account_value)},
        fills,
        now_ns,
    )
    feed_market(core, now_ns, bid, ask)
    return core
