"""A private deployment under a real supervisord, as a user runs one (shared by the e2e tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import tomli_w

from amm.common.config import load_config
from tests.helpers import AMM, REPO, paper_config_dict


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
        values["monitor"]["cycle_interval_s"] = 10.0  # a cycle report within a test's patience
        values["monitor"]["evaluate_interval_s"] = 2.0
        # The paper market's informed takers can cost a dollar within a minute; the kill switch
        # and the emergency mode (both tested on their own) would then stop the quoting these
        # tests are about, depending on the market's luck. Keep them out of reach here.
        values["risk"]["max_session_loss_usd"] = 1000.0
        values["monitor"]["modes"]["emergency_session_pnl_usd"] = -1000.0
        values["monitor"]["modes"]["emergency_cycle_pnl_usd"] = -1000.0
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

    def info(self, body: dict) -> object:
        """A question to the deployment's exchange (the paper venue), as any client asks it."""
        request = urllib.request.Request(
            self.config.exchange.url + "/info",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def account(self) -> str:
        return self.status()["account"]["address"]
