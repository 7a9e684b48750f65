"""An actor's own SQLite file: WAL, held exclusively, created with its schema on first open.

Exclusive locking mode means a second opener (a zombie instance, another process) fails at
once with `DatabaseLocked` instead of sharing the file: no actor reads another's database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal


class DatabaseLocked(RuntimeError):
    """Another process holds this database."""


def open_private(
    path: Path,
    schema: str,
    *,
    synchronous: Literal["FULL", "NORMAL"],
    schema_version: str,
) -> sqlite3.Connection:
    """Open (creating tables as needed) in autocommit mode; raises DatabaseLocked."""
    db = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise DatabaseLocked(f"{path}: could not switch to WAL (got {mode})")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.execute("BEGIN IMMEDIATE")
        for statement in schema.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(
            "INSERT OR IGNORE INTO state (key, value) VALUES ('schema_version', ?)",
            (schema_version,),
        )
        db.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        db.close()
        if "locked" in str(exc):
            raise DatabaseLocked(f"{path} is open in another process") from None
        raise
    except DatabaseLocked:
        db.close()
        raise
    return db
