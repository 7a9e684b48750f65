"""ZeroMQ pub/sub with the DESIGN.md envelope: loss is reported, bad input never crashes.

Publishers bind, subscribers connect (one SUB socket per publisher, so a bad message is always
attributed to the endpoint it came from). Subscribers take each publisher's whole stream and filter
topics locally, because `seq` counts every message of a publisher across all its topics.
"""

from __future__ import annotations

import collections
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import zmq
import zmq.asyncio

from amm.common import envelope
from amm.common.config import TransportConfig
from amm.common.curve import CurveKeys
from amm.common.envelope import Envelope, Malformed, MalformedMessage
from amm.common.logs import EventLog
from amm.common.messages import InvalidBody, UnknownTopic, decode_body
from amm.common.sequence import SeqEvent, SeqEventKind, SeqTracker

BodyDecoder = Callable[[str, msgspec.Raw], Any]
_DRAIN_BATCH = 256


class BusError(Exception):
    """A socket that cannot be set up (an endpoint in use, a bad address)."""


def decode_any_body(topic: str, raw: msgspec.Raw) -> Any:
    """Decode a body without a schema, for tools that show whatever is on the bus."""
    return msgspec.msgpack.decode(raw)


class Publisher:
    """The one PUB socket of an actor; each message gets the next `seq` of this instance.

    With `curve` it is a CURVE server: only authorized subscribers get anything.
    """

    def __init__(
        self,
        ctx: zmq.Context,
        program: str,
        endpoint: str,
        transport: TransportConfig,
        *,
        curve: CurveKeys | None = None,
    ) -> None:
        self.program = program
        self.endpoint = endpoint
        self.epoch = secrets.token_hex(8)
        self.seq = 0
        self.socket = ctx.socket(zmq.PUB, socket_class=zmq.Socket)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SNDHWM, transport.send_hwm)
        self.curve = curve
        bind_server(self.socket, endpoint, curve, f"bus.{program}")

    def publish(self, topic: str, body: Any) -> int:
        """Send one message; at the high-water mark ZeroMQ drops it and receivers see the gap."""
        self.seq += 1
        payload = envelope.encode(self.program, self.epoch, self.seq, time.time_ns(), body)
        self.socket.send_multipart((topic.encode(), payload), flags=zmq.NOBLOCK)
        return self.seq

    def close(self) -> None:
        close_server(self.socket, self.curve)


def bind_server(socket: zmq.Socket, endpoint: str, curve: CurveKeys | None, key: str) -> None:
    """Bind a PUB or ROUTER socket (a CURVE server with `curve`); BusError names `key`."""
    if curve is not None:
        curve.serve(socket)
    try:
        socket.bind(endpoint)
    except zmq.ZMQError as exc:
        close_server(socket, curve)
        raise BusError(f"{key}: cannot bind {endpoint}: {exc}") from None


def close_server(socket: zmq.Socket, curve: CurveKeys | None) -> None:
    if curve is not None:
        curve.release(socket)
    socket.close(linger=0)


@dataclass(slots=True)
class Received:
    topic: str
    envelope: Envelope
    body: Any
    publisher: str  # the program whose endpoint it came from


@dataclass
class MalformedCounter:
    """Counts every malformed message; logs only the first of each kind from each publisher."""

    log: EventLog
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    _logged: set[tuple[Malformed, str]] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def record(self, publisher: str, error: MalformedMessage) -> None:
        self.counts[error.kind.value] += 1
        if (error.kind, publisher) not in self._logged:
            self._logged.add((error.kind, publisher))
            self.log.warning(
                "bus.malformed",
                kind=error.kind.value,
                publisher=publisher,
                detail=error.detail,
                note="dropped; later ones of this kind from this publisher are only counted",
            )


def log_seq_event(log: EventLog, event: SeqEvent) -> None:
    """The default reaction to a seq event: one log line (a restart or a gap is news)."""
    if event.kind is SeqEventKind.FIRST:
        log.info("bus.joined", src=event.src, epoch=event.epoch, seq=event.seq)
    elif event.kind is SeqEventKind.GAP:
        log.warning(
            "bus.gap",
            src=event.src,
            epoch=event.epoch,
            after=event.previous_seq,
            seq=event.seq,
            missing=event.missing,
        )
    elif event.kind is SeqEventKind.RESTART:
        log.warning(
            "bus.restart",
            src=event.src,
            epoch=event.epoch,
            previous_epoch=event.previous_epoch,
            seq=event.seq,
        )
    else:
        log.warning("bus.duplicate", src=event.src, epoch=event.epoch, seq=event.seq)


class Subscriber:
    """SUB sockets to the given publishers, delivering only well-formed messages on `topics`.

    They are CURVE clients when `ctx` came from `bus_context` with keys.
    """

    def __init__(
        self,
        ctx: zmq.asyncio.Context,
        publishers: Mapping[str, str],
        transport: TransportConfig,
        log: EventLog,
        *,
        topics: Sequence[str] = ("",),
        body_decoder: BodyDecoder = decode_body,
        on_seq_event: Callable[[SeqEvent], None] | None = None,
    ) -> None:
        self.log = log
        self.topics = tuple(topics)
        self.max_bytes = transport.max_message_bytes
        self.body_decoder = body_decoder
        self.on_seq_event = on_seq_event or (lambda event: log_seq_event(log, event))
        self.tracker = SeqTracker()
        self.malformed = MalformedCounter(log)
        self.received = 0
        self.ignored_topics: collections.Counter[str] = collections.Counter()
        self.last_seen_ns: dict[str, int] = {}
        self._pending: collections.deque[Received] = collections.deque()
        self._programs: dict[zmq.asyncio.Socket, str] = {}
        self._sync: dict[zmq.asyncio.Socket, zmq.Socket] = {}
        self._poller = zmq.asyncio.Poller()
        for program, endpoint in publishers.items():
            socket = ctx.socket(zmq.SUB)
            socket.setsockopt(zmq.LINGER, 0)
            socket.setsockopt(zmq.RCVHWM, transport.recv_hwm)
            socket.setsockopt(zmq.RECONNECT_IVL, 100)
            socket.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
            socket.setsockopt(zmq.SUBSCRIBE, b"")
            try:
                socket.connect(endpoint)
            except zmq.ZMQError as exc:
                socket.close(linger=0)
                self.close()
                raise BusError(f"bus.{program}: cannot connect to {endpoint}: {exc}") from None
            self._programs[socket] = program
            self._sync[socket] = zmq.Socket.shadow(socket.underlying)
            self._poller.register(socket, zmq.POLLIN)

    async def recv(self) -> Received:
        """The next accepted message; malformed, duplicate and unwanted ones are consumed."""
        while not self._pending:
            for socket, _ in await self._poller.poll():
                self._drain(socket)
        return self._pending.popleft()

    def _drain(self, socket: zmq.asyncio.Socket) -> None:
        program = self._programs[socket]
        sync = self._sync[socket]
        for _ in range(_DRAIN_BATCH):
            try:
                frames = sync.recv_multipart(flags=zmq.NOBLOCK)
            except zmq.Again:
                return
            accepted = self.accept(program, frames)
            if accepted is not None:
                self._pending.append(accepted)

    def accept(self, program: str, frames: Sequence[bytes]) -> Received | None:
        """Check one raw message from `program`'s endpoint; None when it is not to be delivered."""
        try:
            if len(frames) != 2:
                raise MalformedMessage(Malformed.FRAMES, f"{len(frames)} frames, expected 2")
            topic = envelope.decode_topic(frames[0])
            env = envelope.decode(frames[1], self.max_bytes)
            if env.src != program:
                raise MalformedMessage(
                    Malformed.WRONG_SRC, f"src {env.src!r} on the endpoint of {program!r}"
                )
        except MalformedMessage as error:
            self.malformed.record(program, error)
            return None
        event = self.tracker.observe(env.src, env.epoch, env.seq)
        if event is not None:
            self.on_seq_event(event)
            if not self.tracker.is_accepted(event):
                return None
        self.received += 1
        self.last_seen_ns[program] = time.monotonic_ns()
        if not topic.startswith(self.topics):
            return None
        try:
            body = self.body_decoder(topic, env.data)
        except UnknownTopic:
            self.ignored_topics[topic] += 1
            return None
        except (InvalidBody, msgspec.DecodeError, UnicodeDecodeError) as exc:
            self.malformed.record(program, MalformedMessage(Malformed.INVALID_DATA, str(exc)))
            return None
        return Received(topic, env, body, program)

    def peer_ages_s(self) -> dict[str, float]:
        now = time.monotonic_ns()
        return {program: (now - seen) / 1e9 for program, seen in self.last_seen_ns.items()}

    @property
    def gaps(self) -> int:
        return sum(track.gaps for track in self.tracker.publishers.values())

    def close(self) -> None:
        for socket in list(self._programs):
            self._poller.unregister(socket)
            socket.close(linger=0)
        self._programs.clear()
        self._sync.clear()
