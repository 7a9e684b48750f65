"""Per-fill figures and the formulas that combine them (exact Decimal; bps as Decimal here).

A ``FillRecord`` is one booked ``exec.fill`` with the coin's ledger books right after it (from
the shared ``amm.common.accounting.Ledger``, so counts, volumes, notionals, fees and realized PnL
of any run of fills are a difference of two books) and the mids the monitor saw around it:

* ``mid``: the mid just before the fill (the last top of book with exchange time < the fill's);
* ``1s`` ... ``60s``: the mid in force ``h`` after the fill (the last top at or before t + h).

Definitions (side = +1 for a buy, -1 for a sell; bps = 1e4 x):

* spread capture of a fill = side x (mid - px) / mid: how far inside the mid we traded. A
  window's spread capture is the notional-weighted mean over its fills with a known mid.
* markout at h = side x (mid(t+h) - mid) / mid: how the mid moved after the fill, negative when
  it moved against us (a buy followed by a falling mid: we were picked off). A window's markout
  is the notional-weighted mean over its fills with both mids known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.accounting import ZERO, CoinBooks
from amm.common.messages import Fill

BPS = Decimal(10_000)
MID = "mid"
HORIZONS_MS: dict[str, int] = {"1s": 1_000, "5s": 5_000, "30s": 30_000, "60s": 60_000}
MARK_KEYS: tuple[str, ...] = (MID, *HORIZONS_MS)


@dataclass(slots=True)
class FillRecord:
    """One booked fill, the coin's books right after it, and the mids resolved so far."""

    fill: Fill
    books: CoinBooks
    marks: dict[str, Decimal | None] = field(default_factory=dict)

    @property
    def side(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self.fill.side == "B" else -1

    @property
    def notional(self) -> Decimal:
        """The fill's value at its price."""
        return self.fill.px * self.fill.sz

    @property
    def complete(self) -> bool:
        """True once every mark is known or known to be unknowable (None)."""
        return all(key in self.marks for key in MARK_KEYS)

    def edge_bps(self) -> Decimal | None:
        """This fill's spread capture in bps, None without the mid before it."""
        mid = self.marks.get(MID)
        if mid is None:
            return None
        return self.side * (mid - self.fill.px) / mid * BPS

    def markout_bps(self, horizon: str) -> Decimal | None:
        """The mid's move ``horizon`` after the fill in bps, signed for our side."""
        mid, later = self.marks.get(MID), self.marks.get(horizon)
        if mid is None or later is None:
            return None
        return self.side * (later - mid) / mid * BPS


def weighted_bps(pairs: Iterable[tuple[Decimal, Decimal | None]]) -> float | None:
    """The weighted mean of (weight, bps) pairs whose bps is known; None if none is."""
    total = weight = ZERO
    for notional, bps in pairs:
        if bps is not None:
            total += notional * bps
            weight += notional
    return None if weight == 0 else float(total / weight)


def imbalance(buy_volume: Decimal, sell_volume: Decimal) -> float:
    """(bought - sold) / (bought + sold) in [-1, 1], > 0 when net buying; 0 without fills."""
    traded = buy_volume + sell_volume
    return 0.0 if traded == 0 else float((buy_volume - sell_volume) / traded)


def matched_pnl(
    avg_buy: Decimal | None, avg_sell: Decimal | None, matched: Decimal, fees: Decimal
) -> Decimal:
    """(avg sell - avg buy) x matched volume - fees (just - fees while nothing is matched)."""
    if avg_buy is None or avg_sell is None:
        return -fees
    return (avg_sell - avg_buy) * matched - fees
