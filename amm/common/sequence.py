"""Per-publisher tracking of `seq` and `epoch`: turns silent pub/sub loss into reported events."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class SeqEventKind(enum.Enum):
    FIRST = "first"  # first message seen from this publisher (we may have joined late)
    GAP = "gap"  # messages were lost between the last one and this one
    DUPLICATE = "duplicate"  # seq not newer than the last one: the message is dropped
    RESTART = "restart"  # a new epoch: the publisher is a new process instance


@dataclass(frozen=True, slots=True)
class SeqEvent:
    kind: SeqEventKind
    src: str
    epoch: str
    seq: int
    previous_epoch: str | None = None
    previous_seq: int | None = None

    @property
    def missing(self) -> int:
        """How many messages were lost (gaps only)."""
        if self.kind is SeqEventKind.GAP and self.previous_seq is not None:
            return self.seq - self.previous_seq - 1
        return 0


@dataclass(slots=True)
class PublisherTrack:
    epoch: str
    seq: int
    received: int = 0
    gaps: int = 0
    missing: int = 0
    duplicates: int = 0
    restarts: int = 0


@dataclass(slots=True)
class SeqTracker:
    """Watches each publisher's whole stream; a prefix-filtered one would show false gaps."""

    publishers: dict[str, PublisherTrack] = field(default_factory=dict)

    def observe(self, src: str, epoch: str, seq: int) -> SeqEvent | None:
        """Record one message; returns None when it is simply the next one."""
        track = self.publishers.get(src)
        if track is None:
            self.publishers[src] = PublisherTrack(epoch=epoch, seq=seq, received=1)
            return SeqEvent(SeqEventKind.FIRST, src, epoch, seq)
        if epoch != track.epoch:
            event = SeqEvent(SeqEventKind.RESTART, src, epoch, seq, track.epoch, track.seq)
            track.epoch, track.seq = epoch, seq
            track.restarts += 1
            track.received += 1
            return event
        if seq <= track.seq:
            track.duplicates += 1
            return SeqEvent(SeqEventKind.DUPLICATE, src, epoch, seq, track.epoch, track.seq)
        event = None
        if seq != track.seq + 1:
            event = SeqEvent(SeqEventKind.GAP, src, epoch, seq, track.epoch, track.seq)
            track.gaps += 1
            track.missing += event.missing
        track.seq = seq
        track.received += 1
        return event

    def is_accepted(self, event: SeqEvent | None) -> bool:
        """Whether the message that produced `event` should be processed."""
        return event is None or event.kind is not SeqEventKind.DUPLICATE
