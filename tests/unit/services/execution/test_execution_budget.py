from decimal import Decimal as D

import pytest

from amm.services.execution.actions import Cancel, Modify, NewOrder, Plan
from amm.services.execution.budget import (
    WINDOW_NS,
    Budget,
    BudgetConfig,
    cancel_cap,
    exchange_weight,
    info_weight,
)
from tests.unit.services.execution.execution_helpers import COIN, T0, cloid


def cancels(n: int) -> tuple[Cancel, ...]:
    return tuple(Cancel(cloid(i), COIN) for i in range(1, n + 1))


def places(n: int, start: int = 1000) -> tuple[NewOrder, ...]:
    return tuple(NewOrder(cloid(start + i), COIN, "B", D(5000 - i), D(1), "Alo") for i in range(n))


def modifies(n: int, start: int = 2000) -> tuple[Modify, ...]:
    return tuple(Modify(cloid(start + i), COIN, "B", D(5000 - i), D(1), "Alo") for i in range(n))


@pytest.mark.parametrize(("n", "weight"), [(1, 1), (39, 1), (40, 2), (79, 2), (80, 3)])
def test_an_action_weighs_one_plus_one_per_forty_in_the_batch(n, weight):
    assert exchange_weight(n) == weight


@pytest.mark.parametrize(
    ("kind", "items", "weight"),
    [
        ("l2Book", 0, 2),
        ("orderStatus", 0, 2),
        ("clearinghouseState", 0, 2),
        ("userRole", 0, 60),
        ("openOrders", 0, 20),
        ("userRateLimit", 0, 20),
        ("userFillsByTime", 0, 20),
        ("userFillsByTime", 20, 21),
        ("userFillsByTime", 21, 22),
        ("candleSnapshot", 61, 22),
    ],
)
def test_info_weights_follow_hyperliquids_table(kind, items, weight):
    assert info_weight(kind, items) == weight


def test_cancels_may_go_past_the_cap():
    assert cancel_cap(10_000) == 20_000
    assert cancel_cap(500_000) == 600_000


def test_the_ip_window_slides_over_sixty_seconds():
    budget = Budget()
    budget.spend(100, T0)
    budget.spend(50, T0 + WINDOW_NS // 2)
    assert budget.ip_used(T0 + WINDOW_NS - 1) == 150
    assert budget.ip_used(T0 + WINDOW_NS) == 50
    assert budget.ip_used(T0 + WINDOW_NS + WINDOW_NS // 2) == 0


def test_a_plan_that_fits_is_admitted_whole_and_spent():
    budget = Budget()
    plan = Plan(COIN, cancels=cancels(2), modifies=modifies(3), places=places(45))
    [admitted] = budget.admit([plan], T0)
    assert admitted == plan
    assert budget.ip_used(T0) == 1 + 1 + 2


def test_when_the_ip_window_is_tight_cancels_go_first():
    budget = Budget(BudgetConfig(cancel_reserve=100))
    budget.spend(1099, T0)  # one unit left for quoting, 101 for cancels
    plan = Plan(COIN, cancels=cancels(3), modifies=modifies(1), places=places(1))
    [admitted] = budget.admit([plan], T0)
    assert admitted.cancels == plan.cancels
    assert admitted.modifies == () and admitted.places == ()


def test_cancels_of_every_market_go_before_anything_else():
    budget = Budget(BudgetConfig(cancel_reserve=0))
    budget.spend(1198, T0)
    first = Plan(COIN, places=places(1))
    second = Plan("BTC", cancels=(Cancel(cloid(1), "BTC"),))
    admitted = budget.admit([first, second], T0)
    assert admitted[1].cancels == second.cancels
    assert admitted[0].places == places(1)  # one unit was left after the cancel
    assert budget.admit([first], T0)[0].places == ()


def test_a_batch_that_does_not_fit_is_cut_to_what_fits():
    budget = Budget(BudgetConfig(cancel_reserve=0, address_reserve=0))
    budget.observe_rate_limit({"nRequestsUsed": 9_990, "nRequestsCap": 10_000})
    [admitted] = budget.admit([Plan(COIN, places=places(15))], T0)
    assert admitted.places == places(15)[:10]


def test_the_address_budget_keeps_room_for_cancels():
    budget = Budget(BudgetConfig(address_reserve=100))
    budget.observe_rate_limit({"nRequestsUsed": 9_900, "nRequestsCap": 10_000})
    plan = Plan(COIN, cancels=cancels(5), modifies=modifies(5), places=places(5))
    [admitted] = budget.admit([plan], T0)
    assert (len(admitted.cancels), admitted.modifies, admitted.places) == (5, (), ())
    assert budget.address_room(for_cancels=True) == 20_000 - 9_905


def test_a_rebalance_goes_after_cancels_and_before_quotes():
    budget = Budget(BudgetConfig(cancel_reserve=0))
    budget.spend(1198, T0)
    rebalance = NewOrder(cloid(5), COIN, "A", D(4990), D(1), "Ioc", True)
    plan = Plan(
        COIN, cancels=cancels(1), places=places(1), rebalance=rebalance, rebalance_decision_id=3
    )
    [admitted] = budget.admit([plan], T0)
    assert (admitted.cancels, admitted.rebalance, admitted.rebalance_decision_id) == (
        plan.cancels,
        rebalance,
        3,
    )
    assert admitted.places == ()


def test_an_unknown_address_budget_does_not_limit():
    budget = Budget()
    assert budget.address_room(for_cancels=False) is None
    [admitted] = budget.admit([Plan(COIN, places=places(30))], T0)
    assert len(admitted.places) == 30
