"""What a backtest runs on, from the `--data SOURCE` text.

- ``synthetic`` or ``synthetic:SECONDS``: the venue's synthetic model, seeded with the run's
  seed, for ``[backtest] duration_s`` (or SECONDS) from ``[backtest] synthetic_start_ms``.
- An ``l2Book`` archive file (LZ4, as in ``../shared/data/hyperliquid``): the recorded books of
  the coin the file names, replayed as the venue's replay model does. ``--from``/``--to`` cut a
  slice: ``HH:MM`` or ``HH:MM:SS`` (UTC, on the day of the file's first snapshot) or epoch
  milliseconds; ``--to`` is exclusive.
- An ``amm record`` file: the recorded bus, replayed into the cores (decisions only, no fills).
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from pathlib import Path

import lz4.frame
import msgspec

from amm.common.sim.market.snapshots import BookSnapshot, read_snapshots
from amm.tools.record import is_recording

SYNTHETIC = "synthetic"
_LZ4_MAGIC = b"\x04\x22\x4d\x18"
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class SyntheticSource:
    """The synthetic market for ``duration_s`` (None: the settings' duration)."""

    duration_s: float | None = None

    def describe(self) -> str:
        return SYNTHETIC if self.duration_s is None else f"{SYNTHETIC}:{self.duration_s:g}"


@dataclass(frozen=True, slots=True)
class ReplaySource:
    """Recorded books of ``coin`` with ``start_ms <= time < end_ms`` (None: no bound)."""

    path: Path
    coin: str
    start_ms: int | None = None
    end_ms: int | None = None

    def describe(self) -> str:
        start = "" if self.start_ms is None else str(self.start_ms)
        end = "" if self.end_ms is None else str(self.end_ms)
        return f"{self.path.name}@{start}:{end}" if start or end else self.path.name

    def snapshots(self, sz_decimals: int) -> list[BookSnapshot]:
        """The slice, in the market's grid; ValueError if it is empty."""
        found = list(read_snapshots(self.path, sz_decimals, self.start_ms, self.end_ms))
        if not found:
            raise ValueError(f"{self.describe()}: no snapshots in that slice")
        return found


@dataclass(frozen=True, slots=True)
class RecordingSource:
    """A bus recording (``amm record``)."""

    path: Path

    def describe(self) -> str:
        return self.path.name


Source = SyntheticSource | ReplaySource | RecordingSource


def parse_source(text: str, *, start: str | None = None, end: str | None = None) -> Source:
    """The source ``--data`` names (ValueError says why it cannot be used)."""
    if text == SYNTHETIC or text.startswith(SYNTHETIC + ":"):
        if start is not None or end is not None:
            raise ValueError("--from/--to cut a replay file; give synthetic:SECONDS instead")
        rest = text[len(SYNTHETIC) + 1 :]
        try:
            duration = float(rest) if rest else None
        except ValueError:
            raise ValueError(f"{text!r}: expected synthetic:SECONDS") from None
        if duration is not None and not duration > 0:
            raise ValueError(f"{text!r}: the duration must be > 0 seconds")
        return SyntheticSource(duration)
    path = Path(text)
    if not path.is_file():
        raise ValueError(f"{text}: no such file (or `synthetic`)")
    with open(path, "rb") as file:
        magic = file.read(4)
    if magic == _LZ4_MAGIC:
        coin, first_ms = archive_head(path)
        return ReplaySource(path, coin, _when(start, first_ms), _when(end, first_ms))
    if is_recording(path):
        if start is not None or end is not None:
            raise ValueError("--from/--to cut a replay file, not a bus recording")
        return RecordingSource(path)
    raise ValueError(f"{text}: neither an l2Book archive file (LZ4) nor an amm bus recording")


class _Data(msgspec.Struct):
    coin: str
    time: int


class _Raw(msgspec.Struct):
    data: _Data


class _Line(msgspec.Struct):
    raw: _Raw


def archive_head(path: Path) -> tuple[str, int]:
    """The coin and the time (ms) of an archive file's first snapshot."""
    with lz4.frame.open(path, "rb") as lines:
        for line in lines:
            if line.strip():
                data = msgspec.json.decode(line, type=_Line).raw.data
                return data.coin, data.time
    raise ValueError(f"{path}: an empty archive file")


def _when(text: str | None, first_ms: int) -> int | None:
    """``HH:MM[:SS]`` on the first snapshot's UTC day, or epoch ms, as epoch ms."""
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    clock = _CLOCK.match(text)
    if clock is None:
        raise ValueError(f"{text!r}: expected HH:MM, HH:MM:SS (UTC) or epoch milliseconds")
    hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{text!r}: not a time of day")
    day = time.gmtime(first_ms / 1000)
    midnight_s = calendar.timegm((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0))
    return midnight_s * 1000 + ((hours * 60 + minutes) * 60 + seconds) * 1000
