"""The initial-margin rule of the paper venue (cross margin only).

Per market, the requirement is the worst case of two scenarios: every resting buy fills, or every
resting sell fills. Its size is valued at the market's reference price (mark, else last trade) and
divided by the user's leverage there:

    max(|szi + open_buys|, |szi - open_sells|) * ref_px / leverage

so a resting order that only reduces the position costs nothing, and one that would flip or grow
it costs the growth. A market with no reference price yet (no mark, no trade, hence no position)
values the orders at their own limit prices: ``max(sum buy px*sz, sum sell px*sz) / leverage``.

An order is accepted when, with it counted as resting, the total requirement over all markets is
at most the account value (collateral + unrealized PnL at reference prices), or when it does not
raise the requirement at all (reducing is always allowed).
"""

from __future__ import annotations

from decimal import Context, Decimal

_DIVISION = Context(prec=34)


def market_initial_margin(
    *,
    szi: Decimal,
    buy_sz: Decimal,
    sell_sz: Decimal,
    buy_notional: Decimal,
    sell_notional: Decimal,
    ref_px: Decimal | None,
    leverage: int,
) -> Decimal:
    """Initial margin one market needs for its position and resting orders (see module doc)."""
    if ref_px is None:
        return _DIVISION.divide(max(buy_notional, sell_notional), leverage)
    exposure = max(abs(szi + buy_sz), abs(szi - sell_sz))
    return _DIVISION.divide(exposure * ref_px, leverage)


def accepts(*, required_after: Decimal, required_before: Decimal, account_value: Decimal) -> bool:
    """True if a change moving the requirement from before to after may go ahead."""
    return required_after <= account_value or required_after <= required_before
