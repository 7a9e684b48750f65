"""The paper venue's process: a Hyperliquid-compatible exchange where `[exchange] url` points.

Paper mode only. It serves Hyperliquid's `/info`, `/exchange` and `/ws` on the config's exchange
url, with the market model of `[venue]` making the public market on the venue's clock.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import msgspec
import uvloop
from aiohttp import web

from amm.common.config import Config
from amm.common.logs import EventLog
from amm.common.runtime import EXIT_CONFIG, EXIT_OK, install_stop_signals, load_or_exit
from amm.services.venue.clock import VenueClock
from amm.services.venue.faults import Faults
from amm.services.venue.http import create_app
from amm.services.venue.models import build_model
from amm.services.venue.placements import PlacementAudit
from amm.services.venue.stamps import Stamps
from amm.services.venue.state import VenueState, list_markets
from amm.services.venue.ws import WebSocketHub


def build_app(config: Config, clock: VenueClock) -> tuple[web.Application, VenueState]:
    """Everything the venue serves, for this process and for tests that run it in-process."""
    venue = config.venue
    assert venue is not None  # load_config guarantees it in paper mode
    now_ms = clock.now_ms()
    model = build_model(venue, list_markets(venue), now_ms, venue.seed)
    # Ids start from the start time so they never repeat across the venue's restarts.
    state = VenueState(venue, model, first_id=now_ms * 1000)
    state.advance(now_ms)
    faults = Faults(venue.faults, venue.seed)
    stamps = Stamps()  # off until `amm bench` enables it at /_venue/latency
    app = create_app(state, clock.now_ms, faults, stamps=stamps)
    WebSocketHub(state, clock.now_ms, faults, stamps=stamps).attach(app)
    PlacementAudit().attach(app, state)
    return app, state


async def serve(config: Config, log: EventLog) -> int:
    venue = config.venue
    assert venue is not None
    url = urlparse(config.exchange.url)
    clock = VenueClock(venue.speed)
    app, state = build_app(config, clock)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, url.hostname, url.port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        log.error("venue.bind_failed", url=config.exchange.url, error=str(exc))
        await runner.cleanup()
        return EXIT_CONFIG
    log.info(
        "venue.started",
        url=config.exchange.url,
        markets=",".join(state.coins()),
        model=venue.model,
        seed=venue.seed,
        speed=venue.speed,
    )
    stop = asyncio.Event()
    install_stop_signals(stop)
    await stop.wait()
    await runner.cleanup()
    log.info("venue.stopped")
    return EXIT_OK


def run_venue(
    config_path: str,
    *,
    log_json: bool | None = None,
    seed: int | None = None,
    speed: float | None = None,
) -> int:
    """`amm venue`: `--seed` and `--speed` override `[venue]` for this run."""
    config = load_or_exit(config_path, "venue")
    json_lines = config.logging.json if log_json is None else log_json
    log = EventLog("venue", json=json_lines, level=config.logging.level)
    if not config.is_paper or config.venue is None:
        log.error("venue.refused", reason=f"the venue runs only in paper mode, not {config.mode}")
        return EXIT_CONFIG
    overrides = {k: v for k, v in (("seed", seed), ("speed", speed)) if v is not None}
    if overrides:
        venue = msgspec.structs.replace(config.venue, **overrides)
        config = msgspec.structs.replace(config, venue=venue)
    return uvloop.run(serve(config, log))
