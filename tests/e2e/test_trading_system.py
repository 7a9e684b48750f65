"""The whole system trading km:US500 at the paper venue under a real supervisord."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import pytest

from amm.common.hyperliquid.client import (
    ExchangeClient,
    HyperliquidHttp,
    LimitOrder,
    Signer,
    order_action,
)
from amm.common.keys import ensure_paper_key
from tests.e2e.deployment import Deployment
from tests.integration.execution.rig import wait_for

pytestmark = pytest.mark.e2e
COIN = "km:US500"


def open_orders(d: Deployment, account: str) -> list[dict]:
    return d.info({"type": "frontendOpenOrders", "user": account, "dex": "km"})


def venue_szi(d: Deployment, account: str) -> Decimal:
    state = d.info({"type": "clearinghouseState", "user": account, "dex": "km"})
    for entry in state["assetPositions"]:
        if entry["position"]["coin"] == COIN:
            return Decimal(entry["position"]["szi"])
    return Decimal(0)


def risk_state(d: Deployment) -> dict:
    result = d.amm("risk", "status", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)["state"]


def two_sided(d: Deployment, account: str) -> bool:
    return {o["side"] for o in open_orders(d, account)} == {"B", "A"}


def test_make_run_makes_a_two_sided_market_and_fills_reach_the_bus(deployment):
    up = deployment.amm("up")
    assert up.returncode == 0, up.stdout + up.stderr
    account = deployment.account()
    wait_for(lambda: two_sided(deployment, account), 30, "a two-sided ladder at the venue")
    shown = deployment.amm("orders", "--json")
    rows = json.loads(shown.stdout)["orders"]
    assert {row["side"] for row in rows} >= {"B"} or {row["side"] for row in rows} >= {"A"}
    fill = deployment.amm("tail", "exec.fill", "--json", "--count", "1", "--timeout", "60")
    assert fill.returncode == 0, fill.stderr
    assert json.loads(fill.stdout)["data"]["coin"] == COIN


def test_a_halt_vetoes_on_the_bus_cancels_every_order_and_survives_a_restart_of_risk(deployment):
    assert deployment.amm("up").returncode == 0
    account = deployment.account()
    wait_for(lambda: open_orders(deployment, account), 30, "quotes at the venue")

    halted = deployment.amm("risk", "halt", "--reason", "e2e test")
    assert halted.returncode == 0, halted.stdout + halted.stderr
    veto = deployment.amm("tail", "risk.decision", "--json", "--count", "1", "--timeout", "10")
    decision = json.loads(veto.stdout)["data"]
    assert decision["verdict"] == "veto" and "TRADING_HALTED" in decision["reasons"]
    wait_for(lambda: open_orders(deployment, account) == [], 5, "every order cancelled")

    assert deployment.supervisorctl("restart", "risk").returncode == 0
    state = wait_for(
        lambda: (s := risk_state(deployment)) and s["snapshot_ok"] and s, 30, "risk's snapshot"
    )
    assert state["state"] == "HALTED" and state["halted_by"]
    szi = Decimal(state["positions"][COIN]["szi"])
    assert szi == venue_szi(deployment, account), "risk restarted with another position"
    time.sleep(2)
    assert open_orders(deployment, account) == [], "quoting while halted"

    assert deployment.amm("risk", "resume").returncode == 0
    wait_for(lambda: open_orders(deployment, account), 30, "quotes after resume")


def test_restarting_risk_pulls_quotes_then_resumes_with_the_same_position(deployment):
    assert deployment.amm("up").returncode == 0
    account = deployment.account()
    wait_for(lambda: open_orders(deployment, account), 30, "quotes at the venue")
    assert deployment.supervisorctl("stop", "risk").returncode == 0
    wait_for(lambda: open_orders(deployment, account) == [], 3 + 1 + 1, "quotes pulled")
    szi = venue_szi(deployment, account)
    assert deployment.supervisorctl("start", "risk").returncode == 0
    state = wait_for(
        lambda: (s := risk_state(deployment)) and s["snapshot_ok"] and s, 30, "risk's snapshot"
    )
    # Trading resumes the moment risk approves, so fills may land between two reads: risk
    # started from the position the venue held while it was down, and keeps tracking it.
    assert Decimal(state["positions"][COIN]["szi"]) in _positions_since(deployment, account, szi)

    def risk_agrees_with_venue() -> bool:
        held = venue_szi(deployment, account)
        return Decimal(risk_state(deployment)["positions"][COIN]["szi"]) == held

    wait_for(risk_agrees_with_venue, 30, "risk's position to equal the venue's", every_s=0.5)
    wait_for(lambda: open_orders(deployment, account), 30, "quotes again")


def _positions_since(d: Deployment, account: str, start: Decimal) -> set[Decimal]:
    """Every position the account held from `start` on (fills are applied in time order)."""
    fills = d.info({"type": "userFills", "user": account})
    held, seen = start, {start}
    for fill in sorted(fills, key=lambda f: (f["time"], f["tid"])):
        if Decimal(fill["startPosition"]) == held:
            sign = 1 if fill["side"] == "B" else -1
            held += sign * Decimal(fill["sz"])
            seen.add(held)
    return seen


def test_crossing_half_of_max_exposure_is_rebalanced_back_under_0_30(deployment):
    assert deployment.amm("up").returncode == 0
    account = deployment.account()
    wait_for(lambda: open_orders(deployment, account), 30, "quotes at the venue")
    mid = Decimal(deployment.info({"type": "allMids", "dex": "km"})[COIN])
    target = Decimal(650) / mid  # $650 long of a $1000 max exposure: delta 0.65
    before = venue_szi(deployment, account)
    size = (target - before).quantize(Decimal("0.01"))
    key = ensure_paper_key(deployment.config.var_dir)

    async def buy() -> Decimal:
        async with HyperliquidHttp(deployment.config.exchange.url, timeout_s=5) as http:
            client = ExchangeClient(http, Signer(key, is_mainnet=False))
            limit = (mid * Decimal("1.01")).quantize(Decimal("0.1"))
            answer = await client.submit(
                order_action([LimitOrder(110000, True, limit, size, "Ioc")])
            )
            return Decimal(answer["response"]["data"]["statuses"][0]["filled"]["totalSz"])

    bought_ms = time.time_ns() // 1_000_000
    filled = asyncio.run(buy())
    assert (before + filled) * mid >= 500, "the push did not cross 0.50"

    def delta() -> float:
        return float(risk_state(deployment)["positions"][COIN]["delta"])

    wait_for(lambda: abs(delta()) < 0.30, 60, "the position back under 0.30", every_s=0.5)
    fills = deployment.info({"type": "userFillsByTime", "user": account, "startTime": bought_ms})
    rebalances = [f for f in fills if f["side"] == "A" and f["crossed"]]
    assert rebalances, "no reduce-only IOC sold down the position"


def test_the_monitor_reports_what_it_published_and_agrees_with_the_venue(deployment):
    assert deployment.amm("up").returncode == 0
    account = deployment.account()
    wait_for(lambda: deployment.info({"type": "userFills", "user": account}), 60, "fills")
    tail = deployment.amm("tail", "monitor.stats", "--json", "--count", "1", "--timeout", "40")
    assert tail.returncode == 0, tail.stderr
    published = json.loads(tail.stdout)["data"]
    report = deployment.amm("report", "--json")
    assert report.returncode == 0, report.stdout + report.stderr
    replied = json.loads(report.stdout)
    if replied.get("cycle") != published["cycle"]:  # a new cycle closed between the two reads
        later = deployment.amm("tail", "monitor.stats", "--json", "--count", "1", "--timeout", "20")
        published = json.loads(later.stdout)["data"]
        replied = json.loads(deployment.amm("report", "--json").stdout)
    assert replied == published, "amm report --json differs from monitor.stats"

    total = published["windows"]["total"]
    venue_fills = deployment.info({"type": "userFills", "user": account})
    settled = [f for f in venue_fills if f["time"] <= published["time_ms"] - 2_000]
    assert len(settled) <= total["fills"] <= len(venue_fills), "the monitor lost or made fills"

    html = deployment.home / "report.html"
    assert deployment.amm("report", "--html", str(html)).returncode == 0
    assert html.read_text().count("<svg") >= 4
    frame = deployment.amm("watch", "--once")
    assert frame.returncode == 0, frame.stderr
    assert COIN in frame.stdout and "risk" in frame.stdout
