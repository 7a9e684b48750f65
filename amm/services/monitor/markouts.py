"""The mids around each fill: a tape of recent mids per coin, and the fills still waiting on it.

Everything is in exchange time: a fill's ``time_ms`` against ``md.bbo``'s ``exch_time_ms``, so
the delays of the bus and of execution do not bias a markout. A mark is decided only once the
tape has moved past it (so no later top of book can still belong before it):

* ``mid`` (before the fill at t): once a top at or after t has arrived; the last mid before t;
* horizon h: once a top after t + h has arrived; the last mid at or before t + h.

A mark is None (known to be unknown) when the tape has no mid at or before that time, or only
one older than ``max_age_ms`` (the monitor was not listening: it started later, or the feed was
down). Without the mid before a fill, its markouts are None too.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

from amm.services.monitor.metrics import HORIZONS_MS, MID, FillRecord


@dataclass(slots=True)
class MidTape:
    """Recent mids of one coin by exchange time; older ones than ``retention_ms`` are dropped."""

    max_age_ms: int
    retention_ms: int
    times: list[int] = field(default_factory=list)
    mids: list[Decimal] = field(default_factory=list)

    @property
    def last_time(self) -> int | None:
        """Exchange time of the newest mid."""
        return self.times[-1] if self.times else None

    def add(self, time_ms: int, mid: Decimal) -> bool:
        """Record a mid; False (ignored) if it is older than the newest one."""
        if self.times and time_ms < self.times[-1]:
            return False
        self.times.append(time_ms)
        self.mids.append(mid)
        self._trim()
        return True

    def before(self, time_ms: int) -> Decimal | None:
        """The last mid strictly before ``time_ms``, if recent enough."""
        return self._pick(bisect_left(self.times, time_ms) - 1, time_ms)

    def at(self, time_ms: int) -> Decimal | None:
        """The last mid at or before ``time_ms``, if recent enough."""
        return self._pick(bisect_right(self.times, time_ms) - 1, time_ms)

    def _pick(self, index: int, time_ms: int) -> Decimal | None:
        if index < 0 or time_ms - self.times[index] > self.max_age_ms:
            return None
        return self.mids[index]

    def _trim(self) -> None:
        """Drop what is older than the retention, keeping the last mid before the cutoff."""
        cutoff = bisect_left(self.times, self.times[-1] - self.retention_ms) - 1
        if cutoff > len(self.times) // 2:  # in batches: one slice per half tape
            del self.times[:cutoff]
            del self.mids[:cutoff]


def resolve(record: FillRecord, tape: MidTape) -> bool:
    """Decide whichever of the record's marks the tape now can; True if one was decided."""
    last = tape.last_time
    if last is None:
        return False
    time_ms, marks, changed = record.fill.time_ms, record.marks, False
    if MID not in marks and last >= time_ms:
        marks[MID] = tape.before(time_ms)
        changed = True
    if MID not in marks:
        return changed
    for horizon, offset_ms in HORIZONS_MS.items():
        if horizon in marks:
            continue
        if marks[MID] is None:
            marks[horizon] = None
        elif last > time_ms + offset_ms:
            marks[horizon] = tape.at(time_ms + offset_ms)
        else:
            continue
        changed = True
    return changed


@dataclass(slots=True)
class Markouts:
    """Each coin's tape and the records still missing a mark."""

    max_age_ms: int
    retention_ms: int
    tapes: dict[str, MidTape] = field(default_factory=dict)
    pending: dict[str, list[FillRecord]] = field(default_factory=dict)

    def tape(self, coin: str) -> MidTape:
        """The coin's tape (an empty one at first)."""
        tape = self.tapes.get(coin)
        if tape is None:
            tape = self.tapes[coin] = MidTape(self.max_age_ms, self.retention_ms)
        return tape

    def track(self, record: FillRecord) -> bool:
        """Follow a new (or restored) record; True if a mark was decided at once."""
        if record.complete:
            return False
        changed = resolve(record, self.tape(record.fill.coin))
        if not record.complete:
            self.pending.setdefault(record.fill.coin, []).append(record)
        return changed

    def on_mid(self, coin: str, time_ms: int, mid: Decimal) -> list[FillRecord]:
        """A new mid of ``coin``: the records that got a mark decided by it."""
        if not self.tape(coin).add(time_ms, mid):
            return []
        return self._settle(coin)

    def clear(self) -> None:
        """Forget every pending record (the records are being rebuilt); the tapes stay."""
        self.pending.clear()

    def _settle(self, coin: str) -> list[FillRecord]:
        waiting = self.pending.get(coin)
        if not waiting:
            return []
        tape = self.tapes[coin]
        changed = [record for record in waiting if resolve(record, tape)]
        self.pending[coin] = [record for record in waiting if not record.complete]
        return changed
