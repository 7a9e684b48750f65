"""The venue's public market, built from `[venue]`: a synthetic market or replayed real books."""

from __future__ import annotations

from collections.abc import Sequence

from amm.common.config import VenueConfig
from amm.common.sim.engine import MatchingEngine
from amm.common.sim.events import Event
from amm.common.sim.market.base import MarketModel
from amm.common.sim.market.replay import ReplayModel
from amm.common.sim.market.snapshots import SnapshotFile
from amm.common.sim.market.synthetic import SyntheticModel
from amm.services.venue.state import Listing


class CombinedModel:
    """Several models, each owning its own markets, advanced together in a fixed order."""

    def __init__(self, models: Sequence[MarketModel]) -> None:
        self._models = tuple(models)

    def advance(self, engine: MatchingEngine, now_ms: int) -> list[Event]:
        events: list[Event] = []
        for model in self._models:
            events += model.advance(engine, now_ms)
        return events

    def next_wakeup_ms(self) -> int:
        return min(model.next_wakeup_ms() for model in self._models)


def build_model(
    config: VenueConfig, listings: Sequence[Listing], start_ms: int, seed: int
) -> MarketModel:
    """`synthetic`: every market synthetic. `replay`: the replayed market from the recording,
    every other market synthetic, so all listed markets always have a book."""
    replayed = config.replay.coin if config.model == "replay" and config.replay else None
    synthetic = [(lst.spec, lst.start_px) for lst in listings if lst.coin != replayed]
    models: list[MarketModel] = []
    if synthetic:
        models.append(SyntheticModel(config.synthetic, synthetic, seed, start_ms))
    if replayed is not None and config.replay is not None:
        spec = next(lst.spec for lst in listings if lst.coin == replayed)
        snapshots = SnapshotFile(config.replay.file, spec.sz_decimals)
        models.append(ReplayModel(config.replay, spec, snapshots, start_ms))
    return models[0] if len(models) == 1 else CombinedModel(models)
