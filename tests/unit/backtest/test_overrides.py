"""--set: values, grids, and a changed config validated as a file is."""

from __future__ import annotations

import pytest

from amm.backtest.overrides import apply, parse_sets, parse_value, points
from amm.common.config import ConfigError


def test_values_are_toml_values_or_text():
    assert parse_value("3") == 3
    assert parse_value("2.5") == 2.5
    assert parse_value("true") is True
    assert parse_value('"x"') == "x"
    assert parse_value("constant:20") == "constant:20"


def test_a_grid_is_every_combination_the_last_key_fastest():
    grid = parse_sets(["a.b=3,4", "c=x,y,z"])
    assert grid == [("a.b", [3, 4]), ("c", ["x", "y", "z"])]
    assert points(grid)[:4] == [
        {"a.b": 3, "c": "x"},
        {"a.b": 3, "c": "y"},
        {"a.b": 3, "c": "z"},
        {"a.b": 4, "c": "x"},
    ]
    assert len(points(grid)) == 6


@pytest.mark.parametrize("item", ["novalue", "=3", "a=", "a=1 a=2"])
def test_malformed_items_are_refused(item):
    with pytest.raises(ValueError, match="--set"):
        parse_sets(item.split(" "))


def test_config_and_backtest_keys_apply_to_their_tables(write_config, tmp_path):
    path = write_config()
    config, settings = apply(
        path,
        {
            "quoter.modes.moderate.order_levels": 5,
            "backtest.queue.model": "probabilistic",
            "backtest.latency.order": "lognormal:30:0.4",
        },
    )
    assert config.quoter.modes.moderate.order_levels == 5
    assert settings.queue.model == "probabilistic"
    assert settings.latency.order == "lognormal:30:0.4"
    assert config.var_dir == tmp_path / "var"  # relative paths still resolve as in the file


def test_a_bad_value_is_refused_naming_the_key(write_config):
    with pytest.raises(ConfigError, match=r"quoter\.modes\.moderate\.order_levels"):
        apply(write_config(), {"quoter.modes.moderate.order_levels": 0})
    with pytest.raises(ConfigError, match="unknown key"):
        apply(write_config(), {"quoter.modes.moderate.nonsense": 1})
    with pytest.raises(ValueError, match="latency"):
        apply(write_config(), {"backtest.latency.order": "soon"})
