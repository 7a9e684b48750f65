"""The cross-check: does trade-based PnL explain the exchange's account value on each dex?

A HIP-3 dex holds its own collateral, so the check is per dex: ``exec.position`` of a market
carries the account value of the market's dex. Trade-based PnL of the dex is the ledger's net PnL
(realized + funding - fees + unrealized) summed over the dex's coins, each open position valued
at the exchange's own mark (``position_value / |szi|`` of its ``exec.position``), the mark the
account value uses. The first usable reading of a session is the baseline; every cycle after,

    divergence = (account value now - at the baseline) - (trade PnL now - at the baseline)

A reading is one ``exec.position`` per configured market of the dex from the same exchange
read (the same ``time_ms``), no older than any of those coins' last booked fill (an older one
cannot show the fill yet) and no newer than the funding read so far (a newer one may hold a
payment the ledger has not booked yet); the newest such read is used, and funding booked with a
later time than the read's is left out of its trade PnL. Deposits, withdrawals and
transfers move the account value without trading and show up as divergence, as do a missed fill
or funding payment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from amm.common.accounting import ZERO, Ledger
from amm.common.hyperliquid.meta import dex_of
from amm.common.messages import CrossCheck, Position
from amm.services.monitor.state import Funding


@dataclass(frozen=True, slots=True)
class Baseline:
    """The account value and trade PnL of a dex when the check began."""

    time_ms: int
    account_value: Decimal
    trade_pnl: Decimal


@dataclass(frozen=True, slots=True)
class Reading:
    """One usable reading of a dex: account value, trade PnL, each market's size gap."""

    dex: str
    time_ms: int
    account_value: Decimal
    trade_pnl: Decimal
    size_gaps: dict[str, Decimal]  # |exchange szi - ledger szi| per configured market


def exchange_mark(position: Position) -> Decimal | None:
    """The mark the exchange values the position at; None when flat."""
    return None if position.szi == 0 else position.position_value / abs(position.szi)


def read(
    dex: str,
    coins: Sequence[str],
    positions: Mapping[str, Sequence[Position]],
    ledger: Ledger,
    funding: Sequence[Funding],
    funding_until_ms: int | None,
) -> Reading | None:
    """The dex's newest usable reading, or None (see the module docstring).

    ``positions``: each coin's recent ``exec.position`` bodies, oldest first; ``funding``: the
    payments booked in ``ledger``, read up to ``funding_until_ms`` (None: not read at all).
    """
    mine = [coin for coin in coins if dex_of(coin) == dex]
    if not mine or any(not positions.get(coin) for coin in mine):
        return None
    oldest_ms = max((ledger.coin(coin).last_fill_ms or 0) for coin in mine)
    newest_ms = funding_until_ms
    for first in reversed(positions[mine[0]]):
        time_ms = first.time_ms
        if time_ms < oldest_ms:
            return None
        if newest_ms is not None and time_ms > newest_ms:
            continue
        read_at = {coin: _at(positions[coin], time_ms) for coin in mine}
        if all(position is not None for position in read_at.values()):
            later = sum((u for c, t, u in funding if dex_of(c) == dex and t > time_ms), ZERO)
            reading = _reading(dex, time_ms, read_at, ledger)  # type: ignore[arg-type]
            return replace(reading, trade_pnl=reading.trade_pnl - later)
    return None


def _at(history: Sequence[Position], time_ms: int) -> Position | None:
    return next((p for p in reversed(history) if p.time_ms == time_ms), None)


def _reading(dex: str, time_ms: int, read_at: Mapping[str, Position], ledger: Ledger) -> Reading:
    marks = {coin: exchange_mark(position) for coin, position in read_at.items()}
    trade_pnl = sum(
        (b.net_pnl(marks.get(coin)) for coin, b in ledger.books.items() if dex_of(coin) == dex),
        ZERO,
    )
    gaps = {coin: abs(p.szi - ledger.coin(coin).szi) for coin, p in read_at.items()}
    account_value = next(iter(read_at.values())).account_value
    return Reading(dex, time_ms, account_value, trade_pnl, gaps)


def compare(baseline: Baseline, reading: Reading) -> CrossCheck:
    """The cross-check of ``reading`` against the dex's baseline."""
    account_change = reading.account_value - baseline.account_value
    trade_change = reading.trade_pnl - baseline.trade_pnl
    return CrossCheck(
        dex=reading.dex,
        since_ms=baseline.time_ms,
        account_value=reading.account_value,
        account_change=account_change,
        trade_pnl_change=trade_change,
        divergence=account_change - trade_change,
    )


def baseline_of(reading: Reading) -> Baseline:
    """A reading as the dex's baseline."""
    return Baseline(reading.time_ms, reading.account_value, reading.trade_pnl)
