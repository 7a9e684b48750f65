"""The mode recommendation: a target each cycle, and hysteresis so the mode does not flap.

A cycle's target is the first rule that matches (thresholds from ``[monitor.modes]``, defaults
shown; spread capture is over ``[monitor.modes] window``, None with fewer than
``[monitor.alerts] min_fills`` fills, and then its conditions are false):

====================  ======================================================
emergency_defensive   session PnL < -$2.00 or cycle PnL < -$0.50
defensive             spread capture < -3 bps or cycle PnL < -$0.20
moderate              spread capture < 1 bps or cycle PnL < $0
very_aggressive       spread capture > 15 bps and cycle PnL > $0.15
aggressive            spread capture > 10 bps and cycle PnL > $0.10
(none of them)        hold: the current mode, kept within moderate..aggressive
====================  ======================================================

The "hold" band is a second hysteresis: aggressive is entered above 10 bps and left only below
1 bps (or a losing cycle); very_aggressive needs its own evidence every cycle.

Switching:

* to a more defensive mode: at once, on the cycle whose target says so;
* to a more aggressive mode: only when the last ``upgrade_cycles`` (3) targets since the last
  switch are all at least as aggressive as the current mode's successor; the mode then becomes
  the least aggressive of those targets. Every switch restarts the count;
* between cycles, each evaluation checks the emergency rule alone, against the session PnL and
  the running cycle PnL (the change since the last cycle so far), and switches at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.messages import ModeRecommendation, MonitorMode
from amm.services.monitor.settings import ModeSettings

ORDER: tuple[MonitorMode, ...] = (
    "emergency_defensive",
    "defensive",
    "moderate",
    "aggressive",
    "very_aggressive",
)
RANK: dict[MonitorMode, int] = {mode: rank for rank, mode in enumerate(ORDER)}


@dataclass(frozen=True, slots=True)
class Target:
    """What one cycle's figures call for, and why."""

    mode: MonitorMode
    reason: str


def emergency(s: ModeSettings, session_pnl: Decimal, cycle_pnl: Decimal) -> Target | None:
    """The emergency rule alone (checked every evaluation, not only at the cycle's end)."""
    if session_pnl < s.emergency_session_pnl_usd:
        return Target(
            "emergency_defensive", f"session PnL {session_pnl:.4f} < {s.emergency_session_pnl_usd}"
        )
    if cycle_pnl < s.emergency_cycle_pnl_usd:
        return Target(
            "emergency_defensive", f"cycle PnL {cycle_pnl:.4f} < {s.emergency_cycle_pnl_usd}"
        )
    return None


def target(
    s: ModeSettings,
    current: MonitorMode,
    *,
    session_pnl: Decimal,
    cycle_pnl: Decimal,
    spread_bps: float | None,
) -> Target:
    """The mode a cycle's figures call for (see the module docstring)."""
    urgent = emergency(s, session_pnl, cycle_pnl)
    if urgent is not None:
        return urgent
    spread = f"spread capture {spread_bps:+.2f} bps" if spread_bps is not None else ""
    cycle = f"cycle PnL {cycle_pnl:.4f}"
    if spread_bps is not None and spread_bps < s.defensive_spread_bps:
        return Target("defensive", f"{spread} < {s.defensive_spread_bps:g}")
    if cycle_pnl < s.defensive_cycle_pnl_usd:
        return Target("defensive", f"{cycle} < {s.defensive_cycle_pnl_usd}")
    if spread_bps is not None and spread_bps < s.moderate_spread_bps:
        return Target("moderate", f"{spread} < {s.moderate_spread_bps:g}")
    if cycle_pnl < s.moderate_cycle_pnl_usd:
        return Target("moderate", f"{cycle} < {s.moderate_cycle_pnl_usd}")
    if spread_bps is not None:
        for mode, bps, usd in (
            ("very_aggressive", s.very_aggressive_spread_bps, s.very_aggressive_cycle_pnl_usd),
            ("aggressive", s.aggressive_spread_bps, s.aggressive_cycle_pnl_usd),
        ):
            if spread_bps > bps and cycle_pnl > usd:
                return Target(mode, f"{spread} > {bps:g} and {cycle} > {usd}")  # type: ignore[arg-type]
    held = ORDER[min(max(RANK[current], RANK["moderate"]), RANK["aggressive"])]
    figures = ", ".join(part for part in (spread or "no spread capture yet", cycle))
    return Target(held, f"holding: {figures}")


@dataclass(slots=True)
class ModeState:
    """The mode in force, since when and why, and the cycle targets since the last switch."""

    mode: MonitorMode
    reason: str
    since_ns: int
    targets: list[MonitorMode] = field(default_factory=list)

    def recommendation(self) -> ModeRecommendation:
        """The ``monitor.mode`` body."""
        return ModeRecommendation(mode=self.mode, reason=self.reason, since_ns=self.since_ns)

    def on_cycle(self, aim: Target, upgrade_cycles: int, now_ns: int) -> bool:
        """Take one cycle's target; True if the mode changed."""
        if RANK[aim.mode] < RANK[self.mode]:
            return self._switch(aim.mode, aim.reason, now_ns)
        self.targets = [*self.targets, aim.mode][-upgrade_cycles:]
        if len(self.targets) < upgrade_cycles:
            return False
        floor = min(self.targets, key=RANK.__getitem__)
        if RANK[floor] <= RANK[self.mode]:
            return False
        return self._switch(
            floor, f"{aim.reason} ({upgrade_cycles} cycles at {floor} or better)", now_ns
        )

    def on_emergency(self, aim: Target, now_ns: int) -> bool:
        """The emergency rule matched between cycles; True if the mode changed."""
        if self.mode == aim.mode:
            return False
        return self._switch(aim.mode, f"{aim.reason} (between cycles)", now_ns)

    def _switch(self, mode: MonitorMode, reason: str, now_ns: int) -> bool:
        self.mode, self.reason, self.since_ns, self.targets = mode, reason, now_ns, []
        return True
