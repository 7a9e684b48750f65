"""`amm bench sign`: seconds per signed action, as execution signs them and as the SDK does.

``client`` is whatever ``amm.common.hyperliquid.client.Signer`` does at run time (execution's
signer); ``sdk`` is the Hyperliquid SDK's ``sign_l1_action`` called directly. Both sign the same
actions with the same throwaway key: an ``order`` of 1 and of 10 orders and a ``batchModify`` of
10, each ``repeats`` times after a warm-up. The conditions say which elliptic-curve backend the
SDK's path uses (coincurve makes it about 11x faster than the pure-Python one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import eth_account
import eth_keys.backends
from hyperliquid.utils.signing import sign_l1_action

from amm.bench.baseline import ladder_action
from amm.bench.report import BenchResult, Check
from amm.common.hyperliquid import client
from amm.common.hyperliquid.client import LimitOrder, Signer, order_action
from amm.common.keys import AccountKey

_SECRET = "0x" + "22" * 32
WARM_UP = 20


def _orders(count: int) -> dict[str, Any]:
    return order_action(
        [
            LimitOrder(0, i % 2 == 0, Decimal(50_000 + i), Decimal("0.001"), "Alo")
            for i in range(count)
        ]
    )


ACTIONS: dict[str, tuple[Callable[[], dict[str, Any]], int]] = {
    "order_1": (lambda: _orders(1), 1),
    "order_10": (lambda: _orders(10), 10),
    "batch_modify_10": (lambda: ladder_action(10), 10),
}


def _timed(sign: Callable[[dict[str, Any], int], Any], action: dict[str, Any], n: int) -> float:
    """Mean milliseconds per signature over ``n`` signatures (fresh nonces)."""
    nonce = int(time.time() * 1000)
    for i in range(WARM_UP):
        sign(action, nonce + i)
    started = time.perf_counter()
    for i in range(n):
        sign(action, nonce + WARM_UP + i)
    return (time.perf_counter() - started) / n * 1000


def run_sign(repeats: int) -> BenchResult:
    key_address = eth_account.Account.from_key(_SECRET).address
    signer = Signer(AccountKey(key_address, key_address, "amm bench", _SECRET), is_mainnet=False)
    wallet = eth_account.Account.from_key(_SECRET)

    def sdk(action: dict[str, Any], nonce: int) -> Any:
        return sign_l1_action(wallet, action, None, nonce, None, False)

    def ours(action: dict[str, Any], nonce: int) -> Any:
        return signer.sign(action, nonce)

    figures: dict[str, Any] = {}
    lines = []
    for name, (build, orders) in ACTIONS.items():
        action = build()
        ours_ms, sdk_ms = _timed(ours, action, repeats), _timed(sdk, action, repeats)
        figures[name] = {
            "client_ms": round(ours_ms, 4),
            "sdk_ms": round(sdk_ms, 4),
            "client_ms_per_order": round(ours_ms / orders, 4),
            "speedup": round(sdk_ms / ours_ms, 2),
        }
        lines.append(
            f"  {name}: client {ours_ms:.3f} ms, SDK {sdk_ms:.3f} ms"
            f" ({sdk_ms / ours_ms:.1f}x), {ours_ms / orders:.3f} ms per order"
        )
    backend = type(eth_keys.backends.get_backend()).__name__
    conditions = {
        "repeats": repeats,
        "client_signer": _client_signer(),
        "sdk_curve_backend": backend,
        "coincurve": "CoinCurve" in backend,
    }
    checks = [Check("sign.coincurve", 1.0 if conditions["coincurve"] else 0.0, ">=", 1.0)]
    return BenchResult("sign", figures, conditions, checks, lines)


def _client_signer() -> str:
    """What client.py signs with: its own fast L1 signer if it imports one, else the SDK."""
    fast = getattr(client, "L1Signer", None)
    if fast is not None:
        return f"{fast.__module__}.{fast.__qualname__}"
    return "hyperliquid.utils.signing.sign_l1_action"
