"""The planner's memos (settled sides, level shapes) never change what it plans."""

import copy

from hypothesis import given, settings

from amm.services.execution import planner
from tests.unit.services.execution.execution_helpers import COIN, SPEC
from tests.unit.services.execution.test_execution_properties import TOL, Driver, rounds


def forget() -> None:
    planner._SETTLED.clear()
    planner._level_shape.cache_clear()


class Compared(Driver):
    """Before each step, plans once from what the planner remembers and once from nothing."""

    def step(self) -> None:
        plans = []
        for remembered in (True, False):
            if not remembered:
                forget()
            cloids = copy.deepcopy(self.cloids)
            live = self.book.live(COIN)
            plans.append(planner.plan(COIN, self.desired, live, SPEC, TOL, cloids.next))
        assert repr(plans[0]) == repr(plans[1])
        super().step()


@settings(max_examples=200, deadline=None)
@given(rounds)
def test_plans_are_the_same_with_or_without_the_memos(script):
    driver = Compared()
    for one_round in (*script, (("keep",), [])):
        driver.round(*one_round)


def test_a_settled_side_is_remembered_and_planned_from_memory():
    forget()
    driver = Driver()
    driver.ladder(3, 3, 0, "0.5")
    driver.step()
    while driver.outstanding:
        driver.answer(0, 0)
    first = planner.plan(
        COIN, driver.desired, driver.book.live(COIN), SPEC, TOL, driver.cloids.next
    )
    assert first.is_empty and len(planner._SETTLED) == 2  # both sides
    again = planner.plan(
        COIN, driver.desired, driver.book.live(COIN), SPEC, TOL, driver.cloids.next
    )
    assert again == first
