"""The backtest's clock: actions run in time order, ties in the order they were scheduled.

Everything in a backtest happens through this queue, so one run is one deterministic sequence
of calls into the pure cores; nothing reads a real clock.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

Action = Callable[[], None]


class Scheduler:
    """A discrete-event loop over integer nanoseconds."""

    def __init__(self, start_ns: int) -> None:
        self.now_ns = start_ns
        self.events = 0
        self._queue: list[tuple[int, int, Action]] = []
        self._order = itertools.count()

    def at(self, time_ns: int, action: Action) -> None:
        """Run ``action`` at ``time_ns`` (now, if that is in the past)."""
        heapq.heappush(self._queue, (max(time_ns, self.now_ns), next(self._order), action))

    def after(self, delay_ns: int, action: Action) -> None:
        """Run ``action`` ``delay_ns`` from now."""
        self.at(self.now_ns + delay_ns, action)

    def every(self, period_ns: int, action: Action, *, first_ns: int | None = None) -> None:
        """Run ``action`` every ``period_ns``, the first time at ``first_ns`` (default: now)."""

        def tick() -> None:
            action()
            self.after(period_ns, tick)

        self.at(self.now_ns if first_ns is None else first_ns, tick)

    def run_until(self, end_ns: int) -> None:
        """Run every action due at or before ``end_ns``; the clock then stands at ``end_ns``."""
        queue = self._queue
        while queue and queue[0][0] <= end_ns:
            self.now_ns, _, action = heapq.heappop(queue)
            action()
            self.events += 1
        self.now_ns = max(self.now_ns, end_ns)
