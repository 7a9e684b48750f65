import pytest

from amm.services.execution.gate import (
    APPROVED,
    DECISION_HALTED,
    DECISION_STALE,
    NO_DECISION,
    NO_RISK,
    NO_RISK_STATE,
    RISK_HALTED,
    RISK_SNAPSHOT_PENDING,
    RISK_STALE,
    VETO,
    GateConfig,
    RiskView,
    gate,
)
from tests.unit.services.execution.execution_helpers import (
    COIN,
    SECOND,
    T0,
    decision,
    risk_state,
)

CONFIG = GateConfig(max_decision_age_ns=3 * SECOND, max_risk_age_ns=2 * SECOND)


def view(state=None, decision_=None, *, at: int = T0) -> RiskView:
    risk = RiskView()
    if state is not None:
        risk.on_state(state, at)
    if decision_ is not None:
        risk.on_decision(decision_, at)
    return risk


def test_fresh_state_and_approved_decision_open_the_gate():
    status = gate(COIN, view(risk_state(), decision()), T0 + SECOND, CONFIG)
    assert (status.is_open, status.reason) == (True, APPROVED)


def test_an_amended_decision_in_reducing_state_opens_the_gate():
    risk = view(risk_state("REDUCING"), decision(verdict="amend", trading_state="REDUCING"))
    assert gate(COIN, risk, T0, CONFIG).is_open


@pytest.mark.parametrize(
    ("risk", "now", "reason"),
    [
        (RiskView(), T0, NO_RISK),
        (view(risk_state(), decision()), T0 + 2 * SECOND, RISK_STALE),
        (view(None, decision()), T0, NO_RISK),
        (view(risk_state("HALTED"), decision()), T0, RISK_HALTED),
        (view(risk_state(snapshot_ok=False), decision()), T0, RISK_SNAPSHOT_PENDING),
        (view(risk_state(), None), T0, NO_DECISION),
        (view(risk_state(), decision(coin="BTC")), T0, NO_DECISION),
        (view(risk_state(), decision(trading_state="HALTED")), T0, DECISION_HALTED),
        (view(risk_state(), decision(verdict="veto")), T0, VETO),
    ],
)
def test_the_gate_closes_with_a_reason(risk, now, reason):
    status = gate(COIN, risk, now, CONFIG)
    assert (status.is_open, status.reason) == (False, reason)


def test_a_heartbeat_keeps_risk_alive_but_a_state_is_still_needed():
    risk = RiskView()
    risk.on_heartbeat(T0)
    assert gate(COIN, risk, T0, CONFIG).reason == NO_RISK_STATE


def test_a_heartbeat_keeps_an_older_state_usable_but_not_an_old_decision():
    risk = view(risk_state(), decision())
    risk.on_heartbeat(T0 + 2 * SECOND)
    assert gate(COIN, risk, T0 + 2 * SECOND + 1, CONFIG).is_open
    risk.on_heartbeat(T0 + 3 * SECOND)
    assert gate(COIN, risk, T0 + 3 * SECOND, CONFIG).reason == DECISION_STALE


def test_the_latest_decision_replaces_the_previous_one():
    risk = view(risk_state(), decision())
    risk.on_decision(decision(decision_id=2, verdict="veto"), T0 + 1)
    assert gate(COIN, risk, T0 + 1, CONFIG).reason == VETO
