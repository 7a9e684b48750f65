"""What the monitor keeps across restarts, as plain data: the changes to write and what loads.

The core never touches the database: it queues ``Changes`` (new fills, decided marks, funding,
samples, cycle summaries, small state values) and the shell writes them in one transaction per
flush. At start the shell loads a ``Saved`` and the core is rebuilt from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from amm.common.messages import Fill
from amm.services.monitor.history import CycleSummary, Sample
from amm.services.monitor.metrics import FillRecord

Funding = tuple[str, int, Decimal]
"""One funding payment: coin, exchange time (ms), USDC received (< 0: paid)."""


@dataclass(slots=True)
class Changes:
    """Everything to write at the next flush; ``rebuilt`` replaces every stored fill."""

    rebuilt: bool = False
    fills: list[FillRecord] = field(default_factory=list)
    marks: dict[int, FillRecord] = field(default_factory=dict)  # by tid
    funding: list[Funding] = field(default_factory=list)
    samples: list[tuple[str, Sample]] = field(default_factory=list)
    cycles: list[tuple[str, CycleSummary]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # key -> JSON-able value

    def then(self, later: Changes) -> Changes:
        """These changes followed by ``later`` (to queue again what could not be written)."""
        if later.rebuilt:
            fills, marks, rebuilt = later.fills, later.marks, True
        else:
            fills, marks = [*self.fills, *later.fills], {**self.marks, **later.marks}
            rebuilt = self.rebuilt
        return Changes(
            rebuilt=rebuilt,
            fills=fills,
            marks=marks,
            funding=[*self.funding, *later.funding],
            samples=[*self.samples, *later.samples],
            cycles=[*self.cycles, *later.cycles],
            state={**self.state, **later.state},
        )

    def __bool__(self) -> bool:
        return bool(
            self.rebuilt
            or self.fills
            or self.marks
            or self.funding
            or self.samples
            or self.cycles
            or self.state
        )


@dataclass(slots=True)
class Saved:
    """What a monitor database holds, in booking order (empty for a new database)."""

    fills: list[tuple[Fill, dict[str, Decimal | None]]] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    cycles: dict[str, list[CycleSummary]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
