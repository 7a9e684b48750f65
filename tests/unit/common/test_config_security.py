"""[security]: plain ZeroMQ stays on this machine; anything reachable from elsewhere needs CURVE."""

from __future__ import annotations

import pytest

from amm.common.config import ConfigError, load_config


@pytest.mark.parametrize(
    "endpoint",
    [
        "tcp://127.0.0.1:7101",
        "tcp://127.0.0.5:7101",
        "tcp://localhost:7101",
        "tcp://[::1]:7101",
        "ipc:///tmp/amm-quoter",
    ],
)
def test_loopback_and_ipc_endpoints_need_no_curve(write_config, endpoint):
    assert load_config(write_config({"bus": {"quoter": endpoint}})).bus.quoter == endpoint


@pytest.mark.parametrize(
    "table, endpoint, host",
    [
        ("bus", "tcp://10.0.0.5:7102", "10.0.0.5"),
        ("bus", "tcp://*:7102", "*"),
        ("bus", "tcp://0.0.0.0:7102", "0.0.0.0"),
        ("snapshot", "tcp://amm-host.internal:7112", "amm-host.internal"),
        ("snapshot", "tcp://eth0:7112", "eth0"),
    ],
)
def test_an_endpoint_off_this_machine_without_curve_is_an_error_naming_the_key(
    write_config, table, endpoint, host
):
    with pytest.raises(ConfigError) as caught:
        load_config(write_config({table: {"quoter": endpoint}}))
    assert caught.value.key == f"{table}.quoter"
    assert str(caught.value).endswith(
        f"{table}.quoter: binds {host}, off this machine; set [security] curve = true"
    )


def test_with_curve_an_endpoint_may_face_other_machines(write_config):
    config = load_config(
        write_config({"bus": {"quoter": "tcp://10.0.0.5:7102"}, "security": {"curve": True}})
    )
    assert config.bus.quoter == "tcp://10.0.0.5:7102"


def test_keys_dir_defaults_to_var_keys_and_is_relative_to_the_config_file(tmp_path, write_config):
    assert load_config(write_config()).keys_dir == tmp_path / "var" / "keys"
    path = write_config({"security": {"keys_dir": "secrets/bus"}})
    assert load_config(path).keys_dir == tmp_path / "secrets" / "bus"


def test_an_unknown_security_key_is_named(write_config):
    with pytest.raises(ConfigError) as caught:
        load_config(write_config({"security": {"curve": "yes"}}))
    assert caught.value.key == "security.curve"
