"""Adverse-selection defence: quote further away and with fewer levels while being picked off.

The quoter has no fills of its own (`exec.fill` is not among its inputs), so the figures come
from outside: `on_performance` takes the recent markout and spread capture in bps. The monitor
actor (a later issue) computes them from `exec.fill` and publishes them in `monitor.stats`;
until that is wired nothing calls it and the defence stays off.

Rule (the old report's): a markout or spread capture below its threshold (-3 bps by default)
engages the defence for `hold_s`; while engaged every level is `extra_bps` further from the
fair price and at most `max_levels` levels are quoted per side. Each bad figure restarts the
hold; good figures do not end it early, so one lucky window cannot undo the protection.
"""

from __future__ import annotations

from dataclasses import dataclass

from amm.services.quoter.settings import DefenceSettings

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class DefenceAdjustment:
    """How the ladder changes: extra depth on every level and a cap on levels per side."""

    extra_bps: float
    max_levels: int | None  # None: no cap


NO_DEFENCE = DefenceAdjustment(0.0, None)


class AdverseSelectionDefence:
    """Remembers the latest figures and until when the defence is engaged."""

    def __init__(self, settings: DefenceSettings) -> None:
        self.settings = settings
        self.spread_capture_bps: float | None = None
        self.markout_bps: float | None = None
        self.engaged_until_ns: int | None = None

    def on_performance(
        self, spread_capture_bps: float | None, markout_bps: float | None, now_ns: int
    ) -> None:
        """Take the latest figures (None: not measured); a bad one engages the defence."""
        self.spread_capture_bps, self.markout_bps = spread_capture_bps, markout_bps
        settings = self.settings
        bad_markout = markout_bps is not None and markout_bps < settings.markout_threshold_bps
        bad_capture = (
            spread_capture_bps is not None
            and spread_capture_bps < settings.spread_capture_threshold_bps
        )
        if bad_markout or bad_capture:
            self.engaged_until_ns = now_ns + int(settings.hold_s * _NS)

    def active(self, now_ns: int) -> bool:
        return self.engaged_until_ns is not None and now_ns < self.engaged_until_ns

    def adjustment(self, now_ns: int) -> DefenceAdjustment:
        if not self.active(now_ns):
            return NO_DEFENCE
        return DefenceAdjustment(self.settings.extra_bps, self.settings.max_levels)
