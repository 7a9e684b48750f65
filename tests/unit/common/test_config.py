from pathlib import Path

import pytest

from amm.common.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", ["paper", "testnet", "mainnet"])
def test_shipped_configs_are_valid(name):
    config = load_config(REPO / "configs" / f"{name}.toml")
    assert config.mode == name
    assert config.markets[0].coin == "km:US500"


def test_relative_var_dir_is_relative_to_the_config_file(tmp_path, write_config):
    path = write_config({"paths": {"var_dir": "state"}})
    assert load_config(path).var_dir == tmp_path / "state"


def error_for(write_config, override) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(override))
    return caught.value


@pytest.mark.parametrize(
    "override, key",
    [
        ({"transport": {"send_hwm": 0}}, "transport.send_hwm"),
        ({"transport": {"send_hwm": "lots"}}, "transport.send_hwm"),
        ({"transport": {"heartbeat_interval_s": 99.0}}, "transport.heartbeat_interval_s"),
        ({"transport": {"stop_grace_s": 20.0}}, "transport.stop_grace_s"),
        ({"transport": {"max_message_bytes": 10}}, "transport.max_message_bytes"),
        ({"transport": {"hwm": 5}}, "transport.hwm"),
        ({"bus": {"risk": "not an endpoint"}}, "bus.risk"),
        ({"bus": {"gateway": "tcp://127.0.0.1:9"}}, "bus.gateway"),
        ({"mode": "live"}, "mode"),
        ({"exchange": {"url": 5}}, "exchange.url"),
        ({"exchange": {"url": "https://api.hyperliquid.xyz"}}, "exchange.url"),
        ({"logging": {"json": "yes"}}, "logging.json"),
        ({"markets": [{"coin": "not a coin!"}]}, "markets[0].coin"),
        ({"markets": []}, "markets"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_values_and_unknown_keys_are_errors_naming_the_key(write_config, override, key):
    error = error_for(write_config, override)
    assert error.key == key
    assert f"{key}: " in str(error)


def test_missing_required_key_is_named(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('mode = "paper"\n[exchange]\nrequest_timeout_s = 1.0\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key in ("exchange.url", "bus", "snapshot", "markets")
    assert "missing required key" in str(caught.value)


def test_the_same_endpoint_twice_is_an_error(write_config):
    error = error_for(
        write_config,
        {"snapshot": {"risk": "tcp://127.0.0.1:1"}, "bus": {"risk": "tcp://127.0.0.1:1"}},
    )
    assert error.key == "snapshot.risk"


def test_peer_timeout_must_exceed_the_heartbeat_interval(write_config):
    override = {"transport": {"heartbeat_interval_s": 2.0, "peer_timeout_s": 1.0}}
    assert error_for(write_config, override).key == "transport.peer_timeout_s"


def test_a_market_listed_twice_is_an_error(write_config):
    error = error_for(write_config, {"markets": [{"coin": "BTC"}, {"coin": "BTC"}]})
    assert error.key == "markets[1].coin"


def test_private_key_in_a_config_file_is_refused_without_echoing_it(write_config):
    secret = "0x" + "1" * 64
    error = error_for(write_config, {"exchange": {"private_key": secret}})
    assert error.key == "exchange.private_key"
    assert "HL_PRIVATE_KEY" in str(error)
    assert secret not in str(error)


def test_live_mode_needs_https(write_config):
    override = {"mode": "mainnet", "exchange": {"url": "http://127.0.0.1:8000"}}
    assert error_for(write_config, override).key == "exchange.url"


def test_bad_toml_and_missing_file_are_clear(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("mode = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")


def test_a_mode_may_not_ask_for_more_levels_than_risk_keeps(write_config):
    override = {"quoter": {"modes": {"aggressive": {"order_levels": 6}}}}  # risk keeps 5
    error = error_for(write_config, override)
    assert error.key == "quoter.modes.aggressive.order_levels"
    assert "exceed risk.max_levels_per_side 5" in str(error)
    limit = {"risk": {"max_levels_per_side": 4}}  # the shipped very_aggressive asks for 5
    assert error_for(write_config, limit).key == "quoter.modes.very_aggressive.order_levels"


def test_a_mode_level_notional_may_reach_but_not_exceed_max_order_usd(write_config):
    # shipped: very_aggressive's level is capital 1000 x leverage 10 x 2.5 % = $250, which is
    # max_order_usd: the quoter sizes each level at its own price (an ask above fair too), so
    # risk never cuts it and no margin for the collar is needed
    config = load_config(write_config())
    assert config.risk.max_order_usd == 250
    assert config.quoter.modes.very_aggressive.order_size_pct == 2.5
    error = error_for(write_config, {"quoter": {"modes": {"moderate": {"order_size_pct": 5.1}}}})
    assert error.key == "quoter.modes.moderate.order_size_pct"
    assert "$255 exceeds risk.max_order_usd 250" in str(error)
