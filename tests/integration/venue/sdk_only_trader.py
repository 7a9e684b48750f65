"""A trader that uses nothing but hyperliquid-python-sdk and eth_account: what a user would write.

Usage: python sdk_only_trader.py BASE_URL. Prints one JSON line with what happened.
"""

import json
import sys

import eth_account
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info
from hyperliquid.utils.types import Cloid

COIN = "km:US500"


def main() -> None:
    url = sys.argv[1]
    info = Info(url, skip_ws=True, perp_dexs=["", "km"])
    wallet = eth_account.Account.create()
    exchange = Exchange(wallet, url, perp_dexs=["", "km"])
    levels = info.l2_snapshot(COIN)["levels"]
    best_bid, best_ask = float(levels[0][0]["px"]), float(levels[1][0]["px"])
    cloid = Cloid.from_str("0x" + "ab" * 16)
    resting = exchange.order(
        COIN, True, 0.01, round(best_bid * 0.99, 1), {"limit": {"tif": "Alo"}}, cloid=cloid
    )
    taken = exchange.order(COIN, True, 0.01, round(best_ask * 1.01, 1), {"limit": {"tif": "Ioc"}})
    by_cloid = info.query_order_by_cloid(wallet.address, cloid)
    cancelled = exchange.cancel_by_cloid(COIN, cloid)
    state = info.user_state(wallet.address, dex="km")
    print(
        json.dumps(
            {
                "resting": resting["response"]["data"]["statuses"][0],
                "taken": taken["response"]["data"]["statuses"][0],
                "status_by_cloid": by_cloid["order"]["status"],
                "cancelled": cancelled["response"]["data"]["statuses"][0],
                "position": state["assetPositions"][0]["position"]["szi"],
                "fills": len(info.user_fills(wallet.address)),
                "open_orders": len(info.open_orders(wallet.address, dex="km")),
            }
        )
    )


if __name__ == "__main__":
    main()
