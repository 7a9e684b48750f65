"""How often each client order id was placed: the venue's evidence against duplicate orders.

A retried ``order`` action must never put a second order on the book under a cloid that already
had one (`amm chaos` checks it). The engine refuses a cloid only while its order is open, so the
venue itself would accept a late copy after the first order filled or was cancelled; this audit
counts every accepted placement per (user, cloid) so that such a copy shows.

It listens to the state's event batches: an oid seen for the first time with a status that is not
a rejection is a placement, unless the same batch cancels an earlier order of the same cloid (that
is a modify: the replacement keeps the cloid and gets a new oid).

Wiring: ``PlacementAudit().attach(app, state)`` serves
``GET /_venue/placements?user=0x...`` -> ``{"user", "placements", "cloids", "repeated"}``, where
``repeated`` maps each cloid placed more than once to its count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from amm.common.sim import OrderUpdate
from amm.common.sim.events import CANCELED
from amm.services.venue.state import VenueEvent, VenueState


def is_rejection(status: str) -> bool:
    """A status that means the order never reached the book (``rejected``, ``tickRejected``...)."""
    return status == "rejected" or status.endswith("Rejected")


class PlacementAudit:
    """Accepted placements per (user, cloid), from the state's events (pure but for ``attach``)."""

    def __init__(self) -> None:
        self._seen_oids: set[int] = set()
        self._placements: dict[str, Counter[str]] = {}

    def on_events(self, events: Sequence[VenueEvent]) -> None:
        """One batch of state events (the state's listener contract)."""
        updates = [e for e in events if isinstance(e, OrderUpdate) and e.cloid is not None]
        replaced = {
            (u.user, u.cloid) for u in updates if u.status == CANCELED and u.oid in self._seen_oids
        }
        for update in updates:
            if update.oid in self._seen_oids:
                continue
            self._seen_oids.add(update.oid)
            if is_rejection(update.status) or (update.user, update.cloid) in replaced:
                continue
            assert update.cloid is not None
            self._placements.setdefault(update.user.lower(), Counter())[update.cloid.lower()] += 1

    def report(self, user: str) -> dict[str, Any]:
        """The user's placements: total, distinct cloids, and the cloids placed more than once."""
        counts = self._placements.get(user.lower(), Counter())
        return {
            "user": user.lower(),
            "placements": sum(counts.values()),
            "cloids": len(counts),
            "repeated": {cloid: n for cloid, n in counts.items() if n > 1},
        }

    def attach(self, app: web.Application, state: VenueState) -> None:
        """Listen to ``state`` and serve ``GET /_venue/placements`` on ``app``."""
        state.add_listener(self.on_events)
        app.router.add_get("/_venue/placements", self._serve)

    async def _serve(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        if not user:
            return web.json_response({"error": "expected ?user=0x..."}, status=400)
        return web.json_response(self.report(user))
