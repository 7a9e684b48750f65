"""`amm watch` against stand-in publishers on real loopback sockets."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal

import zmq.asyncio

from amm.common.config import Config, load_config
from amm.common.deployment import Deployment
from amm.tools.watch import watch
from tests.integration.tools.standins import COIN, StandInBus

FAST = {"transport": {"heartbeat_interval_s": 0.2, "peer_timeout_s": 1.0}}


async def watching(config: Config, programs: tuple[str, ...], run: asyncio.Future) -> int:
    """Publish for `programs` while `run` (a watch call) runs; its exit code."""
    ctx = zmq.asyncio.Context()
    bus = StandInBus(ctx, config, programs)
    publishing = asyncio.create_task(bus.run(interval_s=0.05))
    try:
        return await run
    finally:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)
        bus.close()
        ctx.term()


def test_once_shows_quotes_position_stats_and_a_down_program(write_config, tmp_path):
    config = load_config(write_config(FAST))
    out = io.StringIO()

    async def scenario() -> int:
        run = asyncio.ensure_future(
            watch(config, once=True, deployment=Deployment(tmp_path), out=out)
        )
        return await watching(config, ("marketdata", "quoter", "risk", "monitor"), run)

    assert asyncio.run(scenario()) == 0
    text = out.getvalue()
    assert "\x1b" not in text  # not a terminal: no escape codes
    assert re.search(rf"{re.escape(COIN)}\s+book  \d+(\.\d)? x 1.25 \| \d+(\.\d)? x 0.8", text)
    assert re.search(r"quote \d+(\.\d)? x 0.05 \+2 \| \d+(\.\d)? x 0.05 \+2  fair", text)
    assert re.search(r"risk  \d+(\.\d)? x 0.05 \+2 \| .* approve ACTIVE", text)
    assert re.search(rf"{re.escape(COIN)}\s+\+0\.1500\s+5999\.8\s+\+\d+\.\d\d\s+\+0\.\d{{3}}", text)
    assert f"PNL {COIN}  monitor.stats cycle" in text
    assert "WARNING  km:US500    markout_30s" in text
    assert "mode moderate" in text and "md live" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines()[-7:] if line.strip()}
    assert rows["marketdata"][1] == rows["quoter"][1] == rows["risk"][1] == "UP"
    assert rows["execution"][1] == "DOWN" and rows["monitor"][1] == "UP"
    assert "supervisord not running" in text


def test_without_a_terminal_it_prints_a_snapshot_a_second_and_stops_on_ctrl_c(write_config):
    config = load_config(write_config(FAST))
    out = io.StringIO()

    async def interrupt_later() -> None:
        await asyncio.sleep(2.5)
        os.kill(os.getpid(), signal.SIGINT)

    async def scenario() -> int:
        run = asyncio.ensure_future(watch(config, out=out))
        interrupting = asyncio.create_task(interrupt_later())
        code = await watching(config, ("marketdata",), run)
        await interrupting
        return code

    assert asyncio.run(scenario()) == 0
    frames = out.getvalue().count("AMM-500 watch")
    assert frames == 2  # at 1 s and 2 s: nothing is printed before anything was heard
    assert "marketdata UP" in re.sub(r"\s+", " ", out.getvalue())
