"""Latency models: how long a message takes on one hop, drawn from a seeded stream.

A model is written as a short spec, so it fits a config value and a sweep's ``--set``:

- ``constant:MS``: always MS milliseconds (draws nothing from the stream);
- ``uniform:LO:HI``: uniform between LO and HI milliseconds;
- ``lognormal:MEDIAN:SIGMA``: MEDIAN x exp(SIGMA x N(0, 1)) milliseconds, the usual shape of
  network delays (a floor near the median and a long right tail).

A ``Link`` is one direction of one connection (a websocket, an HTTP request, a ZeroMQ socket):
each message gets its own delay, but it never overtakes an earlier one, as on TCP.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from amm.backtest.scheduler import Scheduler

_NS_PER_MS = 1_000_000


class LatencyModel(Protocol):
    """One hop's delay."""

    def sample_ns(self, rng: random.Random) -> int:
        """The next delay in nanoseconds (>= 0)."""
        ...


@dataclass(frozen=True, slots=True)
class Constant:
    """Always the same delay; draws nothing, so it never shifts another stream."""

    ms: float

    def sample_ns(self, rng: random.Random) -> int:
        return round(self.ms * _NS_PER_MS)


@dataclass(frozen=True, slots=True)
class Uniform:
    """Uniform between ``low_ms`` and ``high_ms``."""

    low_ms: float
    high_ms: float

    def sample_ns(self, rng: random.Random) -> int:
        return round(rng.uniform(self.low_ms, self.high_ms) * _NS_PER_MS)


@dataclass(frozen=True, slots=True)
class LogNormal:
    """``median_ms`` x exp(``sigma`` x N(0, 1)): half the delays are below the median."""

    median_ms: float
    sigma: float

    def sample_ns(self, rng: random.Random) -> int:
        return round(self.median_ms * math.exp(self.sigma * rng.gauss()) * _NS_PER_MS)


def parse_latency(spec: str) -> LatencyModel:
    """The model a spec names; ValueError says what is wrong with it."""
    kind, _, rest = spec.partition(":")
    try:
        numbers = [float(part) for part in rest.split(":")] if rest else []
    except ValueError:
        raise ValueError(f"latency {spec!r}: the numbers after the kind must be numbers") from None
    if any(not math.isfinite(n) or n < 0 for n in numbers):
        raise ValueError(f"latency {spec!r}: numbers must be finite and >= 0")
    if kind == "constant" and len(numbers) == 1:
        return Constant(numbers[0])
    if kind == "uniform" and len(numbers) == 2 and numbers[0] <= numbers[1]:
        return Uniform(numbers[0], numbers[1])
    if kind == "lognormal" and len(numbers) == 2:
        return LogNormal(numbers[0], numbers[1])
    raise ValueError(
        f"latency {spec!r}: expected constant:MS, uniform:LO:HI (LO <= HI) "
        "or lognormal:MEDIAN:SIGMA (milliseconds)"
    )


class Link:
    """One direction of one connection: delayed by the model, delivered in the order sent."""

    def __init__(self, scheduler: Scheduler, model: LatencyModel, rng: random.Random) -> None:
        self._scheduler = scheduler
        self._model = model
        self._rng = rng
        self._last_ns = 0

    def send(self, deliver: Callable[[], None]) -> int:
        """Run ``deliver`` when the message arrives; returns the arrival time."""
        arrival = self._scheduler.now_ns + self._model.sample_ns(self._rng)
        arrival = max(arrival, self._last_ns)
        self._last_ns = arrival
        self._scheduler.at(arrival, deliver)
        return arrival
