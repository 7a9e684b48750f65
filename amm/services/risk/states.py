"""Trading states with hysteresis, and the kill switch that halts until an operator resumes.

Per market, from ``|delta|`` (see ``limits.delta``):

* REDUCING from ``reduce_at_delta`` up, back to ACTIVE only below ``reduce_exit_delta``;
* rebalancing (a REDUCING market that also sends reduce-only IOC orders) from
  ``rebalance_at_delta`` up, until below ``rebalance_exit_delta``;
* the critical-imbalance trigger fires when ``|delta|`` reaches ``halt_at_delta`` while armed,
  and re-arms only below it, so an operator's resume while the position is still critical is
  not undone at once: the rebalance gets to work instead.

HALTED (``Halt``) overrides everything and is sticky: only ``resume`` clears it. The whole
system's state is HALTED if halted, else REDUCING if any market is, else ACTIVE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from amm.common.messages import TradingState
from amm.services.risk.settings import RiskSettings


@dataclass(frozen=True, slots=True)
class Band:
    """Where one market's ``|delta|`` sits, remembering which thresholds it has crossed."""

    reducing: bool = False
    rebalancing: bool = False
    armed: bool = True

    def state(self) -> TradingState:
        """The market's state when not halted."""
        return "REDUCING" if self.reducing else "ACTIVE"


@dataclass(frozen=True, slots=True)
class BandStep:
    """The new band, and whether the critical-imbalance trigger fired on this step."""

    band: Band
    critical: bool


def next_band(previous: Band, abs_delta: Decimal, settings: RiskSettings) -> BandStep:
    """Move the band for a new ``|delta|``, with hysteresis on every threshold."""
    rebalancing = abs_delta >= (
        settings.rebalance_exit_delta if previous.rebalancing else settings.rebalance_at_delta
    )
    reducing = rebalancing or abs_delta >= (
        settings.reduce_exit_delta if previous.reducing else settings.reduce_at_delta
    )
    beyond = abs_delta >= settings.halt_at_delta
    return BandStep(Band(reducing, rebalancing, armed=not beyond), previous.armed and beyond)


@dataclass(frozen=True, slots=True)
class Halt:
    """The kill switch: which code tripped it (``reasons.KILL_SWITCH``), why, since when."""

    by: str
    reason: str
    since_ns: int


def trading_state(halt: Halt | None, bands: Iterable[Band]) -> TradingState:
    """The system's state: HALTED, else REDUCING if any market is, else ACTIVE."""
    if halt is not None:
        return "HALTED"
    return "REDUCING" if any(band.reducing for band in bands) else "ACTIVE"


def market_state(halt: Halt | None, band: Band) -> TradingState:
    """One market's state."""
    return "HALTED" if halt is not None else band.state()
