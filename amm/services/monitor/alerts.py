"""Alerts: levelled thresholds with hysteresis; one ``monitor.alert`` body per transition.

An alert is identified by its metric and subject (a coin, ``dex:<name>``, or "" for the
account). Each evaluation gives the level the value deserves:

* a level is entered when the value is beyond its threshold (above it, or below it for the
  ``below`` rules; ``inclusive`` rules also at the threshold itself), and only after ``checks``
  consecutive evaluations beyond it (1 for most rules);
* a level already held is kept while the value stays beyond the threshold moved back by the
  rule's margin, so a value sitting on a threshold does not flap (raise at > 0.70, clear at
  <= 0.65 for a 0.05 margin);
* no value (too few fills to judge, no risk.state) clears.

A body is published and logged only when the level changes: raised (``active`` true, the new
level), escalated or lowered (``active`` true, the new level), cleared (``active`` false, the
level it had). Nothing is repeated while the level holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.messages import Alert
from amm.services.monitor.settings import AlertSettings

Level = Literal["warning", "critical"]
Value = Decimal | float
LEVELS: tuple[Level, ...] = ("warning", "critical")
_RANK: dict[Level | None, int] = {None: 0, "warning": 1, "critical": 2}


@dataclass(frozen=True, slots=True)
class Rule:
    """One metric's thresholds (see the module docstring); ``flag`` rules are 0/1 states."""

    metric: str
    title: str
    warning: Value | None = None
    critical: Value | None = None
    margin: Value = 0
    below: bool = False
    inclusive: bool = False
    checks: int = 1
    unit: str = ""
    flag: bool = False

    def threshold(self, level: Level) -> Value | None:
        """The threshold of ``level`` (None if the rule has no such level)."""
        return self.warning if level == "warning" else self.critical

    def level(self, current: Level | None, value: Value) -> Level | None:
        """The level ``value`` deserves, given the level held now (hysteresis)."""
        deserved: Level | None = None
        for level in LEVELS:
            threshold = self.threshold(level)
            if threshold is None:
                continue
            held = _RANK[current] >= _RANK[level]
            if self._beyond(value, threshold, self.margin if held else 0):
                deserved = level
        return deserved

    def clear_bound(self, level: Level) -> Decimal | None:
        """Where ``level`` is left: its threshold moved back by the margin."""
        threshold = self.threshold(level)
        if threshold is None:
            return None
        limit, slack = _exact(threshold), _exact(self.margin)
        return limit + slack if self.below else limit - slack

    def _beyond(self, value: Value, threshold: Value, margin: Value) -> bool:
        """Compared as the decimals they are written as (0.85 - 0.05 is 0.80, not 0.7999...)."""
        number, limit, slack = _exact(value), _exact(threshold), _exact(margin)
        if self.below:
            bound = limit + slack
            return number <= bound if self.inclusive else number < bound
        bound = limit - slack
        return number >= bound if self.inclusive else number > bound


@dataclass(frozen=True, slots=True)
class Rules:
    """Every rule the monitor evaluates, built from ``[monitor.alerts]``."""

    imbalance: Rule
    one_sided: Rule
    spread_capture: Rule
    fill_rate: Rule
    delta: Rule
    session_pnl: Rule
    session_loss: Rule
    market_data: Rule
    crosscheck: Rule
    position: Rule

    @classmethod
    def of(cls, s: AlertSettings) -> Rules:
        """The rules with the configured thresholds."""
        return cls(
            imbalance=Rule(
                "imbalance",
                "trade imbalance",
                s.imbalance_warning,
                s.imbalance_critical,
                s.imbalance_clear,
            ),
            one_sided=Rule(
                "one_sided",
                "share of fills on one side",
                warning=s.one_sided_warning,
                margin=s.one_sided_clear,
                inclusive=True,
            ),
            spread_capture=Rule(
                "spread_capture",
                "spread capture",
                s.spread_capture_warning_bps,
                s.spread_capture_critical_bps,
                s.spread_capture_clear_bps,
                below=True,
                unit=" bps",
            ),
            fill_rate=Rule(
                "fill_rate",
                "fill rate",
                s.fill_rate_warning_per_h,
                s.fill_rate_critical_per_h,
                s.fill_rate_clear_per_h,
                unit="/h",
            ),
            delta=Rule(
                "inventory_delta",
                "inventory |delta|",
                s.delta_warning,
                s.delta_critical,
                s.delta_clear,
            ),
            session_pnl=Rule(
                "session_pnl",
                "session PnL",
                s.session_pnl_warning_usd,
                s.session_pnl_critical_usd,
                s.pnl_clear_usd,
                below=True,
                unit=" USD",
            ),
            session_loss=Rule(
                "session_loss_limit",
                "session loss beyond the limit: session PnL",
                critical=s.session_loss_limit_usd,
                margin=s.pnl_clear_usd,
                below=True,
                unit=" USD",
            ),
            market_data=Rule("market_data", "market data not live", warning=0.5, flag=True),
            crosscheck=Rule(
                "crosscheck",
                "account value change differs from trade-based PnL by",
                warning=s.crosscheck_usd,
                margin=s.crosscheck_clear_usd,
                checks=s.crosscheck_checks,
                unit=" USD",
            ),
            position=Rule(
                "position_mismatch",
                "position from fills differs from the exchange's by",
                warning=Decimal(0),
                checks=s.crosscheck_checks,
            ),
        )


Key = tuple[str, str]


@dataclass(slots=True)
class AlertBook:
    """The active alerts by (metric, subject) and the streaks towards raising one."""

    active: dict[Key, Alert] = field(default_factory=dict)
    _streaks: dict[Key, int] = field(default_factory=dict)

    def update(
        self,
        rule: Rule,
        subject: str,
        value: Value | None,
        now_ns: int,
        *,
        window: str = "",
        detail: str = "",
    ) -> Alert | None:
        """Evaluate one value; the transition's body, or None if the level holds."""
        key = (rule.metric, subject)
        held = self.active.get(key)
        current: Level | None = None if held is None else held.level  # type: ignore[assignment]
        deserved = None if value is None else rule.level(current, value)
        if _RANK[deserved] > _RANK[current]:
            streak = self._streaks.get(key, 0) + 1
            if streak < rule.checks:
                self._streaks[key] = streak
                return None
        self._streaks.pop(key, None)
        if deserved == current:
            return None
        if deserved is None:
            assert current is not None
            del self.active[key]
            return _body(rule, subject, current, value, now_ns, window, detail, active=False)
        alert = _body(rule, subject, deserved, value, now_ns, window, detail, active=True)
        self.active[key] = alert
        return alert

    def restore(self, alerts: list[Alert]) -> None:
        """Take the alerts active before a restart (so they are not raised again)."""
        self.active = {(alert.metric, alert.subject): alert for alert in alerts}


def _body(
    rule: Rule,
    subject: str,
    level: Level,
    value: Value | None,
    now_ns: int,
    window: str,
    detail: str,
    *,
    active: bool,
) -> Alert:
    threshold = rule.threshold(level) if active else rule.clear_bound(level)
    return Alert(
        metric=rule.metric,
        level=level,
        value=None if value is None else float(value),
        threshold=None if threshold is None else float(threshold),
        message=_message(rule, subject, level, value, threshold, window, detail, active=active),
        active=active,
        subject=subject,
        window=window,
        time_ns=now_ns,
    )


def _message(
    rule: Rule,
    subject: str,
    level: Level,
    value: Value | None,
    threshold: Value | None,
    window: str,
    detail: str,
    *,
    active: bool,
) -> str:
    where = "".join((f" on {subject}" if subject else "", f" over {window}" if window else ""))
    if rule.flag:
        text = f"{rule.title}{where}" if active else f"{rule.title}{where}: cleared"
    elif value is None:
        text = f"{rule.title}{where}: no longer measured, cleared"
    elif active:
        side = "below" if rule.below else "above"
        text = (
            f"{rule.title} {_show(value)}{rule.unit}{where}, {side} "
            f"{_show(threshold)}{rule.unit} ({level})"
        )
    else:
        text = (
            f"{rule.title} {_show(value)}{rule.unit}{where}, back past {_show(threshold)}: cleared"
        )
    return f"{text} ({detail})" if detail else text


def _exact(value: Value) -> Decimal:
    """A float as the decimal it prints as (thresholds come from TOML as floats)."""
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def _show(value: Value | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return decimal_to_wire(value)
    return f"{value:.4g}"
