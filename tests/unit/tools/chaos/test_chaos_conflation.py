"""The quoter's lag behind the newest book, from its status samples and a tap on marketdata."""

from __future__ import annotations

import pytest

from amm.tools.chaos.conflation import (
    QuoterSample,
    TapRecord,
    book_lags_s,
    handled_from_marketdata,
    rate_per_s,
    seq_offset,
)

MS = 1_000_000


def stream(count: int) -> list[TapRecord]:
    """marketdata's messages: a book every 10 ms (odd seqs) with a bbo after each (even seqs)."""
    return [
        TapRecord(seq, "md.book.km:US500" if seq % 2 else "md.bbo.km:US500", seq * 5 * MS)
        for seq in range(1, count + 1)
    ]


def test_only_marketdatas_topics_count_as_handled():
    consumed = {"md.book.km:US500": 5, "md.bbo.km:US500": 4, "hb.marketdata": 2, "hb.risk": 9}
    assert handled_from_marketdata(consumed | {"risk.state": 7, "monitor.mode": 1}) == 11


def test_the_offset_is_the_smallest_seq_minus_handled():
    samples = [QuoterSample(0, 30, 10), QuoterSample(0, 52, 40), QuoterSample(0, 60, 45)]
    assert seq_offset(samples) == 12


def test_a_quoter_that_keeps_up_is_on_the_newest_book():
    records = stream(200)
    # joined at seq 11 (10 messages never seen); at each answer it has handled all published
    samples = [QuoterSample(seq * 5 * MS + MS, seq, seq - 10) for seq in (50, 101, 150)]
    assert book_lags_s(records, samples, seq_offset(samples)) == [0.0, 0.0, 0.0]


def test_a_quoter_behind_its_socket_lags_by_the_books_it_has_not_handled():
    records = stream(200)
    samples = [QuoterSample(50 * 5 * MS, 50, 40), QuoterSample(200 * 5 * MS, 200, 100)]
    lags = book_lags_s(records, samples, offset=10)
    # at seq 200 it handled up to seq 110: newest book out is seq 199, newest handled seq 109
    assert lags == [0.0, pytest.approx((199 - 109) * 5 / 1000)]


def test_samples_before_the_tap_saw_a_book_are_left_out():
    assert book_lags_s(stream(10)[5:], [QuoterSample(2 * 5 * MS, 2, 2)], 0) == []


def test_rate_counts_a_prefix_within_the_window():
    records = stream(200)  # 100 books over 1 s
    assert rate_per_s(records, "md.book.", 0, 1000 * MS) == pytest.approx(99, abs=1)
    assert rate_per_s(records, "md.bbo.", 500 * MS, 1000 * MS) == pytest.approx(100)
