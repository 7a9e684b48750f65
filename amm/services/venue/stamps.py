"""Latency stamps for `amm bench`: when the venue published each l2Book, when each request came.

Off by default: the shell asks ``enabled`` (one attribute read) before stamping anything, so a
venue nobody benchmarks pays nothing else. ``POST /_venue/latency/start`` clears the stamps and
starts recording (``?books=0``: requests only), ``POST /_venue/latency/stop`` stops it, and
``GET /_venue/latency`` returns them.
Times are this process's ``time.monotonic_ns()``, so a book stamp and a request stamp compare
directly. Request bodies are kept raw and decoded only when read, to keep the stamping itself
off the measured path. Each list is bounded (``limit``), the oldest stamps dropped first.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import msgspec

LIMIT = 200_000


class Stamps:
    """The recorder the websocket hub and the HTTP shell share (see the module docstring)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.enabled = False
        self.books = False
        self._books: deque[tuple[int, str, int, str | None, str | None]] = deque(maxlen=limit)
        self._requests: deque[tuple[int, str, bytes]] = deque(maxlen=limit)

    def set_enabled(self, enabled: bool, *, books: bool = True) -> None:
        """Start (from empty) or stop recording; ``books`` False records requests only."""
        if enabled:
            self._books.clear()
            self._requests.clear()
        self.enabled = enabled
        self.books = enabled and books

    def book(self, t_ns: int, data: dict[str, Any]) -> None:
        """An l2Book the hub is publishing: its coin, venue time and touch."""
        bids, asks = data["levels"]
        bid = bids[0]["px"] if bids else None
        ask = asks[0]["px"] if asks else None
        self._books.append((t_ns, data["coin"], data["time"], bid, ask))

    def request(self, t_ns: int, path: str, body: bytes) -> None:
        """A POST that has just arrived (its body is decoded only by ``to_wire``)."""
        self._requests.append((t_ns, path, body))

    def to_wire(self) -> dict[str, Any]:
        """Every stamp as JSON: books ``[t_ns, coin, time_ms, bid, ask]``, requests
        ``[t_ns, path, body]`` (``body`` is null when it is not JSON)."""
        return {
            "enabled": self.enabled,
            "books": [list(book) for book in self._books],
            "requests": [[t, path, _decoded(body)] for t, path, body in self._requests],
        }


def _decoded(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
