"""How far behind the newest book the quoter decides during a market-data burst (pure).

The quoter handles `marketdata`'s messages one at a time, in order. Its `status` reply tells
the highest `marketdata` seq it has taken off the socket (`publishers.marketdata.seq`) and how
many messages of each topic it has handled (`consumed`). Every `marketdata` message it takes is
handled (all of them are `md.*` or `hb.marketdata`, which it consumes), so the seq it has handled
up to is `consumed` plus a constant: the messages it never saw (before it joined). That constant
is the smallest `seq - consumed` over all samples (a sample can only overstate it, by what is
taken but not yet handled). A tap on `marketdata`'s stream gives every message's seq, topic and
publish time; the lag of a sample is then the publish time of the newest `md.book` out when the
quoter answered minus that of the newest `md.book` it had handled.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

BOOK_PREFIX = "md.book."


@dataclass(frozen=True)
class TapRecord:
    """One `marketdata` message as the tap saw it."""

    seq: int
    topic: str
    ts_ns: int


@dataclass(frozen=True)
class QuoterSample:
    """One `status` answer of the quoter, and when it arrived (wall clock ns)."""

    at_ns: int
    taken_seq: int  # publishers.marketdata.seq
    handled: int  # consumed messages of marketdata's topics


def handled_from_marketdata(consumed: Mapping[str, int]) -> int:
    """How many `marketdata` messages a `status` reply's `consumed` counts."""
    return sum(n for topic, n in consumed.items() if topic.startswith(("md.", "hb.marketdata")))


def seq_offset(samples: Sequence[QuoterSample]) -> int:
    """The constant between handled messages and seq: the smallest `seq - handled` seen."""
    return min(sample.taken_seq - sample.handled for sample in samples)


def book_lags_s(
    records: Sequence[TapRecord], samples: Sequence[QuoterSample], offset: int
) -> list[float]:
    """Per sample, seconds between the newest book out and the newest book the quoter handled.

    Samples whose handled book the tap did not see (it joined later) are left out.
    """
    books = sorted((r for r in records if r.topic.startswith(BOOK_PREFIX)), key=lambda r: r.seq)
    seqs = [book.seq for book in books]
    by_time = sorted(book.ts_ns for book in books)
    lags = []
    for sample in samples:
        handled_at = bisect_right(seqs, offset + sample.handled) - 1
        out_at = bisect_right(by_time, sample.at_ns) - 1
        if handled_at < 0 or out_at < 0:
            continue
        lags.append(max(0.0, (by_time[out_at] - books[handled_at].ts_ns) / 1e9))
    return lags


def rate_per_s(records: Sequence[TapRecord], prefix: str, start_ns: int, end_ns: int) -> float:
    """Messages per second on topics starting with `prefix` published in [start, end)."""
    count = sum(1 for r in records if r.topic.startswith(prefix) and start_ns <= r.ts_ns < end_ns)
    return count / max((end_ns - start_ns) / 1e9, 1e-9)
