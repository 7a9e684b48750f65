"""A backtest's result: one document, the same bytes for the same inputs and seed.

Money is exact (Decimal, written as strings); ratios and basis points are floats rounded to 4
decimals. Nothing in it depends on the machine or the wall clock (timings are reported apart).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from amm.common.accounting import CoinBooks

_MS_PER_S = 1000


class MarketStats(msgspec.Struct, kw_only=True):
    """One market's trades and position, from the shared ledger."""

    fills: int
    buys: int
    sells: int
    maker_fills: int
    taker_fills: int
    buy_volume: Decimal
    sell_volume: Decimal
    notional: Decimal
    avg_buy_px: Decimal | None
    avg_sell_px: Decimal | None
    fees: Decimal
    realized_pnl: Decimal
    funding: Decimal
    unrealized_pnl: Decimal
    net_pnl: Decimal
    final_mark: Decimal | None
    final_position: Decimal
    mean_abs_position: Decimal
    max_abs_position: Decimal


class RiskStats(msgspec.Struct, kw_only=True):
    """Where risk's trading state spent the run, and how it ended."""

    seconds: dict[str, float]
    share_reducing: float
    final_state: str | None
    halted_by: str | None
    halt_reason: str | None
    decisions: dict[str, int]


class ActionStats(msgspec.Struct, kw_only=True):
    """What execution sent: /exchange requests and the orders in them, per kind."""

    requests: dict[str, int]
    orders: dict[str, int]
    total_requests: int
    total_orders: int
    actions_per_fill: float | None  # total_orders / fills
    intents: int  # new ladders from the quoter


class FillRow(msgspec.Struct, array_like=True):
    """One fill for the report's chart: [time_ms, coin, side, px, sz, crossed]."""

    time_ms: int
    coin: str
    side: str
    px: Decimal
    sz: Decimal
    crossed: bool


class BacktestResult(msgspec.Struct, kw_only=True):
    """Everything a run measured (each field is described in this folder's README.md)."""

    source: str
    seed: int
    start_ms: int
    end_ms: int
    settings: dict[str, Any]
    fills: int
    net_pnl: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    max_drawdown: Decimal
    spread_capture_bps: float | None
    markouts_bps: dict[str, float | None]
    markets: dict[str, MarketStats]
    metrics: dict[str, dict[str, Any]]
    risk: RiskStats
    actions: ActionStats
    exchange_net_pnl: Decimal  # the venue's account value change: equals net_pnl unless fills
    # were still on their way to the ledger when the run ended
    pnl_curve: list[tuple[int, Decimal]]
    position_curves: dict[str, list[tuple[int, Decimal]]]
    mark_curves: dict[str, list[tuple[int, Decimal]]]
    fill_log: list[FillRow]

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / _MS_PER_S

    def to_json(self) -> bytes:
        """The canonical bytes: keys of maps sorted, fields in declaration order."""
        return msgspec.json.encode(self, order="deterministic")

    def summary(self) -> dict[str, Any]:
        """The figures a sweep ranks and tabulates (no curves, no fill log)."""
        return {
            "net_pnl": self.net_pnl,
            "max_drawdown": self.max_drawdown,
            "fills": self.fills,
            "spread_capture_bps": self.spread_capture_bps,
            "fees": self.fees,
            "realized_pnl": self.realized_pnl,
            "actions_per_fill": self.actions.actions_per_fill,
            "share_reducing": self.risk.share_reducing,
            "final_state": self.risk.final_state,
        }


def market_stats(
    books: CoinBooks,
    mark: Decimal | None,
    maker_fills: int,
    mean_abs_position: Decimal,
    max_abs_position: Decimal,
) -> MarketStats:
    """One market's figures from its books in the ledger."""
    return MarketStats(
        fills=books.fills,
        buys=books.buys,
        sells=books.sells,
        maker_fills=maker_fills,
        taker_fills=books.fills - maker_fills,
        buy_volume=books.buy_volume,
        sell_volume=books.sell_volume,
        notional=books.buy_notional + books.sell_notional,
        avg_buy_px=books.avg_buy_px,
        avg_sell_px=books.avg_sell_px,
        fees=books.fees,
        realized_pnl=books.realized_pnl,
        funding=books.funding,
        unrealized_pnl=Decimal(0) if mark is None else books.unrealized_pnl(mark),
        net_pnl=books.net_pnl(mark),
        final_mark=mark,
        final_position=books.szi,
        mean_abs_position=mean_abs_position,
        max_abs_position=max_abs_position,
    )


def max_drawdown(curve: list[tuple[int, Decimal]]) -> Decimal:
    """The largest fall of the curve from an earlier peak (0 if it never falls)."""
    worst = Decimal(0)
    peak: Decimal | None = None
    for _, value in curve:
        peak = value if peak is None else max(peak, value)
        worst = max(worst, peak - value)
    return worst


def rounded(value: float | None) -> float | None:
    """Floats in the result: 4 decimals."""
    return None if value is None else round(value, 4)
