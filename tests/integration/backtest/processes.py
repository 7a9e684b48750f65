"""Starting the paper venue and the recorder for the backtest's integration tests."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import urllib.request
from pathlib import Path

from amm.common.config import Config
from amm.tools.record import record
from tests.helpers import AMM
from tests.integration.execution.rig import wait_for


def venue_answers(config: Config) -> bool:
    request = urllib.request.Request(
        config.exchange.url + "/info",
        data=json.dumps({"type": "allMids"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2):
            return True
    except OSError:
        return False


def start_venue(config_path: Path, config: Config) -> subprocess.Popen[str]:
    """`amm venue` with this config, once it answers."""
    venue = subprocess.Popen(
        [AMM, "venue", "--config", str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for(lambda: venue_answers(config), 20, "the venue to answer")
    return venue


def start_recorder(config: Config, path: Path, seconds: float) -> threading.Thread:
    """`amm record` for ``seconds``, in a thread of this process."""
    thread = threading.Thread(
        target=lambda: asyncio.run(record(config, path, seconds=seconds, signals=False))
    )
    thread.start()
    return thread
