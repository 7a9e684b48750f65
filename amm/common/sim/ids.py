"""Deterministic identifiers: order ids, trade ids and transaction hashes from counters.

Two engines fed the same calls hand out the same ids, which is what makes runs comparable.
"""

from __future__ import annotations

import hashlib


class IdSource:
    """Counters for oids, tids and hashes; ``namespace`` keeps hashes of separate venues apart.

    ``first_id`` is where oids and tids start: a venue that restarts passes a new base (from
    its start time) so that ids never repeat across its lives, as Hyperliquid's never do.
    """

    def __init__(self, namespace: str = "amm-sim", first_id: int = 1) -> None:
        self._namespace = namespace
        self._next_oid = first_id
        self._next_tid = first_id
        self._next_hash = 0

    def oid(self) -> int:
        """A new order id, greater than every one before."""
        oid = self._next_oid
        self._next_oid += 1
        return oid

    def tid(self) -> int:
        """A new trade id, greater than every one before."""
        tid = self._next_tid
        self._next_tid += 1
        return tid

    def hash(self) -> str:
        """A new transaction hash: "0x" and 64 hex digits."""
        return self.hash_of(self.hash_index())

    def hash_index(self) -> int:
        """Take the next hash without computing it: most orders never trade, so the engine
        only turns the index into text (``hash_of``) when its first fill needs it."""
        n = self._next_hash
        self._next_hash += 1
        return n

    def hash_of(self, index: int) -> str:
        """The hash ``hash()`` returns for the index-th hash taken."""
        digest = hashlib.sha256(f"{self._namespace}:{index}".encode()).hexdigest()
        return f"0x{digest}"
