"""A paper venue, an execution process and a stand-in risk, wired as in production."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from amm.common.config import Config, load_config
from amm.common.keys import ensure_paper_key
from amm.common.reqrep import RequestFailed, request
from tests.helpers import AMM, start_actor
from tests.integration.execution.fake_risk import FakeRisk

COIN = "km:US500"
# Execution's timers short enough for a test's patience (shared by the rigs built on this one).
FAST = {
    "execution": {
        "step_interval_ms": 50,
        "reconcile_interval_s": 1.0,
        "fill_poll_interval_s": 1.0,
        "position_interval_s": 1.0,
        "max_decision_age_ms": 1500,
        "max_risk_age_ms": 1500,
        "dead_man_switch": False,
    },
    "exchange": {"request_timeout_s": 2.0},
}
TICK = Decimal("0.1")


def wait_for(check: Callable[[], Any], timeout_s: float, what: str, every_s: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(every_s)


class Rig:
    def __init__(self, config_path: Path, processes: list[subprocess.Popen[str]]) -> None:
        self.config_path = config_path
        self.config: Config = load_config(config_path)
        self.processes = processes
        self.account = ensure_paper_key(self.config.var_dir).address
        self.url = self.config.exchange.url
        self.venue: subprocess.Popen[str] | None = None
        self.execution: subprocess.Popen[str] | None = None
        self.risk = FakeRisk(self.config, COIN, period_s=0.2)

    # ---- processes ---------------------------------------------------------------------------

    def start_venue(self) -> None:
        self.venue = subprocess.Popen(
            [AMM, "venue", "--config", str(self.config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(self.venue)
        wait_for(self._venue_answers, 20, "the venue to answer")

    def start_execution(self) -> None:
        self.execution = start_actor("execution", self.config_path)
        self.processes.append(self.execution)
        wait_for(lambda: self.execution_orders() is not None, 20, "execution to answer")
        wait_for(lambda: (self.execution_orders() or {}).get("recovered"), 20, "recovery")

    def kill_execution(self) -> None:
        assert self.execution is not None
        self.execution.send_signal(signal.SIGKILL)
        self.execution.wait(10)

    def _venue_answers(self) -> bool:
        try:
            self.info({"type": "allMids"})
        except OSError:
            return False
        return True

    # ---- the venue ---------------------------------------------------------------------------

    def info(self, body: dict[str, Any]) -> Any:
        return self._post("/info", body)

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def set_faults(self, **faults: float) -> None:
        self._post("/_venue/faults", faults)

    def open_orders(self) -> list[dict[str, Any]]:
        return self.info({"type": "frontendOpenOrders", "user": self.account, "dex": "km"})

    def fills(self) -> list[dict[str, Any]]:
        return self.info({"type": "userFills", "user": self.account})

    def requests_used(self) -> int:
        return int(self.info({"type": "userRateLimit", "user": self.account})["nRequestsUsed"])

    def touch(self) -> tuple[Decimal, Decimal]:
        """Best bid and ask (a taker may sweep a side bare for a moment: then wait)."""

        def both_sides() -> list[list[dict[str, str]]] | None:
            levels = self.info({"type": "l2Book", "coin": COIN})["levels"]
            return levels if levels[0] and levels[1] else None

        levels = wait_for(both_sides, 5, "a two-sided book", every_s=0.05)
        return Decimal(levels[0][0]["px"]), Decimal(levels[1][0]["px"])

    def away(self, bps: int) -> tuple[str, str]:
        """A bid and an ask `bps` from the touch, on the price grid (far from any taker)."""
        bid, ask = self.touch()
        factor = Decimal(bps) / 10_000
        low = (bid * (1 - factor)).quantize(TICK, rounding=ROUND_FLOOR)
        high = (ask * (1 + factor)).quantize(TICK, rounding=ROUND_CEILING)
        return _wire(low), _wire(high)

    # ---- execution over request/reply --------------------------------------------------------

    def execution_orders(self) -> dict[str, Any] | None:
        return self._ask("orders")

    def journal(self) -> list[dict[str, Any]]:
        reply = self._ask("fills_since", {"seq": 0})
        assert reply is not None
        return reply["fills"]

    def _ask(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any] | None:
        async def ask() -> dict[str, Any] | None:
            ctx = zmq.asyncio.Context()
            try:
                reply = await request(ctx, self.config.snapshot.execution, op, args, timeout_s=1)
                return reply.data
            except RequestFailed:
                return None
            finally:
                ctx.term()

        return asyncio.run(ask())

    def close(self) -> None:
        self.risk.close()


def _wire(px: Decimal) -> str:
    """As the venue writes prices: 6032.0 is "6032", so the tests' comparisons hold."""
    return format(px.normalize(), "f")
