"""Feeding recorded steps to a replayed actor in the order the live actor most likely saw them.

An actor reads one socket per publisher and, when several are ready, drains them in its own
order; the recorder does the same with its own timing. So a message that reached the recorder
right after a run of another publisher's messages (a burst: marketdata sends a book, a bbo and
a ctx together), within ``CONCURRENT_NS`` of the run's start, may have been handled by the actor
before that run. For such a group the recorded order is kept unless only the order with that
message first reproduces what the live actor published next (``agrees``); each such swap is
counted. The swapped order is fed with the group's times in ascending order, so the replayed
core's clock never goes back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from amm.common.messages import Schema

CONCURRENT_NS = 5_000_000

State = TypeVar("State")
Output = TypeVar("Output")


@dataclass(frozen=True, slots=True)
class Step:
    """One replay step: a message from ``publisher``, or the actor's timer (``body`` None)."""

    time_ns: int
    order: int
    publisher: str
    body: Schema | None


@dataclass(frozen=True, slots=True)
class Fed(Generic[Output]):
    """What feeding every step made, and how many concurrent pairs were swapped."""

    outputs: list[Output]
    reordered: int


def feed_steps(
    state: State,
    steps: Sequence[Step],
    feed: Callable[[State, Step, int], list[Output]],
    agrees: Callable[[list[Output], list[Output]], bool],
) -> Fed[Output]:
    """Feed ``steps`` in time order to ``state`` (copied before each concurrent pair)."""
    made: list[Output] = []
    reordered = 0
    index = 0
    while index < len(steps):
        pair = concurrent_pair(steps, index)
        if pair is None:
            made += feed(state, steps[index], steps[index].time_ns)
            index += 1
            continue
        group = steps[index : pair + 1]
        kept = copy.deepcopy(state)
        recorded = _feed_all(state, group, group, feed)
        if not agrees(made, recorded):
            swapped = _feed_all(kept, [group[-1], group[0], *group[1:-1]], group, feed)
            if agrees(made, swapped):
                state, recorded = kept, swapped
                reordered += 1
        made += recorded
        index = pair + 1
    return Fed(made, reordered)


def concurrent_pair(steps: Sequence[Step], index: int) -> int | None:
    """The index of a message of another publisher that may have come before the run of
    ``steps[index]``'s publisher it follows: within ``CONCURRENT_NS`` of ``steps[index]``, with
    only that publisher's messages and timer steps between them."""
    step = steps[index]
    if step.body is None:
        return None
    for later in range(index + 1, len(steps)):
        follower = steps[later]
        if follower.time_ns - step.time_ns > CONCURRENT_NS:
            return None
        if follower.body is not None and follower.publisher != step.publisher:
            return later
    return None


def _feed_all(
    state: State,
    order: Sequence[Step],
    timed: Sequence[Step],
    feed: Callable[[State, Step, int], list[Output]],
) -> list[Output]:
    times = [step.time_ns for step in timed]
    return [out for step, t in zip(order, times, strict=True) for out in feed(state, step, t)]
