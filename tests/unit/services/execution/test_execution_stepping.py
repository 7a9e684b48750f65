import asyncio

from amm.services.execution.stepping import StepPacer

INTERVAL = 0.1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stepped(clock: Clock) -> StepPacer:
    """A pacer whose last step ran at the clock's time."""
    pacer = StepPacer(INTERVAL, clock)
    asyncio.run(pacer.next_step())
    return pacer


def test_the_first_step_is_due_at_once():
    clock = Clock()
    assert StepPacer(INTERVAL, clock).due(clock.now) <= clock.now


def test_without_news_the_next_step_is_due_one_interval_after_the_last():
    clock = Clock()
    pacer = stepped(clock)
    clock.now += 0.03
    assert pacer.due(clock.now) == 1000.0 + INTERVAL


def test_news_from_risk_is_stepped_on_at_once_even_right_after_a_step():
    clock = Clock()
    pacer = stepped(clock)
    clock.now += 0.001
    pacer.news()
    assert pacer.due(clock.now) == clock.now


def test_news_that_arrives_during_a_step_makes_exactly_one_more_step():
    async def run() -> list[float]:
        loop = asyncio.get_running_loop()
        pacer = StepPacer(0.2, loop.time)
        steps: list[float] = []
        start = loop.time()
        for _ in range(3):
            await pacer.next_step()
            steps.append(loop.time() - start)
            if len(steps) == 1:
                for _ in range(5):  # a burst of news while the first step is in flight
                    pacer.news()
                await asyncio.sleep(0.02)
        return steps

    first, second, third = asyncio.run(run())
    assert second - first < 0.1  # the burst: one step right after the first
    assert third - second >= 0.19  # and then the timer, not four more steps


def test_news_wakes_a_sleeping_step_loop():
    async def run() -> float:
        loop = asyncio.get_running_loop()
        pacer = StepPacer(5.0, loop.time)
        await pacer.next_step()
        loop.call_later(0.02, pacer.news)
        start = loop.time()
        await pacer.next_step()
        return loop.time() - start

    assert asyncio.run(run()) < 1.0
