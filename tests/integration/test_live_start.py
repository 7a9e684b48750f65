"""A live actor that cannot start for good says why and exits 2, before it binds anything."""

from __future__ import annotations

import pytest

from tests.helpers import finish, free_port, start_actor

TEST_KEY = "0x" + "6a" * 32  # made up for these tests; it holds nothing anywhere


def live(write_config, url: str):
    return write_config({"mode": "testnet", "exchange": {"url": url, "request_timeout_s": 3.0}})


@pytest.mark.parametrize(
    "host, problem",
    [("127.0.0.1:{closed_port}", "Connection refused"), ("amm-500.invalid", "not known")],
    ids=["refused", "unknown host"],
)
def test_a_live_actor_that_cannot_reach_the_exchange_exits_2_naming_the_url(
    write_config, monkeypatch, host, problem
):
    monkeypatch.setenv("HL_PRIVATE_KEY", TEST_KEY)
    url = "https://" + host.format(closed_port=free_port())
    code, output = finish(start_actor("quoter", live(write_config, url)))
    assert code == 2
    assert f"cannot reach the exchange at {url}: " in output
    assert problem in output
    assert "actor.started" not in output
    assert TEST_KEY[2:] not in output


def test_a_live_actor_without_hl_private_key_exits_2_saying_so(write_config, monkeypatch):
    monkeypatch.delenv("HL_PRIVATE_KEY", raising=False)
    code, output = finish(start_actor("risk", live(write_config, "https://127.0.0.1:9")))
    assert code == 2
    assert "testnet mode needs a private key in the environment variable HL_PRIVATE_KEY" in output
