"""The engine's position maths: the shared accounting module's, never a copy of it.

DESIGN.md principle 7 (one source for position and PnL maths): the venue, the backtester, risk
and monitor all use ``amm.common.accounting``; this module only keeps the engine's imports short.
"""

from __future__ import annotations

from amm.common.accounting import (
    CLOSE_LONG,
    CLOSE_SHORT,
    LONG_TO_SHORT,
    OPEN_LONG,
    OPEN_SHORT,
    PNL_QUANTUM,
    SHORT_TO_LONG,
    ZERO,
    FillEffect,
    Position,
    apply_fill,
)

__all__ = [
    "CLOSE_LONG",
    "CLOSE_SHORT",
    "LONG_TO_SHORT",
    "OPEN_LONG",
    "OPEN_SHORT",
    "PNL_QUANTUM",
    "SHORT_TO_LONG",
    "ZERO",
    "FillEffect",
    "Position",
    "apply_fill",
]
