"""Helpers the tests share: free loopback ports, private configs, stopped processes."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from amm.common.programs import ACTORS

REPO = Path(__file__).resolve().parents[1]


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


def free_port() -> int:
    return free_ports(1)[0]


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def paper_config_dict(var_dir: Path) -> dict[str, Any]:
    """The shipped paper config with free loopback ports and a private var folder."""
    base = tomllib.loads((REPO / "configs" / "paper.toml").read_text())
    ports = iter(free_ports(2 + 2 * len(ACTORS)))
    base["exchange"]["url"] = f"http://127.0.0.1:{next(ports)}"
    base["monitor"]["prometheus_port"] = next(ports)
    base["bus"] = {name: f"tcp://127.0.0.1:{next(ports)}" for name in ACTORS}
    base["snapshot"] = {name: f"tcp://127.0.0.1:{next(ports)}" for name in ACTORS}
    base["paths"]["var_dir"] = str(var_dir)
    return base


AMM = str(Path(sys.executable).with_name("amm"))


def start_actor(program: str, config: Path, *extra: str) -> subprocess.Popen[str]:
    """Run one actor as its own process, as supervisord would."""
    return subprocess.Popen(
        [AMM, "actor", program, "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str], timeout_s: float = 10.0) -> tuple[int, str]:
    """SIGTERM, wait, and return the exit code and everything it printed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return process.returncode, output or ""


def finish(process: subprocess.Popen[str], timeout_s: float = 15.0) -> tuple[int, str]:
    """Wait for a process that should exit by itself; return its exit code and output."""
    output, _ = process.communicate(timeout=timeout_s)
    return process.returncode, output or ""
