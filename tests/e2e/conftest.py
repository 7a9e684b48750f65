"""The e2e fixture: a private deployment, always taken down at the end."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.e2e.deployment import Deployment, alive


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
