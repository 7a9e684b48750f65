"""The paper venue's pure core in simulated time, with one trading account: the backtest's.

The same ``VenueState`` (matching engine, house accounts, market model, funding, the address
rate limit) that ``amm venue`` serves, and the same request handlers: execution's actions go
through ``handle_exchange`` as the JSON the SDK would send, so Hyperliquid's rules, fees and
error texts apply exactly as on the paper venue. Signing is skipped: the account is the signer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from amm.backtest.queues import replay_market
from amm.backtest.settings import BacktestSettings
from amm.backtest.sources import ReplaySource, SyntheticSource
from amm.common.config import Config, VenueConfig
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import Position
from amm.common.sim.market.base import MarketModel
from amm.services.execution.wire import position_from_wire
from amm.services.venue.exchange import Envelope, handle_exchange
from amm.services.venue.info import handle_info
from amm.services.venue.models import build_model
from amm.services.venue.state import Listing, VenueState, list_markets

ACCOUNT = "0x00000000000000000000000000000000000ba5e1"
"""The backtest's trading account."""


class SimVenue:
    """``VenueState`` plus our account's requests (nonces counted, signatures skipped)."""

    def __init__(self, state: VenueState, account: str) -> None:
        self.state = state
        self.account = account
        self._nonce = 0

    def open(self, now_ms: int) -> None:
        """Start the venue at ``now_ms`` with our account funded (its first signature)."""
        error = self.state.admit(self.account, self._next_nonce(now_ms), None, now_ms)
        if error is not None:
            raise RuntimeError(f"the venue refused the backtest account: {error}")

    def exchange(
        self, action: dict[str, Any], expires_after_ms: int | None, now_ms: int
    ) -> dict[str, Any]:
        """One /exchange action as signed by our account; the answer body."""
        envelope = Envelope(action, self._next_nonce(now_ms), None, None, expires_after_ms)
        return handle_exchange(self.state, envelope, self.account, now_ms)

    def info(self, body: dict[str, Any], now_ms: int) -> Any:
        """One /info request."""
        return handle_info(self.state, body, now_ms)

    def positions(self, specs: Mapping[str, MarketSpec], now_ms: int) -> dict[str, Position]:
        """Our ``exec.position`` per market, read as execution reads it."""
        states = {
            dex: self.info({"type": "clearinghouseState", "user": self.account, "dex": dex}, now_ms)
            for dex in sorted({spec.dex for spec in specs.values()})
        }
        return {
            coin: position_from_wire(states[spec.dex], coin, spec.dex)
            for coin, spec in specs.items()
        }

    def _next_nonce(self, now_ms: int) -> int:
        """The SDK's nonce: the clock's ms, or one more than the last if that is not later."""
        self._nonce = max(now_ms, self._nonce + 1)
        return self._nonce


@dataclass(frozen=True, slots=True)
class Market:
    """The venue of one backtest and where it sits in time."""

    state: VenueState
    specs: dict[str, MarketSpec]  # the traded markets, as `meta` would describe them
    start_ms: int
    end_ms: int


def build_market(
    config: Config, source: ReplaySource | SyntheticSource, settings: BacktestSettings, seed: int
) -> Market:
    """The venue with the source's market model, not yet started (the driver listens first);
    a replay trades the file's coin only."""
    venue = _venue_config(config)
    if isinstance(source, SyntheticSource):
        venue = msgspec.structs.replace(venue, model="synthetic", replay=None)
        listings = list_markets(venue)
        start_ms = settings.synthetic_start_ms
        duration_s = source.duration_s if source.duration_s is not None else settings.duration_s
        model = build_model(venue, listings, start_ms, seed)
        coins = [market.coin for market in config.markets]
        return _market(venue, model, listings, coins, start_ms, start_ms + round(duration_s * 1000))
    listed = [market for market in venue.markets if market.coin == source.coin]
    if not listed:
        raise ValueError(f"{source.describe()}: {source.coin} is not in [[venue.markets]]")
    venue = msgspec.structs.replace(venue, markets=listed, model="synthetic", replay=None)
    listings = list_markets(venue)
    spec = listings[0].spec
    snapshots = source.snapshots(spec.sz_decimals)
    rng = random.Random(f"{seed}/queue")
    model = replay_market(spec, snapshots, settings.queue, rng, file=str(source.path))
    start_ms = snapshots[0].time_ms
    end_ms = source.end_ms if source.end_ms is not None else snapshots[-1].time_ms + 1
    return _market(venue, model, listings, [source.coin], start_ms, end_ms)


def _venue_config(config: Config) -> VenueConfig:
    if config.venue is None:
        raise ValueError("a backtest needs the markets' rules: add a [venue] table")
    return config.venue


def _market(
    venue: VenueConfig,
    model: MarketModel,
    listings: Sequence[Listing],
    coins: list[str],
    start_ms: int,
    end_ms: int,
) -> Market:
    state = VenueState(venue, model)
    specs = {lst.coin: lst.spec for lst in listings if lst.coin in coins}
    missing = [coin for coin in coins if coin not in specs]
    if missing:
        raise ValueError(f"{', '.join(missing)}: not in [[venue.markets]]")
    return Market(state, specs, start_ms, end_ms)
