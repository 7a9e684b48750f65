"""The shared fill-sync helpers the monitor uses (and risk): stream watch and paged fetch."""

import asyncio
from typing import Any

import msgspec

from amm.common.fill_sync import StreamWatch, fetch_fills
from amm.common.sequence import SeqTracker
from tests.unit.services.monitor.monitor_helpers import fill


def test_the_watch_notices_a_gap_and_a_new_epoch_but_not_the_first_look():
    tracker, watch = SeqTracker(), StreamWatch("execution")
    assert not watch.moved(tracker)  # nothing heard yet
    tracker.observe("execution", "a", 1)
    assert not watch.moved(tracker)
    tracker.observe("execution", "a", 2)
    assert not watch.moved(tracker)
    tracker.observe("execution", "a", 5)  # a gap
    assert watch.moved(tracker) and not watch.moved(tracker)
    tracker.observe("execution", "b", 1)  # a restart
    assert watch.moved(tracker)


def test_fetch_fills_pages_until_the_journal_end():
    journal = [fill("B", "6000", "0.1", start="0", seq=seq) for seq in range(1, 4506)]
    asked: list[dict[str, Any]] = []

    async def ask(op: str, args: dict[str, Any]) -> dict[str, Any]:
        asked.append(args)
        after = [f for f in journal if f.journal_seq > args["seq"]][: args["limit"]]
        return {"fills": [msgspec.to_builtins(f) for f in after], "last_seq": len(journal)}

    fills, last_seq = asyncio.run(fetch_fills(ask, 0))
    assert last_seq == 4505 and [f.journal_seq for f in fills] == list(range(1, 4506))
    assert [a["seq"] for a in asked] == [0, 2000, 4000]
