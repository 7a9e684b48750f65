"""The benchmarks' paper deployment: `amm chaos`'s private deployment, started with `amm up`.

``amm/tools/chaos/deployment.py`` makes the folder (the source tree's ``supervisord.conf``, the
shipped paper config with free loopback ports and the caller's overrides, its own ``var/``) and
tears it down; this adds what a benchmark needs around it: a temporary home, ``amm up`` on
entry, the teardown and the folder's removal on exit (also on an exception), and the venue's
``/_venue/latency`` stamps.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from amm.common.keys import paper_address
from amm.tools.chaos.deployment import PrivateDeployment

UP_TIMEOUT_S = 120.0


class DeploymentFailed(RuntimeError):
    """``amm up`` did not bring every program up, or the system never quoted."""


class BenchDeployment:
    """``with BenchDeployment(overrides) as d:`` runs the whole paper system, then stops it."""

    def __init__(self, overrides: dict[str, Any]) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="amm-bench-"))
        try:
            self.private = PrivateDeployment(self.home, overrides)
        except BaseException:
            shutil.rmtree(self.home, ignore_errors=True)
            raise
        self.config = self.private.config
        self.coins = [market.coin for market in self.config.markets]

    def __enter__(self) -> BenchDeployment:
        try:
            up = self.private.amm("up", timeout_s=UP_TIMEOUT_S)
            if up.returncode != 0:
                raise DeploymentFailed(f"amm up exited {up.returncode}:\n{up.stdout}{up.stderr}")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every program and supervisord (killing what `amm down` leaves), remove the home."""
        try:
            self.private.teardown()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def pids(self) -> dict[str, int]:
        return self.private.program_pids()

    def states(self) -> dict[str, str]:
        infos = self.private.layout.supervisor().getAllProcessInfo()
        return {info["name"]: info["statename"] for info in infos}

    def account(self) -> str:
        address = paper_address(self.config.var_dir)
        if address is None:
            raise DeploymentFailed("the deployment has no paper key")
        return address

    def venue(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST ``body`` (GET without one) to the venue's ``path``: ``/info``, ``/_venue/...``."""
        return self.private.venue_request(path, body)

    def wait_quoting(self, timeout_s: float = 90.0) -> None:
        """Until our account has an order resting at the venue: the whole path works."""
        user = self.account()
        dexes = sorted({coin.partition(":")[0] if ":" in coin else "" for coin in self.coins})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for dex in dexes:
                if self.venue("/info", {"type": "openOrders", "user": user, "dex": dex}):
                    return
            time.sleep(0.5)
        raise DeploymentFailed(f"no order of ours rested within {timeout_s:g} s")
