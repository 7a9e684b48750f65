"""The cross-check: trade-based PnL against the change of the account value on the dex."""

from decimal import Decimal as D

from amm.services.monitor.crosscheck import exchange_mark, read
from tests.unit.services.monitor.monitor_helpers import (
    COIN,
    MS,
    T0_MS,
    fill,
    position,
    ready_core,
)

CYCLE_MS = 300_000


def cycle(core, n: int):
    return core.cycle((T0_MS + n * CYCLE_MS) * MS)


def test_the_exchange_mark_is_position_value_over_size():
    assert exchange_mark(position("-0.5", mark="6010")) == D("6010")
    assert exchange_mark(position("0")) is None


def test_a_reading_needs_a_position_at_least_as_new_as_the_last_fill():
    core = ready_core([fill("B", "6000", "0.1", start="0", seq=1, time_ms=T0_MS)])
    assert read("km", [COIN], {}, core.ledger, [], None) is None
    old = {COIN: [position("0.1", time_ms=T0_MS - 1)]}
    assert read("km", [COIN], old, core.ledger, [], None) is None
    now = {COIN: [position("0.1", mark="6005")]}
    reading = read("km", [COIN], now, core.ledger, [], None)
    assert reading is not None and reading.trade_pnl == D("0.5")  # 0.1 x (6005 - 6000)
    assert reading.size_gaps == {COIN: D(0)}


def test_a_reading_newer_than_the_funding_read_is_not_used_an_older_one_is():
    core = ready_core([fill("B", "6000", "0.1", start="0", seq=1, time_ms=T0_MS)])
    recent = {
        COIN: [
            position("0.1", mark="6001", account_value="1000.1", time_ms=T0_MS + 1000),
            position("0.1", mark="6002", account_value="1000.2", time_ms=T0_MS + 3000),
        ]
    }
    reading = read("km", [COIN], recent, core.ledger, [], T0_MS + 2000)
    assert reading is not None and (reading.time_ms, reading.account_value) == (
        T0_MS + 1000,
        D("1000.1"),
    )
    assert read("km", [COIN], recent, core.ledger, [], T0_MS + 500) is None
    assert read("km", [COIN], recent, core.ledger, [], None).time_ms == T0_MS + 3000  # type: ignore[union-attr]


def test_an_account_that_moves_with_the_trades_does_not_diverge_a_deposit_does():
    core = ready_core(now_ms=T0_MS - 1000)
    core.on_position(position("0", account_value="1000", time_ms=T0_MS))
    assert cycle(core, 1).alerts == [] and core.crosschecks == {}  # the baseline
    core.on_fill(fill("B", "6000", "0.1", start="0", seq=1, fee="0.03", time_ms=T0_MS + 1))
    # the exchange marks the long at 6010: +1.0 unrealized, -0.03 fee
    core.on_position(position("0.1", mark="6010", account_value="1000.97", time_ms=T0_MS + 2))
    cycle(core, 2)
    check = core.crosschecks["km"]
    assert (check.account_change, check.trade_pnl_change, check.divergence) == (
        D("0.97"),
        D("0.97"),
        D(0),
    )
    assert core.last_stats[COIN].crosscheck == check
    core.on_position(position("0.1", mark="6010", account_value="1100.97", time_ms=T0_MS + 3))
    assert cycle(core, 3).alerts == []  # the first cycle beyond: not yet
    alerts = cycle(core, 4).alerts
    assert [(a.metric, a.subject, a.level, a.value) for a in alerts] == [
        ("crosscheck", "dex:km", "warning", 100.0)
    ]


def test_a_position_that_differs_from_the_fills_is_an_alert_after_two_cycles():
    core = ready_core(now_ms=T0_MS - 1000)
    core.on_position(position("0.2", time_ms=T0_MS))
    cycle(core, 1)  # the baseline
    assert cycle(core, 2).alerts == []
    alerts = cycle(core, 3).alerts
    assert [(a.metric, a.subject, a.value) for a in alerts] == [("position_mismatch", COIN, 0.2)]


def test_funding_booked_after_the_read_is_left_out_of_its_trade_pnl():
    core = ready_core([fill("B", "6000", "0.1", start="0", seq=1, time_ms=T0_MS)])
    core.on_funding(
        [(COIN, T0_MS + 1000, D("-0.01")), (COIN, T0_MS + 3000, D("-0.02"))], T0_MS + 4000
    )
    recent = {COIN: [position("0.1", mark="6000", time_ms=T0_MS + 2000)]}
    reading = read("km", [COIN], recent, core.ledger, core.funding, T0_MS + 4000)
    assert reading is not None and reading.trade_pnl == D("-0.01")
