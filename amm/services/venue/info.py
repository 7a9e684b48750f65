"""POST /info: Hyperliquid's read-only queries over a ``VenueState``, in its JSON shapes.

Numbers are strings and field names are Hyperliquid's. An unknown ``type`` or a malformed field
raises ``InfoRequestError``, which the shell answers 422 like Hyperliquid.

Collateral on HIP-3 dexes is per dex in reality; here one USDC pool backs every dex (the engine
margins all markets together). ``clearinghouseState`` for a dex shows that whole pool plus the
unrealized PnL, positions and margin of that dex's markets only; ``withdrawable`` is the
account-wide figure. Addresses that have never signed show an empty, zero account.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Context, Decimal
from typing import Any

from amm.common.hyperliquid.rules import decimal_to_wire, is_valid_cloid
from amm.common.sim import Fill, OpenOrder, OrderUpdate
from amm.common.sim.positions import ZERO
from amm.services.venue.state import VenueState

MAX_FILLS = 2000
USDC_TOKEN_ID = "0x6d1e7cde53ba9467b783cb7c530ce054"
DEX_DEPLOYER = "0x" + "0" * 39 + "1"

_DIVISION = Context(prec=34)
_OPEN_ORDER_FIELDS = ("coin", "side", "limitPx", "sz", "oid", "timestamp", "origSz", "cloid")


class InfoRequestError(ValueError):
    """The body is not a valid /info request (Hyperliquid answers 422)."""


Handler = Callable[[VenueState, dict[str, Any], int], Any]


def handle_info(state: VenueState, body: Any, now_ms: int) -> Any:
    """The /info response for ``body`` (raises InfoRequestError)."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise InfoRequestError("missing field `type`")
    handler = _HANDLERS.get(body["type"])
    if handler is None:
        raise InfoRequestError(f"unknown variant `{body['type']}`")
    return handler(state, body, now_ms)


def meta(state: VenueState, dex: str) -> dict[str, Any]:
    """The ``meta`` body of one dex: universe (asset order), margin tables, collateral token."""
    listings = state.listings(dex)
    leverages = sorted({lst.spec.max_leverage for lst in listings})
    return {
        "universe": [
            {
                "szDecimals": lst.spec.sz_decimals,
                "name": lst.coin,
                "maxLeverage": lst.spec.max_leverage,
                "marginTableId": lst.spec.max_leverage,
            }
            for lst in listings
        ],
        "marginTables": [
            [
                leverage,
                {
                    "description": "",
                    "marginTiers": [{"lowerBound": "0.0", "maxLeverage": leverage}],
                },
            ]
            for leverage in leverages
        ],
        "collateralToken": 0,
    }


def _meta(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    return meta(state, _dex(state, body))


def _meta_and_asset_ctxs(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    dex = _dex(state, body)
    ctxs = [state.asset_ctx(lst.coin, now_ms) for lst in state.listings(dex)]
    return [meta(state, dex), ctxs]


def _spot_meta(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    usdc = {
        "name": "USDC",
        "szDecimals": 8,
        "weiDecimals": 8,
        "index": 0,
        "tokenId": USDC_TOKEN_ID,
        "isCanonical": True,
        "evmContract": None,
        "fullName": None,
    }
    return {"universe": [], "tokens": [usdc]}


def _perp_dexs(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    dexes: list[dict[str, Any] | None] = [None]
    for dex in state.dexes():
        scale = state.listings(dex)[0].spec.fee_scale
        dexes.append(
            {
                "name": dex,
                "fullName": f"{dex} (paper venue)",
                "deployer": DEX_DEPLOYER,
                "oracleUpdater": None,
                "feeRecipient": None,
                "assetToStreamingOiCap": [],
                "subDeployers": [],
                "deployerFeeScale": decimal_to_wire(scale),
                "lastDeployerFeeScaleChangeTime": "1970-01-01T00:00:00",
                "assetToFundingMultiplier": [],
            }
        )
    return dexes


def _all_mids(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    dex = _dex(state, body)
    return {
        lst.coin: decimal_to_wire(state.mid_or_mark(lst.coin, now_ms))
        for lst in state.listings(dex)
    }


def _l2_book(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    coin = _str(body, "coin")
    if coin not in state.coins():
        return None
    return state.engine.l2_book(coin, now_ms).to_wire()


def _clearinghouse_state(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    user, dex = _user(body), _dex(state, body)
    if not state.is_known(user):
        return _account_body(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, [], now_ms)
    view = state.engine.account_view(user, now_ms)
    positions = [p for p in view.positions if state.dex_of(p.coin) == dex]
    value = view.collateral + sum((p.unrealized_pnl for p in positions), ZERO)
    signed = sum((p.position_value if p.szi > 0 else -p.position_value for p in positions), ZERO)
    maintenance = sum(
        (_DIVISION.divide(p.position_value, 2 * p.max_leverage) for p in positions), ZERO
    )
    return _account_body(
        value,
        sum((p.position_value for p in positions), ZERO),
        value - signed,
        sum((p.margin_used for p in positions), ZERO),
        maintenance,
        view.withdrawable,
        [p.to_wire() for p in positions],
        now_ms,
    )


def _account_body(
    value: Decimal,
    ntl: Decimal,
    raw_usd: Decimal,
    margin_used: Decimal,
    maintenance: Decimal,
    withdrawable: Decimal,
    positions: list[dict[str, Any]],
    now_ms: int,
) -> dict[str, Any]:
    summary = {
        "accountValue": decimal_to_wire(value),
        "totalNtlPos": decimal_to_wire(ntl),
        "totalRawUsd": decimal_to_wire(raw_usd),
        "totalMarginUsed": decimal_to_wire(margin_used),
    }
    return {
        "marginSummary": summary,
        "crossMarginSummary": dict(summary),
        "crossMaintenanceMarginUsed": decimal_to_wire(maintenance),
        "withdrawable": decimal_to_wire(withdrawable),
        "assetPositions": positions,
        "time": now_ms,
    }


def _open_orders(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    return [
        {k: v for k, v in order.items() if k in _OPEN_ORDER_FIELDS}
        for order in _frontend_open_orders(state, body, now_ms)
    ]


def _frontend_open_orders(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    user, dex = _user(body), _dex(state, body)
    if not state.is_known(user):
        return []
    orders = state.engine.open_orders(user)
    return [o.to_wire() for o in orders if state.dex_of(o.coin) == dex]


def _user_fills(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    fills = state.user_fills(_user(body))
    return [f.to_wire() for f in reversed(fills[-MAX_FILLS:])]


def _user_fills_by_time(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    start, end = _time_range(body, now_ms)
    fills: list[Fill] = [f for f in state.user_fills(_user(body)) if start <= f.time <= end]
    return [f.to_wire() for f in fills[:MAX_FILLS]]


def _user_funding(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    start, end = _time_range(body, now_ms)
    payments = state.user_funding(_user(body))
    return [p.to_ledger_wire() for p in payments if start <= p.time <= end]


def _order_status(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    user, target = _user(body), body.get("oid")
    if isinstance(target, str):
        if not is_valid_cloid(target):
            raise InfoRequestError(f"invalid cloid {target!r}")
    elif isinstance(target, bool) or not isinstance(target, int):
        raise InfoRequestError("missing field `oid`")
    update = state.order_status(user, target)
    if update is None:
        return {"status": "unknownOid"}
    return {
        "status": "order",
        "order": {
            "order": _frontend_order(update),
            "status": update.status,
            "statusTimestamp": update.status_timestamp,
        },
    }


def _frontend_order(update: OrderUpdate) -> dict[str, Any]:
    order = OpenOrder(
        coin=update.coin,
        side=update.side,
        limit_px=update.limit_px,
        sz=update.sz,
        orig_sz=update.orig_sz,
        oid=update.oid,
        timestamp=update.timestamp,
        cloid=update.cloid,
        reduce_only=update.reduce_only,
        tif=update.tif,
    )
    return order.to_wire()


def _user_rate_limit(state: VenueState, body: dict[str, Any], now_ms: int) -> Any:
    return state.rate_limit(_user(body)).to_wire()


def _dex(state: VenueState, body: dict[str, Any]) -> str:
    dex = body.get("dex") or ""
    if not isinstance(dex, str) or (dex and dex not in state.dexes()):
        raise InfoRequestError(f"unknown perp dex {dex!r}")
    return dex


def _user(body: dict[str, Any]) -> str:
    user = _str(body, "user")
    if not (len(user) == 42 and user.startswith("0x")):
        raise InfoRequestError(f"invalid address {user!r}")
    return user.lower()


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise InfoRequestError(f"missing field `{name}`")
    return value


def _time_range(body: dict[str, Any], now_ms: int) -> tuple[int, int]:
    start, end = body.get("startTime"), body.get("endTime")
    if isinstance(start, bool) or not isinstance(start, int):
        raise InfoRequestError("missing field `startTime`")
    if end is None:
        return start, now_ms
    if isinstance(end, bool) or not isinstance(end, int):
        raise InfoRequestError("invalid type for `endTime`")
    return start, end


_HANDLERS: dict[str, Handler] = {
    "meta": _meta,
    "metaAndAssetCtxs": _meta_and_asset_ctxs,
    "spotMeta": _spot_meta,
    "perpDexs": _perp_dexs,
    "allMids": _all_mids,
    "l2Book": _l2_book,
    "clearinghouseState": _clearinghouse_state,
    "openOrders": _open_orders,
    "frontendOpenOrders": _frontend_open_orders,
    "userFills": _user_fills,
    "userFillsByTime": _user_fills_by_time,
    "userFunding": _user_funding,
    "orderStatus": _order_status,
    "userRateLimit": _user_rate_limit,
}
