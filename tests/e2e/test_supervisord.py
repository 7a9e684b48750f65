"""The whole system under a real supervisord, started and stopped the way a user does it."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
import tomli_w
import zmq.asyncio

from amm.common.bus import Subscriber, decode_any_body
from amm.common.logs import EventLog
from amm.common.programs import ACTORS, PROGRAMS
from amm.common.sequence import SeqEventKind
from tests.e2e.deployment import alive
from tests.helpers import paper_config_dict

pytestmark = pytest.mark.e2e


def test_up_runs_all_six_programs_and_down_leaves_nothing(deployment):
    up = deployment.amm("up")
    assert up.returncode == 0, up.stdout + up.stderr
    report = deployment.status()
    assert report["healthy"], report
    assert report["account"]["address"].startswith("0x")
    assert {name: p["state"] for name, p in report["programs"].items()} == dict.fromkeys(
        PROGRAMS, "RUNNING"
    )
    for name in ACTORS:
        assert report["programs"][name]["epoch"], f"no heartbeat from {name}"
    socket = deployment.home / "var" / "supervisor.sock"
    assert oct(socket.stat().st_mode & 0o777) == "0o700"

    tail = deployment.amm("tail", "hb.", "--json", "--count", "15", "--timeout", "20")
    assert tail.returncode == 0, tail.stderr
    lines = [json.loads(line) for line in tail.stdout.splitlines()]
    assert {line["src"] for line in lines} == set(ACTORS)
    assert all(line["topic"] == "hb." + line["src"] and line["v"] == 1 for line in lines)

    pids = [p["pid"] for p in report["programs"].values()]
    supervisord_pid = int((deployment.home / "var" / "supervisord.pid").read_text())
    down = deployment.amm("down")
    assert down.returncode == 0, down.stderr
    assert not [pid for pid in [*pids, supervisord_pid] if alive(pid)]
    assert deployment.amm("status", "--json").returncode == 1


def test_stop_start_restart_of_one_program_leave_the_others_publishing_without_gaps(deployment):
    assert deployment.amm("up").returncode == 0
    events = []

    async def watch(actions) -> dict[str, int]:
        ctx = zmq.asyncio.Context()
        sub = Subscriber(
            ctx,
            dict(deployment.config.bus.items()),
            deployment.config.transport,
            EventLog("watch", stream=io.StringIO()),
            body_decoder=decode_any_body,
            on_seq_event=events.append,
        )
        counts = dict.fromkeys(ACTORS, 0)

        async def listen() -> None:
            while True:
                message = await sub.recv()
                counts[message.envelope.src] += 1

        listener = asyncio.create_task(listen())
        try:
            await asyncio.sleep(2.5)
            for action in actions:
                result = await asyncio.to_thread(deployment.supervisorctl, *action)
                assert result.returncode == 0, result.stdout + result.stderr
                await asyncio.sleep(1.0)
            await asyncio.sleep(2.5)
        finally:
            listener.cancel()
            sub.close()
            ctx.term()
        return counts

    counts = asyncio.run(watch([("stop", "quoter"), ("start", "quoter"), ("restart", "risk")]))
    gaps = [e for e in events if e.kind is SeqEventKind.GAP]
    assert gaps == [], gaps
    restarted = {e.src for e in events if e.kind is SeqEventKind.RESTART}
    assert restarted == {"quoter", "risk"}
    for name in ("marketdata", "execution", "monitor"):
        assert counts[name] >= 8, f"{name} stopped publishing: {counts}"

    before = deployment.status()["programs"]["risk"]["epoch"]
    assert deployment.supervisorctl("restart", "risk").returncode == 0
    tail = deployment.amm("tail", "hb.risk", "--json", "--count", "1", "--timeout", "10")
    assert json.loads(tail.stdout)["epoch"] != before
    report = deployment.status()
    assert report["healthy"], report


def test_up_refuses_an_invalid_config_naming_the_key(deployment):
    values = paper_config_dict(deployment.home / "var")
    values["transport"]["recv_hwm"] = 0
    bad = deployment.home / "configs" / "bad.toml"
    bad.write_text(tomli_w.dumps(values))
    result = deployment.amm("up", "--config", str(bad))
    assert result.returncode == 2
    assert "transport.recv_hwm" in result.stderr
    assert not (deployment.home / "var" / "supervisord.pid").exists()
