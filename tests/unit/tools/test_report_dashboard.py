"""docs/grafana-dashboard.json stays importable and uses only the monitor's agreed gauge names."""

from __future__ import annotations

import json
import re

from tests.helpers import REPO

AGREED = {
    "amm_pnl_usd",
    "amm_fills",
    "amm_imbalance",
    "amm_spread_capture_bps",
    "amm_markout_bps",
    "amm_fill_rate_per_hour",
    "amm_position",
    "amm_delta",
    "amm_alerts_active",
    "amm_mode",
}


def dashboard() -> dict:
    return json.loads((REPO / "docs" / "grafana-dashboard.json").read_text())


def test_every_query_uses_only_the_agreed_metrics_and_all_of_them():
    board = dashboard()
    exprs = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
    exprs += [a["expr"] for a in board["annotations"]["list"] if "expr" in a]
    used = {name for expr in exprs for name in re.findall(r"\bamm_[a-z_]+", expr)}
    assert used == AGREED


def test_panels_have_unique_ids_a_templated_datasource_and_do_not_overlap():
    board = dashboard()
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    taken: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, panel["title"]
        taken |= cells
