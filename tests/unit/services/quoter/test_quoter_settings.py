"""The `[quoter]` table: defaults, the mode table, and errors that name the key."""

import msgspec
import pytest

from amm.services.quoter.settings import QuoterSettings


def test_defaults_give_every_mode_a_full_parameter_set():
    settings = QuoterSettings()
    assert settings.model == "glft" and settings.default_mode == "moderate"
    assert not settings.modes.get("emergency_defensive").quote
    for name in ("defensive", "moderate", "aggressive", "very_aggressive"):
        assert settings.modes.get(name).quote  # type: ignore[arg-type]
    assert settings.glft.xi is None  # xi = gamma


def test_a_mode_table_must_be_complete():
    with pytest.raises(msgspec.ValidationError, match=r"`leverage` - at `\$.modes.moderate`"):
        msgspec.convert({"modes": {"moderate": {"quote": True}}}, QuoterSettings)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"model": "bs"}, r"\$.model"),
        ({"glft": {"gamma": 0}}, r"\$.glft.gamma"),
        ({"modes": {"aggressive": {"typo": 1}}}, "unknown field `typo`"),
        ({"volatility": {"initial_bps_per_sqrt_s": 100.0}}, "initial_bps_per_sqrt_s"),
        ({"intensity": {"bucket_bps": 10.0, "max_depth_bps": 20.0}}, "at least 3 buckets"),
    ],
)
def test_bad_values_are_refused(raw, message):
    with pytest.raises(msgspec.ValidationError, match=message):
        msgspec.convert(raw, QuoterSettings)
