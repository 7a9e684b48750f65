import os
import stat
import threading

import pytest

from amm.common.config import load_config
from amm.common.keys import (
    KeyUnavailable,
    ensure_paper_key,
    load_account_key,
    paper_address,
)

TEST_KEY = "0x" + "4c" * 32  # a throwaway key made up for tests; it holds nothing anywhere


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch):
    monkeypatch.delenv("HL_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("HL_ACCOUNT_ADDRESS", raising=False)


def test_paper_mode_without_a_key_makes_one_private_file_and_reuses_it(tmp_path, write_config):
    config = load_config(write_config())
    assert paper_address(config.var_dir) is None
    first = load_account_key(config)
    second = load_account_key(config)
    assert first.address == second.address == paper_address(config.var_dir)
    key_file = config.var_dir / "paper-key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_concurrent_first_starts_agree_on_one_paper_key(tmp_path):
    addresses = []
    threads = [
        threading.Thread(target=lambda: addresses.append(ensure_paper_key(tmp_path).address))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(addresses)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["paper-key"]


def test_paper_key_readable_by_others_is_refused(tmp_path):
    ensure_paper_key(tmp_path)
    os.chmod(tmp_path / "paper-key", 0o644)
    with pytest.raises(KeyUnavailable, match="chmod 600"):
        ensure_paper_key(tmp_path)


@pytest.mark.parametrize("mode", ["testnet", "mainnet"])
def test_live_mode_without_a_key_in_the_environment_is_a_clear_error(write_config, mode):
    config = load_config(write_config({"mode": mode, "exchange": {"url": "https://x.example"}}))
    with pytest.raises(KeyUnavailable, match="HL_PRIVATE_KEY"):
        load_account_key(config)
    assert not (config.var_dir / "paper-key").exists()


def test_live_key_comes_from_the_environment_and_never_shows_in_repr(monkeypatch, write_config):
    monkeypatch.setenv("HL_PRIVATE_KEY", TEST_KEY)
    config = load_config(write_config({"mode": "testnet", "exchange": {"url": "https://x.ex"}}))
    key = load_account_key(config)
    assert key.address.startswith("0x") and len(key.address) == 42
    assert key.source == "HL_PRIVATE_KEY"
    for text in (repr(key), str(key)):
        assert TEST_KEY[2:] not in text


def test_malformed_key_error_does_not_echo_it(monkeypatch, write_config):
    monkeypatch.setenv("HL_PRIVATE_KEY", "0x1234notakey")
    config = load_config(write_config({"mode": "mainnet", "exchange": {"url": "https://x.ex"}}))
    with pytest.raises(KeyUnavailable) as caught:
        load_account_key(config)
    assert "1234notakey" not in str(caught.value)


def test_api_wallet_trades_for_the_configured_account(monkeypatch, write_config):
    monkeypatch.setenv("HL_PRIVATE_KEY", TEST_KEY)
    monkeypatch.setenv("HL_ACCOUNT_ADDRESS", "0x" + "ab" * 20)
    config = load_config(write_config({"mode": "testnet", "exchange": {"url": "https://x.ex"}}))
    key = load_account_key(config)
    assert key.address == "0x" + "ab" * 20
    assert key.signer != key.address


def test_paper_mode_never_signs_with_an_exported_live_key(monkeypatch, write_config):
    monkeypatch.setenv("HL_PRIVATE_KEY", TEST_KEY)
    monkeypatch.setenv("HL_ACCOUNT_ADDRESS", "0x" + "ab" * 20)
    config = load_config(write_config())
    key = load_account_key(config)
    assert key.source.endswith("paper-key")
    assert key.secret_hex != TEST_KEY
    assert key.address == key.signer == paper_address(config.var_dir)
