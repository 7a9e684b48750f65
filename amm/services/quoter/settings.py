"""The `[quoter]` config table: the model, its inputs' estimators, the ladder and the modes.

Units: prices inside the models are in basis points of the fair price (A per second per side,
k per bps, sigma in bps per sqrt(s)), so the configured A and k mean what the paper venue's
`taker_intensity_per_s` and `taker_decay_per_bps` mean. Inventory q is counted in units of one
ladder level's size (hftbacktest's "normalized position").

Who owns what: a mode table is the quoter's (`quote`, `leverage`, `min_spread_bps`,
`order_levels`, `level_spacing_bps`, `order_size_pct`, `quote_refresh_s`,
`target_actions_per_day`, and `inventory_threshold` and `max_exposure_usd` to shape and size its
ladder). Risk enforces its own `[risk]` limits (exposure, order size, rebalance interval) whatever
the mode, so a mode can never loosen them; start-up checks that every mode stays within them.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from amm.common.config_section import ConfigSection
from amm.common.messages import MonitorMode

ModelName = Literal["glft", "avellaneda_stoikov"]


class VolatilitySettings(ConfigSection, kw_only=True):
    """EWMA of mid log returns, as a variance per second, sampled at most every interval."""

    halflife_s: Annotated[float, msgspec.Meta(gt=0, le=86_400)] = 60.0
    sample_interval_s: Annotated[float, msgspec.Meta(ge=0.05, le=60)] = 1.0
    initial_bps_per_sqrt_s: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 1.0
    min_bps_per_sqrt_s: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 0.1
    max_bps_per_sqrt_s: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 50.0

    def __post_init__(self) -> None:
        if not self.min_bps_per_sqrt_s <= self.initial_bps_per_sqrt_s <= self.max_bps_per_sqrt_s:
            raise ValueError(
                "`initial_bps_per_sqrt_s` must lie between `min_bps_per_sqrt_s` and "
                "`max_bps_per_sqrt_s`"
            )


class IntensitySettings(ConfigSection, kw_only=True):
    """Arrival intensity lambda(delta) = A*exp(-k*delta): configured, or fitted to trades.

    With `calibrate`, the last `window_s` of trades give lambda at depths `bucket_bps` apart up to
    `max_depth_bps`; a fit needs `min_arrivals` arrivals over at least `min_span_s`, else the
    configured values stand.
    """

    a_per_s: Annotated[float, msgspec.Meta(gt=0, le=10_000)] = 1.0
    k_per_bps: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.3
    calibrate: bool = True
    window_s: Annotated[float, msgspec.Meta(ge=10, le=86_400)] = 600.0
    interval_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 5.0
    bucket_bps: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.5
    max_depth_bps: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 20.0
    min_arrivals: Annotated[int, msgspec.Meta(ge=3)] = 50
    min_span_s: Annotated[float, msgspec.Meta(gt=0, le=86_400)] = 60.0

    def __post_init__(self) -> None:
        if self.max_depth_bps < 3 * self.bucket_bps:
            raise ValueError("`max_depth_bps` must hold at least 3 buckets of `bucket_bps`")


class AvellanedaStoikovSettings(ConfigSection, kw_only=True):
    """gamma, and the horizon T-t: a constant `horizon_s` ("rolling"), or the time left in the
    current UTC-aligned cycle of `horizon_s` ("finite")."""

    gamma: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.01
    horizon: Literal["rolling", "finite"] = "rolling"
    horizon_s: Annotated[float, msgspec.Meta(gt=0, le=86_400 * 7)] = 60.0


class GlftSettings(ConfigSection, kw_only=True):
    """gamma, xi (left out: xi = gamma, as hftbacktest does), Delta in level-size units, and
    hftbacktest's adj1/adj2 scales of the half spread and the skew."""

    gamma: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.05
    xi: Annotated[float, msgspec.Meta(gt=0, le=100)] | None = None
    delta: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 1.0
    half_spread_scale: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.0
    skew_scale: Annotated[float, msgspec.Meta(ge=0, le=100)] = 1.0


class LeverageSettings(ConfigSection, kw_only=True):
    """Dynamic leverage: the mode's leverage x reference sigma / sigma, within [min, mode's]."""

    dynamic: bool = True
    reference_bps_per_sqrt_s: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 1.0
    min_leverage: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.0


class DefenceSettings(ConfigSection, kw_only=True):
    """Adverse-selection defence: a figure below its threshold widens the ladder by
    `extra_bps` and caps it at `max_levels` for at least `hold_s`. The figures are the
    monitor's (`monitor.stats`): spread capture and the `markout_horizon` markout of `window`,
    taken only once that window holds `min_fills` fills (fewer are noise)."""

    window: Literal["5m", "30m", "1h", "session"] = "5m"
    markout_horizon: Literal["1s", "5s", "30s", "60s"] = "5s"
    min_fills: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 5
    markout_threshold_bps: Annotated[float, msgspec.Meta(ge=-1000, le=1000)] = -3.0
    spread_capture_threshold_bps: Annotated[float, msgspec.Meta(ge=-1000, le=1000)] = -3.0
    extra_bps: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 3.0
    max_levels: Annotated[int, msgspec.Meta(ge=1, le=50)] = 2
    hold_s: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 300.0


class ThrottleSettings(ConfigSection, kw_only=True):
    """When a new ladder is worth an action: a level moved `min_move_bps`, a size changed by
    `min_size_change` (relative), or the mode's `quote_refresh_s` passed; `burst_actions` is
    the budget's bucket (the mode's `target_actions_per_day` refills it evenly)."""

    min_move_bps: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 1.0
    min_size_change: Annotated[float, msgspec.Meta(ge=0, le=10)] = 0.25
    burst_actions: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 20


class ModeParams(ConfigSection, kw_only=True):
    """One mode's parameter set (the old report's table). Every key is required."""

    quote: bool
    leverage: Annotated[float, msgspec.Meta(gt=0, le=100)]
    min_spread_bps: Annotated[float, msgspec.Meta(gt=0, le=10_000)]
    order_levels: Annotated[int, msgspec.Meta(ge=1, le=50)]
    level_spacing_bps: Annotated[float, msgspec.Meta(gt=0, le=1000)]
    order_size_pct: Annotated[float, msgspec.Meta(gt=0, le=100)]
    inventory_threshold: Annotated[float, msgspec.Meta(gt=0, le=1)]
    quote_refresh_s: Annotated[float, msgspec.Meta(gt=0, le=3600)]
    max_exposure_usd: Annotated[float, msgspec.Meta(gt=0)]
    target_actions_per_day: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]


class ModeTable(ConfigSection, kw_only=True):
    """The parameter set of each `monitor.mode`; emergency_defensive quotes nothing."""

    emergency_defensive: ModeParams = ModeParams(
        quote=False,
        leverage=1.0,
        min_spread_bps=20.0,
        order_levels=1,
        level_spacing_bps=5.0,
        order_size_pct=1.0,
        inventory_threshold=0.2,
        quote_refresh_s=5.0,
        max_exposure_usd=200.0,
        target_actions_per_day=2_000,
    )
    defensive: ModeParams = ModeParams(
        quote=True,
        leverage=2.0,
        min_spread_bps=10.0,
        order_levels=2,
        level_spacing_bps=3.0,
        order_size_pct=2.0,
        inventory_threshold=0.4,
        quote_refresh_s=3.0,
        max_exposure_usd=1_000.0,
        target_actions_per_day=5_000,
    )
    moderate: ModeParams = ModeParams(
        quote=True,
        leverage=5.0,
        min_spread_bps=5.0,
        order_levels=3,
        level_spacing_bps=2.0,
        order_size_pct=3.0,
        inventory_threshold=0.6,
        quote_refresh_s=2.0,
        max_exposure_usd=1_000.0,
        target_actions_per_day=10_000,
    )
    aggressive: ModeParams = ModeParams(
        quote=True,
        leverage=8.0,
        min_spread_bps=3.0,
        order_levels=4,
        level_spacing_bps=1.5,
        order_size_pct=3.0,
        inventory_threshold=0.75,
        quote_refresh_s=1.0,
        max_exposure_usd=1_000.0,
        target_actions_per_day=20_000,
    )
    very_aggressive: ModeParams = ModeParams(
        quote=True,
        leverage=10.0,
        min_spread_bps=2.0,
        order_levels=5,
        level_spacing_bps=1.0,
        order_size_pct=2.5,
        inventory_threshold=0.85,
        quote_refresh_s=0.5,
        max_exposure_usd=1_000.0,
        target_actions_per_day=40_000,
    )

    def get(self, mode: MonitorMode) -> ModeParams:
        params: ModeParams = getattr(self, mode)
        return params


class QuoterSettings(ConfigSection, kw_only=True):
    """The quoter's knobs (a `[quoter]` config table).

    `capital_usd` is the capital that order sizes are a share of (x leverage); the ages are how
    old the book and risk's state may be before the quoter quotes nothing; `default_mode` is in
    force until `monitor.mode` is heard; every `republish_interval_s` the latest intent of each
    market is published again (level-triggered).
    """

    model: ModelName = "glft"
    fair_price: Literal["mid", "micro"] = "micro"
    capital_usd: Annotated[float, msgspec.Meta(gt=0)] = 1000.0
    default_mode: MonitorMode = "moderate"
    republish_interval_s: Annotated[float, msgspec.Meta(ge=0.1, le=10)] = 1.0
    max_book_age_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 5.0
    max_risk_age_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 5.0
    volatility: VolatilitySettings = VolatilitySettings()
    intensity: IntensitySettings = IntensitySettings()
    avellaneda_stoikov: AvellanedaStoikovSettings = AvellanedaStoikovSettings()
    glft: GlftSettings = GlftSettings()
    leverage: LeverageSettings = LeverageSettings()
    defence: DefenceSettings = DefenceSettings()
    throttle: ThrottleSettings = ThrottleSettings()
    modes: ModeTable = ModeTable()
