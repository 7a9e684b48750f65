"""The account a deployment trades as, for display: never the key itself."""

from __future__ import annotations

import os

from amm.common.config import Config
from amm.common.keys import ACCOUNT_ENV, KEY_ENV, KeyUnavailable, load_account_key, paper_address


def account_summary(config: Config) -> dict[str, str | None]:
    """Address and key source; null address in paper mode until the key is made."""
    try:
        if config.is_paper:
            source = "paper key under var/"
            if os.environ.get(KEY_ENV):
                source += f" ({KEY_ENV} is ignored in paper mode)"
            return {"address": paper_address(config.var_dir), "key_source": source}
        key = load_account_key(config)
    except KeyUnavailable as exc:
        return {"address": os.environ.get(ACCOUNT_ENV) or None, "key_source": str(exc)}
    return {"address": key.address, "key_source": f"{key.source} (masked)"}
