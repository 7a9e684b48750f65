"""Request/reply for snapshots and resync: ROUTER on the owner, a fresh DEALER per request.

A fresh DEALER per request (the ZeroMQ Guide's Lazy Pirate) means a request to a dead owner is
abandoned at its timeout and never delivered late to the owner's next instance.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import zmq
import zmq.asyncio

from amm.common.bus import Publisher, bind_server, close_server
from amm.common.curve import CurveKeys
from amm.common.envelope import SCHEMA_VERSION
from amm.common.logs import EventLog

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class Request(msgspec.Struct, kw_only=True):
    v: int
    id: int
    op: str
    args: dict[str, Any] = {}


class Reply(msgspec.Struct, kw_only=True, omit_defaults=True):
    """`seq` is the owner's publisher seq when it answered: updates after it are newer."""

    v: int
    id: int
    ok: bool
    src: str
    epoch: str
    seq: int
    data: dict[str, Any] = {}
    error: str = ""


class RequestFailed(Exception):
    """No reply in time, or the owner answered with an error."""


_request_ids = itertools.count(1)
_request_decoder = msgspec.msgpack.Decoder(Request)
_reply_decoder = msgspec.msgpack.Decoder(Reply)


class ReplyServer:
    """Answers requests by `op`; a bad request gets an error reply, never a crash.

    With `curve` it is a CURVE server: requests from unauthorized clients never arrive.
    """

    def __init__(
        self,
        ctx: zmq.asyncio.Context,
        publisher: Publisher,
        endpoint: str,
        log: EventLog,
        handlers: dict[str, Handler],
        *,
        curve: CurveKeys | None = None,
    ) -> None:
        self.publisher = publisher
        self.log = log
        self.handlers = handlers
        self.served = 0
        self.rejected = 0
        self.socket = ctx.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.curve = curve
        bind_server(self.socket, endpoint, curve, f"snapshot.{publisher.program}")

    async def serve(self) -> None:
        while True:
            frames = await self.socket.recv_multipart()
            if len(frames) < 2:
                continue
            identity, payload = frames[0], frames[-1]
            reply = await self._answer(payload)
            await self.socket.send_multipart([identity, b"", msgspec.msgpack.encode(reply)])

    async def _answer(self, payload: bytes) -> Reply:
        try:
            request = _request_decoder.decode(payload)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # a str that is not UTF-8
            return self._error(0, f"malformed request: {exc}")
        if request.v != SCHEMA_VERSION:
            return self._error(request.id, f"unsupported request version v={request.v}")
        handler = self.handlers.get(request.op)
        if handler is None:
            known = ", ".join(sorted(self.handlers))
            return self._error(request.id, f"unknown op {request.op!r} (known: {known})")
        try:
            data = await handler(request.args)
        except Exception as exc:  # a failing handler answers an error; the actor carries on
            return self._error(request.id, f"{request.op}: {exc!r}")
        self.served += 1
        return Reply(
            v=SCHEMA_VERSION,
            id=request.id,
            ok=True,
            src=self.publisher.program,
            epoch=self.publisher.epoch,
            seq=self.publisher.seq,
            data=data,
        )

    def _error(self, request_id: int, message: str) -> Reply:
        self.rejected += 1
        self.log.warning("reqrep.rejected", error=message)
        return Reply(
            v=SCHEMA_VERSION,
            id=request_id,
            ok=False,
            src=self.publisher.program,
            epoch=self.publisher.epoch,
            seq=self.publisher.seq,
            error=message,
        )

    def close(self) -> None:
        close_server(self.socket, self.curve)


async def request(
    ctx: zmq.asyncio.Context,
    endpoint: str,
    op: str,
    args: dict[str, Any] | None = None,
    *,
    timeout_s: float,
) -> Reply:
    """Ask the owner at `endpoint`; raises RequestFailed on timeout or an error reply.

    The DEALER is a CURVE client when `ctx` came from `bus_context` with keys; an owner that does
    not admit its key never sees the request, so that too ends in the timeout.
    """
    request_id = next(_request_ids)
    socket = ctx.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    try:
        socket.connect(endpoint)
        body = Request(v=SCHEMA_VERSION, id=request_id, op=op, args=args or {})
        await socket.send_multipart([b"", msgspec.msgpack.encode(body)])
        while True:
            if not await socket.poll(timeout_s * 1000, zmq.POLLIN):
                raise RequestFailed(f"no reply from {endpoint} to {op!r} within {timeout_s:g} s")
            frames = await socket.recv_multipart()
            try:
                reply = _reply_decoder.decode(frames[-1])
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                raise RequestFailed(f"malformed reply from {endpoint}: {exc}") from None
            if reply.id == request_id:
                break
        if not reply.ok:
            raise RequestFailed(f"{reply.src} refused {op!r}: {reply.error}")
        return reply
    finally:
        socket.close(linger=0)
