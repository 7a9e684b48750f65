"""A and k of the arrival intensity lambda(delta) = A*exp(-k*delta), fitted to the public trades.

As in hftbacktest's GLFT example: each batch of trades (one exchange message) gives, per side,
its arrival depth, the farthest trade from the mid seen before it, in bps (buys above the mid,
sells below; trades on the wrong side of the mid are dropped). A quote resting at depth delta
would have been reached by every arrival deeper than delta, so lambda(delta) is the number of
arrivals deeper than delta per second and per side. A least-squares line through
(delta, ln lambda) at depths `bucket_bps` apart gives -k as its slope and ln A as its intercept.
"""

from __future__ import annotations

import bisect
import collections
import math
from dataclasses import dataclass

from amm.services.quoter.settings import IntensitySettings

_NS = 1_000_000_000
_BPS = 10_000.0


@dataclass(frozen=True, slots=True)
class Intensity:
    """A (per second, per side), k (per bps) and where they came from."""

    a_per_s: float
    k_per_bps: float
    source: str  # "configured" or "calibrated"


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and intercept of y = slope*x + intercept."""
    n = len(xs)
    sx, sy = sum(xs), sum(ys)
    sxx = sum(x * x for x in xs)
    sxy = sum(x * y for x, y in zip(xs, ys, strict=True))
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return slope, (sy - slope * sx) / n


class IntensityCalibrator:
    """Keeps the arrival depths of the last `window_s` and refits A and k every `interval_s`."""

    def __init__(self, settings: IntensitySettings) -> None:
        self.settings = settings
        self.configured = Intensity(settings.a_per_s, settings.k_per_bps, "configured")
        self.arrivals: collections.deque[tuple[int, float]] = collections.deque()
        self._first_ns: int | None = None
        self._fitted: Intensity | None = None
        self._fitted_ns: int | None = None

    def observe_from(self, now_ns: int) -> None:
        """Start the observed time span (lambda is arrivals per observed second) if not started."""
        if self._first_ns is None:
            self._first_ns = now_ns

    def on_trades(self, mid: float, trades: list[tuple[float, bool]], now_ns: int) -> None:
        """Record one batch of `(px, aggressor_is_buy)` trades against the mid before it."""
        self.observe_from(now_ns)
        if mid <= 0:
            return
        deepest = {True: 0.0, False: 0.0}
        for px, is_buy in trades:
            depth = (px - mid if is_buy else mid - px) / mid * _BPS
            deepest[is_buy] = max(deepest[is_buy], depth)
        for depth in deepest.values():
            if depth > 0:
                self.arrivals.append((now_ns, depth))

    def current(self, now_ns: int) -> Intensity:
        """The fitted A and k when there is enough data for a sane fit, else the configured."""
        if not self.settings.calibrate:
            return self.configured
        due = self._fitted_ns is None or now_ns - self._fitted_ns >= self.settings.interval_s * _NS
        if due:
            self._fitted, self._fitted_ns = self._fit(now_ns), now_ns
        return self._fitted or self.configured

    def _fit(self, now_ns: int) -> Intensity | None:
        settings = self.settings
        horizon = now_ns - int(settings.window_s * _NS)
        while self.arrivals and self.arrivals[0][0] < horizon:
            self.arrivals.popleft()
        if self._first_ns is None or len(self.arrivals) < settings.min_arrivals:
            return None
        span_s = min(settings.window_s, (now_ns - self._first_ns) / _NS)
        if span_s < settings.min_span_s:
            return None
        buckets = int(settings.max_depth_bps / settings.bucket_bps)
        xs, ys = [], []
        depths = sorted(depth for _, depth in self.arrivals)
        for i in range(buckets):
            delta = (i + 0.5) * settings.bucket_bps
            reached = len(depths) - bisect.bisect_right(depths, delta)
            if reached:
                xs.append(delta)
                ys.append(math.log(reached / (2 * span_s)))
        if len(xs) < 3:
            return None
        slope, intercept = fit_line(xs, ys)
        k, a = -slope, math.exp(intercept)
        if not (math.isfinite(k) and math.isfinite(a) and k > 0 and a > 0):
            return None
        return Intensity(a, k, "calibrated")
