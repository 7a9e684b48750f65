"""The venue's HTTP shell: Hyperliquid's POST /info and POST /exchange, and the fault admin.

Only moves bytes: every decision is in ``VenueState`` (through ``handle_info`` /
``handle_exchange``) and in ``Faults``. ``clock_now_ms`` is the simulated clock (tests pass a
controllable one). Each request first advances the state to the clock's time, and a background
task advances it every ``tick_s`` so the market model, dead-man switches and funding run between
requests too. Signature recovery (CPU-bound) runs in the default thread pool; the state itself
is only touched on the event loop.

Routes::

    POST /info            Hyperliquid info queries (422 text body for an unknown/malformed one)
    POST /exchange        signed actions: {"status": "ok"|"err", "response": ...}
    GET  /_venue/faults   the fault switchboard's settings
    POST /_venue/faults   change some of them (JSON object of FaultConfig fields)
    GET  /_venue/latency        `amm bench`'s stamps (only when ``create_app`` has ``stamps``)
    POST /_venue/latency/start  clear them, start recording (``?books=0``: requests only)
    POST /_venue/latency/stop   stop recording

Hook for the websocket hub: add routes to the returned app before it starts, e.g.
``app.router.add_get("/ws", hub.handle)``, and subscribe with ``state.add_listener``; the app
also exposes ``app[STATE]``, ``app[FAULTS]`` and ``app[CLOCK]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from amm.services.venue.exchange import (
    SIGNATURE_ERROR,
    UNKNOWN_SIGNER_ERROR,
    DeserializeError,
    Envelope,
    err,
    handle_exchange,
    parse_envelope,
)
from amm.services.venue.faults import Faults, FaultUpdateError
from amm.services.venue.info import InfoRequestError, handle_info
from amm.services.venue.signing import SignatureError, recover_l1_signer
from amm.services.venue.stamps import Stamps
from amm.services.venue.state import VenueState

Clock = Callable[[], int]

STATE = web.AppKey("state", VenueState)
FAULTS = web.AppKey("faults", Faults)
CLOCK = web.AppKey("clock", Clock)
STAMPS = web.AppKey("stamps", Stamps)
_CLOSING = web.AppKey("closing", asyncio.Event)

DESERIALIZE_ERROR = "Failed to deserialize the JSON body into the target type"
PARSE_ERROR = "Failed to parse the request body as JSON"


def create_app(
    state: VenueState,
    clock_now_ms: Clock,
    faults: Faults,
    *,
    tick_s: float = 0.05,
    hold_max_s: float = 600.0,
    stamps: Stamps | None = None,
) -> web.Application:
    """The venue's aiohttp application (see the module docstring for routes and hooks).

    ``hold_max_s`` bounds how long a request picked for ``timeout_rate`` is held unanswered
    (it is also released when the app shuts down). ``stamps`` (off until enabled) records when
    requests arrive, for `amm bench`; without it the requests are served unwrapped.
    """
    app = web.Application()
    app[STATE] = state
    app[FAULTS] = faults
    app[CLOCK] = clock_now_ms
    app[_CLOSING] = asyncio.Event()
    info, exchange = _faulty(_info, hold_max_s), _faulty(_exchange, hold_max_s)
    if stamps is not None:
        app[STAMPS] = stamps
        info, exchange = _stamped(info, stamps), _stamped(exchange, stamps)
        app.router.add_get("/_venue/latency", _get_stamps)
        app.router.add_post("/_venue/latency/{switch:start|stop}", _switch_stamps)
    app.router.add_post("/info", info)
    app.router.add_post("/exchange", exchange)
    app.router.add_get("/_venue/faults", _get_faults)
    app.router.add_post("/_venue/faults", _set_faults)
    app.cleanup_ctx.append(_ticker(tick_s))
    app.on_shutdown.append(_release_held)
    return app


Handler = Callable[[web.Request, Any], Awaitable[web.Response]]


def _faulty(handler: Handler, hold_max_s: float) -> Callable[[web.Request], Awaitable[Any]]:
    """Parse the JSON body, meet the switchboard's fate for this request, then serve it."""

    async def serve(request: web.Request) -> web.StreamResponse:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError) as exc:
            return web.Response(status=400, text=f"{PARSE_ERROR}: {exc}")
        fate = request.app[FAULTS].draw_request()
        if fate.kind == "error":
            return web.Response(status=fate.status, text="paper venue: injected server error")
        if fate.kind == "timeout":
            closing = request.app[_CLOSING]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), hold_max_s)
            return web.Response(status=504, text="paper venue: injected timeout")
        try:
            return await handler(request, body)
        except (InfoRequestError, DeserializeError) as exc:
            return web.Response(status=422, text=f"{DESERIALIZE_ERROR}: {exc}")

    return serve


def _stamped(
    serve: Callable[[web.Request], Awaitable[Any]], stamps: Stamps
) -> Callable[[web.Request], Awaitable[Any]]:
    """Stamp a request's arrival (before anything else is done with it) while recording."""

    async def stamped(request: web.Request) -> Any:
        if stamps.enabled:
            arrived_ns = time.monotonic_ns()
            stamps.request(arrived_ns, request.path, await request.read())  # read() caches
        return await serve(request)

    return stamped


async def _info(request: web.Request, body: Any) -> web.Response:
    state, now_ms = request.app[STATE], request.app[CLOCK]()
    state.advance(now_ms)
    return web.json_response(handle_info(state, body, now_ms))


async def _exchange(request: web.Request, body: Any) -> web.Response:
    app = request.app
    envelope = parse_envelope(body)
    state = app[STATE]
    try:
        signer = await _recover(envelope, is_mainnet=False)
        if not state.is_known(signer):
            mainnet_signer = await _recover(envelope, is_mainnet=True)
            if state.is_known(mainnet_signer):
                return web.json_response(err(UNKNOWN_SIGNER_ERROR.format(address=signer)))
    except SignatureError:
        return web.json_response(err(SIGNATURE_ERROR))
    faults = app[FAULTS]
    answer = handle_exchange(
        state,
        envelope,
        signer,
        app[CLOCK](),
        reject_order=faults.reject_order,
        wall_ms=time.time_ns() // 1_000_000,
    )
    if faults.ack_delay_s > 0:
        await asyncio.sleep(faults.ack_delay_s)
    return web.json_response(answer)


async def _recover(envelope: Envelope, *, is_mainnet: bool) -> str:
    """The signer, recovered in a worker thread (pure CPU work, about 1 ms)."""

    def recover() -> str:
        return recover_l1_signer(
            envelope.action,
            envelope.signature,
            envelope.vault_address,
            envelope.nonce,
            envelope.expires_after,
            is_mainnet=is_mainnet,
        )

    return await asyncio.get_running_loop().run_in_executor(None, recover)


async def _get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS].to_wire())


async def _set_faults(request: web.Request) -> web.Response:
    try:
        changes = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as exc:
        return web.json_response({"error": f"{PARSE_ERROR}: {exc}"}, status=400)
    if not isinstance(changes, dict):
        return web.json_response({"error": "expected a JSON object of fault fields"}, status=400)
    faults = request.app[FAULTS]
    try:
        faults.update(changes)
    except FaultUpdateError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response(faults.to_wire())


async def _get_stamps(request: web.Request) -> web.Response:
    return web.json_response(request.app[STAMPS].to_wire())


async def _switch_stamps(request: web.Request) -> web.Response:
    stamps = request.app[STAMPS]
    books = request.query.get("books", "1") != "0"
    stamps.set_enabled(request.match_info["switch"] == "start", books=books)
    return web.json_response({"enabled": stamps.enabled})


def _ticker(tick_s: float) -> Callable[[web.Application], AsyncIterator[None]]:
    """Advance the state every ``tick_s`` while the app runs."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        async def tick() -> None:
            while True:
                app[STATE].advance(app[CLOCK]())
                await asyncio.sleep(tick_s)

        task = asyncio.create_task(tick())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx


async def _release_held(app: web.Application) -> None:
    app[_CLOSING].set()
