"""Each alert at its threshold, its hysteresis, and no flapping around a threshold."""

from decimal import Decimal as D

import pytest

from amm.common.messages import MarketDataStatus
from amm.services.monitor.alerts import AlertBook, Rules
from amm.services.monitor.settings import AlertSettings
from tests.unit.services.monitor.monitor_helpers import (
    COIN,
    LIVE,
    MS,
    T0_MS,
    bbo,
    fill,
    ready_core,
    risk_state,
    settings,
)

RULES = Rules.of(AlertSettings())


def levels(rule_name: str, values: list) -> list[str | None]:
    """The level held after each value (None: no alert)."""
    book, rule, out = AlertBook(), getattr(RULES, rule_name), []
    for value in values:
        book.update(rule, COIN, value, 0)
        held = book.active.get((rule.metric, COIN))
        out.append(None if held is None else held.level)
    return out


W, C = "warning", "critical"


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        # imbalance > 0.70 warning, > 0.85 critical, 0.05 margin
        (
            "imbalance",
            [0.70, 0.7001, 0.85, 0.8501, 0.81, 0.80, 0.66, 0.65],
            [None, W, W, C, C, W, W, None],
        ),
        # one-sided >= 0.80 warning (inclusive), 0.05 margin
        ("one_sided", [0.79, 0.80, 0.75, 0.7499], [None, W, W, None]),
        # spread capture < 1 bps warning, < -1 bps critical, 0.5 bps margin
        (
            "spread_capture",
            [1.0, 0.99, -1.0, -1.01, -0.6, -0.5, 1.49, 1.5],
            [None, W, W, C, C, W, W, None],
        ),
        # fill rate > 300/h warning, > 400/h critical, 25/h margin
        (
            "fill_rate",
            [300.0, 300.1, 400.0, 400.1, 376.0, 375.0, 276.0, 275.0],
            [None, W, W, C, C, W, W, None],
        ),
        # inventory |delta| > 0.4 warning, > 0.6 critical, 0.05 margin
        ("delta", [0.4, 0.41, 0.61, 0.56, 0.55, 0.36, 0.35], [None, W, C, C, W, W, None]),
        # session PnL < -$0.50 warning, < -$1.00 critical, $0.10 margin (exact decimals)
        (
            "session_pnl",
            [
                D("-0.50"),
                D("-0.51"),
                D("-1.00"),
                D("-1.01"),
                D("-0.91"),
                D("-0.90"),
                D("-0.41"),
                D("-0.40"),
            ],
            [None, W, W, C, C, W, W, None],
        ),
        # session loss beyond $5: critical
        ("session_loss", [D("-5.00"), D("-5.01"), D("-4.91"), D("-4.90")], [None, C, C, None]),
        # market data not live: a flag
        ("market_data", [0.0, 1.0, 1.0, 0.0], [None, W, W, None]),
    ],
)
def test_each_alert_is_raised_past_its_threshold_and_cleared_past_its_margin(
    rule, values, expected
):
    assert levels(rule, values) == expected


def test_a_value_wobbling_around_a_threshold_raises_once_and_never_flaps():
    book, rule = AlertBook(), RULES.imbalance
    bodies = [book.update(rule, COIN, v, 0) for v in [0.69, 0.71, 0.69, 0.71, 0.68, 0.72] * 5]
    sent = [body for body in bodies if body is not None]
    assert len(sent) == 1 and sent[0].active and sent[0].level == "warning"
    assert sent[0].threshold == 0.70


def test_transitions_carry_level_value_threshold_and_say_so():
    book, rule = AlertBook(), RULES.spread_capture
    raised = book.update(rule, COIN, -2.0, 5, window="1h")
    assert raised is not None and raised.active and raised.level == "critical"
    assert (raised.value, raised.threshold, raised.subject, raised.window, raised.time_ns) == (
        -2.0,
        -1.0,
        COIN,
        "1h",
        5,
    )
    assert raised.message == "spread capture -2 bps on km:US500 over 1h, below -1 bps (critical)"
    assert book.update(rule, COIN, -2.5, 6) is None  # held: nothing repeated
    lowered = book.update(rule, COIN, 0.0, 7)
    assert lowered is not None and lowered.active and lowered.level == "warning"
    cleared = book.update(rule, COIN, 3.0, 8)
    assert cleared is not None and not cleared.active and cleared.level == "warning"
    assert cleared.threshold == 1.5  # where the warning is left
    assert book.active == {}


def test_a_rule_with_checks_waits_for_consecutive_evaluations():
    book, rule = AlertBook(), RULES.crosscheck  # 2 checks by default
    assert book.update(rule, "dex:km", D("0.5"), 0) is None
    assert book.update(rule, "dex:km", D("0.0"), 0) is None  # the streak is broken
    assert book.update(rule, "dex:km", D("0.5"), 0) is None
    raised = book.update(rule, "dex:km", D("0.5"), 0)
    assert raised is not None and raised.level == "warning" and raised.value == 0.5
    cleared = book.update(rule, "dex:km", D("0.08"), 0)  # back inside 0.10 - 0.02 at once
    assert cleared is not None and not cleared.active


def test_no_value_clears_an_active_alert():
    book = AlertBook()
    book.update(RULES.delta, COIN, 0.9, 0)
    cleared = book.update(RULES.delta, COIN, None, 1)
    assert cleared is not None and not cleared.active and cleared.value is None


# ---- through the core: where each value comes from ---------------------------------------------


def evaluate(core, now_ms: int) -> list:
    return core.tick(now_ms * MS).alerts


def test_the_core_alerts_on_delta_from_risk_state_and_on_stale_market_data():
    core = ready_core(now_ms=T0_MS)
    core.on_md_status(LIVE, T0_MS * MS)
    core.on_risk_state(risk_state(-0.45), T0_MS * MS)
    alerts = evaluate(core, T0_MS)
    assert [(a.metric, a.level, a.value) for a in alerts] == [("inventory_delta", W, 0.45)]
    stale = MarketDataStatus(state="stale", markets={COIN: "stale"}, reason="no data")
    core.on_md_status(stale, (T0_MS + 5000) * MS)
    alerts = evaluate(core, T0_MS + 5000)
    assert [(a.metric, a.active) for a in alerts] == [("market_data", True)]
    assert alerts[0].message == "market data not live on km:US500 (stale: no data)"
    core.on_md_status(LIVE, (T0_MS + 10_000) * MS)
    core.on_risk_state(risk_state(0.1), (T0_MS + 10_000) * MS)
    alerts = evaluate(core, T0_MS + 10_000)
    assert sorted((a.metric, a.active) for a in alerts) == [
        ("inventory_delta", False),
        ("market_data", False),
    ]


def test_no_md_status_for_longer_than_its_max_age_counts_as_not_live():
    core = ready_core(now_ms=T0_MS)
    core.on_md_status(LIVE, T0_MS * MS)
    assert evaluate(core, T0_MS) == []
    alerts = evaluate(core, T0_MS + 5_001)
    assert [(a.metric, a.active) for a in alerts] == [("market_data", True)]
    assert "no md.status for 5 s" in alerts[0].message


def test_trade_alerts_wait_for_min_fills_and_use_the_alert_window():
    core = ready_core(now_ms=T0_MS)
    core.on_md_status(LIVE, T0_MS * MS)
    for seq in range(1, 5):
        core.on_fill(fill("B", "6000", "0.01", start=str(D("0.01") * (seq - 1)), seq=seq))
    assert evaluate(core, T0_MS) == []  # 4 buys only: fewer than min_fills
    core.on_fill(fill("B", "6000", "0.01", start="0.04", seq=5))
    alerts = evaluate(core, T0_MS + 5000)
    assert {(a.metric, a.level, a.window) for a in alerts} == {
        ("imbalance", C, "1h"),
        ("one_sided", W, "1h"),
    }  # fill rate: 5 fills over the minimum span of a minute is 300/h, not above it
    core.on_fill(fill("A", "6000", "0.01", start="0.05", seq=6))
    core.on_md_status(LIVE, (T0_MS + 10_000) * MS)
    alerts = evaluate(core, T0_MS + 10_000)
    assert [(a.metric, a.level, a.value) for a in alerts] == [
        ("imbalance", W, float(D("0.04") / D("0.06"))),  # 0.67: critical left, above 0.65
        ("fill_rate", W, 360.0),
    ]


def test_session_pnl_alerts_follow_the_mid_and_the_session_loss_limit_is_its_own_alert():
    config = settings(evaluate_interval_s=0.1)
    core = ready_core(config=config, now_ms=T0_MS)
    core.on_md_status(LIVE, T0_MS * MS)
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS - 10))
    core.on_fill(fill("B", "6000", "1", start="0", seq=1))
    seen = []
    for step, mid in enumerate(["5999.4", "5998.9", "5999.0", "5999.2", "5994.9", "6000"]):
        now = T0_MS + 1000 * (step + 1)
        core.on_md_status(LIVE, now * MS)
        core.on_bbo(bbo(str(D(mid) - D("0.1")), str(D(mid) + D("0.1")), now))
        seen += [(a.metric, a.level, a.active) for a in evaluate(core, now)]
    assert seen == [
        ("session_pnl", W, True),  # -0.6
        ("session_pnl", C, True),  # -1.1
        ("session_pnl", W, True),  # -1.0 - 0.8: only from -0.90 up is critical left
        # -5.1: critical again, and the loss limit
        ("session_pnl", C, True),
        ("session_loss_limit", C, True),
        ("session_pnl", C, False),
        ("session_loss_limit", C, False),
    ]
