"""``--set KEY=VALUE[,VALUE...]``: config values changed for one run, or a sweep's grid.

``KEY`` is a dotted config key (``quoter.modes.moderate.min_spread_bps``). Each value is read as
a TOML value (``3``, ``2.5``, ``true``, ``"text"``), or taken as text if it is not one
(``constant:20``); commas separate a sweep's values. Keys under ``backtest.`` change the
``[backtest]`` settings; every other key changes the config, which is then validated exactly as
``load_config`` validates a file, so a bad key or value is refused with the key's name.
"""

from __future__ import annotations

import itertools
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
import tomli_w

from amm.backtest.settings import BacktestSettings, settings_of
from amm.common.config import Config, ConfigError, load_config

BACKTEST = "backtest."
Grid = list[tuple[str, list[Any]]]
Point = dict[str, Any]


def parse_sets(items: Sequence[str]) -> Grid:
    """``KEY=V1,V2`` items as (key, values), in the order given; ValueError names a bad one."""
    grid: Grid = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE[,VALUE...]")
        if any(known == key for known, _ in grid):
            raise ValueError(f"--set {key}: given twice")
        grid.append((key, [parse_value(part.strip()) for part in text.split(",")]))
    return grid


def parse_value(text: str) -> Any:
    """A TOML value, else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def points(grid: Grid) -> list[Point]:
    """Every combination, the last key varying fastest."""
    keys = [key for key, _ in grid]
    return [
        dict(zip(keys, values, strict=True)) for values in itertools.product(*(v for _, v in grid))
    ]


def apply(config_path: Path, point: Point) -> tuple[Config, BacktestSettings]:
    """The config file with the point's config keys, and its ``[backtest]`` settings with the
    point's ``backtest.`` keys."""
    config_keys = {k: v for k, v in point.items() if not k.startswith(BACKTEST)}
    backtest_keys = {k[len(BACKTEST) :]: v for k, v in point.items() if k.startswith(BACKTEST)}
    config = _config(config_path, config_keys)
    return config, _settings(settings_of(config), backtest_keys)


def _config(path: Path, changes: Mapping[str, Any]) -> Config:
    if not changes:
        return load_config(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    _absolute_paths(raw, path.parent)
    for key, value in changes.items():
        _put(raw, key, value)
    with tempfile.TemporaryDirectory(prefix="amm-backtest-") as folder:
        staged = Path(folder) / path.name
        staged.write_text(tomli_w.dumps(raw), encoding="utf-8")
        try:
            return load_config(staged)
        except ConfigError as exc:
            raise ConfigError(path, exc.key, f"{exc.problem} (after --set)") from None


def _absolute_paths(raw: dict[str, Any], folder: Path) -> None:
    """The file's relative paths keep pointing where they did (they are relative to it)."""
    paths = raw.get("paths", {})
    if isinstance(paths, dict) and "var_dir" in paths:
        paths["var_dir"] = str((folder / paths["var_dir"]).resolve())
    replay = raw.get("venue", {}).get("replay") if isinstance(raw.get("venue"), dict) else None
    if isinstance(replay, dict) and "file" in replay:
        replay["file"] = str((folder / replay["file"]).resolve())


def _put(raw: dict[str, Any], key: str, value: Any) -> None:
    table = raw
    *parents, leaf = key.split(".")
    for part in parents:
        table = table.setdefault(part, {})
        if not isinstance(table, dict):
            raise ValueError(f"--set {key}: {part} is not a table")
    table[leaf] = value


def _settings(settings: BacktestSettings, changes: Mapping[str, Any]) -> BacktestSettings:
    if not changes:
        return settings
    raw = msgspec.to_builtins(settings)
    for key, value in changes.items():
        _put(raw, key, value)
    try:
        return msgspec.convert(raw, BacktestSettings)
    except msgspec.ValidationError as exc:
        raise ValueError(f"--set backtest.*: {exc}") from None
