"""The session: what risk's PnL and the session-loss kill switch are measured from.

A session starts when risk starts (and again when an operator resumes trading: the loss that
tripped the switch is then acknowledged). Session PnL is the change of the ledger's net PnL
(realized - fees + unrealized) since the start, marked to the mid:

    sum over coins of  net(books now, mid now) - net(books at the start, opening mark)

The coins are the configured markets only: risk books no fill of another market (``logic.py``
leaves them out), so a trade placed by hand elsewhere on the account cannot trip
``SESSION_LOSS``. Funding is not included: no funding payment is on the bus yet (``exec.fill``
carries none and nothing else publishes them), so risk's ledger books none and the ledger's
funding term stays 0.

The books at the start are the ledger's just before the first fill timed at or after the start
(or, for a coin without such a fill, when risk first holds execution's snapshot). The opening
mark of a coin is the first mid risk saw in the session. A coin without a mid yet counts its
position at cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.accounting import ZERO, CoinBooks, Ledger
from amm.common.messages import Fill

_MS = 1_000_000


@dataclass(slots=True)
class Session:
    """The session's start, each coin's books at the start and its opening mark."""

    start_ns: int
    openings: dict[str, CoinBooks] = field(default_factory=dict)
    opening_marks: dict[str, Decimal] = field(default_factory=dict)

    @property
    def start_ms(self) -> int:
        """The start in exchange-time units (fill times are ms)."""
        return self.start_ns // _MS

    def note_mid(self, coin: str, mid: Decimal) -> None:
        """A mid was seen: the first one of each coin is its opening mark."""
        self.opening_marks.setdefault(coin, mid)

    def open_coins(self, ledger: Ledger, coins: Iterable[str]) -> None:
        """Take the books at the start of every coin not opened yet."""
        for coin in coins:
            self.openings.setdefault(coin, ledger.coin(coin))

    def replay(self, ledger: Ledger, fills: Iterable[Fill]) -> None:
        """Book history into ``ledger``, opening each coin before its first session fill."""
        self.openings.clear()
        for fill in fills:
            if fill.time_ms >= self.start_ms:
                self.open_coins(ledger, [fill.coin])
            ledger.apply(fill)

    def pnl(self, ledger: Ledger, mids: Mapping[str, Decimal | None]) -> Decimal:
        """Session PnL (see the module docstring)."""
        total = ZERO
        for coin in set(ledger.books) | set(self.openings):
            mid = mids.get(coin)
            opening_mark = None if mid is None else self.opening_marks.get(coin)
            opening = self.openings.get(coin) or CoinBooks(coin)
            total += ledger.coin(coin).net_pnl(mid) - opening.net_pnl(opening_mark)
        return total
