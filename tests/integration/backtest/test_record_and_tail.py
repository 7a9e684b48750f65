"""`amm record` while the system runs, then `amm tail --from` prints what `amm tail` printed.

The venue and marketdata run as processes; the recorder and a live `amm tail` listen at the
same time. Every line the live tail printed must be printed by the replay, in the same order,
for the same filters and format: the replay prints more at the start and the end only, since it
listened longer. (Across publishers the replay keeps the recorder's arrival order, so each
publisher's lines are compared on their own; here marketdata is the only one.)
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import time

from amm.common.config import load_config
from amm.tools.record import read_recording
from amm.tools.tail import tail
from tests.helpers import AMM, start_actor, stop
from tests.integration.backtest.processes import start_recorder, start_venue

LIVE_S = 6.0


def contiguous_within(part: list[str], whole: list[str]) -> bool:
    """True if ``part`` appears in ``whole`` as one unbroken run."""
    if not part:
        return False
    starts = [i for i, line in enumerate(whole) if line == part[0]]
    return any(whole[i : i + len(part)] == part for i in starts)


def replayed(config, path, prefixes, as_json):
    out = io.StringIO()
    code = asyncio.run(
        tail(config, prefixes, as_json=as_json, count=None, timeout_s=None, out=out, from_file=path)
    )
    assert code == 0
    return out.getvalue().splitlines()


def test_tail_from_a_recording_prints_what_the_live_tail_printed(write_config, processes, tmp_path):
    path = write_config()
    config = load_config(path)
    venue = start_venue(path, config)
    processes.append(venue)
    marketdata = start_actor("marketdata", path)
    processes.append(marketdata)
    recording = tmp_path / "bus.rec"
    thread = start_recorder(config, recording, LIVE_S + 4)
    time.sleep(1.5)
    live = {
        ("json", ()): ["--json"],
        ("line", ("md.status", "hb.")): ["md.status", "hb."],
    }
    tails = {
        key: subprocess.Popen(
            [AMM, "tail", "--config", str(path), "--timeout", str(LIVE_S), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for key, args in live.items()
    }
    printed = {key: process.communicate(timeout=LIVE_S + 20)[0] for key, process in tails.items()}
    thread.join(LIVE_S + 10)
    stop(marketdata)
    stop(venue)

    assert {m.publisher for m in read_recording(recording).messages} == {"marketdata"}
    for (form, prefixes), output in printed.items():
        lines = output.splitlines()
        assert len(lines) >= 5, (form, output)
        again = replayed(config, recording, list(prefixes), form == "json")
        assert contiguous_within(lines, again), (form, lines[:3], again[:3])
