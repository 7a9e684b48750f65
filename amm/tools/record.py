"""`amm record`: the whole bus, as received, into one file (and the file format's reader).

Format (version 1): a plain msgpack stream, one object after another, no framing of our own
(`msgpack.Unpacker(open(path, "rb"))` reads it):

1. a header map: ``{"format": "amm-bus-recording", "version": 1, "started_ns": <int>,
   "mode": <config mode>, "endpoints": {<program>: <[bus] endpoint>}}``;
2. then one array per message, in the order the recorder received them:
   ``[recv_ns, publisher, frames]``: the recorder's wall clock when the message arrived (int ns),
   the program whose ``[bus]`` endpoint it came from (str), and the ZeroMQ frames exactly as
   received (array of bin; a well-formed message has two: topic and envelope payload).

Every topic of every ``[bus]`` endpoint is recorded, malformed messages included, so a replay
checks them exactly as a live subscriber did. The file is flushed every ``FLUSH_S`` and at the
end; a recording cut short by a crash ends with at most one torn record, which readers skip.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
import zmq
import zmq.asyncio

from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.runtime import install_stop_signals

FORMAT = "amm-bus-recording"
VERSION = 1
FLUSH_S = 0.5
_DRAIN_BATCH = 256
_encoder = msgspec.msgpack.Encoder()


class NotARecording(ValueError):
    """The file is not an `amm record` file (or not a version this code reads)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """One message as the recorder received it."""

    recv_ns: int
    publisher: str
    frames: list[bytes]


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording's header and its messages, in arrival order."""

    header: dict[str, Any]
    messages: list[Recorded]


# ---- reading --------------------------------------------------------------------------------


def read_recording(path: str | Path) -> Recording:
    """The whole recording; a torn last record (a crash while writing) is left out."""
    data = Path(path).read_bytes()
    objects = _objects(data)
    try:
        header = msgspec.msgpack.decode(next(objects))
    except (StopIteration, msgspec.DecodeError, ValueError):
        raise NotARecording(f"{path}: not an amm bus recording") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise NotARecording(f"{path}: not an amm bus recording")
    if header.get("version") != VERSION:
        raise NotARecording(f"{path}: recording version {header.get('version')!r} is not {VERSION}")
    messages = []
    for raw in objects:
        recv_ns, publisher, frames = msgspec.msgpack.decode(raw)
        messages.append(Recorded(recv_ns, publisher, [bytes(frame) for frame in frames]))
    return Recording(header, messages)


_MAP_HEADS = frozenset(bytes([b]) for b in (*range(0x80, 0x90), 0xDE, 0xDF))


def is_recording(path: str | Path) -> bool:
    """True if the file starts with a recording header."""
    with open(path, "rb") as file:
        head = file.read(200)
    return head[:1] in _MAP_HEADS and FORMAT.encode() in head


def _objects(data: bytes) -> Iterator[bytes]:
    """Each complete top-level msgpack object of a stream (a torn tail ends the stream)."""
    view = memoryview(data)
    position = 0
    while position < len(data):
        try:
            end = _skip(view, position)
        except IndexError:
            return
        if end > len(data):
            return
        yield bytes(view[position:end])
        position = end


_FIXED = {0xC0: 1, 0xC2: 1, 0xC3: 1, 0xCA: 5, 0xCB: 9, 0xCC: 2, 0xCD: 3, 0xCE: 5, 0xCF: 9}
_FIXED |= {0xD0: 2, 0xD1: 3, 0xD2: 5, 0xD3: 9, 0xD4: 3, 0xD5: 4, 0xD6: 6, 0xD7: 10, 0xD8: 18}
_SIZED = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC7: 1, 0xC8: 2, 0xC9: 4}
_EXT = frozenset({0xC7, 0xC8, 0xC9})
_CONTAINERS = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}


def _skip(view: memoryview, position: int) -> int:
    """Where the msgpack object starting at ``position`` ends (IndexError if cut short)."""
    pending = 1
    while pending:
        pending -= 1
        head = view[position]
        if head <= 0x7F or head >= 0xE0:
            position += 1
        elif 0x80 <= head <= 0x8F:
            pending += 2 * (head & 0x0F)
            position += 1
        elif 0x90 <= head <= 0x9F:
            pending += head & 0x0F
            position += 1
        elif 0xA0 <= head <= 0xBF:
            position += 1 + (head & 0x1F)
        elif head in _FIXED:
            position += _FIXED[head]
        elif head in _SIZED:
            width = _SIZED[head]
            position += 1 + width + (head in _EXT) + _uint(view, position + 1, width)
        elif head in _CONTAINERS:
            width, per_item = _CONTAINERS[head]
            pending += per_item * _uint(view, position + 1, width)
            position += 1 + width
        else:
            raise IndexError(f"not msgpack: byte 0x{head:02x}")
    return position


def _uint(view: memoryview, position: int, width: int) -> int:
    """A big-endian length field (IndexError if the stream ends inside it)."""
    field = view[position : position + width]
    if len(field) < width:
        raise IndexError("cut short")
    return int.from_bytes(field, "big")


# ---- writing --------------------------------------------------------------------------------


class RecordingWriter:
    """Appends messages to a new recording file."""

    def __init__(self, path: str | Path, config: Config, started_ns: int) -> None:
        self.path = Path(path)
        self.count = 0
        self._file: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        header = {
            "format": FORMAT,
            "version": VERSION,
            "started_ns": started_ns,
            "mode": config.mode,
            "endpoints": dict(config.bus.items()),
        }
        self._file.write(_encoder.encode(header))

    def write(self, recv_ns: int, publisher: str, frames: Sequence[bytes]) -> None:
        self._file.write(_encoder.encode([recv_ns, publisher, list(frames)]))
        self.count += 1

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.flush()
        try:
            os.fsync(self._file.fileno())
        finally:
            self._file.close()


# ---- the command ----------------------------------------------------------------------------


async def record(
    config: Config,
    out: str | Path,
    *,
    count: int | None = None,
    seconds: float | None = None,
    signals: bool = True,
) -> int:
    """Record every [bus] endpoint until SIGINT/SIGTERM, ``count`` messages or ``seconds``."""
    ctx = client_context(config)
    poller = zmq.asyncio.Poller()
    sockets: dict[zmq.asyncio.Socket, tuple[str, zmq.Socket]] = {}
    for program, endpoint in config.bus.items():
        socket = ctx.socket(zmq.SUB)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.RCVHWM, config.transport.recv_hwm)
        socket.setsockopt(zmq.RECONNECT_IVL, 100)
        socket.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
        socket.setsockopt(zmq.SUBSCRIBE, b"")
        socket.connect(endpoint)
        sockets[socket] = (program, zmq.Socket.shadow(socket.underlying))
        poller.register(socket, zmq.POLLIN)
    stop = asyncio.Event()
    if signals:
        install_stop_signals(stop)
    writer = RecordingWriter(out, config, time.time_ns())
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    flushed = loop.time()
    try:
        while not stop.is_set() and (count is None or writer.count < count):
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                break
            wait_ms = FLUSH_S * 1000 if left is None else min(FLUSH_S, left) * 1000
            for socket, _ in await poller.poll(wait_ms):
                program, sync = sockets[socket]
                _drain(sync, program, writer, count)
            if loop.time() - flushed >= FLUSH_S:
                writer.flush()
                flushed = loop.time()
    finally:
        writer.close()
        for socket in sockets:
            socket.close(linger=0)
        ctx.term()
    print(f"# amm record: {writer.count} message(s) to {writer.path}", file=sys.stderr)
    return 0


def _drain(sync: zmq.Socket, program: str, writer: RecordingWriter, count: int | None) -> None:
    for _ in range(_DRAIN_BATCH):
        if count is not None and writer.count >= count:
            return
        try:
            frames = sync.recv_multipart(flags=zmq.NOBLOCK)
        except zmq.Again:
            return
        writer.write(time.time_ns(), program, frames)
