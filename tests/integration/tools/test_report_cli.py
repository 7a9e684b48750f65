"""`amm report` against a stand-in monitor on real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import zmq.asyncio

from amm.common.bus import Publisher
from amm.common.config import Config, load_config
from amm.tools.report import report
from tests.integration.tools.standins import StandInMonitor

SVG = "{http://www.w3.org/2000/svg}"


def with_monitor(config: Config, body: Callable[[StandInMonitor], Awaitable[Any]]) -> Any:
    """Run `body` while a stand-in monitor answers on the config's `[snapshot] monitor`."""

    async def scenario() -> Any:
        ctx = zmq.asyncio.Context()
        publisher = Publisher(ctx, "monitor", config.bus.monitor, config.transport)
        monitor = StandInMonitor(ctx, config, publisher)
        serving = asyncio.create_task(monitor.serve())
        try:
            return await body(monitor)
        finally:
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)
            monitor.close()
            publisher.close()
            ctx.term()

    return asyncio.run(scenario())


def test_table_shows_every_window(write_config, capsys):
    config = load_config(write_config())

    async def body(monitor: StandInMonitor) -> int:
        return await report(config)

    assert with_monitor(config, body) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("AMM-500 monitor report  cycle 42  cycle PnL +0.0123")
    assert "market km:US500" in out[1]
    assert out[3].split() == ["5m", "30m", "1h", "session"]
    rows = {line[:22].strip(): line[22:].split() for line in out[4:]}
    assert rows["net PnL (USD)"] == ["+0.1449", "-0.8312", "+1.2034", "+2.5017"]
    assert rows["markout 5s (bps)"] == ["-0.31", "-0.52", "-0.47", "-0.44"]
    assert rows["maker share"] == ["91.7%"] * 4


def test_json_is_exactly_the_stats_reply_and_window_filters(write_config, capsys):
    config = load_config(write_config())
    seen: dict[str, Any] = {}

    async def body(monitor: StandInMonitor) -> list[int]:
        seen["stats"] = monitor.stats
        codes = [await report(config, as_json=True)]
        seen["all"] = capsys.readouterr().out
        codes.append(await report(config, window="5m", as_json=True))
        seen["requests"] = list(monitor.requests)
        return codes

    assert with_monitor(config, body) == [0, 0]
    assert json.loads(seen["all"]) == seen["stats"]
    one = json.loads(capsys.readouterr().out)
    assert list(one["windows"]) == ["5m"]
    assert one["windows"]["5m"] == seen["stats"]["windows"]["5m"]
    assert seen["requests"] == [("stats", {}), ("stats", {"window": "5m"})]


def test_html_file_is_written_with_the_plots_and_numbers(write_config, tmp_path, capsys):
    config = load_config(write_config())
    target = tmp_path / "report.html"

    async def body(monitor: StandInMonitor) -> int:
        return await report(config, html=str(target))

    assert with_monitor(config, body) == 0
    assert capsys.readouterr().out.startswith(f"wrote {target} (")
    html = target.read_text()
    root = ET.fromstring(html.removeprefix("<!DOCTYPE html>\n"))
    assert len(list(root.iter(f"{SVG}svg"))) == 4
    assert "+2.5017" in html and "markout_30s" in html
    assert [p.name for p in Path(tmp_path).iterdir() if p.name.startswith(".")] == []


def test_silent_monitor_exits_1_with_a_clear_message(write_config, capsys):
    config = load_config(write_config({"transport": {"request_timeout_s": 0.3}}))
    assert asyncio.run(report(config)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"no reply from {config.snapshot.monitor} to 'stats' within 0.3 s" in captured.err
    assert "[snapshot] monitor" in captured.err


def test_a_refused_request_exits_1_and_says_why(write_config, capsys):
    config = load_config(write_config())

    async def body(monitor: StandInMonitor) -> int:
        return await report(config, window="1d")

    assert with_monitor(config, body) == 1
    assert "unknown window '1d'" in capsys.readouterr().err


def test_an_unwritable_page_exits_1(write_config, tmp_path, capsys):
    config = load_config(write_config())
    target = tmp_path / "missing" / "report.html"

    async def body(monitor: StandInMonitor) -> int:
        return await report(config, html=str(target))

    assert with_monitor(config, body) == 1
    assert f"cannot write {target}" in capsys.readouterr().err
