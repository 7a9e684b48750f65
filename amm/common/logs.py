"""One line per event on stdout: human-readable by default, JSON lines with `--log-json`.

Every secret this process has loaded is redacted wherever it appears, whoever logged it, and so is
any field whose name says it holds a secret. (Transaction hashes have a private key's shape, so
redacting by shape alone would hide them.)
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any, Literal, TextIO

import msgspec

Level = Literal["debug", "info", "warning", "error"]
_RANK = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_SECRET_FIELD = re.compile(r"key|secret|private|password|mnemonic", re.IGNORECASE)
REDACTED = "[redacted]"
_secrets: set[str] = set()


def register_secret(secret: str) -> None:
    """Make every later log line of this process redact `secret` (with or without `0x`)."""
    bare = secret.lower().removeprefix("0x")
    if bare:
        _secrets.add(bare)


def redact(text: str) -> str:
    if not _secrets:
        return text
    lowered = text.lower()
    for secret in _secrets:
        start = lowered.find(secret)
        while start != -1:
            text = text[:start] + REDACTED + text[start + len(secret) :]
            lowered = text.lower()
            start = lowered.find(secret)
    return text


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
        fields = {k: (REDACTED if _SECRET_FIELD.search(k) else v) for k, v in fields.items()}
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


class RecurringWarnings:
    """A failure retried on a timer: a warning the first time, debug while it goes on."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self._active: set[str] = set()

    def warn(self, event: str, **fields: Any) -> None:
        level = self.log.debug if event in self._active else self.log.warning
        level(event, **fields)
        self._active.add(event)

    def clear(self, *events: str) -> None:
        """These have stopped failing: the next failure is news again."""
        self._active.difference_update(events)
