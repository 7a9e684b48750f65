"""`amm venue` as its own process: the unmodified SDK trades km:US500 against it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from amm.common.config import load_config
from tests.helpers import AMM, finish, stop


def start_venue(config: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [AMM, "venue", "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_serving(url: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            request = urllib.request.Request(
                url + "/info",
                data=b'{"type": "allMids"}',
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_script_using_only_the_sdk_trades_km_us500_with_a_fresh_key(write_config, processes):
    path = write_config()
    url = load_config(path).exchange.url
    venue = start_venue(path, "--seed", "7")
    processes.append(venue)
    wait_until_serving(url)
    trader = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sdk_only_trader.py")), url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert trader.returncode == 0, trader.stderr
    result = json.loads(trader.stdout)
    assert "resting" in result["resting"]
    assert result["taken"]["filled"]["totalSz"] == "0.01"
    assert result["status_by_cloid"] == "open"
    assert result["cancelled"] == "success"
    assert result["position"] == "0.01"
    assert result["fills"] == 1
    assert result["open_orders"] == 0
    code, output = stop(venue)
    assert code == 0, output
    assert "venue.started" in output and "venue.stopped" in output


def test_venue_refuses_to_run_outside_paper_mode(write_config):
    path = write_config({"mode": "testnet", "exchange": {"url": "https://api.example"}})
    code, output = finish(start_venue(path))
    assert code == 2
    assert "only in paper mode" in output
