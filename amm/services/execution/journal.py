"""Execution's fill journal: every fill of ours, durable before it is published (SQLite, WAL).

One row per fill, keyed by Hyperliquid's ``tid`` (unique), with the fill's fields as columns
(decimals as exact strings), the raw JSON as received, and ``seq``: a local, strictly increasing
number in the order fills were recorded (1, 2, 3, ... without gaps: a known tid is looked up
before the insert, so it does not use up a number; ``AUTOINCREMENT`` never reuses one).
``record`` commits before it returns, so a fill it accepted survives a SIGKILL right after; a
kill before the commit leaves no trace of it (one transaction per fill), and the fill comes back
from the exchange.

Durability: WAL with ``synchronous=FULL``. In WAL mode NORMAL already survives a process kill,
but a power loss or OS crash may drop the last commits; since a recorded fill is published at
once, losing it afterwards would make subscribers know a fill the journal does not. Fills are
rare next to the ~1 ms an fsync of the WAL costs, so we pay it.

One process only: the connection takes SQLite's exclusive locking mode, so a second opener (a
zombie instance, another actor) fails at once with ``DatabaseLocked`` instead of sharing it. No
other actor reads this file; they ask execution over request/reply.

Start-up backfill: ``backfill_start_ms`` is the latest recorded fill time minus
``BACKFILL_OVERLAP_MS`` (one minute). The overlap catches fills that share the watermark's
millisecond but were not recorded, and fills that reached us out of time order (websocket and
REST fallback interleaved); the refetched ones are dropped by ``tid``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import msgspec

from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.messages import Fill
from amm.common.private_db import open_private

BACKFILL_OVERLAP_MS = 60_000
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fills (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    tid            INTEGER NOT NULL UNIQUE,
    coin           TEXT    NOT NULL,
    oid            INTEGER NOT NULL,
    cloid          TEXT,
    side           TEXT    NOT NULL,
    px             TEXT    NOT NULL,
    sz             TEXT    NOT NULL,
    fee            TEXT    NOT NULL,
    fee_token      TEXT    NOT NULL,
    closed_pnl     TEXT    NOT NULL,
    crossed        INTEGER NOT NULL,
    start_position TEXT    NOT NULL,
    dir            TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    time_ms        INTEGER NOT NULL,
    raw            TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS fills_time_ms ON fills (time_ms);
CREATE INDEX IF NOT EXISTS fills_oid ON fills (oid);
CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
_COLUMNS = (
    "tid, coin, oid, cloid, side, px, sz, fee, fee_token, closed_pnl, crossed, start_position,"
    " dir, hash, time_ms"
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One recorded fill and its local sequence number."""

    seq: int
    fill: Fill


class FillJournal:
    """The SQLite fill journal (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = open_private(
            self.path, _SCHEMA, synchronous="FULL", schema_version=str(SCHEMA_VERSION)
        )

    def __enter__(self) -> FillJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (and release the lock)."""
        self._db.close()

    def pragma(self, name: str) -> Any:
        """The value of a PRAGMA (for checks: ``journal_mode``, ``synchronous``)."""
        return self._db.execute(f"PRAGMA {name}").fetchone()[0]

    def record(self, fill: Fill, raw: Mapping[str, Any] | None = None) -> int | None:
        """Store ``fill`` durably; its new ``seq``, or None if its ``tid`` is already there.

        ``raw`` is the fill as the exchange sent it (kept as JSON); the typed fill by default.
        """
        body = json.dumps(
            raw if raw is not None else _wire(fill), sort_keys=True, separators=(",", ":")
        )
        with self._transaction():
            if self._db.execute("SELECT 1 FROM fills WHERE tid = ?", (fill.tid,)).fetchone():
                return None
            cursor = self._db.execute(
                f"INSERT INTO fills ({_COLUMNS}, raw) VALUES ({', '.join('?' * 16)})",
                (*_row(fill), body),
            )
        return cursor.lastrowid

    def since(self, seq: int, limit: int | None = None) -> list[Entry]:
        """Fills recorded after ``seq``, in recording order (at most ``limit``)."""
        rows = self._db.execute(
            f"SELECT seq, {_COLUMNS} FROM fills WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, -1 if limit is None else limit),
        )
        return [_entry(row) for row in rows]

    def for_oids(self, oids: Iterable[int]) -> list[Entry]:
        """Every recorded fill of these orders, in recording order (to re-count adopted orders)."""
        wanted = sorted(set(oids))
        if not wanted:
            return []
        rows = self._db.execute(
            f"SELECT seq, {_COLUMNS} FROM fills WHERE oid IN ({', '.join('?' * len(wanted))})"
            " ORDER BY seq",
            wanted,
        )
        return [_entry(row) for row in rows]

    def count(self) -> int:
        """How many fills are recorded."""
        return int(self._db.execute("SELECT count(*) FROM fills").fetchone()[0])

    def last_seq(self) -> int:
        """The latest ``seq`` (0 when empty)."""
        return int(self._db.execute("SELECT coalesce(max(seq), 0) FROM fills").fetchone()[0])

    def watermark_ms(self) -> int | None:
        """The latest exchange time of a recorded fill (None when empty)."""
        value = self._db.execute("SELECT max(time_ms) FROM fills").fetchone()[0]
        return None if value is None else int(value)

    def backfill_start_ms(self) -> int | None:
        """``startTime`` for the start-up ``userFillsByTime``: watermark minus the overlap."""
        watermark = self.watermark_ms()
        return None if watermark is None else max(0, watermark - BACKFILL_OVERLAP_MS)

    def get_state(self, key: str) -> str | None:
        """A value of the small ``state`` table."""
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        """Store a value in the ``state`` table, durably."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _row(fill: Fill) -> tuple[Any, ...]:
    return (
        fill.tid,
        fill.coin,
        fill.oid,
        fill.cloid,
        fill.side,
        decimal_to_wire(fill.px),
        decimal_to_wire(fill.sz),
        decimal_to_wire(fill.fee),
        fill.fee_token,
        decimal_to_wire(fill.closed_pnl),
        int(fill.crossed),
        decimal_to_wire(fill.start_position),
        fill.dir,
        fill.hash,
        fill.time_ms,
    )


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(row[0], msgspec.structs.replace(_fill(row[1:]), journal_seq=row[0]))


def _fill(row: tuple[Any, ...]) -> Fill:
    (tid, coin, oid, cloid, side, px, sz, fee, fee_token, pnl, crossed, start, dir_, hash_, t) = row
    return Fill(
        coin=coin,
        tid=tid,
        oid=oid,
        cloid=cloid,
        side=side,
        px=Decimal(px),
        sz=Decimal(sz),
        fee=Decimal(fee),
        fee_token=fee_token,
        closed_pnl=Decimal(pnl),
        crossed=bool(crossed),
        start_position=Decimal(start),
        dir=dir_,
        hash=hash_,
        time_ms=t,
    )


def _wire(fill: Fill) -> dict[str, Any]:
    """A fill in Hyperliquid's ``userFills`` shape, for when the raw one is not at hand."""
    body = {
        "coin": fill.coin,
        "px": decimal_to_wire(fill.px),
        "sz": decimal_to_wire(fill.sz),
        "side": fill.side,
        "time": fill.time_ms,
        "startPosition": decimal_to_wire(fill.start_position),
        "dir": fill.dir,
        "closedPnl": decimal_to_wire(fill.closed_pnl),
        "hash": fill.hash,
        "oid": fill.oid,
        "crossed": fill.crossed,
        "fee": decimal_to_wire(fill.fee),
        "tid": fill.tid,
        "feeToken": fill.fee_token,
    }
    if fill.cloid is not None:
        body["cloid"] = fill.cloid
    return body
