"""Real actor processes on real ZeroMQ sockets: heartbeats, snapshots, clean stop, bad input."""

from __future__ import annotations

import asyncio
import io
import time

import msgpack
import pytest
import zmq
import zmq.asyncio

from amm.common.bus import Subscriber
from amm.common.config import load_config
from amm.common.logs import EventLog
from amm.common.reqrep import RequestFailed, request
from tests.helpers import finish, free_port, start_actor, stop


async def heartbeats_from(config, programs: set[str], timeout_s: float = 15.0) -> dict:
    """The first heartbeat of each program, heard from outside as any tool would."""
    ctx = zmq.asyncio.Context()
    sub = Subscriber(
        ctx,
        dict(config.bus.items()),
        config.transport,
        EventLog("test", stream=io.StringIO()),
        topics=("hb.",),
    )
    seen: dict = {}
    try:
        async with asyncio.timeout(timeout_s):
            while not programs <= seen.keys():
                message = await sub.recv()
                seen.setdefault(message.publisher, message)
    finally:
        sub.close()
        ctx.term()
    return seen


async def ask(endpoint: str, op: str, args: dict | None = None, timeout_s: float = 5.0):
    ctx = zmq.asyncio.Context()
    try:
        return await request(ctx, endpoint, op, args, timeout_s=timeout_s)
    finally:
        ctx.term()


def test_two_actor_processes_hear_each_other_and_answer_snapshot_requests(write_config, processes):
    path = write_config()
    config = load_config(path)
    processes += [start_actor("risk", path), start_actor("execution", path)]
    heard = asyncio.run(heartbeats_from(config, {"risk", "execution"}))
    risk_epoch = heard["risk"].envelope.epoch

    deadline = time.monotonic() + 10
    while True:
        reply = asyncio.run(ask(config.snapshot.execution, "status"))
        if "risk" in reply.data["publishers"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reply.src == "execution"
    assert reply.epoch == heard["execution"].envelope.epoch
    assert reply.data["publishers"]["risk"]["epoch"] == risk_epoch
    assert reply.data["consumed"].get("hb.risk", 0) >= 1
    assert reply.data["malformed"] == {}

    risk_reply = asyncio.run(ask(config.snapshot.risk, "status"))
    assert risk_reply.src == "risk" and risk_reply.epoch == risk_epoch
    assert risk_reply.data["pid"] == processes[0].pid


def test_unknown_op_is_refused_with_the_known_ones(write_config, processes):
    path = write_config()
    config = load_config(path)
    processes.append(start_actor("monitor", path))
    asyncio.run(heartbeats_from(config, {"monitor"}))
    with pytest.raises(RequestFailed, match=r"unknown op 'fills_since'.*status"):
        asyncio.run(ask(config.snapshot.monitor, "fills_since", {"seq": 0}))


def test_request_to_an_owner_that_is_not_running_times_out_clearly():
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(RequestFailed, match=r"no reply from .* within 0.3 s"):
        asyncio.run(ask(endpoint, "status", timeout_s=0.3))
    assert time.monotonic() - started < 3


def test_sigterm_finishes_with_a_stopping_heartbeat_and_exit_zero(write_config, processes):
    path = write_config()
    config = load_config(path)
    quoter = start_actor("quoter", path)
    processes.append(quoter)
    asyncio.run(heartbeats_from(config, {"quoter"}))

    async def last_heartbeat_state() -> str:
        ctx = zmq.asyncio.Context()
        sub = Subscriber(
            ctx,
            {"quoter": config.bus.quoter},
            config.transport,
            EventLog("t", stream=io.StringIO()),
        )
        try:
            await asyncio.wait_for(sub.recv(), 5)  # connected and hearing it
            started = time.monotonic()
            quoter.terminate()
            state = "running"
            while state == "running":
                state = (await asyncio.wait_for(sub.recv(), 5)).body.state
            assert time.monotonic() - started < 5
            return state
        finally:
            sub.close()
            ctx.term()

    assert asyncio.run(last_heartbeat_state()) == "stopping"
    code, output = finish(quoter)
    assert code == 0, output
    assert "actor.stopped" in output


def test_actor_survives_every_kind_of_garbage_and_counts_it(write_config, processes):
    """A rogue process binds the risk endpoint the quoter listens to and sends garbage."""
    path = write_config({"transport": {"max_message_bytes": 2048}})
    config = load_config(path)
    rogue = zmq.Context().socket(zmq.PUB)
    rogue.setsockopt(zmq.LINGER, 0)
    rogue.bind(config.bus.risk)
    quoter = start_actor("quoter", path)
    processes.append(quoter)
    asyncio.run(heartbeats_from(config, {"quoter"}))
    time.sleep(0.5)  # the quoter's SUB has connected to the rogue by now
    good = {"v": 1, "src": "risk", "epoch": "e", "seq": 1, "ts_ns": 1}
    garbage = [
        [b"risk.state"],
        [b"risk.state", b"\xc1\xc1\xc1"],
        [b"risk.state", msgpack.packb([1, 2, 3])],
        [b"risk.state", msgpack.packb({"v": 1})],
        [b"risk.state", msgpack.packb(good | {"v": 7, "data": {}})],
        [b"risk.state", msgpack.packb(good | {"seq": 2, "data": {"x": "y" * 4096}})],
        [b"risk.state", msgpack.packb(good | {"seq": 3, "data": {"state": "SIDEWAYS"}})],
        [b"risk.state", msgpack.packb(good | {"src": "quoter", "seq": 4, "data": {}})],
        [b"\xff\xfe", msgpack.packb(good | {"seq": 5, "data": {}})],
    ]
    for _ in range(50):
        for frames in garbage:
            rogue.send_multipart(frames)
    time.sleep(1.0)
    reply = asyncio.run(ask(config.snapshot.quoter, "status"))
    rogue.close()
    assert quoter.poll() is None, "the quoter died of garbage"
    assert set(reply.data["malformed"]) == {
        "frames",
        "not_msgpack",
        "not_map",
        "missing_field",
        "unknown_version",
        "oversized",
        "invalid_data",
        "wrong_src",
        "topic",
    }
    code, output = stop(quoter)
    assert code == 0
    assert output.count("kind=not_msgpack") == 1, "each kind is logged once per publisher"


def test_invalid_config_exits_2_naming_the_key(write_config):
    path = write_config({"transport": {"send_hwm": -5}})
    code, output = finish(start_actor("risk", path))
    assert code == 2
    assert "transport.send_hwm" in output


def test_endpoint_already_in_use_exits_2_naming_it(write_config, processes):
    path = write_config()
    config = load_config(path)
    squatter = zmq.Context().socket(zmq.PUB)
    squatter.setsockopt(zmq.LINGER, 0)
    squatter.bind(config.bus.risk)
    try:
        code, output = finish(start_actor("risk", path))
    finally:
        squatter.close()
    assert code == 2
    assert f"bus.risk: cannot bind {config.bus.risk}" in output
