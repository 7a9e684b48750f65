"""`amm watch`: a live terminal view of the bus, the quotes, the risk state and every program.

It subscribes to every endpoint of `[bus]` (whole streams, so gaps and restarts are exact) and
feeds each message to the pure model of `watch_view.py`; this module only moves bytes and paints.
On a terminal it repaints at most four times a second on the alternate screen and gives the
terminal back on Ctrl-C. Elsewhere it prints a plain snapshot every second, or with `--once` one
frame after listening `transport.peer_timeout_s`: long enough to hear every heartbeat and to call
a silent program DOWN.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import sys
import termios
import time
import xmlrpc.client
from typing import Any, Protocol, TextIO

from amm.common.bus import Subscriber
from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.deployment import Deployment
from amm.common.logs import EventLog
from amm.common.runtime import install_stop_signals
from amm.tools.watch_view import Line, WatchState, plain, render

REDRAW_S = 0.25  # at most four frames a second on a terminal
PLAIN_EVERY_S = 1.0
SUPERVISOR_EVERY_S = 2.0
WATCHED = (
    "hb.",
    "md.bbo.",
    "md.status",
    "quote.intent",
    "risk.",
    "exec.fill",
    "exec.position",
    "monitor.",
)  # md.book and md.trade are not decoded: the screen does not show them
_ANSI = {
    "": "",
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[1;31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
}
_RESET = "\x1b[0m"


class Screen(Protocol):
    def draw(self, lines: list[Line]) -> None: ...

    def close(self) -> None: ...


def paint(line: Line, width: int) -> str:
    """One line in ANSI colours, cut to `width` visible characters."""
    out: list[str] = []
    room = width
    for text, style in line:
        piece = text[:room]
        room -= len(piece)
        if piece:
            out.append(f"{_ANSI[style]}{piece}{_RESET}" if style else piece)
        if room <= 0:
            break
    return "".join(out)


class TerminalScreen:
    """The alternate screen with a hidden cursor and no echo, all restored by `close`."""

    def __init__(self, out: TextIO, stdin: TextIO = sys.stdin) -> None:
        self.out = out
        self._stdin = stdin
        self._saved: list[Any] | None = None
        if stdin.isatty():
            self._saved = termios.tcgetattr(stdin)
            quiet = termios.tcgetattr(stdin)
            quiet[3] &= ~termios.ECHO  # typed keys would scribble over the frame
            termios.tcsetattr(stdin, termios.TCSANOW, quiet)
        out.write("\x1b[?1049h\x1b[?25l")
        out.flush()

    def draw(self, lines: list[Line]) -> None:
        size = shutil.get_terminal_size()
        body = [paint(line, size.columns) + "\x1b[K" for line in lines[: size.lines]]
        self.out.write("\x1b[H" + "\n".join(body) + "\x1b[J")
        self.out.flush()

    def close(self) -> None:
        self.out.write("\x1b[?25h\x1b[?1049l")
        self.out.flush()
        if self._saved is not None:
            termios.tcsetattr(self._stdin, termios.TCSANOW, self._saved)


class PlainScreen:
    """Snapshots one after another, without escape codes, for pipes, logs and `--once`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def draw(self, lines: list[Line]) -> None:
        self.out.write("\n".join(plain(line) for line in lines) + "\n\n")
        self.out.flush()

    def close(self) -> None:
        return None


def supervisor_states(deployment: Deployment) -> dict[str, str]:
    """supervisord's state name per program; empty when supervisord does not answer."""
    try:
        infos = deployment.supervisor().getAllProcessInfo()
    except (OSError, xmlrpc.client.Fault, xmlrpc.client.ProtocolError):
        return {}
    return {info["name"]: info["statename"] for info in infos}


async def watch(
    config: Config,
    *,
    once: bool = False,
    deployment: Deployment | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Show the live view until Ctrl-C or SIGTERM (or one frame with `once`)."""
    state = WatchState(
        started_ns=time.time_ns(), peer_timeout_s=config.transport.peer_timeout_s, mode=config.mode
    )
    for market in config.markets:
        state.market(market.coin)
    ctx = client_context(config)
    subscriber = Subscriber(
        ctx,
        dict(config.bus.items()),
        config.transport,
        EventLog("amm-watch", stream=io.StringIO()),  # log lines would tear the frame apart
        topics=WATCHED,
        on_seq_event=lambda event: state.on_seq_event(event, time.time_ns()),
    )
    state.tracks = subscriber.tracker.publishers
    stop = asyncio.Event()
    install_stop_signals(stop)
    tasks = [asyncio.create_task(_receive(subscriber, state))]
    if deployment is not None:
        tasks.append(asyncio.create_task(_poll_supervisor(deployment, state)))
    interactive = not once and out.isatty()
    screen: Screen = TerminalScreen(out) if interactive else PlainScreen(out)
    try:
        if once:
            await _sleep_or_stop(stop, config.transport.peer_timeout_s)
            _draw(screen, state, subscriber)
            return 0
        period = REDRAW_S if interactive else PLAIN_EVERY_S
        if not interactive:
            await _sleep_or_stop(stop, period)  # a snapshot of nothing heard yet helps no log
        while not stop.is_set():
            _draw(screen, state, subscriber)
            await _sleep_or_stop(stop, period)
    except BrokenPipeError:
        return 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(BrokenPipeError):
            screen.close()
        subscriber.close()
        ctx.term()
    return 0


def _draw(screen: Screen, state: WatchState, subscriber: Subscriber) -> None:
    state.malformed = subscriber.malformed.total
    screen.draw(render(state, time.time_ns()))


async def _receive(subscriber: Subscriber, state: WatchState) -> None:
    while True:
        message = await subscriber.recv()
        state.apply(message.body, time.time_ns())


async def _poll_supervisor(deployment: Deployment, state: WatchState) -> None:
    while True:
        state.supervisor = await asyncio.to_thread(supervisor_states, deployment)
        await asyncio.sleep(SUPERVISOR_EVERY_S)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
