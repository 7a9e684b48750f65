"""`amm config check`: validate and print the effective config, with secrets masked."""

from __future__ import annotations

import msgspec
import tomli_w

from amm.tools.account import account_summary
from amm.tools.selection import Selection


def config_check(selection: Selection) -> int:
    config = selection.config
    account = account_summary(config)
    print(f"# {selection.config_path}: valid ({config.mode} mode)")
    print(f"# account: {account['address'] or '-'}  key: {account['key_source']}")
    print(tomli_w.dumps(msgspec.to_builtins(config)), end="")
    return 0
