"""The one position and PnL accounting of AMM-500 (DESIGN.md principle 7), exact in Decimal.

Two layers, both pure:

* ``Position`` and ``apply_fill``: one-way perp position maths, also what the paper venue's
  matching engine books with (``amm.common.sim.positions`` re-exports them), so the exchange we
  test against and our own books can never disagree by construction.
* ``Ledger``: per coin, the running books of our account fed with ``exec.fill`` bodies,
  idempotent by ``tid``: position (``szi``), average entry, realized PnL (average cost), fees,
  funding, buy/sell counts, volumes and notionals; unrealized and net PnL at a mark.

A position keeps its signed cost basis (``szi x average entry``) rather than the entry price:
opening, adding, fully closing and flipping are then exact in Decimal. Only a partial close needs
a division; its realized PnL is rounded to ``PNL_QUANTUM`` and the basis absorbs the remainder,
so cash is never created or lost by rounding. This is Hyperliquid's own rule for ``closedPnl``
(gross of fees): ``(px - entry) x closed size`` for a long, the mirror for a short.

Net PnL = realized + funding - fees + unrealized at the mark. Fees are summed whatever their
``fee_token`` (the dex's collateral, valued at par).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal

from amm.common.messages import Fill

ZERO = Decimal(0)
PNL_QUANTUM = Decimal("0.000001")
"""Realized PnL of a partial close is rounded to USDC's 6 decimals."""

_DIVISION = Context(prec=34)

OPEN_LONG = "Open Long"
CLOSE_LONG = "Close Long"
OPEN_SHORT = "Open Short"
CLOSE_SHORT = "Close Short"
LONG_TO_SHORT = "Long > Short"
SHORT_TO_LONG = "Short > Long"


@dataclass(frozen=True, slots=True)
class Position:
    """Signed size (``szi``: long > 0, short < 0) and signed cost basis (0 when flat)."""

    szi: Decimal = ZERO
    cost: Decimal = ZERO

    @classmethod
    def at(cls, szi: Decimal, entry_px: Decimal) -> Position:
        """A position of ``szi`` entered at ``entry_px``."""
        return cls(szi, szi * entry_px)

    @property
    def entry_px(self) -> Decimal:
        """Average entry price (0 when flat); for display, the basis is the exact value."""
        return ZERO if self.szi == 0 else _DIVISION.divide(self.cost, self.szi)

    def unrealized_pnl(self, mark_px: Decimal) -> Decimal:
        """Profit if the whole position were closed at ``mark_px``."""
        return self.szi * mark_px - self.cost

    def notional(self, px: Decimal) -> Decimal:
        """Absolute position value at ``px``."""
        return abs(self.szi) * px


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What one fill does to a position: the new position, realized PnL and Hyperliquid's dir."""

    position: Position
    closed_pnl: Decimal
    direction: str


def apply_fill(position: Position, *, is_buy: bool, px: Decimal, sz: Decimal) -> FillEffect:
    """Apply a fill of ``sz`` (> 0) at ``px`` to ``position``.

    Increasing adds to the basis; reducing realizes PnL against the average entry; flipping
    closes the whole old position at ``px`` and opens the remainder on the other side at ``px``.
    """
    if sz <= 0:
        raise ValueError(f"fill size must be positive: {sz}")
    start = position.szi
    signed = sz if is_buy else -sz
    new_szi = start + signed
    if start == 0 or (start > 0) == is_buy:
        direction = OPEN_LONG if is_buy else OPEN_SHORT
        return FillEffect(Position(new_szi, position.cost + signed * px), ZERO, direction)
    closing_dir = CLOSE_LONG if start > 0 else CLOSE_SHORT
    full_close_pnl = start * px - position.cost
    if new_szi == 0:
        return FillEffect(Position(), full_close_pnl, closing_dir)
    if (new_szi > 0) == (start > 0):
        closed_pnl = (full_close_pnl * sz / abs(start)).quantize(PNL_QUANTUM, ROUND_HALF_EVEN)
        basis_released = -signed * px - closed_pnl
        return FillEffect(
            Position(new_szi, position.cost - basis_released), closed_pnl, closing_dir
        )
    flip_dir = LONG_TO_SHORT if start > 0 else SHORT_TO_LONG
    return FillEffect(Position(new_szi, new_szi * px), full_close_pnl, flip_dir)


@dataclass(frozen=True, slots=True)
class CoinBooks:
    """Our books in one coin. Immutable: a fill makes a new one, so a copy is a snapshot.

    ``exchange_closed_pnl`` sums the fills' own ``closed_pnl``: equal to ``realized_pnl`` while
    our maths and the exchange's agree. ``rebases`` counts the times the position had to be taken
    from outside (a fill whose ``start_position`` was not our size, or ``Ledger.rebase``).
    """

    coin: str
    position: Position = Position()
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    exchange_closed_pnl: Decimal = ZERO
    buys: int = 0
    sells: int = 0
    buy_volume: Decimal = ZERO
    sell_volume: Decimal = ZERO
    buy_notional: Decimal = ZERO
    sell_notional: Decimal = ZERO
    last_fill_ms: int | None = None
    rebases: int = 0

    @property
    def szi(self) -> Decimal:
        """Signed position size."""
        return self.position.szi

    @property
    def entry_px(self) -> Decimal | None:
        """Average entry price, None when flat."""
        return None if self.position.szi == 0 else self.position.entry_px

    @property
    def fills(self) -> int:
        """Number of fills booked."""
        return self.buys + self.sells

    @property
    def avg_buy_px(self) -> Decimal | None:
        """Volume-weighted average buy price, None without buys."""
        return _DIVISION.divide(self.buy_notional, self.buy_volume) if self.buy_volume else None

    @property
    def avg_sell_px(self) -> Decimal | None:
        """Volume-weighted average sell price, None without sells."""
        return _DIVISION.divide(self.sell_notional, self.sell_volume) if self.sell_volume else None

    @property
    def cash_pnl(self) -> Decimal:
        """What has been settled in cash: realized PnL plus funding minus fees."""
        return self.realized_pnl + self.funding - self.fees

    def unrealized_pnl(self, mark_px: Decimal) -> Decimal:
        """Profit of the open position if closed at ``mark_px``."""
        return self.position.unrealized_pnl(mark_px)

    def net_pnl(self, mark_px: Decimal | None) -> Decimal:
        """Realized + funding - fees + unrealized at ``mark_px`` (None: the position at cost)."""
        unrealized = ZERO if mark_px is None else self.unrealized_pnl(mark_px)
        return self.cash_pnl + unrealized

    def notional(self, mark_px: Decimal) -> Decimal:
        """Signed position value at ``mark_px``: > 0 long, < 0 short."""
        return self.position.szi * mark_px


@dataclass(slots=True)
class Ledger:
    """Every coin's books; fills are booked once each, keyed by the exchange's ``tid``."""

    books: dict[str, CoinBooks] = field(default_factory=dict)
    _tids: set[int] = field(default_factory=set)
    _funding_keys: set[tuple[str, int]] = field(default_factory=set)

    def coin(self, coin: str) -> CoinBooks:
        """The books of ``coin`` (empty ones if nothing was booked)."""
        return self.books.get(coin) or CoinBooks(coin)

    def knows(self, tid: int) -> bool:
        """True if the fill with this ``tid`` is booked."""
        return tid in self._tids

    def apply(self, fill: Fill) -> bool:
        """Book one ``exec.fill``; False (and no change) if its ``tid`` is already booked.

        A fill whose ``start_position`` is not our size means history we never saw (fills
        before the journal began): the position is first taken as ``start_position``, entered at
        the price the fill's own ``closed_pnl`` implies if it closes, else at the fill price.
        """
        if fill.tid in self._tids:
            return False
        self._tids.add(fill.tid)
        books = self.coin(fill.coin)
        if books.position.szi != fill.start_position:
            books = replace(books, position=_implied_start(fill), rebases=books.rebases + 1)
        is_buy = fill.side == "B"
        effect = apply_fill(books.position, is_buy=is_buy, px=fill.px, sz=fill.sz)
        notional = fill.px * fill.sz
        self.books[fill.coin] = replace(
            books,
            position=effect.position,
            realized_pnl=books.realized_pnl + effect.closed_pnl,
            fees=books.fees + fill.fee,
            exchange_closed_pnl=books.exchange_closed_pnl + fill.closed_pnl,
            buys=books.buys + is_buy,
            sells=books.sells + (not is_buy),
            buy_volume=books.buy_volume + (fill.sz if is_buy else ZERO),
            sell_volume=books.sell_volume + (ZERO if is_buy else fill.sz),
            buy_notional=books.buy_notional + (notional if is_buy else ZERO),
            sell_notional=books.sell_notional + (ZERO if is_buy else notional),
            last_fill_ms=max(fill.time_ms, books.last_fill_ms or fill.time_ms),
        )
        return True

    def apply_all(self, fills: Iterable[Fill]) -> int:
        """Book fills in order; how many were new."""
        return sum(self.apply(fill) for fill in fills)

    def apply_funding(self, coin: str, usdc: Decimal, time_ms: int) -> bool:
        """Book one funding payment (``usdc`` > 0 received); once per coin and time."""
        key = (coin, time_ms)
        if key in self._funding_keys:
            return False
        self._funding_keys.add(key)
        books = self.coin(coin)
        self.books[coin] = replace(books, funding=books.funding + usdc)
        return True

    def rebase(self, coin: str, szi: Decimal, entry_px: Decimal | None) -> None:
        """Take the position from outside (the exchange's view), keeping PnL and counters."""
        if szi != 0 and entry_px is None:
            raise ValueError(f"{coin}: a position of {szi} needs an entry price")
        books = self.coin(coin)
        position = Position() if entry_px is None or szi == 0 else Position.at(szi, entry_px)
        self.books[coin] = replace(books, position=position, rebases=books.rebases + 1)

    def net_pnl(self, marks: Mapping[str, Decimal | None]) -> Decimal:
        """Net PnL of every coin, each at its mark (a coin without one at cost)."""
        return sum((b.net_pnl(marks.get(c)) for c, b in self.books.items()), ZERO)


def _implied_start(fill: Fill) -> Position:
    """The position before ``fill`` when we never saw how it was built."""
    start = fill.start_position
    if start == 0:
        return Position()
    closes = (start > 0) != (fill.side == "B")
    if not closes:
        return Position.at(start, fill.px)
    closed_sz = min(fill.sz, abs(start))
    per_unit = _DIVISION.divide(fill.closed_pnl, closed_sz)
    entry = fill.px - per_unit if start > 0 else fill.px + per_unit
    return Position.at(start, entry)
