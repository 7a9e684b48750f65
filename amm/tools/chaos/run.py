"""What every scenario works with: its run (probe, tally, checks) and patient waits.

Waits treat a party that cannot be reached (the venue faulted, an actor restarting) as "not
yet", so a scenario can wait through the damage it did.
"""

from __future__ import annotations

import asyncio
import random
import time
import xmlrpc.client
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from amm.common.hyperliquid.errors import ExchangeError
from amm.common.reqrep import RequestFailed
from amm.tools.chaos.invariants import Check, within
from amm.tools.chaos.probe import Probe

QUOTE_TIMEOUT_S = 45.0  # for quoting to come back after a disruption (snapshots, recovery)
UNREACHABLE = (ExchangeError, RequestFailed, aiohttp.ClientError, OSError, xmlrpc.client.Error)


@dataclass
class Tally:
    """What a scenario did."""

    restarts: int = 0
    kills: int = 0
    faults: int = 0


@dataclass
class Run:
    """One scenario's run: the probe, the seeded randomness, the phase length, the results."""

    probe: Probe
    rng: random.Random
    phase_s: float
    tally: Tally = field(default_factory=Tally)
    checks: list[Check] = field(default_factory=list)


async def until(
    predicate: Callable[[], Awaitable[bool]], timeout_s: float, every_s: float = 0.1
) -> float | None:
    """Seconds until `predicate` held (an unreachable party counts as not yet), or None."""
    start = time.monotonic()
    while True:
        try:
            held = await predicate()
        except UNREACHABLE:
            held = False
        elapsed = time.monotonic() - start
        if held:
            return elapsed
        if elapsed > timeout_s:
            return None
        await asyncio.sleep(every_s)


async def quoting(probe: Probe) -> bool:
    """The account has orders at the venue."""
    return bool(await probe.open_orders())


async def no_orders(probe: Probe) -> bool:
    """The account has no order at the venue."""
    return not await probe.open_orders()


async def resumed(run: Run, name: str, after: str) -> None:
    """Check that quoting comes back within QUOTE_TIMEOUT_S."""
    waited = await until(lambda: quoting(run.probe), QUOTE_TIMEOUT_S, every_s=0.25)
    what = f"time until orders were at the venue again {after}"
    check = within(name, waited, QUOTE_TIMEOUT_S, what)
    if not check.ok:
        check = Check(name, check.violations, f"{check.detail}; {await why_not_quoting(run.probe)}")
    run.checks.append(check)


async def why_not_quoting(probe: Probe) -> str:
    """What the quoter, risk and execution say about each market (for a failed check)."""
    said = []
    for coin in probe.coins:
        try:
            quote = (await probe.ask("quoter", "quote", {"coin": coin}))["markets"][coin]
            risk = await probe.ask("risk", "state")
            gates = (await probe.ask("execution", "orders"))["gates"]
        except UNREACHABLE as exc:
            said.append(f"{coin}: {exc}")
            continue
        intent, decision = quote["intent"] or {}, risk["markets"][coin]["decision"] or {}
        said.append(
            f"{coin}: quoter blocked by {(quote['model'] or {}).get('reasons')}, intent "
            f"{_sides(intent)}; risk {risk['state']['state']} at "
            f"{risk['markets'][coin]['books']['szi']}, {decision.get('verdict')} "
            f"{decision.get('reasons')} {_sides(decision)}; execution gate {gates.get(coin)}"
        )
    return "; ".join(said)


def _sides(ladder: dict[str, Any]) -> str:
    return f"{len(ladder.get('bids', []))} bids/{len(ladder.get('asks', []))} asks"
