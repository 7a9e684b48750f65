"""The `[execution]` config table: the core's tolerances and ages, and the service's timers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from amm.common.config_section import ConfigSection


class ExecutionSettings(ConfigSection, kw_only=True):
    """The core's knobs (an ``[execution]`` config table).

    ``price_tolerance_bps`` and ``size_tolerance`` (relative) are how far a live quote may be
    from its level before it is moved; the ages are how old risk's word may be before the gate
    closes; the reserves are the request headroom kept for cancels; ``keep_done_ms`` is how long
    a finished order is remembered for late fills.
    """

    price_tolerance_bps: Decimal = Decimal(1)
    size_tolerance: Decimal = Decimal("0.1")
    max_decision_age_ms: Annotated[int, msgspec.Meta(gt=0)] = 3_000
    max_risk_age_ms: Annotated[int, msgspec.Meta(gt=0)] = 3_000
    cancel_reserve_weight: Annotated[int, msgspec.Meta(ge=0, lt=1200)] = 100
    address_reserve: Annotated[int, msgspec.Meta(ge=0)] = 100
    keep_done_ms: Annotated[int, msgspec.Meta(ge=0)] = 60_000
    step_interval_ms: Annotated[int, msgspec.Meta(ge=10, le=10_000)] = 100
    action_expiry_ms: Annotated[int, msgspec.Meta(ge=1_000, le=600_000)] = 10_000
    answer_timeout_ms: Annotated[int, msgspec.Meta(ge=100, le=600_000)] = 15_000
    dead_man_switch: bool = True
    dead_man_s: Annotated[float, msgspec.Meta(ge=6, le=3600)] = 15.0  # exchange needs >= 5 s
    dead_man_refresh_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 5.0
    position_interval_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 2.0
    reconcile_interval_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 10.0
    fill_poll_interval_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 10.0
    rate_limit_interval_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30.0
    cancel_all_on_stop: bool = True

    def __post_init__(self) -> None:
        for name in ("price_tolerance_bps", "size_tolerance"):
            value = getattr(self, name)
            if not value.is_finite() or value < 0:
                raise ValueError(f"`{name}` must be a number >= 0, got {value}")
        if self.answer_timeout_ms <= self.action_expiry_ms:
            raise ValueError(
                "`answer_timeout_ms` must exceed `action_expiry_ms`: an unanswered order is only"
                " looked up (and resent) once it can no longer land"
            )
        if self.dead_man_refresh_s >= self.dead_man_s - 1:
            raise ValueError("`dead_man_refresh_s` must be at least 1 s shorter than `dead_man_s`")
