from decimal import Decimal as D

import pytest

from amm.common.sim.positions import Position, apply_fill


def test_opening_and_adding_averages_the_entry_price():
    first = apply_fill(Position(), is_buy=True, px=D(100), sz=D(1))
    assert (first.position, first.closed_pnl, first.direction) == (
        Position.at(D(1), D(100)),
        0,
        "Open Long",
    )
    second = apply_fill(first.position, is_buy=True, px=D(103), sz=D(3))
    assert second.position == Position.at(D(4), D("102.25"))


def test_reducing_realizes_pnl_and_keeps_the_entry():
    effect = apply_fill(Position.at(D(-4), D(50)), is_buy=True, px=D(45), sz=D(1))
    assert effect.position == Position.at(D(-3), D(50))
    assert effect.closed_pnl == D(5)
    assert effect.direction == "Close Short"


def test_closing_exactly_leaves_a_flat_position():
    effect = apply_fill(Position.at(D(2), D(10)), is_buy=False, px=D(9), sz=D(2))
    assert effect.position == Position()
    assert (effect.closed_pnl, effect.direction) == (D(-2), "Close Long")


def test_flipping_closes_everything_and_opens_the_rest_at_the_fill_price():
    effect = apply_fill(Position.at(D(-1), D(200)), is_buy=True, px=D(190), sz=D(3))
    assert effect.position == Position.at(D(2), D(190))
    assert (effect.closed_pnl, effect.direction) == (D(10), "Short > Long")


def test_unrealized_pnl_and_notional_at_a_mark():
    position = Position.at(D(-2), D(100))
    assert position.unrealized_pnl(D(90)) == D(20)
    assert position.notional(D(90)) == D(180)


def test_partial_close_rounds_pnl_and_the_basis_keeps_the_remainder():
    three_fills = Position(D(3), D(301))  # entry 100.333...
    effect = apply_fill(three_fills, is_buy=False, px=D(101), sz=D(1))
    assert effect.closed_pnl == D("0.666667")
    rest = effect.position
    assert rest.szi == D(2)
    # closing the rest realizes exactly what is left: nothing is created or lost by rounding
    final = apply_fill(rest, is_buy=False, px=D(101), sz=D(2))
    assert effect.closed_pnl + final.closed_pnl == 3 * D(101) - D(301)
    assert final.position == Position()


def test_a_fill_must_have_positive_size():
    with pytest.raises(ValueError, match="positive"):
        apply_fill(Position(), is_buy=True, px=D(1), sz=D(0))
