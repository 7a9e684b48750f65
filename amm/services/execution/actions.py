"""What execution asks the exchange to do: the vocabulary shared by planner, book and budget.

Prices and sizes are exact Decimals; the service turns them into Hyperliquid's wire (asset id,
strings) only when it signs. Every action names its order by cloid, so a resent action targets the
same order and never creates a second one (``batchModify`` and ``cancelByCloid`` take a cloid).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from amm.common.messages import Side

Tif = Literal["Alo", "Ioc", "Gtc"]
QUOTE_TIF: Tif = "Alo"
REBALANCE_TIF: Tif = "Ioc"


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """An order's terms, named by cloid: what a place and a modify both carry."""

    cloid: str
    coin: str
    side: Side
    px: Decimal
    sz: Decimal
    tif: Tif
    reduce_only: bool = False

    @property
    def is_buy(self) -> bool:
        """Hyperliquid's ``b`` field."""
        return self.side == "B"


@dataclass(frozen=True, slots=True)
class NewOrder(OrderTerms):
    """One order of a bulk ``order`` action."""


@dataclass(frozen=True, slots=True)
class Modify(OrderTerms):
    """One element of a ``batchModify``: the order with ``cloid`` gets new terms, same cloid."""


@dataclass(frozen=True, slots=True)
class Cancel:
    """One element of a ``cancelByCloid``."""

    cloid: str
    coin: str


Action = NewOrder | Modify | Cancel


@dataclass(frozen=True, slots=True)
class Dropped:
    """A desired order the planner refused, and why (a reason code)."""

    side: Side
    px: Decimal
    sz: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What to send for one market now: at most one action per cloid.

    ``places`` go as one bulk ``order`` (Alo quotes), ``modifies`` as one ``batchModify``,
    ``cancels`` as one bulk ``cancelByCloid``, ``rebalance`` as its own ``order`` (reduce-only
    Ioc); ``rebalance_decision_id`` is the decision it answers.
    """

    coin: str
    cancels: tuple[Cancel, ...] = ()
    modifies: tuple[Modify, ...] = ()
    places: tuple[NewOrder, ...] = ()
    rebalance: NewOrder | None = None
    rebalance_decision_id: int | None = None
    dropped: tuple[Dropped, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing needs sending."""
        return not (self.cancels or self.modifies or self.places or self.rebalance)

    def cloids(self) -> list[str]:
        """Every cloid an action of this plan targets, in send order (cancels first)."""
        rebalance = [self.rebalance.cloid] if self.rebalance else []
        return [
            *(c.cloid for c in self.cancels),
            *rebalance,
            *(m.cloid for m in self.modifies),
            *(p.cloid for p in self.places),
        ]
