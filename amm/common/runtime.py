"""The actor base every bus program runs: uvloop, heartbeats, subscriptions, snapshots, clean stop.

SIGTERM or SIGINT lets the message being handled finish, publishes a last `stopping` heartbeat,
closes every socket with linger 0 and exits 0, well inside supervisord's stopwaitsecs.

What no restart can fix ends the process with exit 2, which supervisord.conf never restarts: an
invalid config, an endpoint in use, missing CURVE keys, and in a live mode a missing
HL_PRIVATE_KEY or an exchange that cannot be reached at start. Once running, an exchange outage
is the actors' own business (reconnects, fail-closed gates), never an exit.
"""

from __future__ import annotations

import asyncio
import collections
import importlib
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from urllib.parse import urlparse

import uvloop

from amm.common.bus import BusError, Publisher, Received, Subscriber
from amm.common.config import Config, ConfigError, load_config
from amm.common.curve import bus_context, load_curve
from amm.common.keys import KeyUnavailable, load_account_key
from amm.common.logs import EventLog
from amm.common.messages import Heartbeat
from amm.common.programs import CONSUMES, LISTENS_TO
from amm.common.reqrep import Handler, ReplyServer

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_CONFIG = 2
_FLUSH_S = 0.05


class StartupError(Exception):
    """An actor cannot start (a missing key, a locked journal): exit 2, let supervisord give up."""


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


class Actor:
    """One bus program. Subclasses add message handling, reply ops and background tasks."""

    def __init__(self, program: str, config: Config, log: EventLog) -> None:
        self.program = program
        self.config = config
        self.log = log
        self.state: Literal["starting", "running", "stopping"] = "starting"
        self.started_ns = time.time_ns()
        self.consumed: collections.Counter[str] = collections.Counter()
        self.handler_errors = 0
        self.stop_event = asyncio.Event()
        self._inflight: asyncio.Future[None] | None = None
        try:
            self.curve = load_curve(config, serve=True)
        except KeyUnavailable as exc:
            raise StartupError(str(exc)) from None
        self.ctx = bus_context(self.curve)  # every SUB and DEALER of the actor: a CURVE client
        self.publisher: Publisher | None = None
        self.subscriber: Subscriber | None = None
        self.replies: ReplyServer | None = None

    def open(self) -> None:
        """Bind and connect every socket; raises BusError naming the endpoint that failed."""
        bus = dict(self.config.bus.items())
        self.publisher = Publisher(
            self.ctx, self.program, bus[self.program], self.config.transport, curve=self.curve
        )
        listens = {peer: bus[peer] for peer in LISTENS_TO[self.program]}
        if listens:
            self.subscriber = Subscriber(
                self.ctx,
                listens,
                self.config.transport,
                self.log,
                topics=CONSUMES[self.program],
            )
        snapshot = dict(self.config.snapshot.items())[self.program]
        handlers = {"status": self._status, **self.reply_handlers()}
        self.replies = ReplyServer(
            self.ctx, self.publisher, snapshot, self.log, handlers, curve=self.curve
        )

    # Hooks for the actors of later issues.

    async def on_message(self, message: Received) -> None:
        """Handle one accepted message; the base only counts what it consumed."""

    def reply_handlers(self) -> dict[str, Handler]:
        return {}

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        return []

    async def before_close(self) -> None:
        """Last work on a stop, after every task ended and before the sockets close."""

    # The process.

    async def run(self) -> int:
        install_stop_signals(self.stop_event)
        try:
            self.open()
        except BusError as exc:
            self.log.error("actor.bus_setup_failed", error=str(exc))
            self.close()
            return EXIT_CONFIG
        assert self.publisher is not None and self.replies is not None
        self.log.info(
            "actor.started",
            pid=os.getpid(),
            epoch=self.publisher.epoch,
            mode=self.config.mode,
            listens_to=",".join(LISTENS_TO[self.program]) or "-",
        )
        self.publish_heartbeat()  # state "starting": bound, not yet listening
        tasks = [asyncio.create_task(self._heartbeats(), name="heartbeats")]
        tasks.append(asyncio.create_task(self.replies.serve(), name="replies"))
        if self.subscriber is not None:
            tasks.append(asyncio.create_task(self._receive(), name="receive"))
        tasks += [asyncio.create_task(job(), name=job.__name__) for job in self.background_tasks()]
        self.state = "running"
        stopper = asyncio.create_task(self.stop_event.wait(), name="stop")
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        crashed = [task for task in done if task is not stopper]
        for task in crashed:
            self.log.error("actor.task_died", task=task.get_name(), error=repr(task.exception()))
        await self._stop([*tasks, stopper])
        if any(isinstance(task.exception(), StartupError) for task in crashed):
            return EXIT_CONFIG  # nothing a restart would fix: let supervisord give up
        return EXIT_CRASH if crashed else EXIT_OK

    async def _stop(self, tasks: list[asyncio.Task[Any]]) -> None:
        self.state = "stopping"
        grace = self.config.transport.stop_grace_s
        if self._inflight is not None and not self._inflight.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._inflight), grace)
            except (TimeoutError, Exception) as exc:
                self.log.warning("actor.inflight_abandoned", error=repr(exc))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(self.before_close(), grace)
        except TimeoutError:
            self.log.warning("actor.before_close_abandoned", after_s=grace)
        self.publish_heartbeat()
        await asyncio.sleep(_FLUSH_S)  # best effort: let ZeroMQ send the `stopping` heartbeat
        self.close()
        self.log.info("actor.stopped", uptime_s=round((time.time_ns() - self.started_ns) / 1e9, 3))

    def close(self) -> None:
        for closable in (self.subscriber, self.replies, self.publisher):
            if closable is not None:
                closable.close()
        self.ctx.term()

    async def _receive(self) -> None:
        assert self.subscriber is not None
        while True:
            message = await self.subscriber.recv()
            self.consumed[message.topic] += 1
            self._inflight = asyncio.ensure_future(self.on_message(message))
            try:
                await asyncio.shield(self._inflight)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in one handler must not take the actor's bus down
                self.handler_errors += 1
                self.log.error("actor.handler_failed", topic=message.topic, error=repr(exc))

    async def _heartbeats(self) -> None:
        interval = self.config.transport.heartbeat_interval_s
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            self.publish_heartbeat()

    def publish_heartbeat(self) -> None:
        if self.publisher is None:
            return
        sub = self.subscriber
        body = Heartbeat(
            program=self.program,
            pid=os.getpid(),
            state=self.state,
            mode=self.config.mode,
            started_ns=self.started_ns,
            published=self.publisher.seq + 1,
            received=sub.received if sub else 0,
            malformed=sub.malformed.total if sub else 0,
            gaps=sub.gaps if sub else 0,
            peers={peer: round(age, 3) for peer, age in sub.peer_ages_s().items()} if sub else {},
        )
        self.publisher.publish("hb." + self.program, body)

    async def _status(self, args: dict[str, Any]) -> dict[str, Any]:
        sub = self.subscriber
        return {
            "program": self.program,
            "pid": os.getpid(),
            "state": self.state,
            "mode": self.config.mode,
            "started_ns": self.started_ns,
            "consumed": dict(self.consumed),
            "handler_errors": self.handler_errors,
            "malformed": dict(sub.malformed.counts) if sub else {},
            "publishers": {
                src: {"epoch": t.epoch, "seq": t.seq, "gaps": t.gaps, "restarts": t.restarts}
                for src, t in (sub.tracker.publishers.items() if sub else ())
            },
        }


def load_or_exit(config_path: str, program: str) -> Config:
    """Load the config or exit 2 with the message naming the key (supervisord then gives up)."""
    try:
        return load_config(config_path)
    except ConfigError as exc:
        print(f"{program}: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def run_actor(program: str, config_path: str, *, log_json: bool | None = None) -> int:
    config = load_or_exit(config_path, program)
    json_lines = config.logging.json if log_json is None else log_json
    log = EventLog(program, json=json_lines, level=config.logging.level)
    return uvloop.run(_run(program, config, log))


async def _run(program: str, config: Config, log: EventLog) -> int:
    try:
        if not config.is_paper:
            await check_live_start(config)
        actor = actor_class(program)(program, config, log)
    except StartupError as exc:
        log.error("actor.cannot_start", error=str(exc))
        return EXIT_CONFIG
    return await actor.run()


async def check_live_start(config: Config) -> None:
    """A live deployment's every actor needs its key and the exchange: without either it
    stops as a whole (exit 2) rather than running half, or retrying for ever.

    Paper mode skips this: the paper venue starts next to the actors, which wait for it.
    """
    try:
        load_account_key(config)
    except KeyUnavailable as exc:
        raise StartupError(str(exc)) from None
    await reach_exchange(config.exchange.url, config.exchange.request_timeout_s)


async def reach_exchange(url: str, timeout_s: float) -> None:
    """Open (and close) one TCP connection to the exchange; raises StartupError naming the URL
    when the name does not resolve, the connection is refused or does not open in time."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        async with asyncio.timeout(timeout_s):
            _, writer = await asyncio.open_connection(parsed.hostname, port)
    except TimeoutError:
        problem = f"no connection within {timeout_s:g} s (exchange.request_timeout_s)"
    except OSError as exc:
        problem = str(exc)
    else:
        writer.close()
        return
    raise StartupError(
        f"cannot reach the exchange at {url}: {problem}; check [exchange] url and the network"
    )


# Actors with a job of their own; the others run the bare base (runtime and bus wiring only).
ACTOR_CLASSES: dict[str, str] = {
    "marketdata": "amm.services.marketdata.service:MarketDataActor",
    "execution": "amm.services.execution.service:ExecutionActor",
    "quoter": "amm.services.quoter.service:QuoterActor",
    "risk": "amm.services.risk.service:RiskActor",
    "monitor": "amm.services.monitor.service:MonitorActor",
}


def actor_class(program: str) -> type[Actor]:
    """The class that runs `program`, imported only by the process that runs it."""
    location = ACTOR_CLASSES.get(program)
    if location is None:
        return Actor
    module_name, _, class_name = location.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
