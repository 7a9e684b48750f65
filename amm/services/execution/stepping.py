"""When execution steps: at once when risk's word changes, and on a timer.

A step waiting for a timer is latency: risk's new ladder would wait up to a whole interval to be
sent. So the step loop sleeps until one of these is due, whichever comes first:

- *news*: a decision that changes what may be quoted (a new ladder, verdict, state or
  rebalance) or a gate that opens or closes (risk halted, resumed, heard again): at once;
- *the timer*: ``interval_s`` after the last step, for what changes with time alone (ages close
  the gates, unanswered requests are looked up) and for what the exchange changed of our orders
  (a cancel, a rejection, an answer): planned again within one interval, as before.

News coalesces: whatever arrives while a step (and its sends) is in flight makes exactly one
more step right after it, however much there was. A fill is not news by itself: risk answers
each of our fills with a decision at once, and stepping on the fill as well sent most refreshes
twice (two-minute paper sessions with fills: 134 actions a minute, against 91-94 with the old
100 ms loop and 95-97 with this). What we send cannot make news, so no answer of the exchange can
make the loop send faster than risk changes its mind.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable


class StepPacer:
    """Decides when the next step is due and sleeps until then (one step loop per pacer)."""

    def __init__(self, interval_s: float, clock: Callable[[], float]) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._wake = asyncio.Event()
        self._news = False
        self._last_step = -math.inf

    def news(self) -> None:
        """Risk said something that changes what may be quoted: step at once."""
        self._news = True
        self._wake.set()

    def due(self, now: float) -> float:
        """When the next step is due (the clock's time; `now` or earlier means at once)."""
        return now if self._news else self._last_step + self.interval_s

    async def next_step(self) -> None:
        """Return when the next step is due; the news that triggered it is consumed."""
        while True:
            now = self._clock()
            wait = self.due(now) - now
            if wait <= 0:
                break
            self._wake.clear()
            try:
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            except TimeoutError:
                pass
        self._news = False
        self._last_step = now
