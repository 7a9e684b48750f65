"""Request/reply over real sockets in one process: the owner answers, errors never kill it."""

from __future__ import annotations

import asyncio
import io

import msgpack
import pytest
import zmq
import zmq.asyncio

from amm.common.bus import Publisher
from amm.common.config import TransportConfig
from amm.common.logs import EventLog
from amm.common.reqrep import ReplyServer, RequestFailed, request
from tests.helpers import free_ports


def test_owner_answers_with_its_epoch_and_seq_and_survives_a_failing_handler():
    pub_port, rep_port = free_ports(2)

    async def scenario() -> None:
        ctx = zmq.asyncio.Context()
        publisher = Publisher(ctx, "execution", f"tcp://127.0.0.1:{pub_port}", TransportConfig())
        publisher.publish("hb.execution", {"x": 1})

        async def fills_since(args: dict) -> dict:
            return {"since": args["seq"], "fills": []}

        async def broken(args: dict) -> dict:
            raise RuntimeError("bug in a handler")

        server = ReplyServer(
            ctx,
            publisher,
            f"tcp://127.0.0.1:{rep_port}",
            EventLog("t", stream=io.StringIO()),
            {"fills_since": fills_since, "broken": broken},
        )
        serving = asyncio.create_task(server.serve())
        endpoint = f"tcp://127.0.0.1:{rep_port}"
        try:
            reply = await request(ctx, endpoint, "fills_since", {"seq": 5}, timeout_s=5)
            assert (reply.src, reply.epoch, reply.seq) == ("execution", publisher.epoch, 1)
            assert reply.data == {"since": 5, "fills": []}
            with pytest.raises(RequestFailed, match="bug in a handler"):
                await request(ctx, endpoint, "broken", timeout_s=5)
            with pytest.raises(RequestFailed, match="KeyError"):
                await request(ctx, endpoint, "fills_since", {}, timeout_s=5)
            again = await request(ctx, endpoint, "fills_since", {"seq": 9}, timeout_s=5)
            assert again.data["since"] == 9 and not serving.done()
        finally:
            serving.cancel()
            server.close()
            publisher.close()
            ctx.term()

    asyncio.run(scenario())


def test_malformed_request_gets_an_error_reply_not_silence():
    (port,) = free_ports(1)

    async def scenario() -> None:
        ctx = zmq.asyncio.Context()
        publisher = Publisher(ctx, "risk", f"tcp://127.0.0.1:{free_ports(1)[0]}", TransportConfig())
        server = ReplyServer(
            ctx, publisher, f"tcp://127.0.0.1:{port}", EventLog("t", stream=io.StringIO()), {}
        )
        serving = asyncio.create_task(server.serve())
        raw = ctx.socket(zmq.REQ)
        raw.setsockopt(zmq.LINGER, 0)
        raw.connect(f"tcp://127.0.0.1:{port}")
        try:
            await raw.send(b"\xc1 definitely not msgpack")
            reply = msgpack.unpackb(await asyncio.wait_for(raw.recv(), 5))
            assert reply["ok"] is False and "malformed request" in reply["error"]
            assert server.rejected == 1
        finally:
            raw.close()
            serving.cancel()
            server.close()
            publisher.close()
            ctx.term()

    asyncio.run(scenario())
