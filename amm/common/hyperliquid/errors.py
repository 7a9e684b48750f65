"""The Hyperliquid client's errors, importable without the client's heavy dependencies."""

from __future__ import annotations


class ExchangeError(Exception):
    """Base of the client's errors; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ExchangeUnavailable(ExchangeError):
    """Retryable: the exchange could not be reached or failed (refused, timeout, 5xx)."""


class ExchangeRejected(ExchangeError):
    """Hyperliquid refused the request (4xx or ``{"status": "err"}``); ``message`` is its text.

    ``status`` 429 is Hyperliquid's rate limit: back off rather than resend.
    """
