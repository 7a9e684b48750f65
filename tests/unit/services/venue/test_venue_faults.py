import pytest

from amm.common.config import FaultConfig
from amm.services.venue.faults import SERVE, Faults, FaultUpdateError


def fates(faults, n=200):
    return [faults.draw_request() for _ in range(n)]


def test_all_off_serves_every_request_and_rejects_no_order():
    faults = Faults(FaultConfig(), seed=1)
    assert set(fates(faults)) == {SERVE}
    assert not any(faults.reject_order() for _ in range(100))


def test_draws_are_deterministic_for_a_seed():
    config = FaultConfig(http_error_rate=0.3, timeout_rate=0.3, reject_rate=0.5)
    first, second = Faults(config, seed=7), Faults(config, seed=7)
    assert fates(first) == fates(second)
    assert [first.reject_order() for _ in range(50)] == [second.reject_order() for _ in range(50)]
    assert fates(Faults(config, seed=8)) != fates(Faults(config, seed=7))


def test_error_rate_answers_500_or_502_and_timeout_rate_holds():
    errors = fates(Faults(FaultConfig(http_error_rate=1.0), seed=1))
    assert {f.kind for f in errors} == {"error"}
    assert {f.status for f in errors} == {500, 502}
    assert {f.kind for f in fates(Faults(FaultConfig(timeout_rate=1.0), seed=1))} == {"timeout"}


def test_update_changes_only_the_given_fields_and_validates():
    faults = Faults(FaultConfig(ack_delay_s=0.5), seed=1)
    faults.update({"reject_rate": 1})
    assert faults.to_wire() == {
        "http_error_rate": 0.0,
        "timeout_rate": 0.0,
        "ack_delay_s": 0.5,
        "reject_rate": 1.0,
        "ws_drop_interval_s": 0.0,
        "ws_burst_per_s": 0.0,
    }
    assert faults.reject_order()
    with pytest.raises(FaultUpdateError, match="reject_rate"):
        faults.update({"reject_rate": 2})
    with pytest.raises(FaultUpdateError, match="bogus"):
        faults.update({"bogus": 1})
    assert faults.settings.reject_rate == 1.0
