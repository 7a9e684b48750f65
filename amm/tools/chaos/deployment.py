"""A private paper deployment under a real supervisord, as a user runs one.

A folder with a copy of the source tree's supervisord.conf, a `.venv` link to the running
interpreter's prefix, `configs/paper.toml` (the shipped paper config with free loopback ports and
the caller's overrides) and `var/`. `amm chaos` breaks such a deployment; the e2e tests use the
same one, so what the chaos run checks is what the tests start.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tomllib
import urllib.request
import xmlrpc.client
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from amm.common.config import Config, load_config
from amm.common.deployment import Deployment, alive
from amm.common.programs import ACTORS

SOURCE = Path(__file__).resolve().parents[3]  # the source tree: supervisord.conf, configs/
AMM = str(Path(sys.executable).with_name("amm"))
_OUTLIVED = re.compile(r"program pid (\d+) outlived supervisord")  # what `amm down` reports


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: all are held open until all are picked."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override` laid over it, tables merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def paper_config_dict(var_dir: Path) -> dict[str, Any]:
    """The shipped paper config with free loopback ports and a private var folder."""
    base = tomllib.loads((SOURCE / "configs" / "paper.toml").read_text())
    ports = iter(free_ports(2 + 2 * len(ACTORS)))
    base["exchange"]["url"] = f"http://127.0.0.1:{next(ports)}"
    base["monitor"]["prometheus_port"] = next(ports)
    base["bus"] = {name: f"tcp://127.0.0.1:{next(ports)}" for name in ACTORS}
    base["snapshot"] = {name: f"tcp://127.0.0.1:{next(ports)}" for name in ACTORS}
    base["paths"]["var_dir"] = str(var_dir)
    return base


class PrivateDeployment:
    """One deployment folder of its own; `overrides` is laid over the paper config's tables."""

    def __init__(self, home: Path, overrides: dict[str, Any] | None = None) -> None:
        self.home = home
        self.layout = Deployment(home)
        shutil.copy(SOURCE / "supervisord.conf", home / "supervisord.conf")
        (home / ".venv").symlink_to(Path(sys.prefix))
        (home / "configs").mkdir()
        (home / "var").mkdir()
        self.config_path = home / "configs" / "paper.toml"
        values = paper_config_dict(home / "var")
        values["paths"]["var_dir"] = "../var"
        self.config_path.write_text(tomli_w.dumps(merge(values, overrides or {})))
        self.config: Config = load_config(self.config_path)
        self.env = dict(os.environ, AMM_HOME=str(home))
        self.env.pop("AMM_CONFIG", None)
        self.env.pop("HL_PRIVATE_KEY", None)

    def amm(self, *args: str, timeout_s: float = 90) -> subprocess.CompletedProcess[str]:
        """Run `amm ARGS` against this deployment, as its user would."""
        return subprocess.run(
            [AMM, *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    def supervisorctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `supervisorctl -c supervisord.conf ARGS`, as its user would."""
        return subprocess.run(
            [
                str(Path(sys.executable).with_name("supervisorctl")),
                "-c",
                str(self.layout.conf),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def status(self) -> dict[str, Any]:
        """`amm status --json`."""
        return json.loads(self.amm("status", "--json").stdout)

    def info(self, body: dict[str, Any]) -> Any:
        """A question to the deployment's exchange (the paper venue), as any client asks it."""
        return self.venue_request("/info", body)

    def venue_request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST `body` (GET without one) to the venue's `path`; the JSON answer."""
        request = urllib.request.Request(
            self.config.exchange.url + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def account(self) -> str:
        return self.status()["account"]["address"]

    def program_pids(self) -> dict[str, int]:
        """The pid supervisord reports for each running program (none while it is down)."""
        if not self.layout.is_up():
            return {}
        infos = self.layout.supervisor().getAllProcessInfo()
        return {info["name"]: info["pid"] for info in infos if info["pid"]}

    def teardown(self, known_pids: Iterable[int] = ()) -> Teardown:
        """`amm down`, then SIGKILL whatever is left of supervisord and the programs.

        A program stopped with SIGSTOP is continued first, so it can take its SIGTERM.
        """
        pids = set(known_pids)
        with contextlib.suppress(OSError, xmlrpc.client.Error):
            pids.update(self.program_pids().values())
        pids = {pid for pid in pids if self._runs_here(pid)}
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        supervisord = self.layout.supervisord_pid()
        if supervisord is not None:
            pids.add(supervisord)
        down = self.amm("down")
        outlived = [int(pid) for pid in _OUTLIVED.findall(down.stderr)]
        leftovers = sorted(pid for pid in pids if alive(pid) and self._runs_here(pid))
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        return Teardown(down.returncode, sorted(set(outlived) | set(leftovers)))

    def _runs_here(self, pid: int) -> bool:
        """The process is one of this deployment's (its command line names the folder), not
        another that reused a pid we saw."""
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return f"{self.home}/".encode() in handle.read()
        except OSError:
            return False


@dataclass(frozen=True)
class Teardown:
    """How `amm down` went: its exit code, and the processes it or we had to kill after it."""

    down_code: int
    left_behind: list[int]
