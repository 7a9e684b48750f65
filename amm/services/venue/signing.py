"""Who signed an L1 action, for the venue: ``recover_signer`` in the argument order it parses.

The SDK signs the phantom agent of ``action_hash(action, vaultAddress, nonce, expiresAfter)``
with ``source`` "a" only when ``base_url`` is mainnet's; against the venue it signs as testnet
("b"), so that is what the venue verifies. The recovery accepts what the SDK's own recovery
accepts and finds the same address, in about 0.1 ms instead of the SDK's 0.45 ms (pure CPU work:
the HTTP shell runs it in a worker thread).
"""

from __future__ import annotations

from typing import Any

from amm.common.hyperliquid.signing import SignatureError as SignatureError  # re-exported
from amm.common.hyperliquid.signing import recover_signer


def recover_l1_signer(
    action: dict[str, Any],
    signature: Any,
    vault_address: str | None,
    nonce: int,
    expires_after: int | None,
    *,
    is_mainnet: bool = False,
) -> str:
    """The lower-case address that signed ``action`` (raises SignatureError)."""
    return recover_signer(action, nonce, vault_address, expires_after, signature, is_mainnet)
