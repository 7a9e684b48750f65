"""The fair price a ladder is centred on: the mid, or the size-weighted micro-price.

The micro-price leans towards the side with less size resting (a thin ask is about to be
lifted), which matters when the spread is one tick wide. Exact Decimal arithmetic throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from amm.common.messages import Bbo, Book

FairMethod = Literal["mid", "micro"]
_TWO = Decimal(2)


@dataclass(frozen=True, slots=True)
class TopOfBook:
    """Best bid and ask with their sizes; only ever built uncrossed with both sides present."""

    bid_px: Decimal
    bid_sz: Decimal
    ask_px: Decimal
    ask_sz: Decimal

    @property
    def mid(self) -> Decimal:
        return (self.bid_px + self.ask_px) / _TWO


def _top(
    bid_px: Decimal | None, bid_sz: Decimal | None, ask_px: Decimal | None, ask_sz: Decimal | None
) -> TopOfBook | None:
    if bid_px is None or bid_sz is None or ask_px is None or ask_sz is None:
        return None
    if bid_px >= ask_px:
        return None
    return TopOfBook(bid_px, bid_sz, ask_px, ask_sz)


def top_from_bbo(bbo: Bbo) -> TopOfBook | None:
    """The top of book of an `md.bbo`; None when a side is empty or the book is crossed."""
    return _top(bbo.bid_px, bbo.bid_sz, bbo.ask_px, bbo.ask_sz)


def top_from_book(book: Book) -> TopOfBook | None:
    """The top of book of an `md.book`; None when a side is empty or the book is crossed."""
    if not book.bids or not book.asks:
        return None
    bid, ask = book.bids[0], book.asks[0]
    return _top(bid.px, bid.sz, ask.px, ask.sz)


def fair_price(top: TopOfBook, method: FairMethod) -> Decimal:
    """The mid, or (bid*ask_sz + ask*bid_sz) / (bid_sz + ask_sz)."""
    if method == "mid":
        return top.mid
    return (top.bid_px * top.ask_sz + top.ask_px * top.bid_sz) / (top.bid_sz + top.ask_sz)
