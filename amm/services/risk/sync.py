"""Risk's name for the shared journal-order fill bookkeeping, which lives in
``amm.common.fill_sync`` (the monitor books execution's fills the same way)."""

from amm.common.fill_sync import (
    RESYNC,
    SNAPSHOT,
    FillSync,
    Need,
    decode_fills,
    decode_positions,
)

__all__ = ["RESYNC", "SNAPSHOT", "FillSync", "Need", "decode_fills", "decode_positions"]
