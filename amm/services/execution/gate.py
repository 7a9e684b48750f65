"""Fail closed: may execution keep orders on one market right now, and if not, why.

Open only while all of these hold (checked in this order; the first that fails is the reason):

==========================  ======================================================================
``no_risk``                 nothing heard from risk yet (no ``risk.state`` and no ``hb.risk``)
``risk_stale``              risk last heard (``risk.state`` or ``hb.risk``) ``max_risk_age_ns`` ago
                            or more
``no_risk_state``           no ``risk.state`` received yet
``risk_halted``             ``risk.state`` says HALTED
``risk_snapshot_pending``   ``risk.state.snapshot_ok`` is false: risk approves nothing then
``no_decision``             no ``risk.decision`` for this market yet
``decision_stale``          the decision was received ``max_decision_age_ns`` ago or more
``decision_halted``         the decision was made in state HALTED
``veto``                    the decision's verdict is veto
==========================  ======================================================================

Open is reason ``approved`` (verdict approve or amend; REDUCING is open: risk already shaped the
ladder). Ages use our receive times, never the publisher's clock. A closed gate means: cancel
everything, place nothing (not even a rebalance). Cancels themselves never wait for the gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amm.common.messages import RiskDecision, RiskState

APPROVED = "approved"
NO_RISK = "no_risk"
RISK_STALE = "risk_stale"
NO_RISK_STATE = "no_risk_state"
RISK_HALTED = "risk_halted"
RISK_SNAPSHOT_PENDING = "risk_snapshot_pending"
NO_DECISION = "no_decision"
DECISION_STALE = "decision_stale"
DECISION_HALTED = "decision_halted"
VETO = "veto"


@dataclass(frozen=True, slots=True)
class GateConfig:
    """How old risk's word may be before execution stops trusting it."""

    max_decision_age_ns: int
    max_risk_age_ns: int

    def __post_init__(self) -> None:
        if self.max_decision_age_ns <= 0 or self.max_risk_age_ns <= 0:
            raise ValueError(f"gate ages must be > 0: {self}")


@dataclass(frozen=True, slots=True)
class GateStatus:
    """Open or closed, with a reason code from the table in the module docstring."""

    is_open: bool
    reason: str


@dataclass(slots=True)
class RiskView:
    """The latest word from risk and when we received it (our clock)."""

    state: RiskState | None = None
    state_ns: int | None = None
    heartbeat_ns: int | None = None
    decisions: dict[str, tuple[RiskDecision, int]] = field(default_factory=dict)

    def on_state(self, state: RiskState, now_ns: int) -> None:
        """A ``risk.state`` arrived."""
        self.state, self.state_ns = state, now_ns

    def on_heartbeat(self, now_ns: int) -> None:
        """An ``hb.risk`` arrived: risk is alive even between ``risk.state`` messages."""
        self.heartbeat_ns = now_ns

    def on_decision(self, decision: RiskDecision, now_ns: int) -> None:
        """A ``risk.decision`` arrived: it replaces the previous one of its market."""
        self.decisions[decision.coin] = (decision, now_ns)

    def decision(self, coin: str) -> tuple[RiskDecision, int] | None:
        """The latest decision for ``coin`` and its receive time."""
        return self.decisions.get(coin)

    def heard_ns(self) -> int | None:
        """When risk was last heard from, by ``risk.state`` or heartbeat."""
        times = [t for t in (self.state_ns, self.heartbeat_ns) if t is not None]
        return max(times, default=None)


def gate(coin: str, risk: RiskView, now_ns: int, config: GateConfig) -> GateStatus:
    """Whether orders on ``coin`` may be kept and placed now."""
    heard = risk.heard_ns()
    if heard is None:
        return GateStatus(False, NO_RISK)
    if now_ns - heard >= config.max_risk_age_ns:
        return GateStatus(False, RISK_STALE)
    if risk.state is None:
        return GateStatus(False, NO_RISK_STATE)
    if risk.state.state == "HALTED":
        return GateStatus(False, RISK_HALTED)
    if not risk.state.snapshot_ok:
        return GateStatus(False, RISK_SNAPSHOT_PENDING)
    held = risk.decision(coin)
    if held is None:
        return GateStatus(False, NO_DECISION)
    decision, received_ns = held
    if now_ns - received_ns >= config.max_decision_age_ns:
        return GateStatus(False, DECISION_STALE)
    if decision.trading_state == "HALTED":
        return GateStatus(False, DECISION_HALTED)
    if decision.verdict == "veto":
        return GateStatus(False, VETO)
    return GateStatus(True, APPROVED)
