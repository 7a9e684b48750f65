"""Order vocabulary shared by the book and the engine."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from amm.common.hyperliquid.rules import is_valid_cloid


class Tif(StrEnum):
    """Time in force, spelled as in Hyperliquid's order wire (``{"limit": {"tif": ...}}``)."""

    ALO = "Alo"
    IOC = "Ioc"
    GTC = "Gtc"


@dataclass(slots=True)
class RestingOrder:
    """A live order in the book. ``px`` is in price units and ``lots`` is what remains.

    Mutable on purpose: a partial fill decrements ``lots`` in place, keeping queue position.
    """

    oid: int
    user: str
    coin: str
    is_buy: bool
    px: int
    lots: int
    orig_lots: int
    tif: Tif
    reduce_only: bool
    cloid: str | None
    timestamp: int

    @property
    def side(self) -> str:
        """Hyperliquid's side letter: "B" (bid/buy) or "A" (ask/sell)."""
        return "B" if self.is_buy else "A"

    @classmethod
    def new(
        cls,
        oid: int,
        user: str,
        coin: str,
        is_buy: bool,
        px: int,
        lots: int,
        tif: Tif,
        reduce_only: bool,
        cloid: str | None,
        timestamp: int,
    ) -> RestingOrder:
        """An order as it arrives: nothing of it has traded (``orig_lots`` is ``lots``)."""
        return cls(oid, user, coin, is_buy, px, lots, lots, tif, reduce_only, cloid, timestamp)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A limit order as the /exchange ``order`` action carries it, already decoded to Decimals.

    Malformed input (a float price, a cloid that is not 16 bytes of hex) is a programming or
    decoding error of the caller and raises here; breaking an exchange rule is not, and comes back
    from the engine as an ``OrderError``.
    """

    coin: str
    is_buy: bool
    px: Decimal
    sz: Decimal
    tif: Tif = Tif.GTC
    reduce_only: bool = False
    cloid: str | None = None

    def __post_init__(self) -> None:
        for name in ("px", "sz"):
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"{name} must be a Decimal, got {getattr(self, name)!r}")
        object.__setattr__(self, "tif", Tif(self.tif))
        if self.cloid is not None:
            if not is_valid_cloid(self.cloid):
                raise ValueError(f"cloid must be 0x and 32 hex digits: {self.cloid!r}")
            object.__setattr__(self, "cloid", self.cloid.lower())

    @property
    def side(self) -> str:
        """Hyperliquid's side letter: "B" or "A"."""
        return "B" if self.is_buy else "A"
