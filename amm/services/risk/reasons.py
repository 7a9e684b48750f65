"""Every reason code risk puts on ``risk.decision`` and ``risk.state``, with its meaning.

A decision lists all the codes that apply, in the order of ``MEANINGS``. Vetoes (``BLOCKING``
and ``QUOTING``) empty the ladder; a ``QUOTING`` veto still lets a due rebalance through (the
verdict is then ``amend`` with an empty ladder, so execution cancels every quote and sends the
reduce-only order). Amend codes name what was trimmed or dropped. The kill-switch codes appear as
``risk.state.halted_by`` and, while halted, in ``reasons``.
"""

from __future__ import annotations

SNAPSHOT_PENDING = "SNAPSHOT_PENDING"
TRADING_HALTED = "TRADING_HALTED"
UNKNOWN_MARKET = "UNKNOWN_MARKET"
STALE_MARKET_DATA = "STALE_MARKET_DATA"
POSITION_MISMATCH = "POSITION_MISMATCH"
NO_INTENT = "NO_INTENT"
STALE_INTENT = "STALE_INTENT"
FAIR_PRICE_DEVIATION = "FAIR_PRICE_DEVIATION"
STALE_ACCOUNT = "STALE_ACCOUNT"
QUOTE_RATE = "QUOTE_RATE"
INVALID_LEVEL = "INVALID_LEVEL"
PRICE_COLLAR = "PRICE_COLLAR"
REDUCING = "REDUCING"
MAX_LEVELS = "MAX_LEVELS"
MAX_ORDER_SIZE = "MAX_ORDER_SIZE"
MAX_POSITION = "MAX_POSITION"
MAX_LEVERAGE = "MAX_LEVERAGE"
MARGIN = "MARGIN"
REBALANCE = "REBALANCE"
SESSION_LOSS = "SESSION_LOSS"
CRITICAL_IMBALANCE = "CRITICAL_IMBALANCE"
MANUAL_HALT = "MANUAL_HALT"
HALT_STORE_UNREADABLE = "HALT_STORE_UNREADABLE"

MEANINGS: dict[str, str] = {
    SNAPSHOT_PENDING: "risk holds no complete snapshot from execution yet (at start-up, or "
    "while resyncing after a lost exec.fill, a journal gap or a new execution epoch); "
    "risk.state.snapshot_ok is false",
    TRADING_HALTED: "the kill switch is on (risk.state.halted_by says why) until an operator "
    "runs `amm risk resume`",
    UNKNOWN_MARKET: "the coin is not a configured market, or its exchange rules (szDecimals) "
    "have not been loaded yet",
    STALE_MARKET_DATA: "no fresh mid: md.status for the coin (or the overall state if the coin "
    "has no entry) is not live or was last received max_md_age_ms ago or more, or the last "
    "two-sided, uncrossed top of book (md.bbo / md.book) was received max_md_age_ms ago or more "
    "(a one-sided or crossed top after it is bridged by it until then)",
    POSITION_MISMATCH: "our fills and execution's exec.position have disagreed on the size for "
    "position_mismatch_s; a full resync is under way",
    NO_INTENT: "no quote.intent received for this market since risk started",
    STALE_INTENT: "the latest quote.intent was received max_intent_age_ms ago or more",
    FAIR_PRICE_DEVIATION: "the intent's fair_px is more than max_fair_deviation_bps from the mid",
    STALE_ACCOUNT: "no exec.position (account value, leverage) received within "
    "max_account_age_ms: margin and leverage cannot be checked",
    QUOTE_RATE: "more than max_intents_per_s intents in the last second: this one was not "
    "taken, the decision answers the last one taken",
    INVALID_LEVEL: "a level off the exchange's price grid or lot grid, or below the $10 minimum "
    "order value, was dropped",
    PRICE_COLLAR: "a level more than collar_bps from fair_px was dropped",
    REDUCING: "state REDUCING: the side that increases exposure was dropped, the reducing side "
    "cut to the position's size and moved up to reduce_skew_bps towards the other side",
    MAX_LEVELS: "levels beyond max_levels_per_side (the farthest from the touch) were dropped",
    MAX_ORDER_SIZE: "a level worth more than max_order_usd was cut to that value (or dropped "
    "when the cut fell below the $10 minimum)",
    MAX_POSITION: "levels were trimmed so that the position if every order of a side filled "
    "stays within max_exposure_usd",
    MAX_LEVERAGE: "levels were trimmed so that the gross notional if a side filled stays "
    "within max_leverage times the account value",
    MARGIN: "levels were trimmed so that the initial margin if a side filled stays within "
    "max_margin_use of the account value",
    REBALANCE: "|delta| reached rebalance_at_delta: a reduce-only IOC rides on this decision",
    SESSION_LOSS: "kill switch: session PnL reached -max_session_loss_usd",
    CRITICAL_IMBALANCE: "kill switch: |delta| reached halt_at_delta",
    MANUAL_HALT: "kill switch: an operator ran `amm risk halt`",
    HALT_STORE_UNREADABLE: "kill switch: risk's halt file exists but cannot be read; it fails "
    "closed as halted",
}

BLOCKING = (
    SNAPSHOT_PENDING,
    TRADING_HALTED,
    UNKNOWN_MARKET,
    STALE_MARKET_DATA,
    POSITION_MISMATCH,
)
QUOTING = (NO_INTENT, STALE_INTENT, FAIR_PRICE_DEVIATION, STALE_ACCOUNT)
KILL_SWITCH = (SESSION_LOSS, CRITICAL_IMBALANCE, MANUAL_HALT, HALT_STORE_UNREADABLE)
_ORDER = {code: index for index, code in enumerate(MEANINGS)}


def ordered(codes: set[str]) -> list[str]:
    """Codes in the documented order, each once."""
    return sorted(codes, key=_ORDER.__getitem__)
