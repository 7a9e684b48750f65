"""Sampling profiles of the running actors (py-spy), summarized as their top costs.

``profiling`` attaches ``py-spy record`` to the hot-path programs for the measured span, without
pausing them (``--nonblocking``), writing collapsed stacks (``--format raw``); idle samples are
left out by py-spy, so every sample is CPU time. ``top_costs`` (pure) turns a collapsed-stack
file into the functions with the most samples: on their own (self) and with what they call
(inclusive). py-spy is optional: without it, or without ``--profile``, nothing is attached.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOT_PATH = ("marketdata", "quoter", "risk", "execution", "venue")
RATE_HZ = 200
TOP = 12


def py_spy() -> str | None:
    """The py-spy next to this interpreter, else one on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


@dataclass(frozen=True)
class Profile:
    """Where the profiles went and which programs have one."""

    folder: Path | None
    programs: list[str]

    def summary(self) -> dict[str, Any]:
        """Per profiled program: samples and the top self and inclusive costs."""
        out: dict[str, Any] = {}
        for name in self.programs:
            assert self.folder is not None
            with contextlib.suppress(OSError):
                out[name] = top_costs((self.folder / f"{name}.txt").read_text().splitlines())
        return out


@contextlib.contextmanager
def profiling(folder: Path | None, pids: Mapping[str, int], seconds: float) -> Iterator[Profile]:
    """Profile the hot-path programs among ``pids`` for ``seconds`` into ``folder`` (None: off).

    Leaving the block waits for py-spy to write its files, or kills it on an exception.
    """
    spy = py_spy()
    running: dict[str, subprocess.Popen[bytes]] = {}
    if folder is not None and spy is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in HOT_PATH:
            if pids.get(name):
                running[name] = subprocess.Popen(
                    [
                        *(spy, "record", "--pid", str(pids[name]), "--rate", str(RATE_HZ)),
                        *("--duration", str(max(1, round(seconds))), "--format", "raw"),
                        *("--nonblocking", "--output", str(folder / f"{name}.txt")),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
    failed = True
    try:
        yield Profile(folder, sorted(running))
        failed = False
    finally:
        for process in running.values():
            try:
                process.wait(timeout=0.1 if failed else 30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def top_costs(lines: Iterable[str], top: int = TOP) -> dict[str, Any]:
    """Collapsed stacks (``frame;frame;... count``) to the top self and inclusive frames, as
    shares of all samples."""
    self_samples: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(frame) for frame in stack.split(";")]
        total += count
        self_samples[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return {
        "samples": total,
        "self": _shares(self_samples, total, top),
        "inclusive": _shares(inclusive, total, top),
    }


def _short(frame: str) -> str:
    """``function (path/to/module.py:line)`` as ``function (module.py)``: lines split a function."""
    name, _, where = frame.partition(" (")
    location = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(location).parts
    short = "/".join(parts[-2:]) if parts else location
    return f"{name} ({short})" if where else name


def _shares(counter: Counter[str], total: int, top: int) -> list[list[Any]]:
    return (
        [[frame, round(100 * n / total, 1)] for frame, n in counter.most_common(top)]
        if total
        else []
    )
