"""The backtest's clock: time order, ties in scheduling order, periodic timers."""

from __future__ import annotations

from amm.backtest.scheduler import Scheduler


def test_actions_run_in_time_order_and_ties_in_the_order_scheduled():
    scheduler = Scheduler(100)
    ran: list[tuple[str, int]] = []
    for name, at in (("c", 300), ("a", 200), ("b", 200), ("past", 50)):
        scheduler.at(at, lambda name=name: ran.append((name, scheduler.now_ns)))
    scheduler.run_until(1000)
    assert ran == [("past", 100), ("a", 200), ("b", 200), ("c", 300)]
    assert scheduler.now_ns == 1000
    assert scheduler.events == 4


def test_every_repeats_until_the_end_and_actions_can_schedule_more():
    scheduler = Scheduler(0)
    ticks: list[int] = []
    scheduler.every(10, lambda: ticks.append(scheduler.now_ns), first_ns=5)
    scheduler.at(12, lambda: scheduler.after(1, lambda: ticks.append(-scheduler.now_ns)))
    scheduler.run_until(40)
    assert ticks == [5, -13, 15, 25, 35]
