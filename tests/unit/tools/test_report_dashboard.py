"""docs/grafana-dashboard.json stays importable and queries only gauges the monitor serves."""

from __future__ import annotations

import json
import re

from amm.services.monitor.prometheus import MonitorMetrics
from tests.helpers import REPO


def served() -> set[str]:
    """The gauge names the monitor's Prometheus endpoint really serves."""
    registry = MonitorMetrics().registry
    return {metric.name for metric in registry.collect()}


def dashboard() -> dict:
    return json.loads((REPO / "docs" / "grafana-dashboard.json").read_text())


def test_every_query_uses_a_gauge_the_monitor_serves():
    board = dashboard()
    exprs = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
    exprs += [a["expr"] for a in board["annotations"]["list"] if "expr" in a]
    used = {name for expr in exprs for name in re.findall(r"\bamm_[a-z_]+", expr)}
    assert used, "the dashboard queries nothing"
    assert used <= served(), f"not served by the monitor: {sorted(used - served())}"


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
