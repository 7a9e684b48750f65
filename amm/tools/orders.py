"""`amm orders` and `amm cancel-all`: the account's orders as execution and the exchange see them.

Both go straight to the exchange over HTTP; `amm orders` also asks execution over request/reply
and marks every difference. `amm cancel-all` needs neither the bus nor execution: it is the
operator's way out when everything else is down.
"""

from __future__ import annotations

import json
from typing import Any

from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.hyperliquid.client import (
    ExchangeClient,
    ExchangeError,
    HyperliquidHttp,
    Signer,
    cancel_action,
    signs_for_mainnet,
    statuses,
)
from amm.common.hyperliquid.meta import MarketDirectory, dex_of
from amm.common.keys import AccountKey, load_account_key
from amm.common.reqrep import RequestFailed, request


def _dexes(config: Config, *, with_main: bool) -> list[str]:
    dexes = {dex_of(market.coin) for market in config.markets}
    return sorted(dexes | {""} if with_main else dexes)


async def exchange_orders(
    http: HyperliquidHttp, config: Config, account: str, *, with_main: bool = False
) -> list[dict]:
    """Open orders on the dexes of our markets (and the main dex with `with_main`)."""
    orders: list[dict[str, Any]] = []
    for dex in _dexes(config, with_main=with_main):
        orders += await http.info({"type": "frontendOpenOrders", "user": account, "dex": dex})
    return orders


async def execution_orders(config: Config) -> dict[str, Any] | None:
    ctx = client_context(config)
    try:
        reply = await request(
            ctx, config.snapshot.execution, "orders", timeout_s=config.transport.request_timeout_s
        )
        return reply.data
    except RequestFailed:
        return None
    finally:
        ctx.term()


def compare(exchange: list[dict[str, Any]], execution: dict[str, Any] | None) -> list[dict]:
    """One row per order, with `seen_by` telling who knows it and `difference` what differs."""
    rows: dict[str, dict[str, Any]] = {}
    for order in exchange:
        key = str(order.get("cloid") or order["oid"])
        rows[key] = {
            "coin": order["coin"],
            "side": order["side"],
            "px": order["limitPx"],
            "sz": order["sz"],
            "oid": order["oid"],
            "cloid": order.get("cloid"),
            "seen_by": ["exchange"],
        }
    for order in (execution or {}).get("orders", []):
        key = order["cloid"]
        row = rows.setdefault(
            key,
            {
                "coin": order["coin"],
                "side": order["side"],
                "px": order["px"],
                "sz": order["sz"],
                "oid": order["oid"],
                "cloid": order["cloid"],
                "seen_by": [],
            },
        )
        row["seen_by"].append("execution")
        row["execution_status"] = order["status"]
    for row in rows.values():
        if execution is None:
            row["difference"] = "execution not answering"
        elif row["seen_by"] == ["exchange"]:
            row["difference"] = "unknown to execution"
        elif row["seen_by"] == ["execution"]:
            row["difference"] = "not open at the exchange"
        else:
            row["difference"] = ""
    return sorted(rows.values(), key=lambda r: (r["coin"], r["side"], str(r["px"])))


async def orders(config: Config, *, as_json: bool) -> int:
    key = load_account_key(config)
    async with HyperliquidHttp(
        config.exchange.url, timeout_s=config.exchange.request_timeout_s
    ) as http:
        exchange = await exchange_orders(http, config, key.address)
    execution = await execution_orders(config)
    rows = compare(exchange, execution)
    if as_json:
        print(
            json.dumps(
                {
                    "account": key.address,
                    "execution_answered": execution is not None,
                    "orders": rows,
                },
                indent=2,
            )
        )
    else:
        seen = (
            "execution not answering"
            if execution is None
            else (f"{len(execution['orders'])} live in execution")
        )
        print(f"account {key.address}  ({len(exchange)} open at the exchange, {seen})")
        for row in rows:
            mark = f"  <- {row['difference']}" if row["difference"] else ""
            print(
                f"{row['coin']:<10} {row['side']} {row['px']:>12} {row['sz']:>10} "
                f"oid={row['oid']} cloid={row['cloid']}{mark}"
            )
    differences = [row for row in rows if row["difference"]]
    return 1 if differences or execution is None else 0


async def cancel_all(config: Config) -> int:
    key: AccountKey = load_account_key(config)
    signer = Signer(key, is_mainnet=signs_for_mainnet(config.mode))
    async with HyperliquidHttp(
        config.exchange.url, timeout_s=config.exchange.request_timeout_s
    ) as http:
        open_orders = await exchange_orders(http, config, key.address, with_main=True)
        if not open_orders:
            print(f"account {key.address}: no open orders")
            return 0
        directory = await MarketDirectory.load(http, sorted({o["coin"] for o in open_orders}))
        action = cancel_action([(directory.asset(o["coin"]), int(o["oid"])) for o in open_orders])
        try:
            answer = await ExchangeClient(http, signer).submit(action)
        except ExchangeError as exc:
            print(f"cancel-all failed: {exc}")
            return 1
        results = statuses(answer)
        failed = [r for r in results if r != "success"]
        print(
            f"account {key.address}: cancelled {len(results) - len(failed)} of {len(open_orders)}"
        )
        for order, result in zip(open_orders, results, strict=False):
            if result != "success":
                print(f"  {order['coin']} oid={order['oid']}: {result}")
        remaining = await exchange_orders(http, config, key.address, with_main=True)
    if remaining:
        print(f"{len(remaining)} order(s) open again or still open")
    if await execution_orders(config) is not None:
        print(
            "note: execution is running and quotes again while risk approves; halt risk or "
            "stop execution (supervisorctl stop execution) to keep the book empty"
        )
    return 1 if failed or remaining else 0
