"""Which of execution's fills risk has booked, in journal order, and when it must ask again.

Execution numbers its journaled fills 1, 2, 3, ... (``journal_seq``). Risk books them strictly
in that order, because average-cost PnL depends on it: a fill that arrives after a hole is held
back and a resync (``fills_since`` the last booked number) is asked for. Everything is held while
a snapshot or resync is due, and booked once the answer has been. A resync whose answer says the
journal ends before our number (a new journal) turns into a full snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from amm.common.messages import Fill, Position

SNAPSHOT = "snapshot"
RESYNC = "resync"
Need = Literal["snapshot", "resync"]


@dataclass(slots=True)
class FillSync:
    """Journal-order bookkeeping (see the module docstring); starts needing a snapshot."""

    last_seq: int = 0
    need: Need | None = SNAPSHOT
    _held: dict[int, Fill] = field(default_factory=dict)

    def ask(self, need: Need) -> None:
        """Ask for a resync or a snapshot (a snapshot covers a resync)."""
        if self.need != SNAPSHOT:
            self.need = need

    def on_fill(self, fill: Fill) -> list[Fill]:
        """A fill from the bus; the fills to book now, in order (none while one is due)."""
        if fill.journal_seq == 0:
            return [fill]
        if self.need is None and fill.journal_seq <= self.last_seq:
            return []
        self._held[fill.journal_seq] = fill
        return self._drain() if self.need is None else []

    def after_snapshot(self, fills: Sequence[Fill]) -> list[Fill]:
        """Every journaled fill, then the held ones that continue it: the whole history."""
        ordered = sorted(fills, key=lambda fill: fill.journal_seq)
        self.last_seq = ordered[-1].journal_seq if ordered else 0
        self.need = None
        return [*ordered, *self._drain()]

    def after_resync(self, fills: Iterable[Fill], last_seq: int) -> list[Fill] | None:
        """The fills to book after a resync answer; None if a snapshot is needed instead."""
        if last_seq < self.last_seq:
            self.need = SNAPSHOT
            return None
        for fill in fills:
            self._held[fill.journal_seq] = fill
        self.need = None
        return self._drain()

    def _drain(self) -> list[Fill]:
        """Held fills that continue ``last_seq``; a remaining hole asks for a resync."""
        for seq in [seq for seq in self._held if seq <= self.last_seq]:
            del self._held[seq]
        out: list[Fill] = []
        while self.last_seq + 1 in self._held:
            self.last_seq += 1
            out.append(self._held.pop(self.last_seq))
        if self._held:
            self.need = RESYNC
        return out


def decode_fills(items: Iterable[Any]) -> list[Fill]:
    """The ``fills`` of a ``fills_since`` answer as ``exec.fill`` bodies (validated)."""
    return [msgspec.convert(item, Fill) for item in items]


def decode_positions(data: Mapping[str, Any]) -> dict[str, Position]:
    """The ``positions`` of a ``position`` answer as ``exec.position`` bodies (validated)."""
    return {coin: msgspec.convert(body, Position) for coin, body in data["positions"].items()}
