"""The shared ledger, against hand-computed books."""

from decimal import Decimal as D

import pytest

from amm.common.accounting import CoinBooks, Ledger, Position
from amm.common.messages import Fill

COIN = "km:US500"


def fill(tid, side, px, sz, start, *, fee="0", closed="0", coin=COIN, time_ms=0) -> Fill:
    return Fill(
        coin=coin,
        tid=tid,
        oid=tid,
        cloid=None,
        side=side,
        px=D(px),
        sz=D(sz),
        fee=D(fee),
        closed_pnl=D(closed),
        crossed=False,
        start_position=D(start),
        dir="",
        hash="0x0",
        time_ms=time_ms,
    )


# Long 1 @ 100, add 3 @ 103 (entry 102.25), sell 1 @ 105 (+2.75), sell 5 @ 101: closes 3 at
# 102.25 (-3.75) and opens 2 short at 101. The exchange's closedPnl is given with each fill.
STORY = [
    fill(1, "B", "100", "1", "0", fee="0.015", time_ms=1),
    fill(2, "B", "103", "3", "1", fee="0.04635", time_ms=2),
    fill(3, "A", "105", "1", "4", fee="0.01575", closed="2.75", time_ms=3),
    fill(4, "A", "101", "5", "3", fee="0.07575", closed="-3.75", time_ms=4),
]


def test_hand_computed_books_through_an_add_a_partial_close_and_a_flip():
    ledger = Ledger()
    assert ledger.apply_all(STORY) == 4
    books = ledger.coin(COIN)
    assert books.position == Position.at(D(-2), D(101))
    assert (books.szi, books.entry_px) == (D(-2), D(101))
    assert books.realized_pnl == D("-1.00")
    assert books.exchange_closed_pnl == books.realized_pnl
    assert books.fees == D("0.15285")
    assert (books.buys, books.sells, books.fills) == (2, 2, 4)
    assert (books.buy_volume, books.sell_volume) == (D(4), D(6))
    assert (books.buy_notional, books.sell_notional) == (D(409), D(610))
    assert books.avg_buy_px == D("102.25")
    assert books.avg_sell_px == D("101.6666666666666666666666666666667")  # 34 digits
    assert books.unrealized_pnl(D(100)) == D(2)  # short 2 from 101, marked at 100
    assert books.notional(D(100)) == D(-200)
    assert books.net_pnl(D(100)) == D("-1.00") - D("0.15285") + D(2)
    assert books.last_fill_ms == 4
    assert books.rebases == 0


def test_the_entry_after_adding_is_the_volume_weighted_average():
    ledger = Ledger()
    ledger.apply_all(STORY[:2])
    assert ledger.coin(COIN).entry_px == D("102.25")
    assert ledger.coin(COIN).position.cost == D(409)


def test_partial_fills_of_one_order_book_like_one_fill():
    pieces, whole = Ledger(), Ledger()
    whole.apply_all([fill(1, "B", "100", "2", "0"), fill(2, "A", "110", "1.5", "2")])
    pieces.apply_all(
        [
            fill(1, "B", "100", "2", "0"),
            fill(2, "A", "110", "0.5", "2"),
            fill(3, "A", "110", "0.25", "1.5"),
            fill(4, "A", "110", "0.75", "1.25"),
        ]
    )
    assert pieces.coin(COIN).position == whole.coin(COIN).position == Position.at(D("0.5"), D(100))
    assert pieces.coin(COIN).realized_pnl == whole.coin(COIN).realized_pnl == D(15)
    assert pieces.coin(COIN).sells == 3


def test_a_flip_from_long_to_short_realizes_the_whole_long_and_opens_at_the_fill_price():
    ledger = Ledger()
    ledger.apply_all([fill(1, "B", "50", "2", "0"), fill(2, "A", "47", "5", "2")])
    books = ledger.coin(COIN)
    assert books.realized_pnl == D(-6)
    assert books.position == Position.at(D(-3), D(47))


def test_a_partial_close_rounds_to_micro_dollars_and_loses_nothing_overall():
    ledger = Ledger()
    ledger.apply_all(
        [
            fill(1, "B", "100", "1", "0"),
            fill(2, "B", "100", "1", "1"),
            fill(3, "B", "101", "1", "2"),  # entry 100.333...
            fill(4, "A", "101", "1", "3"),
            fill(5, "A", "101", "2", "2"),
        ]
    )
    books = ledger.coin(COIN)
    assert books.position == Position()
    assert books.realized_pnl == 3 * D(101) - D(301)


def test_fills_are_booked_once_by_tid():
    ledger = Ledger()
    assert ledger.apply(STORY[0])
    before = ledger.coin(COIN)
    assert not ledger.apply(STORY[0])
    assert ledger.coin(COIN) == before
    assert ledger.knows(1) and not ledger.knows(2)


def test_funding_adds_to_net_pnl_once_per_coin_and_time():
    ledger = Ledger()
    ledger.apply(fill(1, "B", "100", "1", "0", fee="0.1"))
    assert ledger.apply_funding(COIN, D("0.5"), 3_600_000)
    assert ledger.apply_funding(COIN, D("-0.2"), 7_200_000)
    assert not ledger.apply_funding(COIN, D("0.5"), 3_600_000)
    books = ledger.coin(COIN)
    assert books.funding == D("0.3")
    assert books.cash_pnl == D("0.3") - D("0.1")
    assert books.net_pnl(D(102)) == D("0.2") + D(2)
    assert books.net_pnl(None) == D("0.2")


def test_a_fill_after_unseen_history_takes_the_entry_its_closed_pnl_implies():
    ledger = Ledger()
    ledger.apply(fill(9, "A", "110", "1", "2", closed="10"))  # we never saw the long 2 open
    books = ledger.coin(COIN)
    assert books.position == Position.at(D(1), D(100))
    assert books.realized_pnl == books.exchange_closed_pnl == D(10)
    assert books.rebases == 1


def test_a_short_closed_after_unseen_history_and_an_add_at_the_fill_price():
    short = Ledger()
    short.apply(fill(1, "B", "90", "1", "-3", closed="-6"))  # short entered at 84
    assert short.coin(COIN).position == Position.at(D(-2), D(84))
    adding = Ledger()
    adding.apply(fill(1, "B", "90", "1", "3"))
    assert adding.coin(COIN).position == Position.at(D(4), D(90))


def test_rebase_takes_the_exchange_position_and_keeps_pnl():
    ledger = Ledger()
    ledger.apply_all(STORY)
    ledger.rebase(COIN, D("0.5"), D(99))
    books = ledger.coin(COIN)
    assert books.position == Position.at(D("0.5"), D(99))
    assert books.realized_pnl == D(-1)
    assert books.rebases == 1
    ledger.rebase(COIN, D(0), None)
    assert ledger.coin(COIN).position == Position()
    with pytest.raises(ValueError, match="entry price"):
        ledger.rebase(COIN, D(1), None)


def test_net_pnl_over_coins_each_at_its_own_mark():
    ledger = Ledger()
    ledger.apply(fill(1, "B", "100", "1", "0", fee="1"))
    ledger.apply(fill(2, "A", "10", "2", "0", coin="BTC"))
    assert ledger.net_pnl({COIN: D(103), "BTC": D(9)}) == D(3) - D(1) + D(2)
    assert ledger.net_pnl({COIN: D(103)}) == D(2)  # BTC without a mark: at cost
    assert ledger.coin("ETH") == CoinBooks("ETH")
    assert ledger.coin("ETH").entry_px is None
    assert ledger.coin("ETH").avg_buy_px is None
