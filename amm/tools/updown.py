"""`amm up` / `amm down`: supervisord for one deployment, with the chosen config exported."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

from amm.common.curve import load_curve
from amm.common.deployment import Deployment, alive
from amm.common.keys import KeyUnavailable, load_account_key
from amm.common.programs import ACTORS, VENUE
from amm.tools.heartbeats import collect_heartbeats
from amm.tools.selection import (
    Selection,
    forget_running_config,
    remember_running_config,
    running_config,
)
from amm.tools.status import status

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 60.0


def up(selection: Selection) -> int:
    deployment, config = selection.deployment, selection.config
    try:
        load_account_key(config)  # paper: makes the deployment's key once, before actors race
        load_curve(config, serve=True)  # refuse before supervisord starts anything
    except KeyUnavailable as exc:
        print(f"amm up: {exc}", file=sys.stderr)
        return 2
    deployment.var.mkdir(parents=True, exist_ok=True)
    if deployment.is_up():
        running = running_config(deployment)
        if running is not None and running != selection.config_path:
            print(
                f"amm up: already running with {running}; run `amm down` first to switch configs",
                file=sys.stderr,
            )
            return 2
        print(f"supervisord already running for {deployment.home}")
    else:
        started = _start_supervisord(selection)
        if started != 0:
            return started
    remember_running_config(deployment, selection.config_path, config.mode)
    wanted = ([VENUE] if config.is_paper else []) + list(ACTORS)
    supervisor = deployment.supervisor()
    for name in wanted:
        try:
            supervisor.startProcess(name, False)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_STARTED" not in fault.faultString:
                print(f"amm up: cannot start {name}: {fault.faultString}", file=sys.stderr)
    failed = _wait_running(deployment, wanted)
    for name in failed:
        print(f"amm up: {name} did not reach RUNNING; its log:", file=sys.stderr)
        print(_tail_file(deployment.log_of(name)), file=sys.stderr)
    if not failed:  # RUNNING is not ready: wait until every actor is heard on the bus
        heard = asyncio.run(collect_heartbeats(config, set(ACTORS), START_TIMEOUT_S))
        for name in sorted(set(ACTORS) - heard.keys()):
            print(
                f"amm up: no heartbeat from {name} yet; see {deployment.log_of(name)}",
                file=sys.stderr,
            )
    code = status(selection, as_json=False)
    return 1 if failed else code


def _start_supervisord(selection: Selection) -> int:
    deployment = selection.deployment
    env = dict(os.environ, AMM_CONFIG=str(selection.config_path), AMM_HOME=str(deployment.home))
    supervisord = Path(sys.executable).with_name("supervisord")
    result = subprocess.run(
        [str(supervisord), "-c", str(deployment.conf)],
        env=env,
        cwd=deployment.home,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(f"amm up: supervisord failed: {result.stderr.strip()}", file=sys.stderr)
        return 1
    deadline = time.monotonic() + START_TIMEOUT_S
    while not deployment.is_up():
        if time.monotonic() > deadline:
            print("amm up: supervisord did not answer on its socket", file=sys.stderr)
            return 1
        time.sleep(0.1)
    return 0


def _wait_running(deployment: Deployment, names: list[str]) -> list[str]:
    """Wait until every program is RUNNING; returns those that gave up or never got there."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        states = {i["name"]: i["statename"] for i in deployment.supervisor().getAllProcessInfo()}
        pending = [name for name in names if states.get(name) != "RUNNING"]
        given_up = [name for name in pending if states.get(name) in ("FATAL", "EXITED", "STOPPED")]
        if not pending or given_up or time.monotonic() > deadline:
            return pending
        time.sleep(0.2)


def down(deployment: Deployment) -> int:
    if not deployment.is_up():
        leftover = deployment.supervisord_pid()
        if leftover is None:
            print(f"AMM-500 is not running in {deployment.home}")
            forget_running_config(deployment)
            return 0
        print(f"supervisord (pid {leftover}) does not answer; sending it TERM", file=sys.stderr)
        os.kill(leftover, signal.SIGTERM)
        return 0 if _wait_gone([leftover], STOP_TIMEOUT_S) else 1
    supervisor = deployment.supervisor()
    children = [info["pid"] for info in supervisor.getAllProcessInfo() if info["pid"]]
    supervisord_pid = supervisor.getPID()
    supervisor.shutdown()
    if not _wait_gone([supervisord_pid], STOP_TIMEOUT_S):
        print(f"amm down: supervisord (pid {supervisord_pid}) is still running", file=sys.stderr)
        return 1
    survivors = [pid for pid in children if alive(pid)]
    for pid in survivors:
        print(f"amm down: program pid {pid} outlived supervisord; killing it", file=sys.stderr)
        os.kill(pid, signal.SIGKILL)
    forget_running_config(deployment)
    print(f"AMM-500 stopped ({deployment.home})")
    return 1 if survivors else 0


def _wait_gone(pids: list[int], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _tail_file(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
