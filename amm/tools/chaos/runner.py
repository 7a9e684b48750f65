"""One chaos scenario from start to finish: deploy, break, settle, collect, tear down, judge.

Each scenario gets a deployment of its own (a temporary folder, free ports), so its invariants
are about what it did alone, and `amm down` at its end is checked like any other invariant. The
deployment is always torn down, also on an exception or Ctrl-C; it is kept on disk (its path is
in the result) only when a check failed, for its logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from amm.common.keys import PAPER_KEY_FILE, read_paper_key
from amm.services.execution.journal import FillJournal
from amm.tools.chaos import invariants
from amm.tools.chaos.deployment import PrivateDeployment, Teardown
from amm.tools.chaos.invariants import Check, OrderSample
from amm.tools.chaos.probe import Probe
from amm.tools.chaos.run import (
    QUOTE_TIMEOUT_S,
    UNREACHABLE,
    Run,
    Tally,
    no_orders,
    quoting,
    until,
)
from amm.tools.chaos.scenarios import SCENARIOS
from amm.tools.orders import compare

SETTLE_TIMEOUT_S = 20.0
PID_EVERY_S = 0.5
ORDERS_EVERY_S = 1.0

# What the chaos deployment changes in the shipped paper config, and why (shown in the report).
CONDITIONS: tuple[tuple[str, Any, str], ...] = (
    ("risk.max_session_loss_usd", 1000.0, "the informed flow's losses must not halt the runs"),
    ("monitor.modes.emergency_session_pnl_usd", -1000.0, "nor switch quoting off"),
    ("monitor.modes.emergency_cycle_pnl_usd", -1000.0, "nor switch quoting off"),
    ("monitor.cycle_interval_s", 3.0, "the monitor's figures are checked after a cycle"),
    ("monitor.evaluate_interval_s", 1.0, "at most the cycle"),
    ("exchange.request_timeout_s", 3.0, "slow acks become unanswered requests ..."),
    ("execution.action_expiry_ms", 4000, "... that expire ..."),
    ("execution.answer_timeout_ms", 6000, "... and are settled within a short run"),
    ("execution.dead_man_s", 8.0, "the dead-man switch fires within a short run"),
    ("execution.dead_man_refresh_s", 3.0, "at least 1 s under dead_man_s"),
)


def chaos_overrides(seed: int) -> dict[str, Any]:
    """The config tables `CONDITIONS` change, and the venue's seed."""
    tables: dict[str, Any] = {"venue": {"seed": seed}}
    for dotted, value, _ in CONDITIONS:
        *path, key = dotted.split(".")
        table = tables
        for part in path:
            table = table.setdefault(part, {})
        table[key] = value
    return tables


@dataclass
class Evidence:
    """What the checks compare, read from the deployment once it has settled."""

    venue_fills: list[dict[str, Any]]
    positions: dict[str, Decimal]
    placements: dict[str, Any]
    risk_positions: dict[str, Decimal | None]
    monitor_totals: dict[str, dict[str, Any]]
    monitor_history: dict[str, list[dict[str, Any]]]


@dataclass
class Outcome:
    """What a run found, filled in as it goes (whatever is there when it stops is reported)."""

    tally: Tally = field(default_factory=Tally)
    checks: list[Check] = field(default_factory=list)
    order_samples: list[OrderSample] = field(default_factory=list)
    pids_seen: set[int] = field(default_factory=set)
    evidence: Evidence | None = None


@dataclass
class ScenarioResult:
    """One scenario's figures and checks."""

    name: str
    seconds: float
    tally: Tally
    fills: int
    orders: int
    checks: list[Check]
    kept: str | None  # the deployment's folder, kept because a check failed

    @property
    def violations(self) -> int:
        return sum(check.violations for check in self.checks)


def run_scenario(name: str, seed: int, phase_s: float) -> ScenarioResult:
    """Run scenario `name` on a deployment of its own and judge it."""
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix=f"amm-chaos-{name}-"))
    deployment = PrivateDeployment(home, chaos_overrides(seed))
    outcome = Outcome()
    try:
        asyncio.run(_drive(name, deployment, random.Random(seed), phase_s, outcome))
    except Exception as exc:  # a scenario that could not finish is a failed check, not a crash
        outcome.checks.append(Check("scenario_completed", 1, f"{type(exc).__name__}: {exc}"))
    except BaseException:  # Ctrl-C, SIGTERM: stop everything, leave nothing, report nothing
        deployment.teardown(outcome.pids_seen)
        shutil.rmtree(home, ignore_errors=True)
        raise
    teardown = deployment.teardown(outcome.pids_seen)
    checks = [*outcome.checks, *_final_checks(deployment, outcome, teardown)]
    evidence = outcome.evidence
    result = ScenarioResult(
        name=name,
        seconds=round(time.monotonic() - started, 1),
        tally=outcome.tally,
        fills=len(evidence.venue_fills) if evidence else 0,
        orders=evidence.placements["placements"] if evidence else 0,
        checks=checks,
        kept=str(home),
    )
    if result.violations == 0:
        shutil.rmtree(home, ignore_errors=True)
        result.kept = None
    return result


async def _drive(
    name: str, deployment: PrivateDeployment, rng: random.Random, phase_s: float, out: Outcome
) -> None:
    up = await asyncio.to_thread(deployment.amm, "up")
    if up.returncode != 0:
        raise RuntimeError(f"amm up failed ({up.returncode}): {up.stderr.strip()[-400:]}")
    async with Probe.open(deployment) as probe:
        probe.pids_seen = out.pids_seen
        run = Run(probe, rng, phase_s, out.tally, out.checks)
        watchers = [
            asyncio.create_task(_watch_pids(probe)),
            asyncio.create_task(_sample_orders(probe, out.order_samples)),
        ]
        try:
            if await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25) is None:
                raise RuntimeError(f"no quotes at the venue within {QUOTE_TIMEOUT_S:g} s of amm up")
            await SCENARIOS[name](run)
            await _settle(probe)
            out.evidence = await _collect(probe)
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)


async def _watch_pids(probe: Probe) -> None:
    """Remember every pid supervisord reports, so `amm down` can be checked against them all."""
    while True:
        with contextlib.suppress(*UNREACHABLE):
            await probe.program_pids()
        await asyncio.sleep(PID_EVERY_S)


async def _sample_orders(probe: Probe, samples: list[OrderSample]) -> None:
    """Compare the venue's open orders with what execution holds (asked before and after)."""
    while True:
        await asyncio.sleep(ORDERS_EVERY_S)
        try:
            first = await probe.ask("execution", "orders")
            venue = await probe.open_orders()
            second = await probe.ask("execution", "orders")
        except UNREACHABLE:
            continue
        if not (first["recovered"] and second["recovered"]):
            continue  # a new execution adopts the orders while it recovers
        rows = compare(venue, {"orders": first["orders"] + second["orders"]})
        unknown = frozenset(
            str(row["cloid"] or row["oid"]) for row in rows if row["seen_by"] == ["exchange"]
        )
        samples.append(OrderSample(time.monotonic(), unknown))


async def _settle(probe: Probe) -> None:
    """Halt risk (execution cancels everything) and wait until every fill has been booked:
    by the venue, execution's journal, risk, and a monitor cycle that ended afterwards."""

    async def halted() -> bool:
        await probe.ask("risk", "halt", {"reason": "amm chaos: settling for the checks"})
        return await no_orders(probe)

    await until(halted, SETTLE_TIMEOUT_S, every_s=0.5)
    agreed: list[int] = []

    async def booked() -> bool:
        venue = len(await probe.user_fills())
        journal = (await probe.ask("execution", "fills_since", {"seq": 0, "limit": 1}))["last_seq"]
        risk = (await probe.ask("risk", "state"))["sync"]["last_journal_seq"]
        agreed.append(venue if venue == journal == risk else -1)
        return len(agreed) >= 2 and agreed[-1] == agreed[-2] >= 0

    await until(booked, SETTLE_TIMEOUT_S, every_s=0.5)
    settled_ms = time.time_ns() // 1_000_000

    async def cycled() -> bool:
        for coin in probe.coins:
            stats = await probe.ask("monitor", "stats", {"window": "total", "coin": coin})
            if stats["time_ms"] <= settled_ms:
                return False
        return True

    await until(cycled, probe.config.monitor.cycle_interval_s + SETTLE_TIMEOUT_S, every_s=0.5)


async def _collect(probe: Probe) -> Evidence:
    risk = (await probe.ask("risk", "state"))["state"]["positions"]
    totals, history = {}, {}
    for coin in probe.coins:
        stats = await probe.ask("monitor", "stats", {"window": "total", "coin": coin})
        totals[coin] = stats["windows"]["total"]
        history[coin] = (await probe.ask("monitor", "history", {"coin": coin}))["fills"]
    return Evidence(
        venue_fills=await probe.user_fills(),
        positions=await probe.positions(),
        placements=await probe.placements(),
        risk_positions={
            coin: Decimal(risk[coin]["szi"]) if coin in risk else None for coin in probe.coins
        },
        monitor_totals=totals,
        monitor_history=history,
    )


def _final_checks(
    deployment: PrivateDeployment, outcome: Outcome, teardown: Teardown
) -> list[Check]:
    """The invariants every scenario shares, over what was collected and what is on disk."""
    config, var = deployment.config, deployment.home / "var"
    logs = {str(path.relative_to(var)): path.read_text(errors="replace") for path in _logs(var)}
    checks = [invariants.no_process_left(outcome.pids_seen, teardown.left_behind)]
    if (var / PAPER_KEY_FILE).exists():
        key = read_paper_key(var / PAPER_KEY_FILE).secret_hex
        checks.append(invariants.key_not_in_logs(key, logs))
    grace_s = config.execution.reconcile_interval_s + 2
    checks.append(invariants.orders_known(outcome.order_samples, grace_s))
    evidence = outcome.evidence
    if evidence is None:
        return [*checks, Check("settled_and_collected", 1, "the run ended before the checks")]
    with FillJournal(var / "execution" / "fills.sqlite") as journal:
        rows = [
            {"tid": f.tid, "coin": f.coin, "side": f.side, "px": f.px, "sz": f.sz}
            for f in (entry.fill for entry in journal.since(0))
        ]
    risk = config.risk
    return [
        *checks,
        invariants.fills_journaled_once(evidence.venue_fills, rows),
        invariants.monitor_counts_fills(
            evidence.venue_fills,
            evidence.monitor_totals,
            evidence.monitor_history,
            config.monitor.history_fills,
        ),
        invariants.risk_matches_venue(evidence.positions, evidence.risk_positions),
        invariants.within_hard_limit(
            evidence.venue_fills, Decimal(str(risk.max_exposure_usd * risk.halt_at_delta))
        ),
        invariants.no_repeated_cloids(evidence.placements),
    ]


def _logs(var: Path) -> list[Path]:
    """Every log of the deployment: supervisord's and each program's, rotated ones too."""
    return sorted(path for path in var.rglob("*.log*") if path.is_file())
