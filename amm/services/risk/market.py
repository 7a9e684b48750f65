"""What risk knows of one market's data: the top of book, the feed's status, their ages.

Ages are measured with risk's receive times, never the publisher's clock (as execution's gate
does). A mid exists only for a two-sided, uncrossed top. The last such top stands in for a
one-sided or crossed one that came after it (the paper venue's takers can sweep a side bare for
~50 ms), so the mid is fresh while the last valid top and a ``live`` md.status for the market
were both received less than ``max_age_ns`` ago; a top that stays invalid longer leaves no
fresh mid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from amm.common.messages import Bbo, Book, MarketDataState

TWO = Decimal(2)


@dataclass(slots=True)
class MarketView:
    """The latest top of book and md.status of one market, with receive times."""

    bid: Decimal | None = None  # the latest top as received: a side may be missing or crossed
    ask: Decimal | None = None
    top_ns: int | None = None
    status: MarketDataState | None = None
    status_ns: int | None = None
    last_mid: Decimal | None = None  # the mid of the last two-sided, uncrossed top
    mid_ns: int | None = None  # when that top was received

    def on_bbo(self, bbo: Bbo, now_ns: int) -> None:
        """An md.bbo arrived."""
        self._top(bbo.bid_px, bbo.ask_px, now_ns)

    def on_book(self, book: Book, now_ns: int) -> None:
        """An md.book arrived: its best levels are the top."""
        bid = book.bids[0].px if book.bids else None
        ask = book.asks[0].px if book.asks else None
        self._top(bid, ask, now_ns)

    def on_status(self, status: MarketDataState, now_ns: int) -> None:
        """This market's entry of an md.status arrived."""
        self.status, self.status_ns = status, now_ns

    @property
    def mid(self) -> Decimal | None:
        """The mid of the latest top, None if it is one-sided or crossed."""
        if self.bid is None or self.ask is None or self.bid >= self.ask:
            return None
        return (self.bid + self.ask) / TWO

    def fresh_mid(self, now_ns: int, max_age_ns: int) -> Decimal | None:
        """The mid of the last valid top if the data behind it can be trusted now, else None."""
        if self.status != "live" or self.status_ns is None or self.mid_ns is None:
            return None
        if now_ns - self.status_ns >= max_age_ns or now_ns - self.mid_ns >= max_age_ns:
            return None
        return self.last_mid

    def _top(self, bid: Decimal | None, ask: Decimal | None, now_ns: int) -> None:
        self.bid, self.ask, self.top_ns = bid, ask, now_ns
        mid = self.mid
        if mid is not None:
            self.last_mid, self.mid_ns = mid, now_ns
