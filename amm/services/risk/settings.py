"""The ``[risk]`` config table: limits, state thresholds, kill switch, ages and timers."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Annotated

import msgspec

from amm.common.config_section import ConfigSection
from amm.common.hyperliquid.rules import MIN_ORDER_VALUE

_POSITIVE = (
    "max_exposure_usd",
    "max_order_usd",
    "max_leverage",
    "max_margin_use",
    "collar_bps",
    "max_fair_deviation_bps",
    "rebalance_slippage_bps",
    "max_rebalance_usd",
    "max_session_loss_usd",
    "reduce_at_delta",
    "rebalance_at_delta",
    "halt_at_delta",
)
_NON_NEGATIVE = ("reduce_exit_delta", "rebalance_exit_delta", "rebalance_target_delta")


class RiskSettings(ConfigSection, kw_only=True):
    """The risk actor's knobs (a ``[risk]`` config table); docs/operations.md lists each key.

    Sizes are in USD so one table fits every market. ``delta`` is a market's position notional
    (at the mid) divided by ``max_exposure_usd``; the state thresholds compare ``|delta|``:
    a threshold is crossed upwards at ``*_at_delta`` and back only below ``*_exit_delta``
    (hysteresis, so a position sitting at a threshold does not flap the state).
    """

    max_exposure_usd: Decimal = Decimal(1000)
    max_order_usd: Decimal = Decimal(250)
    max_levels_per_side: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    max_leverage: Decimal = Decimal(3)
    max_margin_use: Decimal = Decimal("0.5")
    collar_bps: Decimal = Decimal(50)
    max_fair_deviation_bps: Decimal = Decimal(25)
    reduce_at_delta: Decimal = Decimal("0.30")
    reduce_exit_delta: Decimal = Decimal("0.25")
    reduce_skew_bps: Decimal = Decimal(2)
    rebalance_at_delta: Decimal = Decimal("0.50")
    rebalance_exit_delta: Decimal = Decimal("0.45")
    rebalance_target_delta: Decimal = Decimal("0.40")
    rebalance_interval_s: Annotated[float, msgspec.Meta(ge=0.5, le=3600)] = 5.0
    rebalance_slippage_bps: Decimal = Decimal(10)
    max_rebalance_usd: Decimal = Decimal(500)
    halt_at_delta: Decimal = Decimal("1.0")
    max_session_loss_usd: Decimal = Decimal("1.00")
    max_intent_age_ms: Annotated[int, msgspec.Meta(ge=100, le=600_000)] = 3_000
    max_md_age_ms: Annotated[int, msgspec.Meta(ge=100, le=600_000)] = 5_000
    max_account_age_ms: Annotated[int, msgspec.Meta(ge=100, le=3_600_000)] = 30_000
    max_intents_per_s: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 20
    position_mismatch_s: Annotated[float, msgspec.Meta(ge=0.5, le=3600)] = 10.0
    decision_interval_s: Annotated[float, msgspec.Meta(ge=0.05, le=1.0)] = 0.5
    state_interval_s: Annotated[float, msgspec.Meta(ge=0.05, le=1.0)] = 1.0
    snapshot_retry_s: Annotated[float, msgspec.Meta(ge=0.1, le=60)] = 1.0

    def __post_init__(self) -> None:
        for name in _POSITIVE:
            value = getattr(self, name)
            if not value.is_finite() or value <= 0:
                raise ValueError(f"`{name}` must be a number > 0, got {value}")
        for name in (*_NON_NEGATIVE, "reduce_skew_bps"):
            value = getattr(self, name)
            if not value.is_finite() or value < 0:
                raise ValueError(f"`{name}` must be a number >= 0, got {value}")
        for name in ("collar_bps", "max_fair_deviation_bps", "rebalance_slippage_bps"):
            if getattr(self, name) >= 5_000:
                raise ValueError(f"`{name}` must be below 5000 (50 %)")
        if self.max_rebalance_usd < MIN_ORDER_VALUE:
            raise ValueError(f"`max_rebalance_usd` must be at least {MIN_ORDER_VALUE}")
        if self.max_margin_use > 1:
            raise ValueError(f"`max_margin_use` must be <= 1, got {self.max_margin_use}")
        if self.reduce_skew_bps > self.collar_bps:
            raise ValueError("`reduce_skew_bps` must not exceed `collar_bps`")
        _ordered(
            ("reduce_exit_delta", self.reduce_exit_delta),
            ("reduce_at_delta", self.reduce_at_delta),
        )
        _ordered(
            ("rebalance_target_delta", self.rebalance_target_delta),
            ("rebalance_exit_delta", self.rebalance_exit_delta),
            ("rebalance_at_delta", self.rebalance_at_delta),
        )
        _ordered(
            ("reduce_at_delta", self.reduce_at_delta),
            ("rebalance_at_delta", self.rebalance_at_delta),
            ("halt_at_delta", self.halt_at_delta),
        )


def _ordered(*named: tuple[str, Decimal]) -> None:
    """Each threshold strictly below the next (the hysteresis needs a gap)."""
    for (low_name, low), (high_name, high) in itertools.pairwise(named):
        if not low < high:
            raise ValueError(f"`{low_name}` ({low}) must be below `{high_name}` ({high})")
