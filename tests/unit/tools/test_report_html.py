"""The HTML page: well-formed, self-contained, one SVG per plot, and the numbers on it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from amm.tools.report import market_facts, stats_rows, summary_cards
from amm.tools.report_html import (
    ReportPage,
    active_alerts,
    fills_chart,
    markout_chart,
    nice_step,
    render_html,
    thin,
)
from tests.integration.tools.standins import sample_history, sample_stats, stats_data

SVG = "{http://www.w3.org/2000/svg}"
NOW_MS = 1_800_000_000_000


def page(history: dict, stats: dict | None = None) -> str:
    stats = stats if stats is not None else stats_data(sample_stats())
    windows, rows = stats_rows(stats)
    return render_html(
        ReportPage(
            generated_ns=NOW_MS * 1_000_000,
            source="monitor abcd1234 seq 9",
            cycle=stats.get("cycle"),
            windows=windows,
            rows=rows,
            cards=summary_cards(stats, history),
            facts=market_facts(stats),
            history=history,
        )
    )


def svg_titles(root: ET.Element) -> list[str]:
    return [svg.findtext(f"{SVG}title") for svg in root.iter(f"{SVG}svg")]


def test_page_is_well_formed_self_contained_and_has_one_svg_per_plot():
    html = page(sample_history(NOW_MS))
    assert html.startswith("<!DOCTYPE html>")
    root = ET.fromstring(html.removeprefix("<!DOCTYPE html>\n"))  # raises unless well-formed
    assert svg_titles(root) == [
        "Net PnL (USD)",
        "Position (coins)",
        "Markout curve (bps after the fill)",
        "Fills on the mid price",
    ]
    assert not root.findall(".//script") and not root.findall(".//link")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)  # no external assets


def test_page_shows_the_stats_cycles_and_active_alerts():
    history = sample_history(NOW_MS)
    html = page(history)
    root = ET.fromstring(html.removeprefix("<!DOCTYPE html>\n"))
    stats_table = root.find(".//table[@class='stats']")
    header = [th.text for th in stats_table.iter("th")][1:5]
    assert header == ["5m", "30m", "1h", "session"]
    net = next(tr for tr in stats_table.iter("tr") if tr.findtext("th") == "net PnL (USD)")
    assert [td.text for td in net.iter("td")] == ["+0.1449", "-0.8312", "+1.2034", "+2.5017"]
    assert "neg" in net.findall("td")[1].get("class")
    fees = next(tr for tr in stats_table.iter("tr") if tr.findtext("th") == "fees (USD)")
    assert all(td.get("class") == "num" for td in fees.iter("td"))  # a sign, not good or bad
    assert "km:US500" in html and "mode</span> <b>moderate" in html
    cycles = root.findall(".//table[@class='list']")[1]
    first = [td.text for td in cycles.find("tbody").find("tr").iter("td")]
    last_cycle = history["cycles"][-1]
    assert first[0] == str(last_cycle["cycle"])  # newest first
    assert len(cycles.find("tbody").findall("tr")) == 20
    alerts = root.findall(".//table[@class='list']")[0]
    metrics = ["".join(tr.findall("td")[2].itertext()) for tr in alerts.find("tbody").iter("tr")]
    assert metrics == ["markout_30s (5m)", "fill_rate"]  # the drawdown alert was cleared
    cards = {
        card.findtext("div[@class='label']"): "".join(card.find("div[2]").itertext())
        for card in root.iter("div")
        if card.get("class") == "card"
    }
    assert cards["net PnL (session)"] == "+2.5017" and cards["position now"] == "+0.15"


def test_plots_carry_their_data():
    history = sample_history(NOW_MS)
    html = page(history)
    assert ">+0.42<" in html and ">-1.60<" in html  # markout labels
    fills = fills_chart([(1.0, 6000.0), (2000.0, 6001.0)], history["fills"][:3])
    assert fills.count("<polygon") == 3
    taker = fills_chart([], [{"time_ms": 1000, "px": "6000", "side": "A", "crossed": True}])
    assert 'fill="#ffffff"' in taker  # hollow: we crossed the spread


def test_an_empty_history_still_gives_four_placeholder_plots():
    html = page({}, {"cycle": 0, "cycle_pnl": "0", "windows": {}})
    root = ET.fromstring(html.removeprefix("<!DOCTYPE html>\n"))
    assert len(svg_titles(root)) == 4
    assert html.count("no data yet") == 2 and "no markouts yet" in html
    assert "no prices or fills yet" in html and "no cycles yet" in html
    assert "no windows in the monitor's stats yet" in html


def test_markout_chart_marks_missing_horizons():
    chart = markout_chart({"1s": 0.5, "5s": None, "30s": -1.0, "60s": None})
    assert chart.count("<circle") == 2
    assert "no data yet: 5s, 60s" in chart


def test_thin_keeps_every_extreme_in_time_order():
    points = [(float(t), float(t % 7)) for t in range(10_000)]
    points[5_000] = (5_000.0, 99.0)
    kept = thin(points, 100)
    assert len(kept) <= 200
    assert (5_000.0, 99.0) in kept
    assert kept == sorted(kept)
    assert thin(points[:10], 100) == points[:10]


def test_nice_steps_and_active_alerts():
    assert nice_step(7.3, 5) == 2.0
    assert nice_step(0.012, 5) == 0.0025
    alerts = [
        {"metric": "m", "subject": "A", "level": "info", "active": True},
        {"metric": "m", "subject": "B", "level": "critical", "active": True},
        {"metric": "m", "subject": "A", "level": "info", "active": False},
    ]
    assert [a["subject"] for a in active_alerts(alerts)] == ["B"]
