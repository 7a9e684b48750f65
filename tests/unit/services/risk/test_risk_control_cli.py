"""`amm risk status|halt|resume` bodies: the human view, and a risk that does not answer."""

import asyncio

import msgspec

from amm.common.config import load_config
from amm.tools import risk_control
from tests.unit.services.risk.risk_helpers import T0, intent, ready_core


def wire(data: dict) -> dict:
    """What a `state` answer looks like after msgpack, as the command receives it."""
    return msgspec.msgpack.decode(msgspec.msgpack.encode(data))


def test_the_status_view_shows_state_position_decision_and_limits():
    core = ready_core(szi="0.09")
    core.on_intent(intent(), T0)
    lines = risk_control.status_lines(wire(core.describe(T0)))
    assert lines[0].startswith("risk REDUCING  snapshot ok  session PnL 0")
    assert lines[1] == "reasons: REDUCING, REBALANCE"
    assert "km:US500  szi 0.09  entry 6000  notional 540" in lines[2]
    assert "delta +0.540  mid 6000" in lines[2]
    assert "amend [REDUCING, REBALANCE] bids 0 asks 1  rebalance A 0.02 @ 5994" in lines[3]
    assert lines[4] == "  max position 0.16 (MAX_POSITION)"


def test_the_status_view_of_a_halt():
    core = ready_core()
    core.halt_trading("maintenance", T0)
    lines = risk_control.status_lines(wire(core.describe(T0)))
    assert lines[0].startswith("risk HALTED")
    assert lines[2].startswith("halted by MANUAL_HALT since ") and "maintenance" in lines[2]


def test_commands_fail_with_exit_1_when_risk_does_not_answer(write_config, capsys):
    config = load_config(write_config({"transport": {"request_timeout_s": 0.1}}))
    assert asyncio.run(risk_control.halt(config, "x")) == 1
    assert asyncio.run(risk_control.resume(config)) == 1
    assert asyncio.run(risk_control.status(config, as_json=True)) == 1
    out = capsys.readouterr().out
    assert out.count("risk is not answering") == 3 and "amm cancel-all" in out
