"""`amm preflight`: before a start, check what the old bot got wrong, and say what is wrong.

The key, the exchange, each market on its own dex (with its max leverage), the collateral on
that dex (HIP-3 dexes hold their own: querying the main dex shows $0.00 for a funded km
account), open positions and orders, and the request budget. Exit 0 when nothing failed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from amm.common.config import Config
from amm.common.hyperliquid.client import ExchangeError, HyperliquidHttp
from amm.common.hyperliquid.meta import MarketDirectory, UnknownMarket
from amm.common.hyperliquid.rules import MIN_ORDER_VALUE
from amm.common.keys import KeyUnavailable, load_account_key

Report = Callable[[str, str, str], None]


async def preflight(config: Config) -> int:
    failures = 0

    def report(level: str, check: str, detail: str) -> None:
        nonlocal failures
        failures += level == "FAIL"
        print(f"{level:<4}  {check:<12} {detail}")

    try:
        key = load_account_key(config)
    except KeyUnavailable as exc:
        report("FAIL", "key", str(exc))
        return 1
    report("ok", "key", f"{key.source}: signer {key.signer}, account {key.address}")
    timeout = config.exchange.request_timeout_s
    async with HyperliquidHttp(config.exchange.url, timeout_s=timeout) as http:
        try:
            directory = await MarketDirectory.load(http, [m.coin for m in config.markets])
        except UnknownMarket as exc:
            report("FAIL", "markets", str(exc))
            return 1
        except ExchangeError as exc:
            report("FAIL", "exchange", f"{config.exchange.url}: {exc}")
            return 1
        report("ok", "exchange", f"{config.exchange.url} ({config.mode})")
        try:
            await _accounts(http, config, directory, key.address, report)
            await _budget(http, key.address, report)
        except ExchangeError as exc:
            report("FAIL", "exchange", str(exc))
    print("preflight: " + ("ready" if failures == 0 else f"{failures} problem(s)"))
    return 0 if failures == 0 else 1


async def _accounts(
    http: HyperliquidHttp, config: Config, directory: MarketDirectory, user: str, report: Report
) -> None:
    for market in config.markets:
        coin, dex = market.coin, directory.dex(market.coin)
        facts = (
            f"asset {directory.asset(coin)} on dex {dex or '(main)'}, szDecimals "
            f"{directory.sz_decimals(coin)}, max leverage {directory.max_leverage(coin)}"
        )
        report("ok", "market", f"{coin}: {facts}")
        state: dict[str, Any] = await http.info(
            {"type": "clearinghouseState", "user": user, "dex": dex}
        )
        value = Decimal(state["marginSummary"]["accountValue"])
        where = f"dex {dex or '(main)'}"
        if value < MIN_ORDER_VALUE:
            hint = (
                " (paper: funded on the first signed action)"
                if config.is_paper
                else (" - HIP-3 dexes hold their own collateral: move USDC to this dex")
            )
            report(
                "FAIL" if not config.is_paper else "warn",
                "collateral",
                f"{where}: account value ${value}{hint}",
            )
        else:
            report(
                "ok",
                "collateral",
                f"{where}: account value ${value}, withdrawable ${state['withdrawable']}",
            )
        for entry in state["assetPositions"]:
            position = entry["position"]
            if position["coin"] == coin:
                report(
                    "warn",
                    "position",
                    f"{coin}: open position {position['szi']} at "
                    f"leverage {position['leverage']['value']}x (risk starts from it)",
                )
        orders = await http.info({"type": "frontendOpenOrders", "user": user, "dex": dex})
        mine = [o for o in orders if o["coin"] == coin]
        level = "warn" if mine else "ok"
        report(
            level,
            "open orders",
            f"{coin}: {len(mine)} open"
            + (" (execution adopts its own and cancels the others at start)" if mine else ""),
        )


async def _budget(http: HyperliquidHttp, user: str, report: Report) -> None:
    limit = await http.info({"type": "userRateLimit", "user": user})
    used, cap = int(limit["nRequestsUsed"]), int(limit["nRequestsCap"])
    level = "FAIL" if used >= cap else ("warn" if used > cap * 0.8 else "ok")
    report(level, "rate budget", f"{used} of {cap} address requests used")
