"""`amm risk halt|resume|status`: the operator's word to the risk actor, over request/reply.

They talk to risk's ``halt``, ``resume`` and ``state`` ops. A halt is answered only after risk
has stored it (its halt file survives a restart of risk); a halt that risk could not store is
reported, with exit code 1. If risk does not answer, nothing changes and the exit code is 1:
with risk down, execution's gate is closed anyway (it needs risk's heartbeat); to empty the book
by hand use `amm cancel-all`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.reqrep import RequestFailed, request

NOT_ANSWERING = 1


async def ask_risk(config: Config, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """One request to risk's reply socket; raises RequestFailed when it does not answer."""
    ctx = client_context(config)
    try:
        reply = await request(
            ctx, config.snapshot.risk, op, args, timeout_s=config.transport.request_timeout_s
        )
        return reply.data
    finally:
        ctx.term()


async def halt(config: Config, reason: str | None) -> int:
    """`amm risk halt [--reason TEXT]`: halt trading until `amm risk resume`."""
    try:
        data = await ask_risk(config, "halt", {"reason": reason or "manual halt"})
    except RequestFailed as exc:
        return _not_answering(exc)
    held = data["halt"]
    print(f"risk HALTED by {held['by']}: {held['reason']} (since {_when(held['since_ns'])})")
    if not data["stored"]:
        print("warning: risk could not store the halt; it holds only until risk restarts")
        return 1
    return 0


async def resume(config: Config) -> int:
    """`amm risk resume`: clear the halt and start a new session."""
    try:
        data = await ask_risk(config, "resume")
    except RequestFailed as exc:
        return _not_answering(exc)
    if data["resumed"]:
        print(f"risk resumed: state {data['state']['state']}, new session started")
    else:
        print(f"risk was not halted: state {data['state']['state']}")
    if not data["stored"]:
        print("warning: risk could not store the resume; a restart of risk would halt again")
        return 1
    return 0


async def status(config: Config, *, as_json: bool) -> int:
    """`amm risk status [--json]`: the trading state, positions, PnL, limits and decisions."""
    try:
        data = await ask_risk(config, "state")
    except RequestFailed as exc:
        return _not_answering(exc)
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        print("\n".join(status_lines(data)))
    return 0


def status_lines(data: dict[str, Any]) -> list[str]:
    """The human view of a ``state`` answer."""
    state = data["state"]
    snapshot = "snapshot ok" if state["snapshot_ok"] else "no snapshot yet (approves nothing)"
    lines = [
        f"risk {state['state']}  {snapshot}  session PnL {state['session_pnl']} "
        f"since {_when(data['session_start_ns'])}",
        f"reasons: {', '.join(state['reasons']) or '-'}",
    ]
    held = data["halt"]
    if held is not None:
        lines.append(f"halted by {held['by']} since {_when(held['since_ns'])}: {held['reason']}")
    for coin, market in data["markets"].items():
        position = state["positions"][coin]
        lines.append(
            f"{coin}  szi {position['szi']}  entry {position['entry_px'] or '-'}  "
            f"notional {position['notional']}  delta {position['delta']:+.3f}  "
            f"mid {market['mid'] or '-'}"
        )
        decision = market["decision"]
        if decision is not None:
            rebalance = decision["rebalance"]
            shot = (
                f"  rebalance {rebalance['side']} {rebalance['sz']} @ {rebalance['limit_px']}"
                if rebalance
                else ""
            )
            lines.append(
                f"  decision {decision['decision_id']} {decision['verdict']} "
                f"[{', '.join(decision['reasons'])}] bids {len(decision['bids'])} "
                f"asks {len(decision['asks'])}{shot}"
            )
        limits = state["limits"]["markets"].get(coin, {})
        if "max_position_sz" in limits:
            lines.append(f"  max position {limits['max_position_sz']} ({limits['binding']})")
    return lines


def _when(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _not_answering(exc: RequestFailed) -> int:
    print(f"risk is not answering: {exc}")
    print("nothing changed; with risk down execution's gate is closed (use `amm cancel-all`)")
    return NOT_ANSWERING
