"""sigma: an exponentially weighted estimate of the mid's variance per second, in bps.

Each sample is a log return r (bps) over dt seconds, taken at most every `sample_interval_s`
(shorter returns are mostly bid-ask bounce). r^2/dt estimates the variance per second whatever
dt was, and its weight 1 - 2^(-dt/halflife) depends on time, not on the number of updates, so a
busy feed does not shorten the memory. The estimate starts at the configured prior and is kept
within [min, max].
"""

from __future__ import annotations

import math

from amm.services.quoter.settings import VolatilitySettings

_NS = 1_000_000_000
_BPS = 10_000.0


class EwmaVolatility:
    """The sigma of one market's mid, fed with every mid seen (time is an argument)."""

    def __init__(self, settings: VolatilitySettings) -> None:
        self.settings = settings
        self.variance = settings.initial_bps_per_sqrt_s**2
        self.samples = 0
        self._last_mid: float | None = None
        self._last_ns = 0

    def on_mid(self, mid: float, now_ns: int) -> None:
        """Take a sample if at least `sample_interval_s` passed since the last one."""
        if not math.isfinite(mid) or mid <= 0:
            return
        if self._last_mid is None:
            self._last_mid, self._last_ns = mid, now_ns
            return
        dt = (now_ns - self._last_ns) / _NS
        if dt < self.settings.sample_interval_s:
            return
        r = math.log(mid / self._last_mid) * _BPS
        weight = 1.0 - 2.0 ** (-dt / self.settings.halflife_s)
        self.variance += weight * (r * r / dt - self.variance)
        self.samples += 1
        self._last_mid, self._last_ns = mid, now_ns

    @property
    def bps_per_sqrt_s(self) -> float:
        """sigma in bps per sqrt(s), within the configured bounds."""
        low, high = self.settings.min_bps_per_sqrt_s, self.settings.max_bps_per_sqrt_s
        return min(max(math.sqrt(self.variance), low), high)
