"""The chaos run's invariants over collected data: each holds on good data and catches bad."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from amm.tools.chaos.invariants import (
    OrderSample,
    fills_journaled_once,
    key_not_in_logs,
    monitor_counts_fills,
    no_process_left,
    no_repeated_cloids,
    orders_known,
    position_path,
    positions_since,
    risk_matches_venue,
    within,
    within_hard_limit,
)

US500 = "km:US500"


def fill(tid: int, side: str, sz: str, start: str, px: str = "6000", time: int = 0) -> dict:
    return {
        "tid": tid,
        "coin": US500,
        "side": side,
        "px": px,
        "sz": sz,
        "startPosition": start,
        "time": time or tid,
    }


FILLS = [fill(1, "B", "0.1", "0"), fill(2, "B", "0.05", "0.1"), fill(3, "A", "0.2", "0.15")]


def journal_rows(fills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: f[k] for k in ("tid", "coin", "side", "px", "sz")} for f in fills]


def test_an_order_unknown_for_a_moment_is_fine_but_one_that_stays_unknown_is_not():
    samples = [
        OrderSample(0.0, frozenset({"0xa"})),
        OrderSample(1.0, frozenset({"0xa", "0xb"})),
        OrderSample(2.0, frozenset({"0xb"})),
        OrderSample(3.0, frozenset({"0xb"})),
        OrderSample(4.0, frozenset({"0xb"})),
    ]
    held = orders_known(samples, grace_s=3.0)
    assert held.ok and "longest 3.0 s" in held.detail
    broken = orders_known(samples, grace_s=2.5)
    assert broken.violations == 1 and "0xb" in broken.detail


def test_an_order_that_vanishes_between_samples_starts_its_clock_again():
    samples = [OrderSample(float(t), frozenset({"0xa"} if t % 2 == 0 else ())) for t in range(8)]
    assert orders_known(samples, grace_s=0.5).ok


def test_every_venue_fill_must_be_in_the_journal_once_with_its_terms():
    assert fills_journaled_once(FILLS, journal_rows(FILLS)).ok
    missing = fills_journaled_once(FILLS, journal_rows(FILLS[:2]))
    assert missing.violations == 1 and "1 missing" in missing.detail
    twice = fills_journaled_once(FILLS, journal_rows([*FILLS, FILLS[0]]))
    assert twice.violations == 1 and "1 twice" in twice.detail
    foreign = fills_journaled_once(FILLS[:2], journal_rows(FILLS))
    assert foreign.violations == 1 and "1 not at the venue" in foreign.detail
    changed = journal_rows(FILLS)
    changed[1]["sz"] = "0.06"
    assert "1 differing" in fills_journaled_once(FILLS, changed).detail


def history_of(fills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"time_ms": f["time"], "side": f["side"], "px": f["px"], "sz": f["sz"]} for f in fills]


def test_the_monitor_must_count_every_fill_and_its_volume():
    totals = {US500: {"fills": 3, "buy_volume": "0.15", "sell_volume": "0.2"}}
    assert monitor_counts_fills(FILLS, totals, {US500: history_of(FILLS)}, 2000).ok
    short = {US500: {"fills": 2, "buy_volume": "0.15", "sell_volume": "0.2"}}
    assert not monitor_counts_fills(FILLS, short, {US500: history_of(FILLS)}, 2000).ok
    lost = monitor_counts_fills(FILLS, totals, {US500: history_of(FILLS[1:])}, 2000)
    assert lost.violations == 1 and "1 venue fills missing" in lost.detail


def test_the_monitors_history_is_compared_with_the_last_fills_it_keeps():
    totals = {US500: {"fills": 3, "buy_volume": "0.15", "sell_volume": "0.2"}}
    assert monitor_counts_fills(FILLS, totals, {US500: history_of(FILLS[-2:])}, 2).ok


def test_risk_must_hold_the_venues_position():
    assert risk_matches_venue({US500: D("0.1")}, {US500: D("0.10")}).ok
    wrong = risk_matches_venue({US500: D("0.1")}, {US500: D("0.2")})
    assert wrong.violations == 1 and "risk 0.2 vs venue 0.1" in wrong.detail
    assert not risk_matches_venue({US500: D("0")}, {US500: None}).ok


def test_the_position_path_is_rebuilt_fill_by_fill():
    assert position_path(D(0), FILLS) == [D(0), D("0.1"), D("0.15"), D("-0.05")]
    assert positions_since(D("0.1"), FILLS) == {D("0.1"), D("0.15"), D("-0.05")}


def test_no_position_on_the_path_may_be_worth_more_than_the_hard_limit():
    assert within_hard_limit(FILLS, D(1000)).ok
    big = [fill(1, "B", "0.1", "0"), fill(2, "B", "0.1", "0.1"), fill(3, "A", "0.2", "0.2")]
    breach = within_hard_limit(big, D(1000))  # 0.2 at 6000 is $1200 after the second fill
    assert breach.violations == 1 and "$1200.00" in breach.detail


def test_a_cloid_placed_twice_is_a_violation():
    assert no_repeated_cloids({"placements": 4, "cloids": 4, "repeated": {}}).ok
    repeated = no_repeated_cloids({"placements": 5, "cloids": 4, "repeated": {"0xc": 2}})
    assert repeated.violations == 1 and "0xc x2" in repeated.detail


def test_any_process_alive_after_down_is_a_violation():
    assert no_process_left([10, 11, 11], []).ok
    assert no_process_left([10, 11], [11]).violations == 1


def test_the_key_is_found_with_or_without_0x_in_any_case():
    key = "0x" + "ab12" * 16
    logs = {"quoter.log": "fine", "risk.log": "signed with " + key.upper()[2:]}
    found = key_not_in_logs(key, logs)
    assert found.violations == 1 and "risk.log" in found.detail
    assert key_not_in_logs(key, {"a.log": "hash 0x" + "cd34" * 16}).ok


def test_within_needs_the_event_to_happen_in_time():
    assert within("x", 1.0, 2.0, "gone").ok
    assert not within("x", 3.0, 2.0, "gone").ok
    missed = within("x", None, 2.0, "gone")
    assert missed.violations == 1 and "did not happen" in missed.detail
