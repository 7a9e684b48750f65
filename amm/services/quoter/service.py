"""The quoter actor: `md.*`, `risk.state` and `monitor.mode` in, `quote.intent` out.

Start-up reads the markets' szDecimals and max leverage from the exchange's `meta` (retrying
while it cannot be reached or answers malformed); until then nothing is quoted. A configured
market the exchange does not list is a StartupError naming the coin: the process exits 2 and
supervisord does not restart it (a restart would not list the market either). After that
every new top of book (the same top again, from the other channel or after our own orders
changed the book, is not: `QuoterCore.on_body`), `md.status`, `risk.state` and `monitor.mode`
re-runs the core for the markets it concerns and publishes a new intent when the throttle lets
one through; every `republish_interval_s` the core runs again for every market (ages and refresh
timers advance without messages) and the latest intent of each market is published again, so a
receiver that missed one converges.
Trades only feed the A/k calibration. The reply op `quote` shows the latest intent and the
model's internals per market. Quoting-state changes are logged; the hot path is not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from amm.common.bus import Publisher, Received
from amm.common.config import Config
from amm.common.hyperliquid.client import ExchangeRejected, ExchangeUnavailable, HyperliquidHttp
from amm.common.hyperliquid.meta import MalformedMeta, MarketDirectory, UnknownMarket
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.logs import EventLog
from amm.common.messages import (
    ModeRecommendation,
    QuoteIntent,
)
from amm.common.reqrep import Handler
from amm.common.runtime import Actor, StartupError
from amm.services.quoter.logic import QuoterCore
from amm.services.quoter.settings import QuoterSettings

INTENT_TOPIC = "quote.intent"
_RETRY_S = (0.5, 5.0)  # first and longest wait between attempts to read `meta`


class QuoterActor(Actor):
    """Runs `QuoterCore` on the bus; `settings` defaults to the config's `[quoter]` table."""

    def __init__(
        self,
        program: str,
        config: Config,
        log: EventLog,
        settings: QuoterSettings | None = None,
    ) -> None:
        super().__init__(program, config, log)
        self.settings: QuoterSettings = settings if settings is not None else config.quoter
        self.coins = [market.coin for market in config.markets]
        self.core: QuoterCore | None = None
        self._reasons: dict[str, tuple[str, ...]] = {}

    # ---- the bus ----------------------------------------------------------------------------

    async def on_message(self, message: Received) -> None:
        core = self.core
        if core is None:
            return
        now_ns, wall_ns = time.monotonic_ns(), time.time_ns()
        body = message.body
        if isinstance(body, ModeRecommendation) and body.mode != core.mode:
            self.log.info("quoter.mode", mode=body.mode, reason=body.reason)
        for coin in core.on_body(body, now_ns):
            self._step(core, coin, now_ns, wall_ns)

    def _step(self, core: QuoterCore, coin: str, now_ns: int, wall_ns: int) -> QuoteIntent | None:
        """Run the core for one market; publish and return the new intent, if any."""
        if coin not in core.markets:
            return None
        intent = core.step(coin, now_ns, wall_ns)
        if intent is not None:
            self._publisher().publish(INTENT_TOPIC, intent)
        view = core.view(coin)
        reasons = view.reasons if view is not None else ()
        if reasons != self._reasons.get(coin):
            self.log.info("quoter.quoting", coin=coin, reasons=",".join(reasons) or "-")
            self._reasons[coin] = reasons
        return intent

    def reply_handlers(self) -> dict[str, Handler]:
        return {"quote": self._quote}

    async def _quote(self, args: dict[str, Any]) -> dict[str, Any]:
        """The latest intent and the model's internals per market (or just `args.coin`)."""
        core = self.core
        coin = args.get("coin")
        if coin is not None and coin not in self.coins:
            raise ValueError(f"not a configured market: {coin}")
        if core is None:
            return {"ready": False, "model": self.settings.model}
        coins = self.coins if coin is None else [coin]
        now_ns = time.monotonic_ns()
        return {
            "ready": True,
            "model": self.settings.model,
            "mode": core.mode,
            "mode_reason": core.mode_reason,
            "budget": {"tokens": round(core.budget.tokens, 3), "spent": core.budget.spent},
            "defence": {
                "active": core.defence.active(now_ns),
                "spread_capture_bps": core.defence.spread_capture_bps,
                "markout_bps": core.defence.markout_bps,
            },
            "markets": {c: self._market_report(core, c) for c in coins},
        }

    def _market_report(self, core: QuoterCore, coin: str) -> dict[str, Any]:
        latest, view = core.latest(coin), core.view(coin)
        return {
            "intent": msgspec.to_builtins(latest) if latest is not None else None,
            "model": msgspec.to_builtins(view) if view is not None else None,
            "sent_reasons": list(core.markets[coin].sent_reasons),
        }

    # ---- the process ------------------------------------------------------------------------

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        return [self._run]

    async def _run(self) -> None:
        specs = await self.load_specs()
        self.core = core = QuoterCore(
            self.settings, specs, first_intent_id=time.time_ns() // 1_000_000
        )
        self.log.info("quoter.ready", model=self.settings.model, markets=",".join(specs))
        while True:
            await asyncio.sleep(self.settings.republish_interval_s)
            now_ns, wall_ns = time.monotonic_ns(), time.time_ns()
            for coin in self.coins:
                if self._step(core, coin, now_ns, wall_ns) is None:
                    latest = core.latest(coin)
                    if latest is not None:
                        self._publisher().publish(INTENT_TOPIC, latest)

    async def load_specs(self) -> dict[str, MarketSpec]:
        """szDecimals and max leverage of the configured markets, from the exchange's `meta`.

        Raises StartupError (exit 2) naming the coin if the exchange does not list a market.
        """
        config = self.config
        delay = _RETRY_S[0]
        async with HyperliquidHttp(
            config.exchange.url, timeout_s=config.exchange.request_timeout_s
        ) as http:
            while True:
                try:
                    directory = await MarketDirectory.load(http, self.coins)
                    return {coin: directory.spec(coin) for coin in self.coins}
                except UnknownMarket as exc:
                    self.log.error("quoter.unknown_market", error=str(exc))
                    raise StartupError(f"cannot quote: {exc}") from None
                except (ExchangeUnavailable, ExchangeRejected, MalformedMeta) as exc:
                    self.log.warning("quoter.meta_unavailable", error=str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_S[1])

    def _publisher(self) -> Publisher:
        assert self.publisher is not None  # messages and tasks start after open()
        return self.publisher
