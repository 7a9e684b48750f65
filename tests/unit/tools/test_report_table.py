"""The report's table: every metric per window, formatted, and nothing the monitor adds lost."""

from __future__ import annotations

from decimal import Decimal as D

from amm.common.messages import CrossCheck
from amm.tools.report import market_facts, ordered_windows, stats_rows, summary_cards, table_text
from tests.integration.tools.standins import sample_stats, stats_data


def rows_by_label(stats: dict) -> dict[str, list[str]]:
    return {row.label: row.cells for row in stats_rows(stats)[1]}


def test_every_metric_has_a_row_with_one_cell_per_window_in_order():
    names, rows = stats_rows(stats_data(sample_stats()))
    assert names == ["5m", "30m", "1h", "session"]
    cells = {row.label: row.cells for row in rows}
    assert cells["fills"] == ["12", "72", "144", "240"]
    assert cells["buys / sells"] == ["7 / 5", "42 / 30", "84 / 60", "140 / 100"]
    assert cells["buy volume"][3] == "7" and cells["sell volume"][0] == "0.25"
    assert cells["avg buy px"][0] == "6001.200" and cells["avg sell px"][0] == "6001.900"
    assert cells["matched volume"][1] == "1.5"
    assert cells["spread capture (bps)"][0] == "+1.17"
    assert cells["fees (USD)"][0] == "0.0091"
    assert cells["matched PnL (USD)"][0] == "+0.1750"
    assert cells["imbalance"][0] == "+0.167"
    assert cells["fill rate (/h)"][0] == "144.0"
    assert cells["maker share"][0] == "91.7%"
    assert cells["realized PnL (USD)"][0] == "+0.1659"
    assert cells["unrealized PnL (USD)"][0] == "-0.0210"
    assert cells["funding (USD)"][0] == "+0.0000"
    assert cells["net PnL (USD)"] == ["+0.1449", "-0.8312", "+1.2034", "+2.5017"]
    assert [cells[f"markout {h} (bps)"][0] for h in ("1s", "5s", "30s", "60s")] == [
        "+0.42",
        "-0.31",
        "-1.05",
        "-",
    ]
    toned = {row.label for row in rows if row.toned}
    assert "net PnL (USD)" in toned and "fees (USD)" not in toned and "imbalance" not in toned


def test_nil_values_show_as_a_dash_and_fields_a_newer_monitor_adds_are_kept():
    stats = stats_data(sample_stats())
    window = stats["windows"]["5m"]
    window.update(avg_buy_px=None, maker_share=None, spread_capture_bps=None)
    window["quote_uptime"] = 0.97
    window["start_ms"] = 1_800_000_000_000
    window["orders_sent"] = 412
    window["markouts_bps"]["120s"] = -2.0
    cells = rows_by_label(stats)
    assert cells["avg buy px"][0] == cells["maker share"][0] == "-"
    assert cells["spread capture (bps)"][0] == "-"
    assert cells["quote uptime"] == ["0.97", "-", "-", "-"]
    assert cells["orders sent"][0] == "412"
    assert cells["since (UTC)"] == ["01-15 08:00:00", "-", "-", "-"]
    assert cells["one-sided share"][0] == "-"
    assert cells["markout 120s (bps)"] == ["-2.00", "-", "-", "-"]


def test_windows_are_ordered_shortest_first_then_unknown_ones_by_name():
    assert ordered_windows({"session": 1, "zz": 1, "5m": 1, "1d": 1, "1h": 1}) == [
        "5m",
        "1h",
        "session",
        "1d",
        "zz",
    ]


def test_text_table_aligns_columns_and_says_when_there_is_nothing():
    text = table_text(stats_data(sample_stats(cycle=7)))
    lines = text.splitlines()
    assert lines[0].startswith("AMM-500 monitor report  cycle 7  cycle PnL +0.0123")
    assert lines[1] == (
        "market km:US500  position +0.15 @ 5999.800  mid 6000.4  delta +0.180  "
        "mode moderate  alerts active 2"
    )
    assert lines[3].split() == ["5m", "30m", "1h", "session"]
    net = next(line for line in lines if line.startswith("net PnL"))
    assert net.split()[-4:] == ["+0.1449", "-0.8312", "+1.2034", "+2.5017"]
    assert len({len(line) for line in lines[3:]}) == 1  # every row as wide as the header
    empty = table_text({"cycle": 0, "cycle_pnl": "0", "windows": {}})
    assert empty.splitlines()[1:] == ["no windows in the monitor's stats yet"]


def test_market_facts_show_the_cross_check_and_only_what_the_monitor_sent():
    check = CrossCheck(
        dex="km",
        since_ms=0,
        account_value=D("1002.5"),
        account_change=D("2.5"),
        trade_pnl_change=D("2.4988"),
        divergence=D("0.0012"),
    )
    facts = dict(market_facts(stats_data(sample_stats(crosscheck=check))))
    assert facts["cross-check km"] == "account +2.5000 vs trades +2.4988, divergence +0.0012"
    assert market_facts({"cycle": 1, "cycle_pnl": "0", "windows": {}}) == []


def test_summary_cards_take_the_session_window_and_the_latest_position():
    stats = stats_data(sample_stats())
    cards = dict(summary_cards(stats, {"position": [[1, "0"], [2, "-0.15"]]}))
    assert cards["net PnL (session)"] == "+2.5017"
    assert cards["fills (session)"] == "240"
    assert cards["markout 5s (bps)"] == "-0.44"
    assert cards["position now"] == "+0.15"  # the stats' own position wins over the history
    del stats["position"]
    assert dict(summary_cards(stats, {"position": [[2, "-0.15"]]}))["position now"] == "-0.15"
    assert dict(summary_cards({"cycle_pnl": "1"}, {}))["position now"] == "-"
