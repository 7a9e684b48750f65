"""Client order ids that say who placed an order, so a restarted execution knows its own.

A Hyperliquid cloid is 16 bytes written "0x" + 32 lower-case hex digits. Ours are laid out as

    bytes 0-3   FAMILY, constant for every AMM-500 execution instance: 41 4d 4d 35 ("AMM5")
    bytes 4-7   the instance id, 4 random bytes drawn by the process at each start
    bytes 8-15  a counter, big-endian, 1 for the instance's first order

The first 8 bytes are the instance's prefix. Three kinds follow from it:

- CURRENT: this instance's prefix. Orders this process placed.
- FAMILY: the family but another instance id. Orders of an earlier (killed) execution.
- FOREIGN: anything else, including orders without a cloid. Placed by a human or another bot.

Start-up rule (see ``recovery.py``): on a market this execution trades, CURRENT and FAMILY orders
are adopted and FOREIGN ones cancelled; on any other market, FAMILY orders are cancelled (our
leftovers) and FOREIGN ones left alone (not ours to touch).

The counter is not persisted: a fresh random instance id makes the new instance's cloids distinct
from every earlier instance's (two instances collide with probability 2**-32), and Hyperliquid
only needs a cloid to be unique among the account's orders.
"""

from __future__ import annotations

from enum import Enum

from amm.common.hyperliquid.rules import is_valid_cloid

FAMILY = bytes.fromhex("414d4d35")
INSTANCE_BYTES = 4
COUNTER_BYTES = 8
_PREFIX_HEX = 2 + 2 * (len(FAMILY) + INSTANCE_BYTES)
_FAMILY_HEX = "0x" + FAMILY.hex()


class Provenance(Enum):
    """Who placed an order, judged by its cloid."""

    CURRENT = "current"
    FAMILY = "family"
    FOREIGN = "foreign"


class CloidFactory:
    """Hands out this instance's cloids and tells ours from others'.

    ``instance`` is the 4 random bytes the process drew at start (the core never draws them, so
    it stays deterministic).
    """

    def __init__(self, instance: bytes, *, next_counter: int = 1) -> None:
        if len(instance) != INSTANCE_BYTES:
            raise ValueError(f"instance id must be {INSTANCE_BYTES} bytes, got {len(instance)}")
        if not 0 < next_counter < 2 ** (8 * COUNTER_BYTES):
            raise ValueError(f"counter out of range: {next_counter}")
        self.prefix = "0x" + (FAMILY + instance).hex()
        self._next = next_counter

    def next(self) -> str:
        """A new cloid of this instance."""
        counter = self._next
        self._next += 1
        return self.prefix + counter.to_bytes(COUNTER_BYTES, "big").hex()

    def provenance(self, cloid: str | None) -> Provenance:
        """CURRENT, FAMILY or FOREIGN (no cloid, or not a valid one, is FOREIGN)."""
        if cloid is None or not is_valid_cloid(cloid):
            return Provenance.FOREIGN
        cloid = cloid.lower()
        if cloid[:_PREFIX_HEX] == self.prefix:
            return Provenance.CURRENT
        if cloid.startswith(_FAMILY_HEX):
            return Provenance.FAMILY
        return Provenance.FOREIGN

    def is_ours(self, cloid: str | None) -> bool:
        """True for this instance's and earlier instances' cloids (CURRENT or FAMILY)."""
        return self.provenance(cloid) is not Provenance.FOREIGN
