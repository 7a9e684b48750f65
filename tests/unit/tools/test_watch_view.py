"""The watch screen model, driven message by message with explicit times (no sockets, no clock)."""

from __future__ import annotations

from decimal import Decimal as D

from amm.common.messages import (
    Alert,
    Bbo,
    CrossCheck,
    Fill,
    Heartbeat,
    MarketDataStatus,
    ModeRecommendation,
    Position,
    QuoteIntent,
    QuoteLevel,
    RiskDecision,
    RiskPosition,
    RiskState,
)
from amm.common.sequence import SeqTracker
from amm.tools.watch_view import WatchState, plain, program_health, render
from tests.integration.tools.standins import sample_stats

COIN = "km:US500"
S = 1_000_000_000  # one second in ns
T0 = 1_800_000_000 * S


def screen(state: WatchState, now_ns: int) -> str:
    return "\n".join(plain(line) for line in render(state, now_ns))


def heartbeat(program: str, state: str = "running") -> Heartbeat:
    return Heartbeat(
        program=program,
        pid=4321,
        state=state,
        mode="paper",
        started_ns=T0 - 600 * S,
        published=10,
        received=0,
        malformed=0,
        gaps=0,
    )


def fill(side: str, px: str, tid: int) -> Fill:
    return Fill(
        coin=COIN,
        tid=tid,
        oid=tid,
        cloid=None,
        side=side,
        px=D(px),
        sz=D("0.05"),
        fee=D("0.0045"),
        closed_pnl=D("0.01"),
        crossed=side == "A",
        start_position=D("0"),
        dir="Open Long",
        hash="0x00",
        time_ms=(T0 + tid * S) // 1_000_000,
    )


def ladder(*pxs: str) -> list[QuoteLevel]:
    return [QuoteLevel(D(px), D("0.05")) for px in pxs]


def fresh() -> WatchState:
    return WatchState(started_ns=T0, peer_timeout_s=3.0, mode="paper")


def test_book_quotes_decision_and_risk_converge_to_the_latest_message():
    state = fresh()
    state.apply(
        Bbo(
            coin=COIN,
            exch_time_ms=0,
            recv_ns=0,
            bid_px=D("5999.9"),
            bid_sz=D("1.2"),
            ask_px=D("6000.1"),
            ask_sz=D("0.8"),
        ),
        T0,
    )
    for intent_id, bid in ((1, "5999.0"), (2, "5999.5")):
        state.apply(
            QuoteIntent(
                coin=COIN,
                intent_id=intent_id,
                fair_px=D("6000"),
                bids=ladder(bid, "5999.4"),
                asks=ladder("6000.5"),
                model="glft",
                mode="moderate",
                created_ns=T0,
            ),
            T0,
        )
    state.apply(
        RiskDecision(
            coin=COIN,
            decision_id=7,
            intent_id=2,
            verdict="amend",
            reasons=["collar"],
            trading_state="REDUCING",
            bids=ladder("5999.5"),
            asks=[],
            created_ns=T0,
        ),
        T0,
    )
    state.apply(
        RiskState(
            state="REDUCING",
            reasons=["delta"],
            positions={
                COIN: RiskPosition(
                    szi=D("-0.35"), entry_px=D("6001.2"), notional=D("-2100.0"), delta=-0.42
                )
            },
            session_pnl=D("-1.5"),
            snapshot_ok=True,
        ),
        T0,
    )
    text = screen(state, T0 + S // 2)
    assert "5999.9 x 1.2 | 6000.1 x 0.8" in text
    assert "spread 0.2 (0.33 bps)" in text
    assert "quote 5999.5 x 0.05 +1 | 6000.5 x 0.05" in text and "#2" in text
    assert "5999.0" not in text  # the first intent was replaced
    assert "risk  5999.5 x 0.05 | -  amend REDUCING [collar]  #7" in text
    assert "trading REDUCING" in text and "session PnL -1.5000" in text
    assert "-0.3500" in text and "6001.2" in text and "-0.420" in text


def test_position_falls_back_to_execution_when_risk_is_silent():
    state = fresh()
    state.apply(
        Position(
            coin=COIN,
            dex="km",
            szi=D("0.1"),
            entry_px=D("6000"),
            position_value=D("600"),
            unrealized_pnl=D("0"),
            margin_used=D("30"),
            leverage=20,
            account_value=D("1000"),
            withdrawable=D("900"),
            time_ms=0,
        ),
        T0,
    )
    text = screen(state, T0)
    assert "no risk.state: positions from exec.position" in text
    assert "+0.1000" in text and "(exchange view)" in text


def test_pnl_comes_from_monitor_stats_and_otherwise_from_counted_fills():
    state = fresh()
    state.apply(fill("B", "5999.5", 1), T0)
    state.apply(fill("A", "6000.5", 2), T0)
    state.apply(fill("B", "5999.0", 3), T0)
    text = screen(state, T0)
    assert "no monitor.stats: counted from exec.fill" in text
    assert "3 fills (2 buys, 1 sell" in text and "bought 0.1" in text and "sold 0.05" in text
    lines = text.splitlines()
    fills = [line for line in lines if "@" in line]
    assert "5999" in fills[0] and "BUY" in fills[0]  # newest first
    assert "SELL" in fills[1] and "taker" in fills[1]
    state.apply(sample_stats(cycle=42), T0)
    text = screen(state, T0)
    assert "monitor.stats cycle 42" in text and "counted from exec.fill" not in text
    window_rows = [line.split()[0] for line in text.splitlines() if "144.0" in line]
    assert window_rows == ["5m", "30m", "1h", "session"]
    assert "+2.5017" in text and "-0.8312" in text


def test_alerts_are_raised_and_cleared_per_metric_and_mode_is_shown():
    state = fresh()
    state.apply(
        Alert(
            metric="drawdown",
            level="critical",
            value=-3.2,
            threshold=-3.0,
            message="session drawdown",
        ),
        T0,
    )
    state.apply(
        Alert(metric="fill_rate", level="info", value=10.0, threshold=20.0, message="few fills"), T0
    )
    state.apply(
        ModeRecommendation(mode="defensive", reason="adverse markouts", since_ns=T0 - 125 * S), T0
    )
    text = screen(state, T0)
    assert "2 active" in text
    assert text.index("CRITICAL") < text.index("INFO")
    assert "mode defensive for 2m05s (adverse markouts)" in text
    state.apply(
        Alert(
            metric="drawdown",
            level="critical",
            value=-1.0,
            threshold=-3.0,
            message="back",
            active=False,
        ),
        T0,
    )
    text = screen(state, T0)
    assert "1 active" in text and "drawdown" not in text


def test_program_health_up_stopping_down_and_still_listening():
    state = fresh()
    state.apply(heartbeat("marketdata"), T0 + 1 * S)
    state.apply(heartbeat("risk"), T0)
    state.apply(heartbeat("quoter", state="stopping"), T0 + 1 * S)
    assert program_health("execution", state, T0 + S) == ("...", "dim")  # not a verdict yet
    now = T0 + 3 * S + S // 10
    assert program_health("marketdata", state, now) == ("UP", "green")
    assert program_health("quoter", state, now) == ("STOPPING", "yellow")
    assert program_health("risk", state, now) == ("DOWN", "red")  # silent 3.1 s > 3 s
    assert program_health("execution", state, now) == ("DOWN", "red")  # never heard
    rows = {line.split()[0]: line for line in screen(state, now).splitlines()[-8:] if line}
    assert rows["risk"].split()[1:3] == ["DOWN", "3.1s"]
    assert rows["execution"].split()[1] == "DOWN"
    assert rows["venue"].split()[1] == "n/a"
    assert "10m01s" in rows["marketdata"]  # uptime at its last heartbeat


def test_bus_gaps_restarts_and_supervisord_state_are_shown():
    state = fresh()
    tracker = SeqTracker()
    state.tracks = tracker.publishers
    for epoch, seq in (("aaaa", 5), ("aaaa", 6), ("aaaa", 9), ("bbbb", 2)):
        event = tracker.observe("risk", epoch, seq)
        if event is not None:
            state.on_seq_event(event, T0)
    state.apply(heartbeat("risk"), T0)
    state.supervisor = {"venue": "RUNNING", "risk": "RUNNING", "quoter": "BACKOFF"}
    text = screen(state, T0)
    risk = next(line for line in text.splitlines() if line.strip().startswith("risk "))
    assert risk.split()[-4:] == ["2", "1", "2", "1"]  # seq, gaps, lost, restarts
    assert "RUNNING" in risk
    assert "BACKOFF" in next(line for line in text.splitlines() if "quoter " in line)
    assert "risk gap: 2 message(s) lost between seq 6 and 9" in text
    assert "risk restarted: epoch aaaa -> bbbb" in text
    assert "supervisord up" in text
    state.supervisor = {}
    assert "supervisord not running" in screen(state, T0)


def test_market_data_status_and_stale_pictures_are_flagged():
    state = fresh()
    state.apply(
        MarketDataStatus(
            state="stale", markets={COIN: "stale"}, reason="no data within 5 s for km:US500"
        ),
        T0,
    )
    state.apply(
        Bbo(
            coin=COIN,
            exch_time_ms=0,
            recv_ns=0,
            bid_px=None,
            bid_sz=None,
            ask_px=D("6000.1"),
            ask_sz=D("0.8"),
        ),
        T0,
    )
    lines = render(state, T0 + 10 * S)
    text = "\n".join(plain(line) for line in lines)
    assert "md stale (no data within 5 s for km:US500)" in text
    assert "- | 6000.1 x 0.8" in text
    book = next(line for line in lines if "book" in plain(line))
    assert ("  10.0s ago", "yellow") in book


def test_alerts_with_the_same_metric_on_different_subjects_are_kept_apart():
    state = fresh()
    for subject in (COIN, "BTC"):
        state.apply(
            Alert(
                metric="markout_5s",
                level="warning",
                value=-2.0,
                threshold=-1.5,
                message="adverse",
                subject=subject,
                window="5m",
            ),
            T0,
        )
    state.apply(
        Alert(
            metric="markout_5s",
            level="warning",
            value=-1.0,
            threshold=-1.5,
            message="ok",
            subject="BTC",
            active=False,
        ),
        T0,
    )
    text = screen(state, T0)
    assert "1 active" in text
    line = next(line for line in text.splitlines() if "WARNING" in line)
    assert line.split()[:4] == ["WARNING", COIN, "markout_5s", "(5m)"]


def test_stats_are_kept_per_market_with_their_position_and_cross_check():
    state = fresh()
    check = CrossCheck(
        dex="km",
        since_ms=0,
        account_value=D("1002.5"),
        account_change=D("2.5"),
        trade_pnl_change=D("2.4988"),
        divergence=D("0.0012"),
    )
    state.apply(sample_stats(cycle=9, crosscheck=check), T0)
    other = sample_stats(cycle=3)
    other.coin = "BTC"
    state.apply(other, T0)
    text = screen(state, T0 + S)
    titles = [line for line in text.splitlines() if line.startswith("PNL")]
    assert titles[0].startswith("PNL BTC  monitor.stats cycle 3")
    assert titles[1].startswith(f"PNL {COIN}  monitor.stats cycle 9")
    assert "position +0.1500 mid 6000.4" in titles[1] and "1.0s ago" in titles[1]
    assert "cross-check km: account +2.5000 vs trades +2.4988, divergence +0.0012" in text
