"""`amm tail`: every message on the bus, one line each (or one JSON object each with --json).

It takes every publisher's whole stream so that gaps and restarts are exact, and reports them
(and malformed messages) on stderr so that stdout stays one message per line. With `--from`
it reads an `amm record` file instead of the bus and puts every recorded message through the
same checks and filters, so it prints what a live `amm tail` printed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

import msgspec
import zmq.asyncio

from amm.common.bus import Received, Subscriber, decode_any_body
from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.logs import EventLog
from amm.common.runtime import install_stop_signals
from amm.common.sequence import SeqEvent, SeqEventKind
from amm.tools.record import read_recording

_json = msgspec.json.Encoder()


def format_json(message: Received) -> bytes:
    env = message.envelope
    return _json.encode(
        {
            "topic": message.topic,
            "v": env.v,
            "src": env.src,
            "epoch": env.epoch,
            "seq": env.seq,
            "ts_ns": env.ts_ns,
            "data": message.body,
        }
    )


def format_line(message: Received) -> str:
    env = message.envelope
    clock = time.strftime("%H:%M:%S", time.gmtime(env.ts_ns / 1e9))
    millis = env.ts_ns // 1_000_000 % 1000
    body = _json.encode(message.body).decode()
    return f"{clock}.{millis:03d} {message.topic} {env.src}#{env.epoch[:8]} seq={env.seq} {body}"


def render(message: Received, *, as_json: bool) -> str:
    return format_json(message).decode() if as_json else format_line(message)


def describe(event: SeqEvent) -> str | None:
    if event.kind is SeqEventKind.RESTART:
        return f"# {event.src} restarted: epoch {event.previous_epoch} -> {event.epoch}"
    if event.kind is SeqEventKind.GAP:
        return (
            f"# {event.src} gap: {event.missing} message(s) lost "
            f"between seq {event.previous_seq} and {event.seq}"
        )
    if event.kind is SeqEventKind.DUPLICATE:
        return f"# {event.src} duplicate seq {event.seq} dropped"
    return None


async def tail(
    config: Config,
    prefixes: list[str],
    *,
    as_json: bool,
    count: int | None,
    timeout_s: float | None,
    out: TextIO = sys.stdout,
    from_file: Path | None = None,
) -> int:
    """Print messages until `count` were printed, `timeout_s` passed, or SIGINT/SIGTERM.

    With `from_file` (an `amm record` file) the recording is printed instead of the bus, up to
    `count` messages; `timeout_s` does not apply.
    """
    ctx = zmq.asyncio.Context() if from_file is not None else client_context(config)
    notices = EventLog("amm-tail", stream=sys.stderr)

    def notice(event: SeqEvent) -> None:
        text = describe(event)
        if text:
            print(text, file=sys.stderr, flush=True)

    subscriber = Subscriber(
        ctx,
        {} if from_file is not None else dict(config.bus.items()),
        config.transport,
        notices,
        topics=tuple(prefixes) or ("",),
        body_decoder=decode_any_body,
        on_seq_event=notice,
    )
    stop = asyncio.Event()
    install_stop_signals(stop)
    printed = 0
    try:
        if from_file is not None:
            return _replay(subscriber, from_file, as_json=as_json, count=count, out=out)
        async with asyncio.timeout(timeout_s):
            while count is None or printed < count:
                message = await _next_or_stop(subscriber, stop)
                if message is None:
                    return 0
                out.write(render(message, as_json=as_json) + "\n")
                out.flush()
                printed += 1
    except TimeoutError:
        print(f"# amm tail: {printed} message(s) within {timeout_s:g} s", file=sys.stderr)
        return 0 if count is None else 1
    except BrokenPipeError:
        return 0
    finally:
        subscriber.close()
        ctx.term()
    return 0


def _replay(
    subscriber: Subscriber, path: Path, *, as_json: bool, count: int | None, out: TextIO
) -> int:
    """Each recorded message through the live checks and filters, in recorded order."""
    printed = 0
    for recorded in read_recording(path).messages:
        if count is not None and printed >= count:
            break
        message = subscriber.accept(recorded.publisher, recorded.frames)
        if message is not None:
            out.write(render(message, as_json=as_json) + "\n")
            printed += 1
    out.flush()
    if count is not None and printed < count:
        print(f"# amm tail: {printed} message(s) in {path}", file=sys.stderr)
        return 1
    return 0


async def _next_or_stop(subscriber: Subscriber, stop: asyncio.Event) -> Received | None:
    receive = asyncio.ensure_future(subscriber.recv())
    stopped = asyncio.ensure_future(stop.wait())
    done, pending = await asyncio.wait({receive, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return receive.result() if receive in done else None
