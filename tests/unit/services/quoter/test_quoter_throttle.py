"""The throttle: new ladders only when worth it, within the day's budget of actions."""

from decimal import Decimal as D

from amm.common.messages import QuoteLevel
from amm.services.quoter.fair import TopOfBook
from amm.services.quoter.ladder import EMPTY, Ladder
from amm.services.quoter.settings import ThrottleSettings
from amm.services.quoter.throttle import ActionBudget, Throttle, crosses, moved
from tests.unit.services.quoter.quoter_helpers import SECOND, T0

TOP = TopOfBook(D("5999.9"), D(5), D("6000.1"), D(5))
FAIR = D(6000)
SETTINGS = ThrottleSettings(min_move_bps=1.0, min_size_change=0.25, burst_actions=5)
DAY = 86_400 * SECOND


def ladder(bid: str = "5997", ask: str = "6003", sz: str = "0.02") -> Ladder:
    return Ladder((QuoteLevel(D(bid), D(sz)),), (QuoteLevel(D(ask), D(sz)),))


def throttle(burst: int = 5) -> Throttle:
    return Throttle(SETTINGS, ActionBudget(burst))


def admit(t: Throttle, new: Ladder, now: int, mode: str = "moderate", per_day: float = 1000.0):
    return t.admit(new, mode, FAIR, TOP, refresh_s=2.0, per_day=per_day, now_ns=now)


def test_first_ladder_then_only_changes_worth_an_action():
    t = throttle()
    assert admit(t, ladder(), T0) == "first"
    assert admit(t, ladder(), T0 + SECOND) is None  # the same ladder is never new
    assert admit(t, ladder(bid="5996.9"), T0 + SECOND) is None  # 0.17 bps: not enough, too soon
    assert admit(t, ladder(bid="5996.3"), T0 + SECOND) == "moved"  # 1.17 bps
    assert admit(t, ladder(bid="5996.2"), T0 + 2 * SECOND) is None
    assert admit(t, ladder(bid="5996.2"), T0 + 3 * SECOND) == "refresh"  # 2 s since the last
    assert admit(t, ladder(bid="5996.2", sz="0.03"), T0 + 3 * SECOND) == "moved"  # size +50%
    assert admit(t, ladder(bid="5996.2", sz="0.03"), T0 + 3 * SECOND, "aggressive") == "mode"


def test_empty_and_crossed_go_at_once_without_spending_the_budget():
    t = throttle(burst=1)
    assert admit(t, ladder(), T0) == "first"
    assert t.budget.tokens < 1
    assert admit(t, ladder(bid="5990"), T0) is None  # moved, but no budget left
    assert admit(t, EMPTY, T0) == "empty"
    assert admit(t, EMPTY, T0 + SECOND) is None
    t.sent = ladder(ask="5999.9")  # the market moved through our last ask
    assert admit(t, ladder(ask="6000.2"), T0 + SECOND) == "crossed"
    assert t.budget.spent == 1


def test_restoring_a_ladder_right_after_an_empty_one_is_free_too():
    t = throttle(burst=1)
    assert admit(t, ladder(), T0) == "first"
    assert t.budget.tokens < 1  # the budget is spent: a normal re-quote would wait for a token
    assert admit(t, EMPTY, T0 + SECOND // 20) == "empty"
    assert admit(t, ladder(), T0 + SECOND // 10) == "restore"  # at once, not after 86 s
    assert t.budget.spent == 1
    # only the ladder right after an empty one: the next change pays again
    assert admit(t, ladder(bid="5990"), T0 + SECOND // 5) is None


def test_a_side_appearing_or_disappearing_goes_at_once_without_spending_the_budget():
    t = throttle(burst=1)
    assert admit(t, ladder(), T0) == "first"
    asks_only = Ladder((), ladder().asks)  # REDUCING while long: asks only
    assert admit(t, asks_only, T0 + 1) == "reshaped"
    bids_only = Ladder(ladder().bids, ())  # the position crossed zero: now bids reduce it
    assert admit(t, bids_only, T0 + 2) == "reshaped"
    assert t.budget.spent == 1
    assert admit(t, Ladder((QuoteLevel(D("5990"), D("0.02")),), ()), T0 + 3) is None  # pays


def test_target_actions_per_day_bounds_the_new_ladders_over_a_day():
    per_day, burst = 1_000, 5
    t = throttle(burst)
    sent, now = 0, T0
    for i in range(86_400):  # a ladder that moves 10 bps every second, all day
        bid = "5990" if i % 2 else "5996"
        if admit(t, ladder(bid=bid), now, per_day=per_day) is not None:
            sent += 1
        now += SECOND
    assert per_day - 1 <= sent <= per_day + burst
    assert t.budget.spent == sent


def test_the_budget_is_spread_over_the_day():
    budget = ActionBudget(burst=2)
    assert budget.try_spend(86_400, T0) and budget.try_spend(86_400, T0)
    assert not budget.try_spend(86_400, T0)  # one a second at 86,400 a day
    assert not budget.try_spend(86_400, T0 + SECOND // 2)
    assert budget.try_spend(86_400, T0 + SECOND)
    budget.refill(86_400, T0 + 100 * SECOND)
    assert budget.tokens == 2.0  # never more than the burst


def test_moved_and_crosses():
    assert moved(ladder(), Ladder(), FAIR, SETTINGS)
    assert not moved(ladder(), ladder(bid="5996.5"), FAIR, SETTINGS)
    assert moved(ladder(), ladder(ask="6003.6"), FAIR, SETTINGS)
    assert crosses(ladder(bid="6000.1"), TOP) and crosses(ladder(ask="5999.9"), TOP)
    assert not crosses(ladder(bid="6000.0", ask="6000.0"), TOP)
