"""Whether a new ladder is worth an action, within a budget of target actions per day.

Every new intent (a re-quote) costs one action from a token bucket shared by all markets (the
exchange's limits are per account): it holds at most `burst_actions` and refills evenly at
`target_actions_per_day` / 86,400 per second, so the day's budget is spread over the day.

A new ladder is sent when it differs from the last one sent and:

- it is empty (quote nothing), or the last one sent now crosses the book: at once, without
  spending the budget (safety is never throttled);
- it restores quoting after an empty one: at once, without spending the budget either. The
  quoter pulled its ladder for a reason that has now cleared, and making it wait for a token
  would leave the market unquoted for up to a refill period. This cannot be used to spend
  actions without bound: a free restore only ever follows an empty intent, and an empty intent
  only follows a fail-closed input (no usable book for `max_book_age_s`, a feed not live, risk's
  state missing, stale or HALTED, a mode that quotes nothing) or a ladder shaping left without
  a level; so there are at most as many free restores as such inputs, and the ladders in between
  still pay;
- it changes which sides are quoted (a side appears or disappears): at once, without spending
  the budget. Sides change when inventory crosses the quoter's threshold or, in REDUCING, when
  the position crosses zero and the reducing side flips; a token wait there would leave the
  market unquoted, or the inventory unreduced, for up to a refill period. It is bounded like the
  restore: a side only changes after fills have moved the position (or risk's state changed);
- otherwise, when a token is available and a level moved at least `min_move_bps`, a size changed
  by `min_size_change` (relative), a side gained or lost levels, the mode changed, or the mode's
  `quote_refresh_s` passed since the last new ladder.

Re-publishing the last intent on the timer is not a new ladder and costs nothing.
"""

from __future__ import annotations

from decimal import Decimal

from amm.services.quoter.fair import TopOfBook
from amm.services.quoter.ladder import Ladder
from amm.services.quoter.settings import ThrottleSettings

_NS = 1_000_000_000
_DAY_S = 86_400.0
_BPS = Decimal(10_000)


class ActionBudget:
    """A token bucket of actions; the refill rate is passed in because modes change it."""

    def __init__(self, burst: int) -> None:
        self.burst = float(burst)
        self.tokens = float(burst)
        self.spent = 0
        self._refilled_ns: int | None = None

    def refill(self, per_day: float, now_ns: int) -> None:
        """Add what `per_day` earned since the last refill, up to the burst."""
        if self._refilled_ns is None:
            self._refilled_ns = now_ns
        elif now_ns > self._refilled_ns:
            elapsed_s = (now_ns - self._refilled_ns) / _NS
            self.tokens = min(self.burst, self.tokens + elapsed_s * per_day / _DAY_S)
            self._refilled_ns = now_ns

    def try_spend(self, per_day: float, now_ns: int) -> bool:
        """Spend one action if the bucket holds one."""
        self.refill(per_day, now_ns)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        self.spent += 1
        return True


def crosses(ladder: Ladder, top: TopOfBook) -> bool:
    """True if a bid is at or above the best ask, or an ask at or below the best bid."""
    return any(level.px >= top.ask_px for level in ladder.bids) or any(
        level.px <= top.bid_px for level in ladder.asks
    )


def moved(old: Ladder, new: Ladder, fair: Decimal, settings: ThrottleSettings) -> bool:
    """True if a side changed its number of levels, or a level moved or resized enough."""
    if len(old.bids) != len(new.bids) or len(old.asks) != len(new.asks):
        return True
    min_move = Decimal(repr(settings.min_move_bps))
    min_change = Decimal(repr(settings.min_size_change))
    for before, after in zip((*old.bids, *old.asks), (*new.bids, *new.asks), strict=True):
        if abs(after.px - before.px) / fair * _BPS >= min_move:
            return True
        if abs(after.sz - before.sz) >= min_change * before.sz:
            return True
    return False


def _sides(ladder: Ladder) -> tuple[bool, bool]:
    return bool(ladder.bids), bool(ladder.asks)


class Throttle:
    """Decides, for one market, whether the ladder just computed becomes a new intent."""

    def __init__(self, settings: ThrottleSettings, budget: ActionBudget) -> None:
        self.settings = settings
        self.budget = budget
        self.sent: Ladder | None = None
        self.sent_mode: str | None = None
        self.sent_ns: int | None = None

    def admit(
        self,
        ladder: Ladder,
        mode: str,
        fair: Decimal,
        top: TopOfBook | None,
        refresh_s: float,
        per_day: float,
        now_ns: int,
    ) -> str | None:
        """The reason to send `ladder` now (and record it as sent), or None to keep the last."""
        sent = self.sent
        self.budget.refill(per_day, now_ns)
        if sent is not None and ladder == sent and mode == self.sent_mode:
            return None
        reason = self._urgent(sent, ladder, top)
        if reason is None:
            reason = self._worth(sent, ladder, mode, fair, refresh_s, now_ns)
            if reason is None or not self.budget.try_spend(per_day, now_ns):
                return None
        self.sent, self.sent_mode, self.sent_ns = ladder, mode, now_ns
        return reason

    def _urgent(self, sent: Ladder | None, ladder: Ladder, top: TopOfBook | None) -> str | None:
        if ladder.empty:
            return "empty"
        if sent is not None and sent.empty:
            return "restore"  # free, like the empty one it follows (see the module docstring)
        if sent is not None and _sides(sent) != _sides(ladder):
            return "reshaped"  # free: the position or risk's state changed what may be quoted
        if sent is not None and top is not None and crosses(sent, top):
            return "crossed"
        return None

    def _worth(
        self,
        sent: Ladder | None,
        ladder: Ladder,
        mode: str,
        fair: Decimal,
        refresh_s: float,
        now_ns: int,
    ) -> str | None:
        if sent is None:
            return "first"
        if moved(sent, ladder, fair, self.settings):
            return "moved"
        if mode != self.sent_mode:
            return "mode"
        if self.sent_ns is None or now_ns - self.sent_ns >= refresh_s * _NS:
            return "refresh"
        return None
