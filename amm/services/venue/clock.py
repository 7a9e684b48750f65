"""The venue's simulated clock: wall-clock epoch milliseconds, optionally running faster.

At speed 1 it is the wall clock (Hyperliquid's timestamps are wall-clock ms); at speed N one wall
second is N simulated seconds, so tests can see an hour of funding or a scheduleCancel in moments.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class VenueClock:
    def __init__(
        self,
        speed: float,
        *,
        wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        monotonic_s: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self._monotonic_s = monotonic_s
        self._start_ms = wall_ms()
        self._start_s = monotonic_s()

    def now_ms(self) -> int:
        """Never goes backwards, even if the wall clock is stepped."""
        elapsed_s = self._monotonic_s() - self._start_s
        return self._start_ms + int(elapsed_s * self.speed * 1000)

    def wall_seconds(self, simulated_ms: float) -> float:
        """How long to wait in wall seconds for `simulated_ms` to pass."""
        return simulated_ms / 1000 / self.speed
