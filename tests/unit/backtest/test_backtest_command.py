"""amm backtest: summary or JSON on stdout, an HTML report, clear refusals."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from amm.backtest.cli import backtest_command


def test_json_is_the_result_and_the_report_is_a_page_of_svg_charts(write_config, tmp_path):
    out = io.StringIO()
    report = tmp_path / "run.html"
    code = backtest_command(
        write_config(), "synthetic:30", seed=4, as_json=True, report=report, out=out
    )
    assert code == 0
    body = json.loads(out.getvalue())
    assert body["seed"] == 4 and body["source"] == "synthetic:30"
    page = report.read_text()
    ET.fromstring(page.split("\n", 1)[1])  # well-formed
    assert page.count("<svg") == 4  # PnL, markouts, position, fills on the mid
    assert "Net PnL" in page and "km:US500" in page


def test_the_summary_names_the_figures_and_set_changes_the_run(write_config):
    out = io.StringIO()
    sets = ["quoter.modes.moderate.order_levels=1", "backtest.latency.order=constant:5"]
    assert backtest_command(write_config(), "synthetic:30", sets=sets, out=out) == 0
    text = out.getvalue()
    for label in ("net PnL", "drawdown", "fills", "markouts", "risk", "actions"):
        assert label in text


def test_bad_input_exits_2_with_the_reason(write_config, capsys):
    path = write_config()
    assert backtest_command(path, "nowhere.lz4", out=io.StringIO()) == 2
    assert "no such file" in capsys.readouterr().err
    assert backtest_command(path, "synthetic:5", sets=["a.b=1,2"], out=io.StringIO()) == 2
    assert "sweep" in capsys.readouterr().err
