"""Funding payments from the exchange's ``userFunding`` answer.

Funding is not on the bus (execution does not publish it), so the monitor reads it from the
exchange itself, for the account execution trades for, before every cycle. Hyperliquid answers
at most ``PAGE`` payments from ``startTime`` on (inclusive); the next page starts at the newest
time seen, and payments read twice are dropped by the ledger (one per coin and time).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from amm.services.monitor.state import Funding

PAGE = 500


class MalformedFunding(ValueError):
    """A ``userFunding`` answer not in Hyperliquid's shape."""


def request(account: str, start_ms: int) -> dict[str, Any]:
    """The ``/info`` body asking for the account's funding from ``start_ms`` on."""
    return {"type": "userFunding", "user": account, "startTime": start_ms}


def payments(answer: Any) -> list[Funding]:
    """The payments of an answer: (coin, time ms, USDC received; < 0 paid)."""
    if not isinstance(answer, list):
        raise MalformedFunding(f"userFunding answer is not a list: {answer!r:.200}")
    out: list[Funding] = []
    for entry in answer:
        try:
            delta = entry["delta"]
            if delta.get("type") != "funding":
                continue
            out.append((str(delta["coin"]), int(entry["time"]), Decimal(str(delta["usdc"]))))
        except (KeyError, TypeError, AttributeError, ValueError, InvalidOperation) as exc:
            raise MalformedFunding(f"userFunding entry {entry!r:.200}: {exc!r}") from None
    return out
