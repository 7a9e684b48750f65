"""Helpers the tests share: free loopback ports, private configs, stopped processes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

# Shared with `amm chaos`, which builds the same private deployments as the tests.
from amm.tools.chaos.deployment import free_ports as free_ports
from amm.tools.chaos.deployment import merge as merge
from amm.tools.chaos.deployment import paper_config_dict as paper_config_dict

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    return free_ports(1)[0]


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
