"""The whole system under a real supervisord, started and stopped the way a user does it."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w
import zmq.asyncio

from amm.common.bus import Subscriber, decode_any_body
from amm.common.logs import EventLog
from amm.common.programs import ACTORS, PROGRAMS
from amm.common.sequence import SeqEventKind
from tests.e2e.deployment import alive
from tests.helpers import free_port, paper_config_dict

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


# ---- giving up: what no restart can fix is never restarted ------------------------------------

TEST_KEY = "0x" + "5e" * 32  # made up for these tests; it holds nothing anywhere
GIVE_UP_S = 45.0  # 4 starts within startsecs and 1 + 2 + 3 s of backoff, on a busy machine


def given_up(info: dict) -> bool:
    """FATAL (it exited within startsecs, every retry), or EXITED 2 (later: never restarted).

    Which one depends on how long the machine takes to start Python, not on the program."""
    return info["statename"] == "FATAL" or (
        info["statename"] == "EXITED" and info["exitstatus"] == 2
    )


def wait_until_given_up(deployment, names, timeout_s: float = GIVE_UP_S) -> dict:
    """Every program's process info once each of `names` has given up."""
    deadline = time.monotonic() + timeout_s
    while True:
        infos = {info["name"]: info for info in deployment.layout.supervisor().getAllProcessInfo()}
        if all(given_up(infos[name]) for name in names):
            return infos
        if time.monotonic() > deadline:
            raise AssertionError({name: infos[name]["statename"] for name in names})
        time.sleep(0.2)


def live_config(deployment, url: str, **exchange) -> Path:
    values = paper_config_dict(deployment.home / "var")
    values["paths"]["var_dir"] = "../var"
    values["mode"] = "testnet"
    del values["venue"]
    values["exchange"] = {"url": url, **exchange}
    path = deployment.home / "configs" / "testnet.toml"
    path.write_text(tomli_w.dumps(values))
    return path


def start_supervisord(deployment, config: Path, **env: str) -> None:
    """supervisord on its own, as a boot script runs it (`amm up` refuses a keyless live start)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("supervisord")), "-c", "supervisord.conf"],
        env={**deployment.env, "AMM_CONFIG": str(config), **env},
        cwd=deployment.home,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 30
    while not (deployment.home / "var" / "supervisor.sock").exists():
        assert time.monotonic() < deadline, "supervisord did not open its socket"
        time.sleep(0.1)


def log_of(deployment, program: str) -> str:
    return (deployment.home / "var" / f"{program}.log").read_text()


def test_a_restart_with_a_broken_config_gives_up_naming_the_key_but_sigkill_restarts(deployment):
    assert deployment.amm("up").returncode == 0
    supervisor = deployment.layout.supervisor()
    killed = supervisor.getProcessInfo("risk")["pid"]
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while True:  # RUNNING again, past startsecs: it read the config long ago
        info = supervisor.getProcessInfo("risk")
        if info["statename"] == "RUNNING" and info["pid"] != killed:
            break
        assert time.monotonic() < deadline, info
        time.sleep(0.1)

    config = tomllib.loads(deployment.config_path.read_text())
    config["transport"]["recv_hwm"] = 0
    deployment.config_path.write_text(tomli_w.dumps(config))
    deployment.supervisorctl("restart", "quoter")
    infos = wait_until_given_up(deployment, ["quoter"])
    assert "transport.recv_hwm" in log_of(deployment, "quoter")
    others = [name for name in PROGRAMS if name != "quoter"]
    assert {name: infos[name]["statename"] for name in others} == dict.fromkeys(others, "RUNNING")


def test_a_live_start_without_hl_private_key_makes_every_actor_give_up_saying_so(deployment):
    start_supervisord(deployment, live_config(deployment, f"https://127.0.0.1:{free_port()}"))
    infos = wait_until_given_up(deployment, ACTORS)
    assert infos["venue"]["statename"] == "STOPPED"
    for name in ACTORS:
        assert "testnet mode needs a private key in the environment variable HL_PRIVATE_KEY" in (
            log_of(deployment, name)
        ), name


def test_an_exchange_refusing_connections_makes_every_actor_give_up_naming_its_url(deployment):
    url = f"https://127.0.0.1:{free_port()}"
    start_supervisord(deployment, live_config(deployment, url), HL_PRIVATE_KEY=TEST_KEY)
    wait_until_given_up(deployment, ACTORS)
    for name in ACTORS:
        assert f"cannot reach the exchange at {url}" in log_of(deployment, name), name
        assert TEST_KEY[2:] not in log_of(deployment, name).lower()


def test_an_actor_exiting_2_after_startsecs_stays_exited_instead_of_restarting(deployment):
    """An exchange that never answers the TCP handshake: each actor gives up after
    exchange.request_timeout_s (3 s), past startsecs (2 s), so it was RUNNING when it exited."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    queued = [socket.socket() for _ in range(2)]
    for connection in queued:  # fills the accept queue: Linux then drops new handshakes
        connection.setblocking(False)
        connection.connect_ex(silent.getsockname())
    try:
        url = f"https://127.0.0.1:{silent.getsockname()[1]}"
        config = live_config(deployment, url, request_timeout_s=3.0)
        start_supervisord(deployment, config, HL_PRIVATE_KEY=TEST_KEY)
        exited = wait_until_given_up(deployment, ACTORS)
        time.sleep(3.0)  # supervisord would have restarted them by now
        again = wait_until_given_up(deployment, ACTORS, timeout_s=0)
    finally:
        for connection in [*queued, silent]:
            connection.close()
    for name in ACTORS:
        assert (exited[name]["statename"], exited[name]["exitstatus"]) == ("EXITED", 2), name
        assert again[name]["start"] == exited[name]["start"], f"{name} was restarted"
        assert "no connection within 3 s" in log_of(deployment, name), name
