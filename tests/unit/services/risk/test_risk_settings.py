"""The [risk] table: defaults, exact decimals from TOML, and errors that name the key."""

import re
import tomllib
from decimal import Decimal as D

import msgspec
import pytest

from amm.services.risk.settings import RiskSettings


def load(text: str) -> RiskSettings:
    return msgspec.convert(tomllib.loads(text), RiskSettings)


def test_defaults_are_the_documented_thresholds():
    s = RiskSettings()
    assert (s.reduce_at_delta, s.rebalance_at_delta) == (D("0.30"), D("0.50"))
    assert s.max_session_loss_usd == D(1)


def test_toml_floats_become_exact_decimals():
    s = load("reduce_at_delta = 0.3\nmax_session_loss_usd = 1.10\n")
    assert s.reduce_at_delta == D("0.3") and s.max_session_loss_usd == D("1.1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reduce_exit_delta = 0.35", "`reduce_exit_delta` (0.35) must be below `reduce_at_delta`"),
        (
            "rebalance_at_delta = 0.3\nrebalance_exit_delta = 0.29\nrebalance_target_delta = 0.2",
            "`reduce_at_delta` (0.30) must be below `rebalance_at_delta` (0.3)",
        ),
        ("halt_at_delta = 0.5", "`rebalance_at_delta` (0.50) must be below `halt_at_delta`"),
        ("rebalance_target_delta = 0.45", "must be below `rebalance_exit_delta`"),
        ("max_exposure_usd = 0", "`max_exposure_usd` must be a number > 0"),
        ("reduce_skew_bps = 60", "`reduce_skew_bps` must not exceed `collar_bps`"),
        ("max_margin_use = 1.5", "`max_margin_use` must be <= 1"),
        ("max_rebalance_usd = 5", "`max_rebalance_usd` must be at least 10"),
        ("collar_bps = 6000", "`collar_bps` must be below 5000"),
        ("decision_interval_s = 2.0", "Expected `float` <= 1.0"),
        ("max_exposure = 1", "unknown field `max_exposure`"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_naming_it(text, message):
    with pytest.raises(msgspec.ValidationError, match=re.escape(message)):
        load(text)
