"""`amm config check` as a person runs it: valid configs print, invalid ones name the key."""

from __future__ import annotations

import os
import subprocess
import tomllib

from tests.helpers import AMM, REPO

TEST_KEY = "0x" + "5d" * 32  # made up for this test; it holds nothing anywhere


def amm(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AMM_", "HL_"))}
    environment.update(env)
    return subprocess.run(
        [AMM, *args], capture_output=True, text=True, env=environment, cwd=REPO, timeout=30
    )


def test_config_check_prints_the_effective_config_as_toml(write_config):
    path = write_config()
    result = amm("config", "check", "--config", str(path))
    assert result.returncode == 0, result.stderr
    effective = tomllib.loads(result.stdout)
    assert effective["mode"] == "paper"
    assert effective["transport"]["send_hwm"] == 10000


def test_config_check_names_the_bad_key_and_exits_2(write_config):
    path = write_config({"bus": {"quoter": "udp://nowhere"}})
    result = amm("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "bus.quoter" in result.stderr
    assert result.stdout == ""


def test_config_check_masks_the_live_key(tmp_path):
    result = amm(
        "config",
        "check",
        "--config",
        str(REPO / "configs" / "mainnet.toml"),
        HL_PRIVATE_KEY=TEST_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert "5d" * 32 not in result.stdout + result.stderr
    assert "HL_PRIVATE_KEY (masked)" in result.stdout


def test_config_check_in_live_mode_without_a_key_says_what_is_missing():
    result = amm("config", "check", "--config", str(REPO / "configs" / "testnet.toml"))
    assert result.returncode == 0
    assert "needs a private key in the environment variable HL_PRIVATE_KEY" in result.stdout


def test_amm_config_env_selects_the_config(write_config):
    path = write_config({"transport": {"send_hwm": 1234}})
    result = amm("config", "check", AMM_CONFIG=str(path))
    assert tomllib.loads(result.stdout)["transport"]["send_hwm"] == 1234
