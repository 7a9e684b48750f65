"""A msgpack string that is not UTF-8 (msgspec raises UnicodeDecodeError for it) is dropped and
counted like any malformed input; it once killed an actor's receive task and reply socket."""

from __future__ import annotations

import asyncio
import io

import msgpack
import zmq.asyncio

from amm.common.bus import Publisher, Subscriber, decode_any_body
from amm.common.config import TransportConfig
from amm.common.logs import EventLog
from amm.common.reqrep import ReplyServer
from tests.helpers import free_ports

NOT_UTF8 = b"\xa1\xa4"  # a one-byte msgpack str holding 0xa4, which is no UTF-8


def raw_envelope(data: bytes) -> bytes:
    """An envelope whose `data` is the given msgpack bytes, spliced in unchanged."""
    head = msgpack.packb({"v": 1, "src": "risk", "epoch": "e", "seq": 1, "ts_ns": 1})
    return bytes([head[0] + 1]) + head[1:] + msgpack.packb("data") + data


def test_a_string_that_is_not_utf8_is_counted_in_the_envelope_and_in_the_body():
    ctx = zmq.asyncio.Context()
    quiet = EventLog("test", stream=io.StringIO())
    for decoder in (None, decode_any_body):
        options = {} if decoder is None else {"body_decoder": decoder}
        sub = Subscriber(ctx, {}, TransportConfig(), quiet, topics=("risk.",), **options)
        assert sub.accept("risk", [b"risk.state", NOT_UTF8]) is None
        body = raw_envelope(b"\x81\xa5state" + NOT_UTF8)  # {"state": <not UTF-8>}
        assert sub.accept("risk", [b"risk.state", body]) is None
        assert dict(sub.malformed.counts) == {"not_msgpack": 1, "invalid_data": 1}
        sub.close()
    ctx.term()


def test_a_request_that_is_not_utf8_gets_an_error_reply():
    pub_port, rep_port = free_ports(2)

    async def scenario() -> str:
        ctx = zmq.asyncio.Context()
        publisher = Publisher(ctx, "risk", f"tcp://127.0.0.1:{pub_port}", TransportConfig())
        quiet = EventLog("test", stream=io.StringIO())
        server = ReplyServer(ctx, publisher, f"tcp://127.0.0.1:{rep_port}", quiet, {})
        serving = asyncio.create_task(server.serve())
        dealer = ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(f"tcp://127.0.0.1:{rep_port}")
        try:
            await dealer.send_multipart([b"", b"\x81\xa2op" + NOT_UTF8])  # {"op": <not UTF-8>}
            assert await dealer.poll(5000)
            reply = msgpack.unpackb((await dealer.recv_multipart())[-1])
            assert not serving.done()
            return reply["error"]
        finally:
            serving.cancel()
            dealer.close()
            server.close()
            publisher.close()
            ctx.term()

    assert asyncio.run(scenario()).startswith("malformed request:")
