"""How risk shows what it holds: ``risk.state`` positions and limits, the ``state`` op's books.

Decimals are written as Hyperliquid writes numbers (exact strings), so a reader with nothing
but msgpack gets the exact values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from amm.common.accounting import ZERO, CoinBooks
from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.messages import RiskPosition
from amm.services.risk.settings import RiskSettings

LIMIT_KEYS = (
    "max_exposure_usd",
    "max_order_usd",
    "max_leverage",
    "max_margin_use",
    "collar_bps",
    "max_fair_deviation_bps",
    "max_session_loss_usd",
    "reduce_at_delta",
    "reduce_exit_delta",
    "rebalance_at_delta",
    "rebalance_exit_delta",
    "halt_at_delta",
)
"""The settings that bound a ladder or the state, as listed in ``risk.state.limits``."""


def wire(value: Decimal | None) -> str | None:
    """A decimal as an exact string (None stays None)."""
    return None if value is None else decimal_to_wire(value)


def settings_limits(settings: RiskSettings) -> dict[str, Any]:
    """The configured limits, the part of ``risk.state.limits`` that never changes."""
    limits: dict[str, Any] = {name: wire(getattr(settings, name)) for name in LIMIT_KEYS}
    limits["max_levels_per_side"] = settings.max_levels_per_side
    return limits


def risk_position(books: CoinBooks, px: Decimal | None, delta: Decimal) -> RiskPosition:
    """One market's entry of ``risk.state.positions``, valued at ``px`` (None: unknown)."""
    entry_px = books.entry_px
    return RiskPosition(
        szi=books.szi,
        entry_px=entry_px if entry_px is not None and entry_px > 0 else None,
        notional=ZERO if px is None else books.notional(px),
        delta=float(delta),
    )


def books_view(books: CoinBooks) -> dict[str, Any]:
    """The ledger's books of one coin, for the ``state`` op."""
    return {
        "szi": wire(books.szi),
        "entry_px": wire(books.entry_px),
        "realized_pnl": wire(books.realized_pnl),
        "exchange_closed_pnl": wire(books.exchange_closed_pnl),
        "fees": wire(books.fees),
        "funding": wire(books.funding),
        "buys": books.buys,
        "sells": books.sells,
        "buy_volume": wire(books.buy_volume),
        "sell_volume": wire(books.sell_volume),
        "rebases": books.rebases,
    }
