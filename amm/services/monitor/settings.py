"""The ``[monitor]`` config table: cycle and timers, alert thresholds, mode thresholds.

Money thresholds are Decimal (compared exactly with the ledger's PnL); rates, shares and basis
points are floats, as ``monitor.stats`` carries them. Every threshold has a clear margin: an alert
is raised beyond its threshold and cleared only once the value is back inside by the margin.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Annotated

import msgspec

from amm.common.config_section import ConfigSection
from amm.common.messages import MonitorMode

ROLLING_WINDOWS: dict[str, int] = {"5m": 300_000, "30m": 1_800_000, "1h": 3_600_000}
"""The rolling windows and their lengths in ms."""
SESSION = "session"
TOTAL = "total"
WINDOWS: tuple[str, ...] = (*ROLLING_WINDOWS, SESSION, TOTAL)


def _finite(name: str, value: Decimal, *, minimum: Decimal | None = None) -> None:
    if not value.is_finite() or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ValueError(f"`{name}` must be a finite number{bound}, got {value}")


def _rising(*named: tuple[str, Decimal | float]) -> None:
    """Each threshold strictly below the next (levels and modes need a gap between them)."""
    for (low_name, low), (high_name, high) in itertools.pairwise(named):
        if isinstance(low, Decimal) and not low.is_finite():
            raise ValueError(f"`{low_name}` must be a finite number, got {low}")
        if isinstance(high, Decimal) and not high.is_finite():
            raise ValueError(f"`{high_name}` must be a finite number, got {high}")
        if not low < high:
            raise ValueError(f"`{low_name}` ({low}) must be below `{high_name}` ({high})")


Margin = Annotated[float, msgspec.Meta(ge=0)]
Share = Annotated[float, msgspec.Meta(ge=0, le=1)]
Bps = Annotated[float, msgspec.Meta(ge=-10_000, le=10_000)]


class AlertSettings(ConfigSection, kw_only=True):
    """Alert thresholds (``[monitor.alerts]``); docs in the monitor's service docstring."""

    min_fills: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 5
    imbalance_warning: Share = 0.70
    imbalance_critical: Share = 0.85
    imbalance_clear: Margin = 0.05
    one_sided_warning: Share = 0.80
    one_sided_clear: Margin = 0.05
    spread_capture_warning_bps: Bps = 1.0
    spread_capture_critical_bps: Bps = -1.0
    spread_capture_clear_bps: Margin = 0.5
    fill_rate_warning_per_h: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    fill_rate_critical_per_h: Annotated[float, msgspec.Meta(gt=0)] = 400.0
    fill_rate_clear_per_h: Margin = 25.0
    delta_warning: Annotated[float, msgspec.Meta(gt=0)] = 0.4
    delta_critical: Annotated[float, msgspec.Meta(gt=0)] = 0.6
    delta_clear: Margin = 0.05
    session_pnl_warning_usd: Decimal = Decimal("-0.50")
    session_pnl_critical_usd: Decimal = Decimal("-1.00")
    session_loss_limit_usd: Decimal = Decimal("-5.00")
    pnl_clear_usd: Decimal = Decimal("0.10")
    crosscheck_usd: Decimal = Decimal("0.10")
    crosscheck_clear_usd: Decimal = Decimal("0.02")
    crosscheck_checks: Annotated[int, msgspec.Meta(ge=1, le=100)] = 2
    market_data_max_age_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 5.0
    risk_max_age_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 10.0

    def __post_init__(self) -> None:
        for name in ("session_pnl_warning_usd", "session_pnl_critical_usd"):
            _finite(name, getattr(self, name))
        _finite("session_loss_limit_usd", self.session_loss_limit_usd)
        for name in ("pnl_clear_usd", "crosscheck_clear_usd"):
            _finite(name, getattr(self, name), minimum=Decimal(0))
        _finite("crosscheck_usd", self.crosscheck_usd, minimum=Decimal(0))
        _rising(
            ("imbalance_warning", self.imbalance_warning),
            ("imbalance_critical", self.imbalance_critical),
        )
        _rising(
            ("spread_capture_critical_bps", self.spread_capture_critical_bps),
            ("spread_capture_warning_bps", self.spread_capture_warning_bps),
        )
        _rising(
            ("fill_rate_warning_per_h", self.fill_rate_warning_per_h),
            ("fill_rate_critical_per_h", self.fill_rate_critical_per_h),
        )
        _rising(("delta_warning", self.delta_warning), ("delta_critical", self.delta_critical))
        _rising(
            ("session_pnl_critical_usd", self.session_pnl_critical_usd),
            ("session_pnl_warning_usd", self.session_pnl_warning_usd),
        )
        if self.crosscheck_clear_usd > self.crosscheck_usd:
            raise ValueError("`crosscheck_clear_usd` must not exceed `crosscheck_usd`")


class ModeSettings(ConfigSection, kw_only=True):
    """Mode thresholds and hysteresis (``[monitor.modes]``); rules in ``modes.py``."""

    initial: MonitorMode = "moderate"
    window: str = "30m"  # spread capture for the modes is measured over this window
    upgrade_cycles: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 3
    emergency_session_pnl_usd: Decimal = Decimal("-2.00")
    emergency_cycle_pnl_usd: Decimal = Decimal("-0.50")
    defensive_spread_bps: Bps = -3.0
    defensive_cycle_pnl_usd: Decimal = Decimal("-0.20")
    moderate_spread_bps: Bps = 1.0
    moderate_cycle_pnl_usd: Decimal = Decimal(0)
    aggressive_spread_bps: Bps = 10.0
    aggressive_cycle_pnl_usd: Decimal = Decimal("0.10")
    very_aggressive_spread_bps: Bps = 15.0
    very_aggressive_cycle_pnl_usd: Decimal = Decimal("0.15")

    def __post_init__(self) -> None:
        if self.window not in WINDOWS:
            raise ValueError(f"`window` must be one of {', '.join(WINDOWS)}, got {self.window!r}")
        _finite("emergency_session_pnl_usd", self.emergency_session_pnl_usd)
        _rising(
            ("emergency_cycle_pnl_usd", self.emergency_cycle_pnl_usd),
            ("defensive_cycle_pnl_usd", self.defensive_cycle_pnl_usd),
            ("moderate_cycle_pnl_usd", self.moderate_cycle_pnl_usd),
            ("aggressive_cycle_pnl_usd", self.aggressive_cycle_pnl_usd),
            ("very_aggressive_cycle_pnl_usd", self.very_aggressive_cycle_pnl_usd),
        )
        _rising(
            ("defensive_spread_bps", self.defensive_spread_bps),
            ("moderate_spread_bps", self.moderate_spread_bps),
            ("aggressive_spread_bps", self.aggressive_spread_bps),
            ("very_aggressive_spread_bps", self.very_aggressive_spread_bps),
        )


class MonitorSettings(ConfigSection, kw_only=True):
    """The monitor actor's knobs (a ``[monitor]`` config table).

    ``cycle_interval_s``: how often the cycle report is logged and ``monitor.stats`` published.
    ``evaluate_interval_s``: how often alerts and the emergency mode are checked between cycles.
    ``prometheus_port``: the metrics endpoint on 127.0.0.1, 0 = off.
    """

    cycle_interval_s: Annotated[float, msgspec.Meta(ge=1, le=86_400)] = 300.0
    evaluate_interval_s: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 5.0
    mode_interval_s: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 5.0
    sample_interval_s: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 10.0
    flush_interval_s: Annotated[float, msgspec.Meta(ge=0.1, le=60)] = 1.0
    alert_window: str = "1h"
    mid_max_age_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 60.0
    tape_retention_s: Annotated[float, msgspec.Meta(ge=70, le=3600)] = 300.0
    funding: bool = True
    prometheus_port: Annotated[int, msgspec.Meta(ge=0, le=65_535)] = 0
    sync_retry_s: Annotated[float, msgspec.Meta(ge=0.1, le=60)] = 1.0
    history_points: Annotated[int, msgspec.Meta(ge=2, le=2000)] = 2000
    history_fills: Annotated[int, msgspec.Meta(ge=1, le=2000)] = 2000
    alerts: AlertSettings = AlertSettings()
    modes: ModeSettings = ModeSettings()

    def __post_init__(self) -> None:
        if self.alert_window not in WINDOWS:
            raise ValueError(
                f"`alert_window` must be one of {', '.join(WINDOWS)}, got {self.alert_window!r}"
            )
        if self.evaluate_interval_s > self.cycle_interval_s:
            raise ValueError("`evaluate_interval_s` must not exceed `cycle_interval_s`")
