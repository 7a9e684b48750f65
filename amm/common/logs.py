"""One line per event on stdout: human-readable by default, JSON lines with `--log-json`.

Anything that looks like a private key is redacted before it is written, whoever logged it.
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any, Literal, TextIO

import msgspec

Level = Literal["debug", "info", "warning", "error"]
_RANK = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_KEY_LIKE = re.compile(r"(0x)?[0-9a-fA-F]{64}")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _KEY_LIKE.sub(REDACTED, text)


def _utc(ts: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
    return f"{seconds}.{int(ts % 1 * 1000):03d}Z"


class EventLog:
    """Structured events: `log.info("bus.gap", src="risk", missing=3)`."""

    def __init__(
        self,
        program: str,
        *,
        json: bool = False,
        level: Level = "info",
        stream: TextIO | None = None,
    ) -> None:
        self.program = program
        self.json = json
        self.threshold = _RANK[level]
        self.stream = stream or sys.stdout
        self._json_encoder = msgspec.json.Encoder(enc_hook=str)

    def debug(self, event: str, **fields: Any) -> None:
        self.emit("debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self.emit("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self.emit("warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self.emit("error", event, fields)

    def emit(self, level: Level, event: str, fields: dict[str, Any]) -> None:
        if _RANK[level] < self.threshold:
            return
        now = time.time()
        if self.json:
            record = {"ts": _utc(now), "level": level, "program": self.program, "event": event}
            record.update(fields)
            line = self._json_encoder.encode(record).decode()
        else:
            rendered = " ".join(f"{key}={_human(value)}" for key, value in fields.items())
            line = f"{_utc(now)} {level.upper():<7} {self.program} {event} {rendered}".rstrip()
        self.stream.write(redact(line) + "\n")
        self.stream.flush()


def _human(value: Any) -> str:
    text = str(value)
    return repr(text) if (" " in text or not text) else text
