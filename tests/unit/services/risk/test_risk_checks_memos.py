"""The ladder checks' memos (valid terms, largest size) never change a checked ladder, not even
how a number is written, whichever equal value was remembered first."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.messages import QuoteLevel
from amm.services.risk import checks
from amm.services.risk.checks import LadderContext, check_ladder
from amm.services.risk.limits import Cap
from amm.services.risk.settings import RiskSettings
from tests.unit.services.risk.risk_helpers import SPEC

terms = st.tuples(
    st.integers(59_000, 61_000).map(lambda k: D(k) / 10),  # on and off the 0.1 grid of 6000
    st.integers(1, 3000).map(lambda k: D(k) / 10_000),  # on and off the 0.01 lot grid
    st.integers(0, 3),  # trailing zeros to write it with
)


def level(px: D, sz: D, zeros: int) -> QuoteLevel:
    return QuoteLevel(px.quantize(D(1).scaleb(-1 - zeros)), sz.quantize(D(1).scaleb(-4 - zeros)))


def forget() -> None:
    checks._valid_terms.cache_clear()
    checks._largest_size.cache_clear()


@settings(max_examples=300, deadline=None)
@given(st.lists(terms, max_size=6), st.lists(terms, max_size=6), st.integers(10, 500))
def test_a_ladder_checked_from_memory_is_the_ladder_checked_afresh(bids, asks, max_order):
    risk = RiskSettings(max_order_usd=D(max_order), max_levels_per_side=6)
    ctx = LadderContext(D(6000), SPEC, D(0), Cap(D(1), D(6000), "MAX_POSITION"), False, None, None)
    remembered = check_ladder([level(*t) for t in bids], [level(*t) for t in asks], ctx, risk)
    again = check_ladder([level(*t) for t in bids], [level(*t) for t in asks], ctx, risk)
    forget()
    afresh = check_ladder([level(*t) for t in bids], [level(*t) for t in asks], ctx, risk)
    assert repr(again) == repr(afresh) == repr(remembered)
