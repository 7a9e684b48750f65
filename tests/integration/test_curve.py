"""CURVE on real sockets: only authorized clients hear the bus or get an answer."""

from __future__ import annotations

import asyncio
import io
import subprocess
from pathlib import Path

import pytest
import zmq
import zmq.asyncio

from amm.common.bus import Publisher, Subscriber, decode_any_body
from amm.common.config import TransportConfig, load_config
from amm.common.curve import CurveKeys, bus_context, generate_keys
from amm.common.logs import EventLog
from amm.common.reqrep import ReplyServer, RequestFailed, request
from tests.helpers import AMM, finish, free_ports, start_actor

QUIET = EventLog("test", stream=io.StringIO())
HEARD_WITHIN_S = 3.0
SILENCE_S = 1.5


@pytest.fixture
def keys(tmp_path: Path) -> CurveKeys:
    """The deployment's keys, as the host that runs the actors holds them."""
    generate_keys(tmp_path / "keys", force=False)
    return CurveKeys.load(tmp_path / "keys", serve=True)


@pytest.fixture
def stranger(tmp_path: Path, keys: CurveKeys) -> CurveKeys:
    """A client that knows the server's public key but holds a key nobody authorized."""
    generate_keys(tmp_path / "other", force=False)
    other = CurveKeys.load(tmp_path / "other", serve=False)
    return CurveKeys(keys.keys_dir, keys.server_public, other.client_public, other.client_secret)


async def first_message(subscriber: Subscriber, timeout_s: float) -> str | None:
    try:
        return (await asyncio.wait_for(subscriber.recv(), timeout_s)).topic
    except TimeoutError:
        return None


def test_only_the_authorized_subscriber_hears_a_curve_publisher(keys, stranger):
    (port,) = free_ports(1)
    endpoint = f"tcp://127.0.0.1:{port}"

    async def scenario() -> dict[str, str | None]:
        server_ctx = bus_context(keys)
        publisher = Publisher(server_ctx, "risk", endpoint, TransportConfig(), curve=keys)
        contexts = {
            "authorized": bus_context(keys),
            "plain": zmq.asyncio.Context(),
            "unknown key": bus_context(stranger),
        }
        subscribers = {
            name: Subscriber(
                ctx, {"risk": endpoint}, TransportConfig(), QUIET, body_decoder=decode_any_body
            )
            for name, ctx in contexts.items()
        }

        async def publish() -> None:
            while True:
                publisher.publish("risk.note", {"n": 1})
                await asyncio.sleep(0.05)

        publishing = asyncio.create_task(publish())
        try:
            heard = dict(
                zip(
                    subscribers,
                    await asyncio.gather(
                        first_message(subscribers["authorized"], HEARD_WITHIN_S),
                        first_message(subscribers["plain"], SILENCE_S),
                        first_message(subscribers["unknown key"], SILENCE_S),
                    ),
                    strict=True,
                )
            )
        finally:
            publishing.cancel()
            for subscriber in subscribers.values():
                subscriber.close()
            publisher.close()
            for ctx in [server_ctx, *contexts.values()]:
                ctx.term()
        return heard

    assert asyncio.run(scenario()) == {
        "authorized": "risk.note",
        "plain": None,
        "unknown key": None,
    }


def test_curve_reply_server_answers_the_authorized_client_and_nobody_else(keys, stranger):
    pub_port, rep_port = free_ports(2)
    endpoint = f"tcp://127.0.0.1:{rep_port}"

    async def scenario() -> None:
        server_ctx = bus_context(keys)
        publisher = Publisher(
            server_ctx, "execution", f"tcp://127.0.0.1:{pub_port}", TransportConfig(), curve=keys
        )

        async def ping(args: dict) -> dict:
            return {"pong": True}

        server = ReplyServer(server_ctx, publisher, endpoint, QUIET, {"ping": ping}, curve=keys)
        serving = asyncio.create_task(server.serve())
        authorized, plain, unknown = bus_context(keys), zmq.asyncio.Context(), bus_context(stranger)
        try:
            reply = await request(authorized, endpoint, "ping", timeout_s=3)
            assert reply.data == {"pong": True}
            for ctx in (plain, unknown):
                with pytest.raises(RequestFailed, match="no reply"):
                    await request(ctx, endpoint, "ping", timeout_s=1)
            assert server.served == 1 and server.rejected == 0
        finally:
            serving.cancel()
            server.close()
            publisher.close()
            for ctx in (server_ctx, authorized, plain, unknown):
                ctx.term()

    asyncio.run(scenario())


def curve_config(write_config, tmp_path: Path) -> Path:
    return write_config({"security": {"curve": True, "keys_dir": str(tmp_path / "keys")}})


def amm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AMM, *args], capture_output=True, text=True, timeout=30)


def test_keys_generate_refuses_to_replace_keys_and_config_check_shows_none_of_them(
    write_config, tmp_path
):
    path = curve_config(write_config, tmp_path)
    assert "keys missing" in amm("config", "check", "--config", str(path)).stdout
    first = amm("keys", "generate", "--config", str(path))
    assert first.returncode == 0, first.stderr
    assert "Never copy server.key_secret" in first.stdout
    again = amm("keys", "generate", "--config", str(path))
    assert again.returncode == 1
    assert "refusing to replace the keys" in again.stderr

    check = amm("config", "check", "--config", str(path))
    assert check.returncode == 0, check.stderr
    assert f"# bus: CURVE, keys in {tmp_path / 'keys'} for actors and tools" in check.stdout
    keys = CurveKeys.load(tmp_path / "keys", serve=True)
    for secret in (keys.client_secret, keys.server_secret):
        assert secret is not None
        assert secret.decode() not in first.stdout + check.stdout + check.stderr


def test_an_actor_with_curve_on_talks_to_an_authorized_tool_only(write_config, tmp_path, processes):
    path = curve_config(write_config, tmp_path)
    generated = amm("keys", "generate", "--config", str(path))
    assert generated.returncode == 0, generated.stderr
    config = load_config(path)
    processes.append(start_actor("monitor", path))
    tool = CurveKeys.load(config.keys_dir, serve=False)

    async def listen(ctx: zmq.asyncio.Context, timeout_s: float) -> str | None:
        subscriber = Subscriber(ctx, {"monitor": config.bus.monitor}, config.transport, QUIET)
        try:
            return await first_message(subscriber, timeout_s)
        finally:
            subscriber.close()

    async def scenario() -> None:
        authorized, plain = bus_context(tool), zmq.asyncio.Context()
        try:
            assert await listen(authorized, 15) == "hb.monitor"
            status = await request(authorized, config.snapshot.monitor, "status", timeout_s=3)
            assert status.data["program"] == "monitor"
            assert await listen(plain, SILENCE_S) is None
            with pytest.raises(RequestFailed, match="no reply"):
                await request(plain, config.snapshot.monitor, "status", timeout_s=1)
        finally:
            authorized.term()
            plain.term()

    asyncio.run(scenario())
    tail = amm("tail", "hb.monitor", "--count", "1", "--timeout", "10", "--config", str(path))
    assert tail.returncode == 0, tail.stderr
    assert " hb.monitor monitor#" in tail.stdout
    assert processes[0].poll() is None


def test_an_actor_without_its_curve_keys_exits_2_naming_the_file(write_config, tmp_path):
    path = curve_config(write_config, tmp_path)
    code, output = finish(start_actor("quoter", path))
    assert code == 2
    assert f"{tmp_path / 'keys' / 'client.key_secret'} is missing" in output
    assert "amm keys generate" in output
