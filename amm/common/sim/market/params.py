"""The market models' parameters, as config tables (`[venue.synthetic]`, `[venue.replay]`)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from amm.common.config_section import ConfigSection


class SyntheticParams(ConfigSection, kw_only=True):
    """A random-walk mid with jumps, house liquidity around it and Poisson takers.

    The exact model (what is drawn when) is in ``amm.common.sim.market.synthetic``.
    """

    volatility_bps_per_sqrt_s: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 1.0
    jump_rate_per_hour: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 2.0
    jump_bps: Annotated[float, msgspec.Meta(ge=0, le=10_000)] = 20.0
    step_ms: Annotated[int, msgspec.Meta(ge=10, le=60_000)] = 200
    maker_levels: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    maker_half_spread_bps: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 2.0
    maker_level_spacing_bps: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 1.0
    maker_level_usd: Annotated[float, msgspec.Meta(gt=0)] = 5_000.0
    # A: takers per second per side; an order d bps from the mid is hit A*exp(-k*d) times a second
    taker_intensity_per_s: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 1.0
    taker_decay_per_bps: Annotated[float, msgspec.Meta(ge=0, le=100)] = 0.3  # k, per bps
    # the least a taker sends; it is enlarged to everything resting within its depth
    taker_usd: Annotated[float, msgspec.Meta(gt=0)] = 200.0
    informed_share: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.2
    informed_lead_s: Annotated[float, msgspec.Meta(ge=0, le=600)] = 2.0


class ReplayParams(ConfigSection, kw_only=True):
    """Real L2 snapshots as the public book (relative paths are relative to the config file)."""

    file: Annotated[str, msgspec.Meta(min_length=1)]
    coin: Annotated[str, msgspec.Meta(min_length=1)]  # the venue market the snapshots stand for
    loop: bool = True
