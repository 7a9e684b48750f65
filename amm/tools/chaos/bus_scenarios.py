"""The bus scenarios: rogue publishers and a slow subscriber, and a market-data burst.

`bus-garbage` stops each actor in turn and binds a rogue publisher on its endpoint; `burst`
turns the venue's websocket up to ten times its rate and watches the quoter keep up.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from amm.common.programs import ACTORS, LISTENS_TO
from amm.tools.chaos.conflation import (
    QuoterSample,
    book_lags_s,
    handled_from_marketdata,
    rate_per_s,
    seq_offset,
)
from amm.tools.chaos.garbage import all_topics, expected_kinds, rogue_messages
from amm.tools.chaos.invariants import verdict, within
from amm.tools.chaos.probe import Probe
from amm.tools.chaos.rogue import Rogue
from amm.tools.chaos.run import QUOTE_TIMEOUT_S, UNREACHABLE, Run, quoting, resumed, until
from amm.tools.chaos.tap import SlowSubscriber, Tap

MAX_BOOK_LAG_S = 1.0  # the quoter may decide on a book at most this much older than the newest
BURST_FACTOR = 10  # market data this many times its normal rate
MIN_BURST_FACTOR = 8.0  # what the measured rate must reach
MIN_FREE_SHARE = 0.9  # of the looks during the burst, the quoter's ladder blocked by nothing
SHAPED_EMPTY = "no_levels"  # the ladder's shaping left no level: not a blocked input
FLOOD_PER_S = 1000.0  # ws_burst_per_s (the venue's most) while the slow subscriber does not read
FLOOD_MESSAGES = 25_000  # well over what send_hwm (10,000) and the kernel's buffers hold for it
FLOOD_TIMEOUT_S = 40.0


# ---- bus-garbage --------------------------------------------------------------------------


async def bus_garbage(run: Run) -> None:
    """On every actor's endpoint in turn (the actor stopped), a rogue publisher sends every kind
    of bad message on every topic; then a slow subscriber overflows on marketdata's endpoint."""
    probe = run.probe
    await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25)
    topics = all_topics(probe.coins, ACTORS)
    seq = itertools.count(1)
    for program in ACTORS:
        await _rogue_round(run, program, topics, seq)
    await _slow_subscriber(run)
    await resumed(run, "quoting_resumed_after_garbage", "after the rogue publishers")


def _subscribers(program: str) -> list[str]:
    return [actor for actor in ACTORS if program in LISTENS_TO[actor]]


async def _rogue_round(run: Run, program: str, topics: list[str], seq: itertools.count) -> None:
    probe, config = run.probe, run.probe.config
    listeners = _subscribers(program)
    before_pids = await probe.program_pids()
    before = {name: await probe.ask(name, "status") for name in listeners}
    impostor = next(actor for actor in ACTORS if actor != program)
    await probe.stop(program)
    rogue = Rogue(probe.ctx, dict(config.bus.items())[program])
    missing: dict[str, set[str]] = {}
    try:
        joined = await rogue.wait_subscribers(len(listeners), 10.0)
        for _ in range(3):
            batch = rogue_messages(
                program, topics, config.transport.max_message_bytes, impostor, seq
            )
            rogue.send(batch)
            await asyncio.sleep(0.5)
            missing = await _uncounted(probe, before, listeners)
            if not any(missing.values()):
                break
    finally:
        rogue.close()
        await probe.start(program)
    run.tally.faults += 1
    after_pids = await probe.program_pids()
    moved = [
        name for name, pid in before_pids.items() if name != program and after_pids.get(name) != pid
    ]
    run.checks.append(
        verdict(
            f"garbage_on_{program}_crashed_nobody",
            not moved,
            f"pids unchanged except {program}" if not moved else f"restarted: {', '.join(moved)}",
        )
    )
    short = {name: sorted(kinds) for name, kinds in missing.items() if kinds}
    run.checks.append(
        verdict(
            f"garbage_on_{program}_counted",
            joined >= len(listeners) and not short,
            f"{joined} of {len(listeners)} subscribers joined the rogue; "
            + (f"kinds not counted: {short}" if short else "every kind counted by every one"),
        )
    )


async def _uncounted(
    probe: Probe, before: dict[str, dict[str, Any]], listeners: list[str]
) -> dict[str, set[str]]:
    """Per subscriber, the malformed kinds it has not counted more of since `before` (and
    `handler_errors` when that rose: a bad message got past the checks into a handler)."""
    out = {}
    for name in listeners:
        now = await probe.ask(name, "status")
        old = before[name]["malformed"]
        kinds = {k for k in expected_kinds() if now["malformed"].get(k, 0) <= old.get(k, 0)}
        if now["handler_errors"] > before[name]["handler_errors"]:
            kinds.add("handler_errors rose")
        out[name] = kinds
    return out


async def _slow_subscriber(run: Run) -> None:
    probe, config = run.probe, run.probe.config
    listeners = _subscribers("marketdata")

    before = await _marketdata_gaps(probe, listeners)
    slow = SlowSubscriber(probe.ctx, config.bus.marketdata)
    try:
        async with Tap(probe.ctx, config, "marketdata").running() as tap:
            await asyncio.sleep(0.5)  # both connected before the flood
            await probe.faults({"ws_burst_per_s": FLOOD_PER_S})
            run.tally.faults += 1
            flooded = len(tap.records) + FLOOD_MESSAGES
            await until(_at_least(tap, flooded), FLOOD_TIMEOUT_S, every_s=0.2)
            await probe.faults({"ws_burst_per_s": 0.0})
            ended_ns = time.time_ns()
            read, lost = await slow.drain(ended_ns, config.transport.max_message_bytes, 30.0)
    finally:
        slow.close()
    after = await _marketdata_gaps(probe, listeners)
    run.checks.append(
        verdict(
            "slow_subscriber_overflowed",
            lost > 0,
            f"marketdata published {len(tap.records)}; the slow subscriber read {read}, "
            f"its seq shows {lost} lost",
        )
    )
    run.checks.append(
        verdict(
            "others_saw_no_gaps_from_marketdata",
            after == before,
            f"gaps before {before}, after {after}",
        )
    )


def _at_least(tap: Tap, count: int) -> Callable[[], Awaitable[bool]]:
    """A predicate for `until`: the tap has recorded `count` messages."""

    async def reached() -> bool:
        return len(tap.records) >= count

    return reached


# ---- burst --------------------------------------------------------------------------------


async def burst(run: Run) -> None:
    """Market data at 10x its rate: the quoter must keep deciding on the newest book."""
    probe = run.probe
    await until(lambda: quoting(probe), QUOTE_TIMEOUT_S, every_s=0.25)
    listeners = _subscribers("marketdata")
    async with Tap(probe.ctx, probe.config, "marketdata").running() as tap:
        calm, start_ns, _ = await _sample_quoter(probe, max(run.phase_s, 4.0))
        normal = rate_per_s(tap.records, "md.book.", start_ns, time.time_ns())
        gaps_before = await _marketdata_gaps(probe, listeners)
        await probe.faults({"ws_burst_per_s": round(BURST_FACTOR * max(normal, 1.0), 1)})
        run.tally.faults += 1
        try:
            busy, burst_ns, looks = await _sample_quoter(probe, max(run.phase_s, 6.0))
            rate = rate_per_s(tap.records, "md.book.", burst_ns, time.time_ns())
        finally:
            await probe.faults({"ws_burst_per_s": 0.0})
        gaps_after = await _marketdata_gaps(probe, listeners)
    factor = rate / max(normal, 1e-9)
    run.checks.append(
        verdict(
            "market_data_burst_reached",
            factor >= MIN_BURST_FACTOR,
            f"md.book {normal:.1f}/s to {rate:.1f}/s: {factor:.1f}x, at least {MIN_BURST_FACTOR:g}",
        )
    )
    lags = book_lags_s(tap.records, busy, seq_offset(calm + busy))
    worst = max(lags, default=None)
    run.checks.append(
        within(
            "quoter_on_newest_book",
            worst,
            MAX_BOOK_LAG_S,
            f"worst of {len(lags)} samples, the quoter's book behind the newest",
        )
    )
    run.checks.append(
        verdict(
            "no_gaps_in_burst",
            gaps_after == gaps_before,
            f"marketdata gaps seen by {', '.join(listeners)}: {gaps_before} -> {gaps_after}",
        )
    )
    blocked = Counter(reason for look in looks for reason in look.blocked)
    free = sum(not look.blocked for look in looks)
    run.checks.append(
        verdict(
            "quoter_not_blocked_by_burst",
            free >= MIN_FREE_SHARE * len(looks) > 0,
            f"quoting in {free} of {len(looks)} looks (blocked: {dict(blocked) or 'never'}); "
            f"orders at the venue in {sum(look.resting for look in looks)}",
        )
    )


@dataclass(frozen=True)
class Look:
    """What blocked the quoter's ladder (its `quote` op's reasons), and whether orders rested."""

    blocked: tuple[str, ...]
    resting: bool


async def _sample_quoter(
    probe: Probe, seconds: float
) -> tuple[list[QuoterSample], int, list[Look]]:
    """The quoter's `status` every 0.2 s for `seconds`, with a look at its ladder and at the
    venue each time; the samples, the start (wall ns) and the looks."""
    start_ns, samples, looks = time.time_ns(), [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = await probe.ask("quoter", "status")
            quote = await probe.ask("quoter", "quote")
            resting = await quoting(probe)
        except UNREACHABLE:
            continue
        for coin, market in quote["markets"].items():
            reasons = (market["model"] or {"reasons": ["no_model"]})["reasons"]
            blocked = tuple(f"{coin} {r}" for r in reasons if r != SHAPED_EMPTY)
            looks.append(Look(blocked, resting))
        taken = status["publishers"].get("marketdata", {}).get("seq")
        if taken is not None:
            handled = handled_from_marketdata(status["consumed"])
            samples.append(QuoterSample(time.time_ns(), taken, handled))
        await asyncio.sleep(0.2)
    return samples, start_ns, looks


async def _marketdata_gaps(probe: Probe, listeners: list[str]) -> dict[str, int]:
    """The gaps each listener has counted in marketdata's stream (once it has heard it)."""
    gaps: dict[str, int] = {}

    async def heard() -> bool:
        for name in listeners:
            track = (await probe.ask(name, "status"))["publishers"].get("marketdata")
            if track is None:
                return False
            gaps[name] = track["gaps"]
        return True

    await until(heard, QUOTE_TIMEOUT_S, every_s=0.2)
    return gaps
