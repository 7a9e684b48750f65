"""`amm bench actions`: exchange actions during a paper session against Hyperliquid's limits
(the analysis, pure).

From the venue's request stamps: ``/exchange`` actions by type, the address requests they cost
(each order, cancel or modify of a batch counts one, every other action one), the IP weight of
all requests (``/info`` at its weight with no items, a lower bound for the history reads), per
minute and per fill; refreshes (``matching.refreshes``: what one execution step sent back to
back) and the requests each took. Hyperliquid's limits (docs: "Rate limits and user limits"): an
address may send 10,000 requests plus one per USDC traded, and an IP 1200 weight a minute.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from amm.bench import matching
from amm.bench.report import BenchResult, Check
from amm.bench.stats import summary
from amm.services.execution.budget import IP_WEIGHT_PER_MINUTE, exchange_weight, info_weight

ADDRESS_BUFFER = 10_000
REFRESH_GAP_MS = 50.0  # execution sends one step's actions back to back; steps are 100 ms apart
TARGET_REQUESTS_PER_REFRESH = 1.0
_MINUTES_PER_DAY = 1440


def analyse(
    requests: Sequence[Sequence[Any]],
    fills: Sequence[dict[str, Any]],
    duration_s: float,
    target_actions_per_day: int,
) -> dict[str, Any]:
    """The session's figures from the venue's ``requests`` rows and our fills."""
    actions = matching.parse_actions(requests)
    by_type = Counter(action.type for action in actions)
    address = sum(a.batch if a.type in matching.ORDER_ACTIONS else 1 for a in actions)
    weight = sum(exchange_weight(a.batch) for a in actions)
    infos = [
        body.get("type") for _, path, body in requests if path == "/info" and isinstance(body, dict)
    ]
    weight += sum(info_weight(str(kind)) for kind in infos)
    minutes = duration_s / 60
    volume = sum(float(fill["px"]) * float(fill["sz"]) for fill in fills)
    groups = matching.refreshes(actions, REFRESH_GAP_MS)
    per_refresh = [len(group) for group in groups]
    address_per_day = address / minutes * _MINUTES_PER_DAY
    allowance_per_day = ADDRESS_BUFFER + volume / minutes * _MINUTES_PER_DAY
    return {
        "minutes": round(minutes, 2),
        "actions": len(actions),
        "actions_by_type": dict(sorted(by_type.items())),
        "actions_per_min": round(len(actions) / minutes, 2),
        "info_requests": len(infos),
        "fills": len(fills),
        "volume_usd": round(volume, 2),
        "actions_per_fill": round(len(actions) / len(fills), 2) if fills else None,
        "address_requests": address,
        "address_requests_per_min": round(address / minutes, 2),
        "address_requests_per_day": round(address_per_day),
        "address_allowance_per_day": round(allowance_per_day),
        "address_use_of_allowance": round(address_per_day / allowance_per_day, 3),
        "ip_weight_per_min": round(weight / minutes, 1),
        "refreshes": len(groups),
        "refreshes_per_min": round(len(groups) / minutes, 2),
        "refreshes_per_day": round(len(groups) / minutes * _MINUTES_PER_DAY),
        "target_actions_per_day": target_actions_per_day,
        "requests_per_refresh": summary(per_refresh, 3),
    }


def actions_result(figures: dict[str, Any], conditions: dict[str, Any]) -> BenchResult:
    refresh = figures["requests_per_refresh"]
    lines = [
        f"  {figures['actions']} actions in {figures['minutes']} min"
        f" ({figures['actions_per_min']}/min): {figures['actions_by_type']}",
        f"  {figures['fills']} fills, {figures['actions_per_fill']} actions per fill,"
        f" ${figures['volume_usd']:,} traded",
        f"  address requests {figures['address_requests_per_min']}/min ="
        f" {figures['address_requests_per_day']:,}/day vs allowance"
        f" {figures['address_allowance_per_day']:,}/day (10,000 + 1 per USDC traded)",
        f"  IP weight {figures['ip_weight_per_min']}/min vs {IP_WEIGHT_PER_MINUTE}",
        f"  {figures['refreshes']} refreshes ({figures['refreshes_per_day']:,}/day vs the mode's"
        f" target_actions_per_day {figures['target_actions_per_day']:,}); requests per refresh:"
        f" mean {refresh.get('mean')}, max {refresh.get('max')}",
    ]
    checks = [
        Check(
            "actions.requests_per_refresh_mean",
            refresh.get("mean"),
            "<=",
            TARGET_REQUESTS_PER_REFRESH,
        ),
        Check(
            "actions.requests_per_refresh_max",
            refresh.get("max"),
            "<=",
            TARGET_REQUESTS_PER_REFRESH,
        ),
        Check(
            "actions.ip_weight_per_min", figures["ip_weight_per_min"], "<=", IP_WEIGHT_PER_MINUTE
        ),
        Check("actions.address_use_of_allowance", figures["address_use_of_allowance"], "<=", 1.0),
    ]
    return BenchResult("actions", figures, conditions, checks, lines)
