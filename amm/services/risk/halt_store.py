"""Risk's own small state file: the kill switch survives a restart of risk.

``<var_dir>/risk/halt.json``, written atomically (a temporary file in the same folder, fsync,
rename over the old one, fsync of the folder), so a crash leaves the old or the new content,
never a mix. Only risk reads or writes it. A file that exists but cannot be read fails closed:
risk starts halted (``HALT_STORE_UNREADABLE``) until an operator resumes, which rewrites it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from amm.services.risk.reasons import HALT_STORE_UNREADABLE
from amm.services.risk.states import Halt

VERSION = 1


class HaltStore:
    """Load and save the ``Halt`` (None: not halted) at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Halt | None:
        """The stored halt; a missing file means not halted."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw["v"] != VERSION:
                raise ValueError(f"unknown version {raw['v']!r}")
            if not raw["halted"]:
                return None
            return Halt(str(raw["by"]), str(raw["reason"]), int(raw["since_ns"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return Halt(HALT_STORE_UNREADABLE, f"{self.path}: {exc!r}", 0)

    def save(self, halt: Halt | None) -> None:
        """Store ``halt`` durably before returning."""
        body: dict[str, object] = {"v": VERSION, "halted": halt is not None}
        if halt is not None:
            body.update(by=halt.by, reason=halt.reason, since_ns=halt.since_ns)
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".halt-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(body, file, sort_keys=True)
                file.flush()
                os.fsync(file.fileno())
            os.replace(staging, self.path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
