"""The venue's fault switchboard: settings that make the paper exchange misbehave on purpose.

It starts from ``[venue.faults]`` and is changed at run time through ``POST /_venue/faults``
(same field names; fields left out keep their value). Draws come from ``random.Random`` streams
seeded with the venue seed, so a given sequence of requests meets the same faults every run.

- ``http_error_rate``: share of /info and /exchange requests answered 500 or 502 without acting;
- ``timeout_rate``: share of requests never answered (held until the client gives up), not acted on;
- ``ack_delay_s``: /exchange acts, then waits this long before answering;
- ``reject_rate``: share of orders in ``order`` actions answered with an error, not placed;
- ``ws_drop_interval_s``: for the websocket hub: drop every connection this often (0: never);
- ``ws_burst_per_s``: for the websocket hub: also send every polled channel (``l2Book``, ``bbo``,
  ``activeAssetCtx``, ``allMids``) this many times a second, changed or not (0: only changes),
  so market data can arrive many times faster than the market moves (`amm chaos` burst).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from amm.common.config import FaultConfig

ERROR_STATUSES = (500, 502)


class FaultUpdateError(ValueError):
    """A change to the switchboard that does not validate; the message names the field."""


@dataclass(frozen=True, slots=True)
class RequestFate:
    """What happens to one HTTP request: served, answered with ``status``, or never answered."""

    kind: Literal["serve", "error", "timeout"]
    status: int = 200


SERVE = RequestFate("serve")


class Faults:
    """The current fault settings and the seeded draws that apply them."""

    def __init__(self, config: FaultConfig, seed: int) -> None:
        self._settings = config
        self._requests = random.Random(f"{seed}:requests")
        self._orders = random.Random(f"{seed}:orders")

    @property
    def settings(self) -> FaultConfig:
        """The settings in force."""
        return self._settings

    @property
    def ack_delay_s(self) -> float:
        """Seconds /exchange waits after acting, before answering."""
        return self._settings.ack_delay_s

    @property
    def ws_drop_interval_s(self) -> float:
        """How often the websocket hub drops every connection (0: never)."""
        return self._settings.ws_drop_interval_s

    @property
    def ws_burst_per_s(self) -> float:
        """How often the websocket hub sends every polled channel, changed or not (0: never)."""
        return self._settings.ws_burst_per_s

    def to_wire(self) -> dict[str, Any]:
        """The settings as the admin endpoint shows them."""
        return msgspec.to_builtins(self._settings)

    def update(self, changes: Mapping[str, Any]) -> FaultConfig:
        """Apply ``changes`` (a subset of the fields) after validating the result."""
        merged = {**self.to_wire(), **changes}
        try:
            self._settings = msgspec.convert(merged, FaultConfig)
        except msgspec.ValidationError as exc:
            raise FaultUpdateError(str(exc)) from None
        return self._settings

    def draw_request(self) -> RequestFate:
        """The fate of the next /info or /exchange request."""
        error, timeout, which = (self._requests.random() for _ in range(3))
        if error < self._settings.http_error_rate:
            return RequestFate("error", ERROR_STATUSES[int(which * len(ERROR_STATUSES))])
        if timeout < self._settings.timeout_rate:
            return RequestFate("timeout")
        return SERVE

    def reject_order(self) -> bool:
        """True if the next order is to be answered with an error instead of being placed."""
        return self._orders.random() < self._settings.reject_rate
