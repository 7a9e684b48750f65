"""How large a market's position may get: the tightest of exposure, leverage and margin.

All three are one cap on the position if a whole side of the ladder filled, in coin units at
the mid, the same both ways (long and short):

* ``MAX_POSITION``: ``max_exposure_usd``;
* ``MAX_LEVERAGE``: ``max_leverage`` x the account value;
* ``MARGIN``: ``max_margin_use`` x the account value x the leverage in force (the initial
  margin of that position, the exchange's own rule, stays within that share of the account).

The account value is the dex's (``exec.position``), shared evenly by the configured markets on
that dex. The size is the USD cap divided by the mid, rounded down to the lot grid: a size
within it is worth at most the cap at the mid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal

from amm.common.hyperliquid.rules import round_size
from amm.services.risk.reasons import MARGIN, MAX_LEVERAGE, MAX_POSITION
from amm.services.risk.settings import RiskSettings

_FLOOR = Context(prec=34, rounding=ROUND_FLOOR)
_EXACT = Context(prec=34)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the cap needs from ``exec.position``: this market's share of the account."""

    account_value: Decimal
    leverage: int
    markets_sharing: int = 1

    def __post_init__(self) -> None:
        if self.leverage < 1 or self.markets_sharing < 1:
            raise ValueError(f"leverage and markets_sharing must be >= 1: {self}")


@dataclass(frozen=True, slots=True)
class Cap:
    """The largest |position| if a side filled, the USD it stands for and which limit binds."""

    max_sz: Decimal
    usd: Decimal
    binding: str


def position_cap(
    mid: Decimal, account: AccountFacts, sz_decimals: int, settings: RiskSettings
) -> Cap:
    """The tightest of the three caps at ``mid`` (ties go to the first in the module doc)."""
    if mid <= 0:
        raise ValueError(f"mid must be positive: {mid}")
    share = max(ZERO, _FLOOR.divide(account.account_value, account.markets_sharing))
    candidates = (
        (settings.max_exposure_usd, MAX_POSITION),
        (share * settings.max_leverage, MAX_LEVERAGE),
        (share * settings.max_margin_use * account.leverage, MARGIN),
    )
    usd, binding = min(candidates, key=lambda candidate: candidate[0])
    return Cap(round_size(_FLOOR.divide(usd, mid), sz_decimals), usd, binding)


def delta(szi: Decimal, px: Decimal, settings: RiskSettings) -> Decimal:
    """Signed inventory delta: position notional at ``px`` over ``max_exposure_usd``."""
    return _EXACT.divide(szi * px, settings.max_exposure_usd)
