"""Execution as a real process against the real venue, driven by hand-written approved ladders."""

from __future__ import annotations

import asyncio
import json
import subprocess
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
from tests.helpers import AMM, finish, merge
from tests.integration.execution.rig import FAST, Rig, wait_for


@pytest.fixture
def rig(write_config, processes):
    def make(override: dict | None = None) -> Rig:
        made = Rig(write_config(merge(FAST, override or {})), processes)
        rigs.append(made)
        return made

    rigs: list[Rig] = []
    yield make
    for made in rigs:
        made.close()


def quoting_two_sided(r: Rig) -> tuple[str, str]:
    """Venue and execution up, one bid and one ask 50 bps out, resting at the venue."""
    r.start_venue()
    r.start_execution()
    bid, ask = r.away(50)
    r.risk.quote([(bid, "0.01")], [(ask, "0.01")])
    r.risk.start()
    wait_for(lambda: len(r.open_orders()) == 2, 10, "a two-sided quote")
    return bid, ask


def prices(orders: list[dict]) -> dict[str, list[str]]:
    sides: dict[str, list[str]] = {"B": [], "A": []}
    for order in orders:
        sides[order["side"]].append(order["limitPx"])
    return {side: sorted(pxs) for side, pxs in sides.items()}


def test_quotes_are_placed_moved_by_modify_and_cancelled_with_no_churn(rig):
    r = rig()
    r.start_venue()
    r.start_execution()
    bid, ask = r.away(50)
    bid2, ask2 = r.away(60)
    r.risk.quote([(bid, "0.01"), (bid2, "0.01")], [(ask, "0.01"), (ask2, "0.01")])
    r.risk.start()
    wanted = {"B": sorted([bid, bid2]), "A": sorted([ask, ask2])}
    wait_for(lambda: prices(r.open_orders()) == wanted, 10, "the ladder at the venue")

    used = r.requests_used()
    time.sleep(2.0)
    assert r.requests_used() == used, "actions were sent although nothing changed"

    cloids = {o["cloid"] for o in r.open_orders()}
    moved_bid, _ = r.away(55)
    r.risk.quote([(moved_bid, "0.01"), (bid2, "0.01")], [(ask, "0.01"), (ask2, "0.01")])
    moved = {"B": sorted([moved_bid, bid2]), "A": sorted([ask, ask2])}
    wait_for(lambda: prices(r.open_orders()) == moved, 10, "the moved bid")
    assert {o["cloid"] for o in r.open_orders()} == cloids, "a move must be a modify (same cloid)"
    assert r.requests_used() == used + 1, "one batchModify, nothing else"

    r.risk.quote([], [])
    wait_for(lambda: r.open_orders() == [], 10, "every order cancelled")
    statuses = {o["status"] for o in r.execution_orders()["orders"]}
    assert statuses <= {"cancelled"}


def test_a_new_decision_is_sent_without_waiting_for_the_step_timer(rig):
    r = rig({"execution": {"step_interval_ms": 10_000}})
    _, ask = quoting_two_sided(r)
    moved_bid, _ = r.away(55)
    r.risk.quote([(moved_bid, "0.01")], [(ask, "0.01")])
    wait_for(lambda: prices(r.open_orders())["B"] == [moved_bid], 3, "the moved bid")


def test_unknown_orders_found_at_start_up_are_cancelled(rig):
    r = rig()
    r.start_venue()
    bid, _ = r.away(80)
    key = ensure_paper_key(r.config.var_dir)

    async def place_foreign() -> None:
        async with HyperliquidHttp(r.url, timeout_s=5) as http:
            client = ExchangeClient(http, Signer(key, is_mainnet=False))
            orders = [
                LimitOrder(
                    110000,
                    True,
                    __import__("decimal").Decimal(bid),
                    __import__("decimal").Decimal("0.01"),
                    "Gtc",
                    cloid="0x" + "12" * 16,
                ),
                LimitOrder(
                    110000,
                    True,
                    __import__("decimal").Decimal(bid),
                    __import__("decimal").Decimal("0.02"),
                    "Gtc",
                ),
            ]
            await client.submit(order_action(orders))

    asyncio.run(place_foreign())
    assert len(r.open_orders()) == 2
    r.start_execution()
    wait_for(lambda: r.open_orders() == [], 10, "the foreign orders cancelled")


def test_without_risk_heartbeat_every_order_is_gone_within_the_age_plus_one_second(rig):
    r = rig()
    quoting_two_sided(r)
    r.risk.heartbeats = False
    r.risk.decisions = False
    silent_at = time.monotonic()
    wait_for(lambda: r.open_orders() == [], 5, "the fail-closed cancel")
    assert time.monotonic() - silent_at <= 1.5 + 1.0


def test_execution_killed_and_not_restarted_is_cleared_by_the_dead_man_switch(rig):
    r = rig({"execution": {"dead_man_switch": True, "dead_man_s": 6.0, "dead_man_refresh_s": 1.0}})
    quoting_two_sided(r)
    time.sleep(1.5)  # the switch is armed
    r.kill_execution()
    killed_at = time.monotonic()
    assert len(r.open_orders()) == 2
    wait_for(lambda: r.open_orders() == [], 10, "the dead-man switch")
    assert time.monotonic() - killed_at <= 6.0 + 1.5


def test_clean_stop_cancels_every_order(rig):
    r = rig()
    quoting_two_sided(r)
    r.execution.terminate()
    code, output = finish(r.execution)
    assert code == 0, output
    assert r.open_orders() == []
    assert "execution.cancelled_on_stop" in output
    assert "Unclosed" not in output  # the HTTP session is closed after the last cancel


def inside_spread(r: Rig) -> tuple[str, str]:
    """A bid and an ask one tick inside the house touch: takers hit them about once a second."""
    bid, ask = r.touch()
    return str(bid + Decimal("0.1")), str(ask - Decimal("0.1"))


def test_sigkill_while_fills_happen_then_restart_journals_every_fill_exactly_once(rig):
    r = rig({"execution": {"price_tolerance_bps": 0}})
    r.start_venue()
    r.start_execution()
    r.risk.start()

    def trade_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            bid, ask = inside_spread(r)
            r.risk.quote([(bid, "0.02")], [(ask, "0.02")])
            time.sleep(0.3)

    trade_for(4)
    r.kill_execution()
    trade_for(3)  # no execution: the resting orders keep filling at the venue
    r.start_execution()
    trade_for(3)
    far_bid, far_ask = r.away(50)
    r.risk.quote([(far_bid, "0.01")], [(far_ask, "0.01")])

    venue_tids = wait_for(lambda: sorted(f["tid"] for f in r.fills()), 5, "venue fills")
    assert len(venue_tids) >= 3, "the scenario needs fills"

    def journal_matches() -> bool:
        return sorted(f["tid"] for f in r.journal()) == sorted(f["tid"] for f in r.fills())

    wait_for(journal_matches, 10, "every venue fill in the journal")
    journal = r.journal()
    assert len({f["tid"] for f in journal}) == len(journal), "a fill was journaled twice"
    assert [f["journal_seq"] for f in journal] == list(range(1, len(journal) + 1))

    def books_agree() -> bool:
        venue = {o["oid"] for o in r.open_orders()}
        live = {o["oid"] for o in r.execution_orders()["orders"]}
        return venue == live and len(venue) == 2

    wait_for(books_agree, 10, "the venue's open orders to equal execution's live orders")


def test_venue_errors_and_timeouts_cause_no_duplicate_order_and_trading_resumes(rig):
    r = rig(
        {
            "exchange": {"request_timeout_s": 1.0},
            "execution": {"action_expiry_ms": 2_000, "answer_timeout_ms": 2_500},
        }
    )
    r.start_venue()
    r.start_execution()
    r.risk.start()
    bid, ask = r.away(50)
    r.risk.quote([(bid, "0.01")], [(ask, "0.01")])
    wait_for(lambda: len(r.open_orders()) == 2, 10, "a two-sided quote")

    ladders = [
        ([(r.away(b)[0], "0.01"), (r.away(b + 3)[0], "0.01")], [(r.away(b)[1], "0.01")])
        for b in (55, 60, 65, 70)
    ]  # priced before the faults: the test's reads fail too
    r.set_faults(http_error_rate=0.3, timeout_rate=0.2, ack_delay_s=1.5)  # acted, answered late
    for bids, asks in ladders:
        r.risk.quote(bids, asks)
        time.sleep(1.0)
    r.set_faults(http_error_rate=0.0, timeout_rate=0.0, ack_delay_s=0.0)
    final_bids, final_asks = ladders[-1]
    wanted = {"B": sorted(px for px, _ in final_bids), "A": [px for px, _ in final_asks]}

    def converged() -> bool:
        orders = r.open_orders()
        return len(orders) == 3 and prices(orders) == wanted

    wait_for(converged, 20, "the ladder after the faults")
    cloids = [o["cloid"] for o in r.open_orders()]
    assert len(set(cloids)) == len(cloids)
    time.sleep(1.0)
    assert len(r.open_orders()) == 3, "a late duplicate appeared"


def amm(r: Rig, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AMM, *args, "--config", str(r.config_path)], capture_output=True, text=True, timeout=60
    )


def test_amm_orders_shows_both_views_and_cancel_all_works_without_execution(rig):
    r = rig()
    quoting_two_sided(r)
    wait_for(lambda: len(r.execution_orders()["orders"]) == 2, 5, "execution to know both")
    shown = amm(r, "orders", "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    report = json.loads(shown.stdout)
    assert report["account"] == r.account and report["execution_answered"]
    assert sorted(row["seen_by"] for row in report["orders"]) == [["exchange", "execution"]] * 2

    r.kill_execution()
    r.risk.close()
    missing = amm(r, "orders", "--json")
    assert missing.returncode == 1
    assert {row["difference"] for row in json.loads(missing.stdout)["orders"]} == {
        "execution not answering"
    }
    cancelled = amm(r, "cancel-all")
    assert cancelled.returncode == 0, cancelled.stdout
    assert "cancelled 2 of 2" in cancelled.stdout
    assert r.open_orders() == []


def test_preflight_reports_the_account_on_the_market_dex(rig):
    r = rig()
    r.start_venue()
    result = amm(r, "preflight")
    assert result.returncode == 0, result.stdout
    assert "km:US500: asset 110000 on dex km" in result.stdout
    assert "preflight: ready" in result.stdout
