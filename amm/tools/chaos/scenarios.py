"""The ways `amm chaos` breaks a trading deployment's processes and exchange, one coroutine each.

Every scenario starts with the system quoting, does its damage, checks what that damage must
and must not cause (appending `Check`s), counts what it did in the run's tally, and leaves the
system trading again; the runner then checks the invariants every scenario shares. The bus
scenarios are in `bus_scenarios.py`; `SCENARIOS` names them all.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal

from amm.common.programs import ACTORS
from amm.tools.chaos import SCENARIO_NAMES
from amm.tools.chaos.bus_scenarios import burst, bus_garbage
from amm.tools.chaos.invariants import positions_since, verdict, within
from amm.tools.chaos.probe import Probe
from amm.tools.chaos.run import QUOTE_TIMEOUT_S, Run, no_orders, quoting, resumed, until

RUNNING_TIMEOUT_S = 15.0  # for supervisord to run a killed program again
DEAD_MAN_SLACK_S = 2.0  # the venue's 50 ms tick and our 100 ms polling, with room
FAULT_PHASES: tuple[tuple[str, float], ...] = (
    ("http_error_rate", 0.3),
    ("timeout_rate", 0.2),
    ("ws_drop_interval_s", 2.0),
    ("ack_delay_s", 4.0),  # longer than the chaos config's request timeout: unanswered, resolved
    ("reject_rate", 0.5),
)


# ---- restart ------------------------------------------------------------------------------


async def restart(run: Run) -> None:
    """`supervisorctl restart` of each actor in turn, each while the system is trading."""
    probe, renewed = run.probe, []
    for program in ACTORS:
        await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25)
        await asyncio.sleep(run.phase_s)
        before = (await probe.program_pids())[program]
        await probe.stop(program)
        after = await probe.start(program)
        run.tally.restarts += 1
        renewed.append(program if after != before else f"{program} (same pid!)")
    same = [name for name in renewed if "same pid" in name]
    run.checks.append(verdict("every_actor_restarted", not same, f"restarted {', '.join(renewed)}"))
    await resumed(run, "quoting_resumed_after_restarts", "after the last restart")


# ---- kill ---------------------------------------------------------------------------------


async def kill(run: Run) -> None:
    """SIGKILL random actors (one or two at a time, seeded), many times; supervisord restarts."""
    probe = run.probe
    rounds = max(6, round(2 * run.phase_s))
    missing = []
    for _ in range(rounds):
        victims = run.rng.sample(ACTORS, run.rng.choice((1, 1, 2)))
        pids = {program: await probe.signal(program, signal.SIGKILL) for program in victims}
        run.tally.kills += len(pids)
        for program, pid in pids.items():
            if await probe.wait_running(program, pid, RUNNING_TIMEOUT_S) is None:
                missing.append(program)
        await asyncio.sleep(run.rng.uniform(0.2, 1.0))
    run.checks.append(
        verdict(
            "killed_actors_restarted_by_supervisord",
            not missing,
            f"{run.tally.kills} kills in {rounds} rounds"
            + (f"; not running again: {', '.join(missing)}" if missing else ""),
        )
    )
    await resumed(run, "quoting_resumed_after_kills", "after the last kill")


# ---- risk-down ----------------------------------------------------------------------------


async def risk_down(run: Run) -> None:
    """Stop risk: every order is gone within execution's risk age + 1 s, nothing is placed
    while risk is down, and a restarted risk quotes again from the venue's position."""
    probe = run.probe
    await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25)
    await asyncio.sleep(run.phase_s)
    limit_s = probe.config.execution.max_risk_age_ms / 1000 + 1
    await probe.stop("risk")
    gone = await until(lambda: no_orders(probe), limit_s + 5, every_s=0.05)
    what = "from the stop until no order was at the venue"
    run.checks.append(within("orders_gone_without_risk", gone, limit_s, what))
    held = await probe.positions()
    placed = (await probe.placements())["placements"]
    await asyncio.sleep(run.phase_s)
    still = (await probe.placements())["placements"] == placed and await no_orders(probe)
    run.checks.append(verdict("nothing_placed_while_risk_down", still, f"{run.phase_s:g} s down"))
    await probe.start("risk")
    run.tally.restarts += 1
    state = await _risk_snapshot(probe)
    fills = await probe.user_fills()
    wrong = [
        f"{coin}: risk {szi}, venue held {held[coin]}"
        for coin, szi in state.items()
        if szi not in positions_since(held[coin], [f for f in fills if f["coin"] == coin])
    ]
    shown = ", ".join(f"{coin} {szi}" for coin, szi in held.items())
    detail = "; ".join(wrong) or f"risk restarted from the venue's position: {shown}"
    run.checks.append(verdict("risk_restarted_with_venue_position", not wrong, detail))
    await resumed(run, "quoting_resumed_with_risk", "after risk started")


async def _risk_snapshot(probe: Probe) -> dict[str, Decimal]:
    """Risk's positions once it holds execution's snapshot."""
    found: dict[str, Decimal] = {}

    async def snapshot_ok() -> bool:
        state = (await probe.ask("risk", "state"))["state"]
        found.update({c: Decimal(p["szi"]) for c, p in state["positions"].items()})
        return bool(state["snapshot_ok"])

    await until(snapshot_ok, QUOTE_TIMEOUT_S, every_s=0.25)
    return found


# ---- execution-down -----------------------------------------------------------------------


async def execution_down(run: Run) -> None:
    """Freeze execution (SIGSTOP: it stops without cancelling anything and is not restarted):
    the venue's dead-man switch must clear the account's orders within dead_man_s. Quotes may
    fill first, so a sentinel bid far under the market, placed for the account once execution
    is frozen, shows the switch at work. Then kill execution and let supervisord start a new
    one, which must recover and quote again."""
    probe = run.probe
    await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25)
    await asyncio.sleep(run.phase_s)
    limit_s = probe.config.execution.dead_man_s + DEAD_MAN_SLACK_S
    pid = await probe.signal("execution", signal.SIGSTOP)
    frozen = time.monotonic()
    try:
        quotes = [order["cloid"] for order in await probe.open_orders()]
        sentinel = await probe.place_sentinel(probe.coins[0])
        await until(lambda: no_orders(probe), limit_s + 5, every_s=0.1)
        gone = time.monotonic() - frozen
        run.checks.append(
            within(
                "dead_man_cleared_orders",
                gone if gone <= limit_s + 5 else None,
                limit_s,
                f"from the freeze until {len(quotes)} quote(s) and a sentinel were gone",
            )
        )
        ends = Counter([await probe.order_status(cloid) for cloid in quotes])
        sentinel_end = await probe.order_status(sentinel)
        run.checks.append(
            verdict(
                "cleared_by_the_dead_man_switch",
                sentinel_end == "scheduledCancel",
                f"sentinel {sentinel_end}; the quotes open at the freeze: {dict(ends) or 'none'}",
            )
        )
    finally:
        await probe.signal("execution", signal.SIGKILL)
    run.tally.kills += 1
    again = await probe.wait_running("execution", pid, RUNNING_TIMEOUT_S)
    run.checks.append(verdict("execution_started_again", again is not None, f"new pid {again}"))
    await resumed(run, "quoting_resumed_after_execution", "after execution started again")


# ---- exchange-faults ----------------------------------------------------------------------


async def exchange_faults(run: Run) -> None:
    """Turn each of the venue's faults on for a phase (5xx, unanswered requests, websocket
    drops, slow acks, rejected orders), then all off: the system must trade normally again."""
    probe = run.probe
    await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25)
    phase_s = max(run.phase_s, 3.0)
    for name, value in FAULT_PHASES:
        await probe.faults({name: value})
        run.tally.faults += 1
        await asyncio.sleep(phase_s)
        await probe.faults({name: 0.0})
    felt = {
        event: probe.log_events(program, event)
        for program, event in (
            ("execution", "execution.action_unanswered"),
            ("execution", "execution.timer_failed"),
            ("marketdata", "md.disconnected"),
        )
    }
    http_felt = felt["execution.action_unanswered"] + felt["execution.timer_failed"]
    reached = http_felt > 0 and felt["md.disconnected"] > 0
    run.checks.append(verdict("faults_reached_the_actors", reached, f"log events: {felt}"))
    settings = await probe.faults()
    left_on = {name: value for name, value in settings.items() if value}
    run.checks.append(verdict("faults_all_off", not left_on, f"switchboard now {settings}"))
    placed = (await probe.placements())["placements"]

    async def placing() -> bool:
        return (await probe.placements())["placements"] > placed and await quoting(probe)

    waited = await until(placing, QUOTE_TIMEOUT_S, every_s=0.25)
    what = "time until new orders were placed and resting"
    run.checks.append(within("trading_after_faults", waited, QUOTE_TIMEOUT_S, what))


SCENARIOS: dict[str, Callable[[Run], Awaitable[None]]] = dict(
    zip(
        SCENARIO_NAMES,
        (restart, kill, risk_down, execution_down, exchange_faults, bus_garbage, burst),
        strict=True,
    )
)
