"""Who signed an L1 action: recovery with the SDK's own helpers, so the venue and the SDK agree.

The SDK signs the phantom agent of ``action_hash(action, vaultAddress, nonce, expiresAfter)``
with ``source`` "a" only when ``base_url`` is mainnet's; against the venue it signs as testnet
("b"), so that is what the venue verifies. Pure and CPU-bound (about 0.7 ms with coincurve): the
HTTP shell runs it in a worker thread.
"""

from __future__ import annotations

from typing import Any

from eth_keys.exceptions import BadSignature
from hyperliquid.utils.signing import recover_agent_or_user_from_l1_action


class SignatureError(ValueError):
    """The signature is malformed or no public key can be recovered from it."""


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
    if not isinstance(signature, dict):
        raise SignatureError("signature must be an object with r, s and v")
    r, s, v = signature.get("r"), signature.get("s"), signature.get("v")
    if not (isinstance(r, str) and isinstance(s, str) and isinstance(v, int)):
        raise SignatureError("signature needs hex strings r and s and an integer v")
    try:
        address = recover_agent_or_user_from_l1_action(
            action, {"r": r, "s": s, "v": v}, vault_address, nonce, expires_after, is_mainnet
        )
    except (BadSignature, ValueError, TypeError, OverflowError) as exc:
        raise SignatureError(str(exc)) from None
    return str(address).lower()
