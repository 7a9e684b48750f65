"""The whole system under a real supervisord, started and stopped the way a user does it."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w
import zmq.asyncio

from amm.common.bus import Subscriber, decode_any_body
from amm.common.config import load_config
from amm.common.logs import EventLog
from amm.common.programs import ACTORS, PROGRAMS
from amm.common.sequence import SeqEventKind
from tests.helpers import AMM, REPO, paper_config_dict

pytestmark = pytest.mark.e2e


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


class Deployment:
    """A private copy of the deployment layout: the repo's own supervisord.conf, our venv."""

    def __init__(self, home: Path) -> None:
        self.home = home
        shutil.copy(REPO / "supervisord.conf", home / "supervisord.conf")
        (home / ".venv").symlink_to(Path(sys.prefix))
        (home / "configs").mkdir()
        (home / "var").mkdir()
        self.config_path = home / "configs" / "paper.toml"
        values = paper_config_dict(home / "var")
        values["paths"]["var_dir"] = "../var"
        self.config_path.write_text(tomli_w.dumps(values))
        self.config = load_config(self.config_path)
        self.env = dict(os.environ, AMM_HOME=str(home))
        self.env.pop("AMM_CONFIG", None)
        self.env.pop("HL_PRIVATE_KEY", None)

    def amm(self, *args: str, timeout_s: float = 90) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [AMM, *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    def supervisorctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(Path(sys.executable).with_name("supervisorctl")),
                "-c",
                str(self.home / "supervisord.conf"),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def status(self) -> dict:
        return json.loads(self.amm("status", "--json").stdout)


@pytest.fixture
def deployment(tmp_path):
    deployment = Deployment(tmp_path)
    yield deployment
    pids = []
    if (tmp_path / "var" / "supervisor.sock").exists():
        try:
            report = deployment.status()
            pids = [p["pid"] for p in report["programs"].values() if p["pid"]]
        except (json.JSONDecodeError, subprocess.TimeoutExpired):
            pass
    deployment.amm("down")
    pidfile = tmp_path / "var" / "supervisord.pid"
    if pidfile.exists():
        pids.append(int(pidfile.read_text()))
    for pid in pids:
        if alive(pid):
            os.kill(pid, 9)


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
