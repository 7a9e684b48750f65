"""The paper venue's app on 127.0.0.1 (a free port) inside the test's own event loop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from amm.common.config import Config
from amm.services.venue.clock import VenueClock
from amm.services.venue.service import build_app


@contextlib.asynccontextmanager
async def venue_in_loop(config: Config) -> AsyncIterator[str]:
    """Serve the venue until the block ends; yields its base url."""
    assert config.venue is not None
    app, _ = build_app(config, VenueClock(config.venue.speed))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def set_faults(url: str, **faults: Any) -> None:
    """Flip the venue's fault switchboard (POST /_venue/faults)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/_venue/faults", json=faults) as response,
    ):
        assert response.status == 200, await response.text()
