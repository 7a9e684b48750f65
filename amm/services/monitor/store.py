"""The monitor's own SQLite state: ``<var_dir>/monitor/monitor.sqlite``.

It holds every booked fill (keyed by ``tid``, with its ``journal_seq`` and the mids decided
around it), funding payments (by coin and time), samples, the last cycles' summaries and small
state values (session start, cycle counter, mode, active alerts, cross-check baselines, the last
``monitor.stats``). A restart loads it and asks execution only for fills after the highest
``journal_seq`` stored, so nothing is counted twice or lost. Without the file the monitor starts
a new session and rebuilds every fill from execution's journal (``fills_since`` 0).

Writes: the core queues its changes and the shell writes them in one transaction per flush
(every ``flush_interval_s``, at each cycle's end, at stop): a few small rows, well under a
millisecond, so it runs on the event loop. Batching is safe because everything here can be had
again: a fill not yet written is asked again by ``journal_seq`` after a crash; only marks and
samples of the last flush interval can be lost. For the same reason the database runs in WAL
mode with ``synchronous=NORMAL`` (a power loss may drop the last commit, never corrupt it).

One process only: the connection takes SQLite's exclusive locking mode, so a second monitor
fails at once with ``DatabaseLocked``. A file SQLite cannot read is moved aside by the shell and
treated as lost.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.messages import Fill
from amm.common.private_db import open_private
from amm.services.monitor.history import CYCLES_KEPT, CycleSummary, Sample
from amm.services.monitor.metrics import FillRecord
from amm.services.monitor.state import Changes, Saved

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS fills (
    ord         INTEGER PRIMARY KEY,
    tid         INTEGER NOT NULL UNIQUE,
    journal_seq INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    marks       TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS funding (
    coin    TEXT    NOT NULL,
    time_ms INTEGER NOT NULL,
    usdc    TEXT    NOT NULL,
    PRIMARY KEY (coin, time_ms)
);
CREATE TABLE IF NOT EXISTS samples (
    coin    TEXT    NOT NULL,
    time_ms INTEGER NOT NULL,
    mid     TEXT,
    szi     TEXT    NOT NULL,
    pnl     TEXT    NOT NULL,
    PRIMARY KEY (coin, time_ms)
);
CREATE TABLE IF NOT EXISTS cycles (
    cycle INTEGER NOT NULL,
    coin  TEXT    NOT NULL,
    body  TEXT    NOT NULL,
    PRIMARY KEY (cycle, coin)
);
CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
_fill_decoder = msgspec.json.Decoder(Fill)
_cycle_decoder = msgspec.json.Decoder(CycleSummary)


class MonitorStore:
    """The SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = open_private(
            self.path, _SCHEMA, synchronous="NORMAL", schema_version=json.dumps(SCHEMA_VERSION)
        )

    def close(self) -> None:
        """Close the connection (and release the lock)."""
        self._db.close()

    def load(self) -> Saved:
        """Everything stored, fills in booking order."""
        saved = Saved()
        for body, marks in self._db.execute("SELECT body, marks FROM fills ORDER BY ord"):
            saved.fills.append((_fill_decoder.decode(body), _marks_from(marks)))
        saved.funding = [
            (coin, time_ms, Decimal(usdc))
            for coin, time_ms, usdc in self._db.execute(
                "SELECT coin, time_ms, usdc FROM funding ORDER BY time_ms, coin"
            )
        ]
        for coin, time_ms, mid, szi, pnl in self._db.execute(
            "SELECT coin, time_ms, mid, szi, pnl FROM samples ORDER BY time_ms"
        ):
            sample = Sample(
                time_ms=time_ms,
                mid=None if mid is None else Decimal(mid),
                szi=Decimal(szi),
                pnl=Decimal(pnl),
            )
            saved.samples.setdefault(coin, []).append(sample)
        for coin, body in self._db.execute("SELECT coin, body FROM cycles ORDER BY cycle"):
            saved.cycles.setdefault(coin, []).append(_cycle_decoder.decode(body))
        saved.state = {
            key: json.loads(value)
            for key, value in self._db.execute("SELECT key, value FROM state")
        }
        return saved

    def write(self, changes: Changes) -> None:
        """Write one flush's changes in one transaction."""
        if not changes:
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if changes.rebuilt:
                db.execute("DELETE FROM fills")
            db.executemany(
                "INSERT OR IGNORE INTO fills (tid, journal_seq, body, marks) VALUES (?, ?, ?, ?)",
                [_fill_row(record) for record in changes.fills],
            )
            db.executemany(
                "UPDATE fills SET marks = ? WHERE tid = ?",
                [(_marks_to(r.marks), tid) for tid, r in changes.marks.items()],
            )
            db.executemany(
                "INSERT OR IGNORE INTO funding (coin, time_ms, usdc) VALUES (?, ?, ?)",
                [(coin, t, decimal_to_wire(usdc)) for coin, t, usdc in changes.funding],
            )
            db.executemany(
                "INSERT OR REPLACE INTO samples (coin, time_ms, mid, szi, pnl)"
                " VALUES (?, ?, ?, ?, ?)",
                [_sample_row(coin, sample) for coin, sample in changes.samples],
            )
            db.executemany(
                "INSERT OR REPLACE INTO cycles (cycle, coin, body) VALUES (?, ?, ?)",
                [(s.cycle, coin, msgspec.json.encode(s).decode()) for coin, s in changes.cycles],
            )
            if changes.cycles:
                newest = max(summary.cycle for _, summary in changes.cycles)
                db.execute("DELETE FROM cycles WHERE cycle <= ?", (newest - CYCLES_KEPT,))
            db.executemany(
                "INSERT INTO state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [(key, json.dumps(value)) for key, value in changes.state.items()],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def count_fills(self) -> int:
        """How many fills are stored."""
        return int(self._db.execute("SELECT count(*) FROM fills").fetchone()[0])


def _fill_row(record: FillRecord) -> tuple[Any, ...]:
    fill = record.fill
    body = msgspec.json.encode(fill).decode()
    return (fill.tid, fill.journal_seq, body, _marks_to(record.marks))


def _sample_row(coin: str, sample: Sample) -> tuple[Any, ...]:
    mid = None if sample.mid is None else decimal_to_wire(sample.mid)
    return (coin, sample.time_ms, mid, decimal_to_wire(sample.szi), decimal_to_wire(sample.pnl))


def _marks_to(marks: dict[str, Decimal | None]) -> str:
    return json.dumps({k: None if v is None else decimal_to_wire(v) for k, v in marks.items()})


def _marks_from(text: str) -> dict[str, Decimal | None]:
    return {k: None if v is None else Decimal(v) for k, v in json.loads(text).items()}
