"""`amm bench memory`: each program's resident memory over a paper session (the analysis, pure).

Samples are ``(seconds since the session started, {program: RSS in MB})``. Minute 1 is the first
sample at or after 60 s (or after half the session, if it is shorter), so start-up allocations
are not counted as growth; growth is the last sample minus that one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from amm.bench.report import BenchResult, Check

TARGET_RSS_MB = 150.0
TARGET_GROWTH_MB = 5.0  # "no growth", with room for allocator noise
Sample = tuple[float, Mapping[str, float]]


def rss_mb(pid: int) -> float | None:
    """A process's resident set in MB (VmRSS), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def analyse(samples: Sequence[Sample], duration_s: float) -> dict[str, Any]:
    """Per program: RSS at minute 1, at the end, its peak, the growth and the samples."""
    if not samples:
        return {}
    settle_s = min(60.0, duration_s / 2)
    baseline = next((s for s in samples if s[0] >= settle_s), samples[-1])
    last = samples[-1]
    programs = sorted({name for _, rss in samples for name in rss})
    out: dict[str, Any] = {}
    for name in programs:
        series = [(round(t), round(rss[name], 1)) for t, rss in samples if name in rss]
        start, end = baseline[1].get(name), last[1].get(name)
        out[name] = {
            "minute_1_mb": None if start is None else round(start, 1),
            "end_mb": None if end is None else round(end, 1),
            "peak_mb": max(value for _, value in series),
            "growth_mb": None if start is None or end is None else round(end - start, 1),
            "samples": series,
        }
    return out


def memory_result(
    samples: Sequence[Sample], duration_s: float, conditions: dict[str, Any]
) -> BenchResult:
    figures = analyse(samples, duration_s)
    lines = [
        f"  {name}: {f['minute_1_mb']} MB at minute 1, {f['end_mb']} MB at the end"
        f" (peak {f['peak_mb']}, growth {f['growth_mb']:+} MB)"
        if f["growth_mb"] is not None
        else f"  {name}: gone before the end"
        for name, f in figures.items()
    ]
    checks = []
    for name, f in figures.items():
        checks.append(Check(f"memory.{name}_peak_mb", f["peak_mb"], "<=", TARGET_RSS_MB, "MB"))
        checks.append(
            Check(f"memory.{name}_growth_mb", f["growth_mb"], "<=", TARGET_GROWTH_MB, "MB")
        )
    return BenchResult("memory", figures, conditions, checks, lines)
