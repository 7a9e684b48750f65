"""The paper venue's process: an HTTP server where `[exchange] url` points, in paper mode only.

Its exchange (matching engine, accounts, Hyperliquid's /info, /exchange and /ws) is not built
yet; until it is, every request is answered with Hyperliquid's error envelope saying so, so that
nothing can mistake it for a market.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import uvloop
from aiohttp import web

from amm.common.config import Config
from amm.common.logs import EventLog
from amm.common.runtime import EXIT_CONFIG, EXIT_OK, install_stop_signals, load_or_exit

NOT_READY = "the paper venue's exchange is not implemented yet"


async def _not_ready(request: web.Request) -> web.Response:
    return web.json_response({"status": "err", "response": NOT_READY}, status=503)


async def serve(config: Config, log: EventLog) -> int:
    url = urlparse(config.exchange.url)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _not_ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, url.hostname, url.port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        log.error("venue.bind_failed", url=config.exchange.url, error=str(exc))
        await runner.cleanup()
        return EXIT_CONFIG
    log.info("venue.started", url=config.exchange.url, exchange="not implemented yet")
    stop = asyncio.Event()
    install_stop_signals(stop)
    await stop.wait()
    await runner.cleanup()
    log.info("venue.stopped")
    return EXIT_OK


def run_venue(config_path: str, *, log_json: bool | None = None) -> int:
    config = load_or_exit(config_path, "venue")
    json_lines = config.logging.json if log_json is None else log_json
    log = EventLog("venue", json=json_lines, level=config.logging.level)
    if not config.is_paper:
        log.error("venue.refused", reason=f"the venue runs only in paper mode, not {config.mode}")
        return EXIT_CONFIG
    return uvloop.run(serve(config, log))
