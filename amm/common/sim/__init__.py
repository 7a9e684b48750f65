"""Pure, deterministic core of the paper venue: books, matching, accounts, margin, funding.

Shared by the venue's HTTP/websocket shell and the backtester; no I/O, no clock, no randomness.
"""

from amm.common.sim.engine import HOUSE_ADDRESS, EngineConfig, MatchingEngine
from amm.common.sim.events import (
    CancelResult,
    Event,
    Fill,
    Filled,
    Funding,
    OrderError,
    OrderStatus,
    OrderUpdate,
    PlaceResult,
    Resting,
    Trade,
)
from amm.common.sim.orders import OrderRequest, Tif
from amm.common.sim.positions import FillEffect, Position, apply_fill
from amm.common.sim.views import AccountView, Bbo, L2Book, Level, OpenOrder, PositionView

__all__ = [
    "HOUSE_ADDRESS",
    "AccountView",
    "Bbo",
    "CancelResult",
    "EngineConfig",
    "Event",
    "Fill",
    "FillEffect",
    "Filled",
    "Funding",
    "L2Book",
    "Level",
    "MatchingEngine",
    "OpenOrder",
    "OrderError",
    "OrderRequest",
    "OrderStatus",
    "OrderUpdate",
    "PlaceResult",
    "Position",
    "PositionView",
    "Resting",
    "Tif",
    "Trade",
    "apply_fill",
]
