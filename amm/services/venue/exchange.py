"""POST /exchange: Hyperliquid's action envelope and the L1 trading actions, in its JSON shapes.

``parse_envelope`` and ``parse_action`` turn the request body into typed values (a malformed body
is ``DeserializeError``, which the shell answers 422 like Hyperliquid); ``handle_exchange`` admits
the recovered signer (expiry, nonce, rate limit) and applies the action to the ``VenueState``.
Prices and sizes arrive as wire strings and are parsed to Decimal exactly.

Paper-venue rules: the recovered signer is the account (no agent / API-wallet approval; a new
address is an account with the starting collateral); vault trading, trigger orders and isolated
margin are refused with a clear error; ``grouping`` and ``builder`` are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from amm.common.hyperliquid.rules import is_valid_cloid
from amm.common.sim import OrderError, OrderRequest, OrderStatus, Tif
from amm.common.sim.events import REJECTED
from amm.services.venue.state import VenueState

SIGNATURE_ERROR = "Unable to recover signer."
UNKNOWN_SIGNER_ERROR = "User or API Wallet {address} does not exist."
VAULT_ERROR = "Vault trading is not supported by the paper venue."
TRIGGER_ERROR = "Trigger orders are not supported by the paper venue."
UNKNOWN_ASSET_ERROR = "Unknown asset {asset}."
FAULT_REJECT_ERROR = "Order rejected by the paper venue's fault switchboard (reject_rate)."

_TIFS = {"Alo": Tif.ALO, "Ioc": Tif.IOC, "Gtc": Tif.GTC, "FrontendMarket": Tif.IOC}
_MAX_U64 = 2**64 - 1


class DeserializeError(ValueError):
    """The body is not a valid /exchange request (Hyperliquid answers 422)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """The signed request: action, nonce, signature and the optional fields the hash covers."""

    action: dict[str, Any]
    nonce: int
    signature: Any
    vault_address: str | None
    expires_after: int | None


@dataclass(frozen=True, slots=True)
class WireOrder:
    """One order of an ``order``/``modify`` action; ``tif`` is None for a trigger order."""

    asset: int
    is_buy: bool
    px: Decimal
    sz: Decimal
    reduce_only: bool
    tif: Tif | None
    cloid: str | None


@dataclass(frozen=True, slots=True)
class PlaceOrders:
    orders: tuple[WireOrder, ...]


@dataclass(frozen=True, slots=True)
class CancelOrders:
    """``cancel`` (targets are oids) or ``cancelByCloid`` (targets are cloids)."""

    targets: tuple[tuple[int, int | str], ...]


@dataclass(frozen=True, slots=True)
class ModifyOrders:
    """``modify`` (one, answered "default") or ``batchModify`` (answered with statuses)."""

    modifies: tuple[tuple[int | str, WireOrder], ...]
    batch: bool


@dataclass(frozen=True, slots=True)
class ScheduleCancel:
    time: int | None


@dataclass(frozen=True, slots=True)
class UpdateLeverage:
    asset: int
    is_cross: bool
    leverage: int


Action = PlaceOrders | CancelOrders | ModifyOrders | ScheduleCancel | UpdateLeverage


def ok(response: dict[str, Any]) -> dict[str, Any]:
    """Hyperliquid's success envelope."""
    return {"status": "ok", "response": response}


def err(message: str) -> dict[str, Any]:
    """Hyperliquid's whole-request error envelope."""
    return {"status": "err", "response": message}


def parse_envelope(body: Any) -> Envelope:
    """The envelope of a /exchange body (raises DeserializeError)."""
    if not isinstance(body, dict):
        raise DeserializeError("expected a JSON object")
    action = body.get("action")
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        raise DeserializeError("missing field `action`")
    nonce = _uint(body.get("nonce"), "nonce")
    if "signature" not in body:
        raise DeserializeError("missing field `signature`")
    vault = body.get("vaultAddress")
    if vault is not None and not isinstance(vault, str):
        raise DeserializeError("invalid type for `vaultAddress`")
    expires = body.get("expiresAfter")
    expires_after = None if expires is None else _uint(expires, "expiresAfter")
    return Envelope(action, nonce, body["signature"], vault, expires_after)


def parse_action(action: dict[str, Any]) -> Action:
    """The typed action (raises DeserializeError for an unknown type or a malformed field)."""
    kind = action["type"]
    try:
        if kind == "order":
            return PlaceOrders(tuple(_order(o) for o in _list(action, "orders")))
        if kind == "cancel":
            return CancelOrders(
                tuple((_uint(c["a"], "a"), _uint(c["o"], "o")) for c in _list(action, "cancels"))
            )
        if kind == "cancelByCloid":
            return CancelOrders(
                tuple(
                    (_uint(c["asset"], "asset"), _cloid(c["cloid"]))
                    for c in _list(action, "cancels")
                )
            )
        if kind == "modify":
            return ModifyOrders(((_target(action["oid"]), _order(action["order"])),), batch=False)
        if kind == "batchModify":
            modifies = _list(action, "modifies")
            return ModifyOrders(
                tuple((_target(m["oid"]), _order(m["order"])) for m in modifies), batch=True
            )
        if kind == "scheduleCancel":
            time = action.get("time")
            return ScheduleCancel(None if time is None else _uint(time, "time"))
        if kind == "updateLeverage":
            return UpdateLeverage(
                _uint(action["asset"], "asset"),
                _bool(action["isCross"], "isCross"),
                _uint(action["leverage"], "leverage"),
            )
    except (KeyError, TypeError) as exc:
        raise DeserializeError(f"invalid `{kind}` action: {exc}") from None
    raise DeserializeError(f"unknown variant `{kind}`")


def weight_of(action: Action) -> int:
    """Requests the action counts for the address rate limit (one per order or cancel)."""
    if isinstance(action, PlaceOrders):
        return max(1, len(action.orders))
    if isinstance(action, CancelOrders):
        return max(1, len(action.targets))
    if isinstance(action, ModifyOrders):
        return max(1, len(action.modifies))
    return 1


def handle_exchange(
    state: VenueState,
    envelope: Envelope,
    signer: str,
    now_ms: int,
    *,
    reject_order: Callable[[], bool] = lambda: False,
    wall_ms: int | None = None,
) -> dict[str, Any]:
    """Admit and apply one signed action; the /exchange response body.

    ``reject_order`` is the fault switchboard's draw: True answers that order with an error
    without placing it.
    """
    action = parse_action(envelope.action)
    if envelope.vault_address is not None:
        return err(VAULT_ERROR)
    error = state.admit(
        signer,
        envelope.nonce,
        envelope.expires_after,
        now_ms,
        weight=weight_of(action),
        is_cancel=isinstance(action, CancelOrders),
        wall_ms=wall_ms,
    )
    if error is not None:
        return err(error)
    if isinstance(action, PlaceOrders):
        return _place(state, signer, action, now_ms, reject_order)
    if isinstance(action, CancelOrders):
        return _cancel(state, signer, action, now_ms)
    if isinstance(action, ModifyOrders):
        return _modify(state, signer, action, now_ms)
    if isinstance(action, ScheduleCancel):
        error = state.schedule_cancel(signer, action.time, now_ms)
        return ok({"type": "default"}) if error is None else err(error)
    coin = state.coin_of_asset(action.asset)
    if coin is None:
        return err(UNKNOWN_ASSET_ERROR.format(asset=action.asset))
    error = state.update_leverage(signer, coin, action.leverage, now_ms, is_cross=action.is_cross)
    return ok({"type": "default"}) if error is None else err(error)


def _place(
    state: VenueState,
    user: str,
    action: PlaceOrders,
    now_ms: int,
    reject_order: Callable[[], bool],
) -> dict[str, Any]:
    statuses: list[OrderStatus | None] = []
    requests: list[OrderRequest] = []
    for wire in action.orders:
        request = _request(state, wire)
        if isinstance(request, OrderRequest) and reject_order():
            request = OrderError(FAULT_REJECT_ERROR, REJECTED)
        if isinstance(request, OrderError):
            statuses.append(request)
        else:
            statuses.append(None)
            requests.append(request)
    placed = iter(state.place(user, requests, now_ms))
    return _order_response([s if s is not None else next(placed) for s in statuses])


def _cancel(state: VenueState, user: str, action: CancelOrders, now_ms: int) -> dict[str, Any]:
    answers: list[str | dict[str, Any] | None] = []
    targets: list[tuple[str, int | str]] = []
    for asset, target in action.targets:
        coin = state.coin_of_asset(asset)
        if coin is None:
            answers.append({"error": UNKNOWN_ASSET_ERROR.format(asset=asset)})
        else:
            answers.append(None)
            targets.append((coin, target))
    results = iter(state.cancel(user, targets, now_ms))
    statuses = [a if a is not None else next(results).to_wire() for a in answers]
    return ok({"type": "cancel", "data": {"statuses": statuses}})


def _modify(state: VenueState, user: str, action: ModifyOrders, now_ms: int) -> dict[str, Any]:
    statuses: list[OrderStatus | None] = []
    modifies: list[tuple[int | str, OrderRequest]] = []
    for target, wire in action.modifies:
        request = _request(state, wire)
        if isinstance(request, OrderError):
            statuses.append(request)
        else:
            statuses.append(None)
            modifies.append((target, request))
    done = iter(state.modify(user, modifies, now_ms))
    answers = [s if s is not None else next(done) for s in statuses]
    if action.batch:
        return _order_response(answers)
    [answer] = answers
    return err(answer.message) if isinstance(answer, OrderError) else ok({"type": "default"})


def _order_response(statuses: list[OrderStatus]) -> dict[str, Any]:
    return ok({"type": "order", "data": {"statuses": [s.to_wire() for s in statuses]}})


def _request(state: VenueState, wire: WireOrder) -> OrderRequest | OrderError:
    coin = state.coin_of_asset(wire.asset)
    if coin is None:
        return OrderError(UNKNOWN_ASSET_ERROR.format(asset=wire.asset), REJECTED)
    if wire.tif is None:
        return OrderError(TRIGGER_ERROR, REJECTED)
    return OrderRequest(coin, wire.is_buy, wire.px, wire.sz, wire.tif, wire.reduce_only, wire.cloid)


def _order(wire: Any) -> WireOrder:
    if not isinstance(wire, dict):
        raise DeserializeError("an order must be an object")
    kind = wire["t"]
    if not isinstance(kind, dict):
        raise DeserializeError("invalid type for `t`")
    if "limit" in kind:
        tif = _TIFS.get(kind["limit"]["tif"])
        if tif is None:
            raise DeserializeError(f"unknown variant `{kind['limit']['tif']}` for `tif`")
    elif "trigger" in kind:
        tif = None
    else:
        raise DeserializeError("`t` must be `limit` or `trigger`")
    cloid = wire.get("c")
    return WireOrder(
        asset=_uint(wire["a"], "a"),
        is_buy=_bool(wire["b"], "b"),
        px=_decimal(wire["p"], "p"),
        sz=_decimal(wire["s"], "s"),
        reduce_only=_bool(wire["r"], "r"),
        tif=tif,
        cloid=None if cloid is None else _cloid(cloid),
    )


def _target(value: Any) -> int | str:
    return _cloid(value) if isinstance(value, str) else _uint(value, "oid")


def _cloid(value: Any) -> str:
    if not (isinstance(value, str) and is_valid_cloid(value)):
        raise DeserializeError(f"invalid cloid {value!r}")
    return value.lower()


def _decimal(value: Any, name: str) -> Decimal:
    if not isinstance(value, str):
        raise DeserializeError(f"`{name}` must be a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise DeserializeError(f"`{name}` is not a decimal: {value!r}") from None
    if not number.is_finite():
        raise DeserializeError(f"`{name}` is not a decimal: {value!r}")
    return number


def _uint(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_U64:
        raise DeserializeError(f"`{name}` must be an unsigned integer")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise DeserializeError(f"`{name}` must be a boolean")
    return value


def _list(action: dict[str, Any], name: str) -> list[Any]:
    value = action[name]
    if not isinstance(value, list):
        raise DeserializeError(f"`{name}` must be a list")
    return value
