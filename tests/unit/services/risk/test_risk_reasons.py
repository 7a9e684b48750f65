"""Every reason code: the condition that produces it, on the decision it explains."""

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from amm.common.messages import MarketDataStatus
from amm.services.risk import reasons
from amm.services.risk.logic import RiskCore
from amm.services.risk.settings import RiskSettings
from tests.unit.services.risk.risk_helpers import (
    COIN,
    MS,
    SECOND,
    SETTINGS,
    T0,
    bbo,
    fill,
    intent,
    levels,
    position,
    ready_core,
)


def test_every_code_has_a_meaning_and_the_groups_use_only_known_codes():
    codes = {v for k, v in vars(reasons).items() if k.isupper() and isinstance(v, str)}
    assert codes == set(reasons.MEANINGS)
    for group in (reasons.BLOCKING, reasons.QUOTING, reasons.KILL_SWITCH):
        assert set(group) <= codes
    assert reasons.ordered({"MAX_POSITION", "SNAPSHOT_PENDING"}) == [
        "SNAPSHOT_PENDING",
        "MAX_POSITION",
    ]


def _stale_md(core: RiskCore) -> None:
    core.on_md_status(MarketDataStatus(state="stale", markets={COIN: "stale"}), T0)


def _no_spec() -> RiskCore:
    core = ready_core()
    core.markets[COIN].spec = None
    return core


CASES: list[tuple[str, Callable[[], tuple[RiskCore, object]]]] = [
    ("SNAPSHOT_PENDING", lambda: (RiskCore(SETTINGS, [COIN], now_ns=T0), intent())),
    ("TRADING_HALTED", lambda: (ready_core(szi="0.2"), intent())),
    ("UNKNOWN_MARKET", lambda: (_no_spec(), intent())),
    ("STALE_MARKET_DATA", lambda: (_with(ready_core(), _stale_md), intent())),
    ("FAIR_PRICE_DEVIATION", lambda: (ready_core(), intent(fair="6020"))),
    ("INVALID_LEVEL", lambda: (ready_core(), intent(levels(("5999.95", "0.01"))))),
    ("PRICE_COLLAR", lambda: (ready_core(), intent(levels(("5960", "0.01"))))),
    ("REDUCING", lambda: (ready_core(szi="0.06"), intent())),
    ("MAX_ORDER_SIZE", lambda: (ready_core(), intent(levels(("5999", "0.05"))))),
    (
        "MAX_LEVELS",
        lambda: (ready_core(), intent(levels(*[(str(5999 - n), "0.01") for n in range(6)]))),
    ),
    (
        "MAX_POSITION",
        lambda: (
            ready_core(szi="0.04"),  # cap 0.16: three bids of 0.04 fit, a fourth does not
            intent(levels(*[(str(5999 - n), "0.04") for n in range(4)])),
        ),
    ),
    ("MAX_LEVERAGE", lambda: (ready_core(account_value="50"), intent(levels(("5999", "0.03"))))),
    (
        "MARGIN",
        lambda: (
            ready_core(RiskSettings(max_margin_use=D("0.01")), account_value="200"),
            intent(levels(("5999", "0.01"))),
        ),
    ),
    ("REBALANCE", lambda: (ready_core(szi="0.09"), intent())),
]


def _with(core: RiskCore, change: Callable[[RiskCore], None]) -> RiskCore:
    change(core)
    return core


@pytest.mark.parametrize(("code", "case"), CASES, ids=[code for code, _ in CASES])
def test_the_condition_shows_its_code(code, case):
    core, quote = case()
    decision = core.on_intent(quote, T0)
    assert code in decision.reasons, decision
    expected = "veto" if code in reasons.BLOCKING or code in reasons.QUOTING else "amend"
    assert decision.verdict == expected
    assert set(decision.reasons) <= set(reasons.MEANINGS)


def test_a_momentary_one_sided_or_crossed_top_does_not_veto_until_max_md_age():
    core = ready_core()  # a live, two-sided top at T0
    assert core.on_intent(intent(), T0).verdict == "approve"
    core.on_bbo(bbo(ask="5999.5"), T0 + 50 * MS)  # crossed for a moment (bid 5999.5)
    swept = bbo()
    swept.ask_px = swept.ask_sz = None  # then the asks swept bare
    core.on_bbo(swept, T0 + 100 * MS)
    held = core.decide(COIN, T0 + 100 * MS)
    assert held.verdict == "approve" and "STALE_MARKET_DATA" not in held.reasons
    # still one-sided max_md_age_ms (5 s) after the last valid top: veto
    late = T0 + 5 * SECOND
    core.on_md_status(MarketDataStatus(state="live", markets={COIN: "live"}), late)
    core.on_bbo(swept, late)
    core.on_position(position(), late)
    core.on_intent(intent(intent_id=2), late)
    vetoed = core.decide(COIN, late)
    assert vetoed.verdict == "veto" and vetoed.reasons == ["STALE_MARKET_DATA"]
    core.on_bbo(bbo(), late + MS)  # two-sided again: approved at once
    assert core.decide(COIN, late + MS).verdict == "approve"


def test_the_stale_market_data_meaning_says_what_the_check_does():
    meaning = reasons.MEANINGS[reasons.STALE_MARKET_DATA]
    assert "last two-sided, uncrossed top" in meaning and "max_md_age_ms" in meaning
    assert "one-sided or crossed top after it is bridged" in meaning
    assert "overall state" in meaning  # a coin missing from md.status takes the overall state


def test_no_intent_and_stale_intent_veto_on_the_timer():
    core = ready_core()
    assert core.decide(COIN, T0).reasons == ["NO_INTENT"]
    core.on_intent(intent(), T0)
    core.on_bbo(bbo(), T0 + 3 * SECOND)
    core.on_md_status(MarketDataStatus(state="live", markets={COIN: "live"}), T0 + 3 * SECOND)
    decision = core.decide(COIN, T0 + 3 * SECOND)
    assert (decision.verdict, decision.reasons) == ("veto", ["STALE_INTENT"])


def test_a_stale_account_vetoes_quoting():
    core = ready_core()
    later = T0 + 30 * SECOND
    core.on_bbo(bbo(), later)
    core.on_md_status(MarketDataStatus(state="live", markets={COIN: "live"}), later)
    assert core.on_intent(intent(), later).reasons == ["STALE_ACCOUNT"]
    core.on_position(position(), later)
    assert core.on_intent(intent(intent_id=2), later).verdict == "approve"


def test_a_mismatch_reason_after_the_configured_time():
    core = ready_core()
    core.on_position(position("0.05", "6000", time_ms=T0 // 10**6 + 1), T0)
    core.on_bbo(bbo(), T0 + 10 * SECOND)
    core.on_md_status(MarketDataStatus(state="live", markets={COIN: "live"}), T0 + 10 * SECOND)
    decision = core.decide(COIN, T0 + 10 * SECOND)
    assert "POSITION_MISMATCH" in decision.reasons and decision.verdict == "veto"


def test_quote_rate_answers_with_the_last_intent_taken():
    core = ready_core(RiskSettings(max_intents_per_s=3))
    for n in range(1, 4):
        assert core.on_intent(intent(intent_id=n), T0 + n).verdict == "approve"
    limited = core.on_intent(intent(levels(("5990", "0.01")), intent_id=4), T0 + 4)
    assert limited.verdict == "amend" and limited.reasons == ["QUOTE_RATE"]
    assert limited.intent_id == 3 and limited.bids == levels(("5999", "0.01"))
    taken = core.on_intent(intent(intent_id=5), T0 + SECOND + 1)
    assert taken.verdict == "approve" and taken.intent_id == 5


def test_the_kill_switch_codes_appear_in_the_state():
    core = ready_core()
    core.on_fill(fill("B", "6000", "0.01", start="0", seq=1, fee="2", time_ms=T0 // 10**6))
    state = core.state(T0)
    assert state.halted_by == "SESSION_LOSS"
    assert {"TRADING_HALTED", "SESSION_LOSS"} <= set(state.reasons)


def test_an_intent_for_a_market_risk_does_not_trade_is_vetoed_visibly():
    decision = ready_core().on_intent(intent(coin="BTC"), T0)
    assert (decision.coin, decision.verdict, decision.reasons) == (
        "BTC",
        "veto",
        ["UNKNOWN_MARKET"],
    )
