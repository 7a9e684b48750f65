"""Hyperliquid's request limits, so execution spends them on what matters most: cancels.

Two budgets, from Hyperliquid's "Rate limits and user limits" page:

- IP weight: 1200 per minute over all REST requests. An ``/exchange`` action weighs
  ``1 + floor(batch_length / 40)``. ``/info`` requests weigh 2 (``l2Book``, ``allMids``,
  ``clearinghouseState``, ``orderStatus``, ``spotClearinghouseState``, ``exchangeStatus``), 60
  (``userRole``) or 20 (everything else, e.g. ``openOrders``, ``userFillsByTime``,
  ``userRateLimit``), plus one per 20 items returned for ``userFills``, ``userFillsByTime`` and
  the other history reads (per 60 for ``candleSnapshot``). We count a started block of 20 as one,
  so the estimate errs on the safe side. Tracked here as a sliding 60 s window of what we sent.
- Address requests: ``userRateLimit`` gives ``nRequestsUsed`` and ``nRequestsCap`` (10000 plus one
  per USDC traded). Every order, modify and cancel in a batch counts one. Cancels may go on up to
  ``min(cap + 100000, 2 * cap)``. We add what we send to the last answer until the next one.

``admit`` takes the plans of one step and returns what may be sent now, in priority order:
every plan's cancels first, then rebalances, then modifies, then places. Cancels may use the
whole IP window and the cancel allowance; everything else stops ``cancel_reserve`` weight short of
the IP limit and ``address_reserve`` requests short of the address cap, so there is always room
to cancel. A batch that does not fit whole is cut to the largest prefix that fits (planners put
the most important first); what is cut is planned again on the next step. Until ``userRateLimit``
has been observed the address budget does not limit (the exchange still would). Hyperliquid's
throttled trickle beyond the cap (one request per 10 s) is not used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from amm.services.execution.actions import Plan

IP_WEIGHT_PER_MINUTE = 1200
WINDOW_NS = 60 * 10**9
BATCH_STEP = 40
CANCEL_EXTRA_REQUESTS = 100_000
INFO_LIGHT = frozenset(
    {
        "l2Book",
        "allMids",
        "clearinghouseState",
        "orderStatus",
        "spotClearinghouseState",
        "exchangeStatus",
    }
)
INFO_HEAVY = frozenset({"userRole"})
INFO_PER_20_ITEMS = frozenset(
    {
        "recentTrades",
        "historicalOrders",
        "userFills",
        "userFillsByTime",
        "fundingHistory",
        "userFunding",
        "nonUserFundingUpdates",
        "twapHistory",
        "userTwapSliceFills",
        "userTwapSliceFillsByTime",
        "delegatorHistory",
        "delegatorRewards",
        "validatorStats",
    }
)


def exchange_weight(batch_length: int) -> int:
    """IP weight of one ``/exchange`` action batching ``batch_length`` orders/cancels/modifies."""
    return 1 + batch_length // BATCH_STEP


def info_weight(request_type: str, items: int = 0) -> int:
    """IP weight of one ``/info`` request that returned ``items`` elements."""
    if request_type in INFO_LIGHT:
        return 2
    if request_type in INFO_HEAVY:
        return 60
    if request_type in INFO_PER_20_ITEMS:
        return 20 + -(-items // 20)
    if request_type == "candleSnapshot":
        return 20 + -(-items // 60)
    return 20


def cancel_cap(cap: int) -> int:
    """How many address requests cancels may reach: ``min(cap + 100000, 2 * cap)``."""
    return min(cap + CANCEL_EXTRA_REQUESTS, 2 * cap)


@dataclass(frozen=True, slots=True)
class BudgetConfig:
    """The IP limit and the headroom kept for cancels."""

    ip_weight_per_minute: int = IP_WEIGHT_PER_MINUTE
    cancel_reserve: int = 100
    address_reserve: int = 100

    def __post_init__(self) -> None:
        if not 0 <= self.cancel_reserve < self.ip_weight_per_minute:
            raise ValueError(f"cancel_reserve must be in [0, ip limit): {self}")
        if self.address_reserve < 0:
            raise ValueError(f"address_reserve must be >= 0: {self}")


class Budget:
    """The IP window and the address count, and the admission of plans against them."""

    def __init__(self, config: BudgetConfig | None = None) -> None:
        self.config = config or BudgetConfig()
        self._window: deque[tuple[int, int]] = deque()
        self._window_total = 0
        self._address: tuple[int, int] | None = None

    def ip_used(self, now_ns: int) -> int:
        """IP weight spent in the 60 s before ``now_ns``."""
        while self._window and self._window[0][0] <= now_ns - WINDOW_NS:
            self._window_total -= self._window.popleft()[1]
        return self._window_total

    def spend(self, weight: int, now_ns: int) -> None:
        """Count a request we sent (an ``/info`` read, or an action sent outside ``admit``)."""
        self.ip_used(now_ns)
        self._window.append((now_ns, weight))
        self._window_total += weight

    def observe_rate_limit(self, answer: Mapping[str, Any]) -> None:
        """Take the address figures of a ``userRateLimit`` answer."""
        self._address = (int(answer["nRequestsUsed"]), int(answer["nRequestsCap"]))

    def count_requests(self, n: int) -> None:
        """Count ``n`` address requests sent outside ``admit``."""
        if self._address is not None:
            used, cap = self._address
            self._address = (used + n, cap)

    def address_room(self, *, for_cancels: bool) -> int | None:
        """Address requests left (None: not known yet)."""
        if self._address is None:
            return None
        used, cap = self._address
        limit = cancel_cap(cap) if for_cancels else cap - self.config.address_reserve
        return max(0, limit - used)

    def admit(self, plans: Sequence[Plan], now_ns: int) -> list[Plan]:
        """What of ``plans`` may be sent now (same order, cut where needed); spends it."""
        cancels = [self._take(len(p.cancels), now_ns, cancel=True) for p in plans]
        rebalances = [self._take(1 if p.rebalance else 0, now_ns) for p in plans]
        modifies = [self._take(len(p.modifies), now_ns) for p in plans]
        places = [self._take(len(p.places), now_ns) for p in plans]
        admitted = []
        for i, p in enumerate(plans):
            keep_rebalance = rebalances[i] == 1
            admitted.append(
                replace(
                    p,
                    cancels=p.cancels[: cancels[i]],
                    modifies=p.modifies[: modifies[i]],
                    places=p.places[: places[i]],
                    rebalance=p.rebalance if keep_rebalance else None,
                    rebalance_decision_id=p.rebalance_decision_id if keep_rebalance else None,
                )
            )
        return admitted

    def _take(self, n: int, now_ns: int, *, cancel: bool = False) -> int:
        """Spend for the largest prefix (<= n) of one batch that fits; its length."""
        if n == 0:
            return 0
        limit = self.config.ip_weight_per_minute - (0 if cancel else self.config.cancel_reserve)
        ip_room = limit - self.ip_used(now_ns)
        address_room = self.address_room(for_cancels=cancel)
        k = n if address_room is None else min(n, address_room)
        while k > 0 and exchange_weight(k) > ip_room:
            k -= 1
        if k > 0:
            self.spend(exchange_weight(k), now_ns)
            self.count_requests(k)
        return k
