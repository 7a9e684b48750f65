"""The ladder's memos (whole ladders, neighbouring grid prices, floats as Decimals) never change
an answer, not even how a number is written, whichever equal value was remembered first."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import MarketSpec
from amm.services.quoter.fair import TopOfBook
from amm.services.quoter.ladder import LadderShape, _exact, build_ladder, next_above, next_below

prices = st.decimals(min_value=D("0.000001"), max_value=D("200000"), places=6)
depths = st.floats(min_value=-5, max_value=50, allow_nan=False)


def written(value: object) -> str:
    """A result as text: Decimals by their digits and exponent, ladders level by level."""
    return repr(value)


def same_value_written_otherwise(value: D) -> D:
    """``value`` with trailing zeros added: equal, hashed alike, printed differently."""
    return value.quantize(D(1).scaleb(value.as_tuple().exponent - 2))  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(prices, st.integers(0, 5))
def test_neighbouring_prices_do_not_depend_on_what_was_remembered(px, sz_decimals):
    next_below.cache_clear()
    next_above.cache_clear()
    first_below, first_above = next_below(px, sz_decimals), next_above(px, sz_decimals)
    other = same_value_written_otherwise(px)
    assert written(next_below(other, sz_decimals)) == written(first_below)
    assert written(next_below.__wrapped__(other, sz_decimals)) == written(first_below)
    assert written(next_above.__wrapped__(other, sz_decimals)) == written(first_above)


@given(st.floats(allow_nan=False))
def test_a_float_is_the_decimal_it_prints_as(value):
    assert written(_exact(value)) == written(D(repr(value)))
    assert written(_exact(-value)) == written(D(repr(-value)))


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=D("100"), max_value=D("60000"), places=2),
    depths,
    depths,
    st.integers(1, 5),
    st.decimals(min_value=D("-0.05"), max_value=D("0.05"), places=5),
    st.booleans(),
)
def test_a_remembered_ladder_is_the_ladder_computed_again(fair, bid, ask, levels, szi, reduce):
    spec = MarketSpec(coin="BTC", sz_decimals=5, max_leverage=40)
    top = TopOfBook(fair - 1, D(1), fair + 1, D(1))
    shape = LadderShape(levels, 1.5, 150.0, 1000.0, reduce_only=reduce)
    build_ladder.cache_clear()
    first = build_ladder(fair, top, spec, bid, ask, shape, szi)
    again = (same_value_written_otherwise(fair), top, spec, bid, ask, shape, szi)
    assert written(build_ladder(*again)) == written(first)
    assert written(build_ladder.__wrapped__(*again)) == written(first)
