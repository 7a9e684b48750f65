"""What the monitor remembers over time: periodic samples and the last cycles' summaries.

A sample is taken every ``sample_interval_s`` per market: the mid, the position and the session
PnL at that moment. Samples serve the ``history`` reply (downsampled) and give the opening mark
of a rolling window (the mid at its start). The last ``CYCLES_KEPT`` cycle summaries are kept.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

import msgspec

from amm.common.messages import MonitorMode

CYCLES_KEPT = 50
T = TypeVar("T")


class Sample(msgspec.Struct, frozen=True, kw_only=True):
    """One market at one moment (monitor's wall clock, ms)."""

    time_ms: int
    mid: Decimal | None
    szi: Decimal
    pnl: Decimal  # session net PnL


class CycleSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One market's cycle, as the ``history`` reply lists it."""

    cycle: int
    time_ms: int
    fills: int  # fills of the market during the cycle
    cycle_pnl: Decimal
    session_pnl: Decimal
    spread_capture_bps: float | None  # over the cycle's fills
    mode: MonitorMode  # the mode in force after the cycle


def mid_at(samples: Sequence[Sample], time_ms: int) -> Decimal | None:
    """The sampled mid at ``time_ms``: the last one at or before it, else the first after it."""
    index = bisect_right(samples, time_ms, key=lambda sample: sample.time_ms)
    for sample in reversed(samples[max(0, index - 10) : index]):
        if sample.mid is not None:
            return sample.mid
    for sample in samples[index : index + 10]:
        if sample.mid is not None:
            return sample.mid
    return None


def downsample(points: Sequence[T], most: int) -> list[T]:
    """At most ``most`` (>= 2) points spread evenly, always keeping the first and the last."""
    if len(points) <= most:
        return list(points)
    last = len(points) - 1
    return [points[round(i * last / (most - 1))] for i in range(most)]
