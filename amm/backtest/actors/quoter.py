"""The quoter's message handling (``amm/services/quoter/service.py``) around ``QuoterCore``.

Both clocks of the core are the simulated clock: ``now_ns`` drives ages and estimators and
``wall_ns`` stamps intents, as the monotonic and the wall clock do live.
"""

from __future__ import annotations

from collections.abc import Sequence

from amm.common.messages import (
    QuoteIntent,
    Schema,
)
from amm.services.quoter.logic import QuoterCore


class QuoterShell:
    """Feeds bus bodies to the core and says which intents the actor would publish."""

    def __init__(self, core: QuoterCore, coins: Sequence[str]) -> None:
        self.core = core
        self.coins = list(coins)
        self.new_intents = 0

    def on_body(self, body: Schema, now_ns: int) -> list[QuoteIntent]:
        """One consumed message; the new intents it makes (the actor publishes each at once)."""
        coins = self.core.on_body(body, now_ns)
        return [intent for coin in coins if (intent := self._step(coin, now_ns)) is not None]

    def tick(self, now_ns: int) -> list[QuoteIntent]:
        """The republish timer: each market's new intent, else its latest one again."""
        published = []
        for coin in self.coins:
            intent = self._step(coin, now_ns) or self.core.latest(coin)
            if intent is not None:
                published.append(intent)
        return published

    def step_all(self, now_ns: int) -> list[QuoteIntent]:
        """Every market re-run (the timer's step); the new intents."""
        return [intent for coin in self.coins if (intent := self._step(coin, now_ns)) is not None]

    def _step(self, coin: str, now_ns: int) -> QuoteIntent | None:
        if coin not in self.core.markets:
            return None
        intent = self.core.step(coin, now_ns, now_ns)
        self.new_intents += intent is not None
        return intent
