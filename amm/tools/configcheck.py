"""`amm config check`: validate and print the effective config, with secrets masked."""

from __future__ import annotations

from typing import Any

import msgspec
import tomli_w

from amm.common.config import Config
from amm.common.curve import CurveKeys, CurveKeysUnavailable
from amm.tools.account import account_summary
from amm.tools.selection import Selection


def config_check(selection: Selection) -> int:
    config = selection.config
    account = account_summary(config)
    print(f"# {selection.config_path}: valid ({config.mode} mode)")
    print(f"# account: {account['address'] or '-'}  key: {account['key_source']}")
    print(f"# bus: {bus_summary(config)}")
    print(tomli_w.dumps(_without_nulls(msgspec.to_builtins(config))), end="")
    return 0


def bus_summary(config: Config) -> str:
    """Whether this host has the CURVE keys it needs, never the keys themselves."""
    if not config.security.curve:
        return "plain ZeroMQ, loopback endpoints only"
    try:
        CurveKeys.load(config.keys_dir, serve=True)
    except CurveKeysUnavailable:
        try:
            CurveKeys.load(config.keys_dir, serve=False)
        except CurveKeysUnavailable as missing:
            return f"CURVE, keys missing: {missing}"
        return f"CURVE, keys in {config.keys_dir} for tools only (not the actors' host)"
    return f"CURVE, keys in {config.keys_dir} for actors and tools"


def _without_nulls(value: Any) -> Any:
    """TOML has no null: an absent optional table is simply left out."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
