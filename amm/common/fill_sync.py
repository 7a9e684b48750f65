"""Following execution's fills in journal order: snapshot, resync, and when to ask again.

Shared by every actor that books ``exec.fill`` (risk, monitor): average-cost PnL depends on the
order of fills, so they are booked strictly in execution's journal order (``journal_seq`` 1, 2,
3, ...). A fill that arrives after a hole is held back and a resync (``fills_since`` the last
booked number) is asked for. Everything is held while a snapshot or resync is due, and booked
once the answer has been. A resync whose answer says the journal ends before our number (a new
journal) turns into a full snapshot. A gap or a new epoch in execution's bus stream
(``StreamWatch``) also asks for a resync: the lost message may have been a fill.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
import zmq.asyncio

from amm.common.messages import Fill, Position
from amm.common.reqrep import request
from amm.common.sequence import SeqTracker

SNAPSHOT = "snapshot"
RESYNC = "resync"
Need = Literal["snapshot", "resync"]
FILLS_PAGE = 2000
"""The most ``fills_since`` answers at once."""

Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
"""Sends one request op with its args to execution and returns the reply's ``data``."""


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


@dataclass(slots=True)
class StreamWatch:
    """Notices a gap or a new epoch in one publisher's stream since the last look."""

    publisher: str
    _seen: tuple[str, int] | None = None

    def moved(self, tracker: SeqTracker) -> bool:
        """True if the publisher restarted or lost messages since the previous call."""
        track = tracker.publishers.get(self.publisher)
        if track is None:
            return False
        seen = (track.epoch, track.gaps)
        moved = self._seen is not None and seen != self._seen
        self._seen = seen
        return moved


async def fetch_fills(ask: Ask, seq: int) -> tuple[list[Fill], int]:
    """Every journaled fill after ``seq``, page by page, and the journal's last number."""
    fills: list[Fill] = []
    while True:
        data = await ask("fills_since", {"seq": seq, "limit": FILLS_PAGE})
        page, last_seq = decode_fills(data["fills"]), int(data["last_seq"])
        fills += page
        if not page or page[-1].journal_seq >= last_seq:
            return fills, last_seq
        seq = page[-1].journal_seq


def decode_fills(items: Iterable[Any]) -> list[Fill]:
    """The ``fills`` of a ``fills_since`` answer as ``exec.fill`` bodies (validated)."""
    return [msgspec.convert(item, Fill) for item in items]


def decode_positions(data: Mapping[str, Any]) -> dict[str, Position]:
    """The ``positions`` of a ``position`` answer as ``exec.position`` bodies (validated)."""
    return {coin: msgspec.convert(body, Position) for coin, body in data["positions"].items()}


def execution_asker(
    ctx: zmq.asyncio.Context, endpoint: str, timeout_s: float
) -> Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]:
    """Ask execution's [snapshot] endpoint; raises RequestFailed (what `fetch_fills` pages with)."""

    async def ask(op: str, args: dict[str, Any]) -> dict[str, Any]:
        reply = await request(ctx, endpoint, op, args, timeout_s=timeout_s)
        return reply.data

    return ask
