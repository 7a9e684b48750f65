"""What one window holds and its ``WindowStats``; the formulas are in ``metrics.py``.

A window of one coin is a run of that coin's fills in journal order: every fill after the last
one timed before the window's start. Its opening books are the books after that last fill
(empty books when there is none), so counts, volumes, fees and realized PnL are the difference
between the books now and the opening books, exact and in O(1). The opening position is valued
at the opening mark (the mid at the window's start), the position now at the mid now:

    net PnL = realized + funding - fees + unrealized
    unrealized = position now at the mid now - opening position at the opening mark

so ``net_pnl`` is the change of mark-to-market PnL over the window. Funding counts the payments
timed inside the window. ``fill_rate_per_h`` divides by the window's span: its length, or the time
since the data began if shorter, and never less than a minute (a rate over seconds is noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from amm.common.accounting import PNL_QUANTUM, ZERO, CoinBooks
from amm.common.messages import WindowStats
from amm.services.monitor.metrics import (
    HORIZONS_MS,
    FillRecord,
    imbalance,
    matched_pnl,
    weighted_bps,
)

HOUR_MS = 3_600_000
MIN_SPAN_MS = 60_000
PX_QUANTUM = Decimal("0.00000001")
"""Average prices are shown to 8 decimals (a mean of prices has no exact decimal form)."""


def start_index(records: Sequence[FillRecord], start_ms: int) -> int:
    """One past the last record timed before ``start_ms`` (0 when there is none)."""
    for index in range(len(records) - 1, -1, -1):
        if records[index].fill.time_ms < start_ms:
            return index + 1
    return 0


def opening_books(coin: str, records: Sequence[FillRecord], index: int) -> CoinBooks:
    """The coin's books just before ``records[index]``."""
    return records[index - 1].books if index > 0 else CoinBooks(coin)


@dataclass(frozen=True, slots=True)
class Window:
    """Everything one window's figures are made of (see the module docstring)."""

    records: Sequence[FillRecord]
    opening: CoinBooks
    opening_mark: Decimal | None
    books: CoinBooks
    mark: Decimal | None
    funding: Decimal
    start_ms: int
    span_ms: int

    def net_pnl(self) -> Decimal:
        """Realized + funding - fees + unrealized over the window, without the per-fill scan."""
        realized = self.books.realized_pnl - self.opening.realized_pnl
        fees = self.books.fees - self.opening.fees
        return realized + self.funding - fees + self._unrealized()

    def _unrealized(self) -> Decimal:
        """Position now at the mark minus the opening position at the opening mark.

        Without a mark both are at cost (0); without an opening mark the opening position is
        valued at the mark now (its price change is not known).
        """
        if self.mark is None:
            return ZERO
        opening_mark = self.mark if self.opening_mark is None else self.opening_mark
        now = self.books.position.unrealized_pnl(self.mark)
        return now - self.opening.position.unrealized_pnl(opening_mark)

    def stats(self) -> WindowStats:
        """The window's ``WindowStats``."""
        books, opening = self.books, self.opening
        buys, sells = books.buys - opening.buys, books.sells - opening.sells
        fills = buys + sells
        buy_volume = books.buy_volume - opening.buy_volume
        sell_volume = books.sell_volume - opening.sell_volume
        avg_buy = _average(books.buy_notional - opening.buy_notional, buy_volume)
        avg_sell = _average(books.sell_notional - opening.sell_notional, sell_volume)
        matched = min(buy_volume, sell_volume)
        fees = books.fees - opening.fees
        realized = books.realized_pnl - opening.realized_pnl
        upnl = self._unrealized()
        makers = sum(not record.fill.crossed for record in self.records)
        return WindowStats(
            fills=fills,
            buys=buys,
            sells=sells,
            buy_volume=buy_volume,
            sell_volume=sell_volume,
            avg_buy_px=None if avg_buy is None else avg_buy.quantize(PX_QUANTUM),
            avg_sell_px=None if avg_sell is None else avg_sell.quantize(PX_QUANTUM),
            matched_volume=matched,
            spread_capture_bps=weighted_bps((r.notional, r.edge_bps()) for r in self.records),
            fees=fees,
            matched_pnl=_rounded(matched_pnl(avg_buy, avg_sell, matched, fees)),
            imbalance=imbalance(buy_volume, sell_volume),
            fill_rate_per_h=fills * HOUR_MS / max(self.span_ms, MIN_SPAN_MS),
            maker_share=None if fills == 0 else makers / fills,
            realized_pnl=realized,
            unrealized_pnl=upnl,
            funding=self.funding,
            net_pnl=realized + self.funding - fees + upnl,
            markouts_bps={
                horizon: weighted_bps((r.notional, r.markout_bps(horizon)) for r in self.records)
                for horizon in HORIZONS_MS
            },
            start_ms=self.start_ms,
            one_sided=None if fills == 0 else max(buys, sells) / fills,
        )


def _rounded(pnl: Decimal) -> Decimal:
    """To USDC's 6 decimals (a product with a mean has none exact); zero stays plain 0."""
    rounded = pnl.quantize(PNL_QUANTUM, ROUND_HALF_EVEN)
    return rounded if rounded else ZERO


def _average(notional: Decimal, volume: Decimal) -> Decimal | None:
    return None if volume == 0 else notional / volume
