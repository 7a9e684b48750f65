from decimal import Decimal as D

import pytest

from amm.common.sim import Tif
from tests.unit.common.sim.sim_helpers import ALICE, BOB, COIN, buy, engine, sell


def test_longs_pay_shorts_when_funding_rate_is_positive():
    eng = engine()
    sell(eng, BOB, "100", "2")
    buy(eng, ALICE, "100", "2", Tif.IOC)
    alice_before, bob_before = eng.collateral(ALICE), eng.collateral(BOB)
    eng.set_mark(COIN, D("110"))
    events = eng.apply_funding(COIN, D("0.0001"), 3_600_000)
    by_user = {e.user: e for e in events}
    assert by_user[ALICE].usdc == D("-0.022")  # 2 * 110 * 0.0001
    assert by_user[BOB].usdc == D("0.022")
    assert eng.collateral(ALICE) == alice_before - D("0.022")
    assert eng.collateral(BOB) == bob_before + D("0.022")
    assert by_user[BOB].to_wire() == {
        "time": 3_600_000,
        "coin": COIN,
        "usdc": "0.022",
        "szi": "-2",
        "fundingRate": "0.0001",
    }


def test_shorts_pay_when_rate_is_negative_and_history_is_kept_per_user():
    eng = engine()
    sell(eng, BOB, "100", "1")
    buy(eng, ALICE, "100", "1", Tif.IOC)
    eng.set_mark(COIN, D("100"))
    eng.apply_funding(COIN, D("-0.0005"), 1)
    eng.apply_funding(COIN, D("0.0001"), 2)
    history = eng.user_funding(BOB)
    assert [(f.time, f.usdc) for f in history] == [(1, D("-0.05")), (2, D("0.01"))]
    ledger = history[0].to_ledger_wire()
    assert ledger["delta"]["type"] == "funding" and ledger["hash"].startswith("0x")
    assert eng.account(BOB).funding[COIN] == D("-0.04")


def test_flat_accounts_get_no_funding_event():
    eng = engine()
    buy(eng, ALICE, "100", "1")
    eng.set_mark(COIN, D("100"))
    assert eng.apply_funding(COIN, D("0.001"), 0) == ()


def test_funding_needs_a_mark_price():
    with pytest.raises(ValueError, match="mark"):
        engine().apply_funding(COIN, D("0.0001"), 0)
