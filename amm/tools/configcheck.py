"""`amm config check`: validate and print the effective config, with secrets masked."""

from __future__ import annotations

from typing import Any

import msgspec
import tomli_w

from amm.tools.account import account_summary
from amm.tools.selection import Selection


def config_check(selection: Selection) -> int:
    config = selection.config
    account = account_summary(config)
    print(f"# {selection.config_path}: valid ({config.mode} mode)")
    print(f"# account: {account['address'] or '-'}  key: {account['key_source']}")
    print(tomli_w.dumps(_without_nulls(msgspec.to_builtins(config))), end="")
    return 0


def _without_nulls(value: Any) -> Any:
    """TOML has no null: an absent optional table is simply left out."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
