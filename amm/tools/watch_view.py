"""The screen of `amm watch` as a pure model: bus messages in, lines of styled text out.

No sockets and no clock: every call takes `now_ns` (wall clock, ns), so the unit tests drive it
message by message and the I/O shell in `watch.py` only moves bytes and paints.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from amm.common.messages import (
    Alert,
    Bbo,
    Fill,
    Heartbeat,
    MarketDataStatus,
    ModeRecommendation,
    MonitorStats,
    Position,
    QuoteIntent,
    QuoteLevel,
    RiskDecision,
    RiskState,
    WindowStats,
)
from amm.common.programs import ACTORS, VENUE
from amm.common.sequence import PublisherTrack, SeqEvent
from amm.tools.tail import describe

Segment = tuple[str, str]  # (text, style); style is one of STYLES
Line = list[Segment]
STYLES = ("", "bold", "dim", "red", "green", "yellow")
WINDOW_ORDER = ("5m", "30m", "1h", "session", "total")
RECENT_FILLS = 8
RECENT_EVENTS = 4


@dataclass
class MarketView:
    """The latest level-triggered pictures of one market, with when each arrived."""

    bbo: Bbo | None = None
    bbo_ns: int = 0
    intent: QuoteIntent | None = None
    intent_ns: int = 0
    decision: RiskDecision | None = None
    decision_ns: int = 0
    position: Position | None = None


@dataclass
class FillTally:
    """Fills counted from `exec.fill` since watch started: the fallback when no monitor runs."""

    fills: int = 0
    buys: int = 0
    sells: int = 0
    buy_volume: Decimal = Decimal(0)
    sell_volume: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    closed_pnl: Decimal = Decimal(0)

    def add(self, fill: Fill) -> None:
        self.fills += 1
        if fill.side == "B":
            self.buys += 1
            self.buy_volume += fill.sz
        else:
            self.sells += 1
            self.sell_volume += fill.sz
        self.fees += fill.fee
        self.closed_pnl += fill.closed_pnl


@dataclass
class WatchState:
    """Everything the screen shows, converged from the bus (latest wins for level topics)."""

    started_ns: int
    peer_timeout_s: float
    mode: str = ""
    markets: dict[str, MarketView] = field(default_factory=dict)
    risk: RiskState | None = None
    risk_ns: int = 0
    stats: dict[str, tuple[MonitorStats, int]] = field(default_factory=dict)  # by coin
    tally: FillTally = field(default_factory=FillTally)
    fills: collections.deque[Fill] = field(
        default_factory=lambda: collections.deque(maxlen=RECENT_FILLS)
    )
    alerts: dict[tuple[str, str], Alert] = field(default_factory=dict)  # (subject, metric)
    recommendation: ModeRecommendation | None = None
    md_status: MarketDataStatus | None = None
    md_status_ns: int = 0
    heartbeats: dict[str, tuple[Heartbeat, int]] = field(default_factory=dict)
    tracks: Mapping[str, PublisherTrack] = field(default_factory=dict)
    events: collections.deque[tuple[int, str]] = field(
        default_factory=lambda: collections.deque(maxlen=RECENT_EVENTS)
    )
    supervisor: dict[str, str] | None = None  # program -> statename; {}: not up; None: not asked
    malformed: int = 0

    def market(self, coin: str) -> MarketView:
        return self.markets.setdefault(coin, MarketView())

    def apply(self, body: Any, now_ns: int) -> None:
        """Take one decoded bus body; unknown kinds (books, trades, orders) are not shown."""
        if isinstance(body, Heartbeat):
            self.heartbeats[body.program] = (body, now_ns)
        elif isinstance(body, Bbo):
            view = self.market(body.coin)
            view.bbo, view.bbo_ns = body, now_ns
        elif isinstance(body, QuoteIntent):
            view = self.market(body.coin)
            view.intent, view.intent_ns = body, now_ns
        elif isinstance(body, RiskDecision):
            view = self.market(body.coin)
            view.decision, view.decision_ns = body, now_ns
        elif isinstance(body, Position):
            self.market(body.coin).position = body
        elif isinstance(body, RiskState):
            self.risk, self.risk_ns = body, now_ns
        elif isinstance(body, MonitorStats):
            self.stats[body.coin] = (body, now_ns)
        elif isinstance(body, Fill):
            self.tally.add(body)
            self.fills.appendleft(body)
        elif isinstance(body, Alert):
            if body.active:
                self.alerts[(body.subject, body.metric)] = body
            else:
                self.alerts.pop((body.subject, body.metric), None)
        elif isinstance(body, ModeRecommendation):
            self.recommendation = body
        elif isinstance(body, MarketDataStatus):
            self.md_status, self.md_status_ns = body, now_ns

    def on_seq_event(self, event: SeqEvent, now_ns: int) -> None:
        """Keep the last gaps, restarts and duplicates as one-line notices."""
        text = describe(event)
        if text:
            self.events.appendleft((now_ns, text.removeprefix("# ")))


def render(state: WatchState, now_ns: int) -> list[Line]:
    """The whole screen, top to bottom."""
    lines = _header(state, now_ns)
    for section in (_markets, _risk, _pnl, _fills, _alerts, _programs):
        lines.append([])
        lines += section(state, now_ns)
    return lines


def plain(line: Line) -> str:
    """A line without its styles, for pipes, logs and tests."""
    return "".join(text for text, _ in line)


def _header(state: WatchState, now_ns: int) -> list[Line]:
    head: Line = [
        ("AMM-500 watch", "bold"),
        (f"  {_clock(now_ns)} UTC", ""),
        (f"  {state.mode}" if state.mode else "", "dim"),
    ]
    trading = state.risk.state if state.risk else "no risk.state"
    head += [("  trading ", ""), (trading, _trading_style(trading))]
    rec = state.recommendation
    if rec is not None:
        head += [
            ("  mode ", ""),
            (rec.mode, "bold"),
            (f" for {_duration((now_ns - rec.since_ns) / 1e9)} ({rec.reason})", "dim"),
        ]
    else:
        head.append(("  mode -", "dim"))
    status = state.md_status
    md: Line = [("md ", "")]
    if status is None:
        md.append(("no md.status", "yellow"))
    else:
        md.append((status.state, "green" if status.state == "live" else "red"))
        if status.reason:
            md.append((f" ({status.reason})", "dim"))
    return [head, md]


def _markets(state: WatchState, now_ns: int) -> list[Line]:
    lines: list[Line] = [[("MARKETS", "bold"), ("   bid | ask  (top level, +more levels)", "dim")]]
    if not state.markets:
        return [*lines, [("  no market heard yet", "dim")]]
    for coin, view in sorted(state.markets.items()):
        lines.append(_book_line(coin, view, state, now_ns))
        lines.append(_intent_line(view, state, now_ns))
        lines.append(_decision_line(view, state, now_ns))
    return lines


def _book_line(coin: str, view: MarketView, state: WatchState, now_ns: int) -> Line:
    line: Line = [(f"  {coin:<12}", "bold"), ("book  ", "dim")]
    bbo = view.bbo
    if bbo is None:
        return [*line, ("no md.bbo yet", "yellow")]
    line.append((f"{_level(bbo.bid_px, bbo.bid_sz)} | {_level(bbo.ask_px, bbo.ask_sz)}", ""))
    if bbo.bid_px is not None and bbo.ask_px is not None:
        spread = bbo.ask_px - bbo.bid_px
        mid = (bbo.ask_px + bbo.bid_px) / 2
        line.append((f"  spread {_d(spread)} ({float(spread / mid) * 1e4:.2f} bps)", ""))
    line += _age(now_ns, view.bbo_ns, state.peer_timeout_s)
    if state.md_status is not None and coin in state.md_status.markets:
        market_state = state.md_status.markets[coin]
        line.append((f"  {market_state}", "green" if market_state == "live" else "red"))
    return line


def _intent_line(view: MarketView, state: WatchState, now_ns: int) -> Line:
    line: Line = [(" " * 14, ""), ("quote ", "dim")]
    intent = view.intent
    if intent is None:
        return [*line, ("no quote.intent", "dim")]
    line += [
        (f"{_ladder(intent.bids)} | {_ladder(intent.asks)}", ""),
        (f"  fair {_d(intent.fair_px)}  {intent.model}/{intent.mode}  #{intent.intent_id}", "dim"),
    ]
    return line + _age(now_ns, view.intent_ns, state.peer_timeout_s)


def _decision_line(view: MarketView, state: WatchState, now_ns: int) -> Line:
    line: Line = [(" " * 14, ""), ("risk  ", "dim")]
    decision = view.decision
    if decision is None:
        return [*line, ("no risk.decision", "dim")]
    verdict_style = {"approve": "green", "amend": "yellow", "veto": "red"}[decision.verdict]
    line += [
        (f"{_ladder(decision.bids)} | {_ladder(decision.asks)}  ", ""),
        (decision.verdict, verdict_style),
        (f" {decision.trading_state}", _trading_style(decision.trading_state)),
    ]
    if decision.reasons:
        line.append((f" [{', '.join(decision.reasons)}]", "yellow"))
    if decision.rebalance is not None:
        shot = decision.rebalance
        side = "buy" if shot.side == "B" else "sell"
        line.append((f" rebalance {side} {_d(shot.sz)} @ {_d(shot.limit_px)}", "yellow"))
    line.append((f"  #{decision.decision_id}", "dim"))
    return line + _age(now_ns, view.decision_ns, state.peer_timeout_s)


def _risk(state: WatchState, now_ns: int) -> list[Line]:
    risk = state.risk
    title: Line = [("POSITION & RISK", "bold")]
    if risk is None:
        title.append(("  no risk.state: positions from exec.position", "yellow"))
    else:
        snapshot = "" if risk.snapshot_ok else "  waiting for execution's snapshot"
        title += [
            ("  ", ""),
            (risk.state, _trading_style(risk.state)),
            (f" {', '.join(risk.reasons)}" if risk.reasons else "", "yellow"),
            (f" halted by {risk.halted_by}" if risk.halted_by else "", "red"),
            (snapshot, "yellow"),
            (f"  session PnL {_signed(risk.session_pnl)}", ""),
        ]
        title += _age(now_ns, state.risk_ns, state.peer_timeout_s)
    lines: list[Line] = [
        title,
        [(f"  {'coin':<12}{'position':>10}{'entry':>11}{'notional':>12}{'delta':>8}", "dim")],
    ]
    coins = sorted(set(state.markets) | set(risk.positions if risk else ()))
    for coin in coins:
        lines.append(_position_line(coin, state))
    return lines


def _position_line(coin: str, state: WatchState) -> Line:
    held = state.risk.positions.get(coin) if state.risk else None
    if held is not None:
        row = (
            f"  {coin:<12}{_signed(held.szi):>10}{_d(held.entry_px):>11}"
            f"{_signed(held.notional, 2):>12}{held.delta:>+8.3f}"
        )
        return [(row, "yellow" if abs(held.delta) >= 0.5 else "")]
    exch = state.markets.get(coin, MarketView()).position
    if exch is None:
        return [(f"  {coin:<12}{'-':>10}", "dim")]
    row = (
        f"  {coin:<12}{_signed(exch.szi):>10}{_d(exch.entry_px):>11}"
        f"{_signed(exch.position_value, 2):>12}{'-':>8}"
    )
    return [(row, ""), ("  (exchange view)", "dim")]


def _pnl(state: WatchState, now_ns: int) -> list[Line]:
    if not state.stats:
        return _tally(state)
    lines: list[Line] = []
    for coin, (stats, at_ns) in sorted(state.stats.items()):
        lines += _stats_block(coin, stats, at_ns, state, now_ns)
    return lines


def _stats_block(
    coin: str, stats: MonitorStats, at_ns: int, state: WatchState, now_ns: int
) -> list[Line]:
    title: Line = [
        ("PNL", "bold"),
        (f" {coin}" if coin else "", "bold"),
        (f"  monitor.stats cycle {stats.cycle}  cycle PnL {_signed(stats.cycle_pnl)}", ""),
    ]
    if stats.mid is not None:
        title.append((f"  position {_signed(stats.position)} mid {_d(stats.mid)}", ""))
    title += _age(now_ns, at_ns, state.peer_timeout_s)
    header = (
        f"  {'window':<9}{'fills':>6}{'buy/sell':>10}{'net PnL':>11}{'realized':>11}"
        f"{'unreal.':>10}{'fees':>9}{'spread':>8}{'mkout5s':>8}{'fills/h':>9}"
    )
    lines: list[Line] = [title, [(header, "dim")]]
    for name, window in _ordered(stats.windows):
        lines.append(_window_line(name, window))
    check = stats.crosscheck
    if check is not None:
        lines.append(
            [
                (
                    f"  cross-check {check.dex or 'main dex'}: "
                    f"account {_signed(check.account_change)} "
                    f"vs trades {_signed(check.trade_pnl_change)}, divergence ",
                    "dim",
                ),
                (_signed(check.divergence), ""),
            ]
        )
    return lines


def _window_line(name: str, w: WindowStats) -> Line:
    markout = w.markouts_bps.get("5s")
    row = (
        f"  {name:<9}{w.fills:>6}{f'{w.buys}/{w.sells}':>10}{_signed(w.net_pnl):>11}"
        f"{_signed(w.realized_pnl):>11}{_signed(w.unrealized_pnl):>10}{_num(w.fees, 4):>9}"
        f"{_float(w.spread_capture_bps, '+.2f'):>8}{_float(markout, '+.2f'):>8}"
        f"{w.fill_rate_per_h:>9.1f}"
    )
    return [(row, "red" if w.net_pnl < 0 else "")]


def _tally(state: WatchState) -> list[Line]:
    t = state.tally
    return [
        [
            ("PNL", "bold"),
            ("  no monitor.stats: counted from exec.fill since watch started", "dim"),
        ],
        [
            (
                f"  {t.fills} fills ({t.buys} buys, {t.sells} sells)  bought {_d(t.buy_volume)}  "
                f"sold {_d(t.sell_volume)}  fees {_num(t.fees, 4)}  "
                f"closed PnL {_signed(t.closed_pnl)}",
                "",
            )
        ],
    ]


def _fills(state: WatchState, now_ns: int) -> list[Line]:
    lines: list[Line] = [[("RECENT FILLS", "bold"), (f"  {state.tally.fills} seen", "dim")]]
    if not state.fills:
        return [*lines, [("  none since watch started", "dim")]]
    for fill in state.fills:
        side, style = ("BUY ", "green") if fill.side == "B" else ("SELL", "red")
        lines.append(
            [
                (f"  {_clock(fill.time_ms * 1_000_000, millis=True)}  {fill.coin:<10} ", ""),
                (side, style),
                (f" {_d(fill.sz):>8} @ {_d(fill.px):<10}", ""),
                (f" {'taker' if fill.crossed else 'maker'}  fee {_num(fill.fee, 4)}", "dim"),
                (f"  closed {_signed(fill.closed_pnl)}", "dim"),
            ]
        )
    return lines


def _alerts(state: WatchState, now_ns: int) -> list[Line]:
    title: Line = [("ALERTS", "bold")]
    if not state.alerts:
        return [[*title, ("  none active (raised since watch started)", "dim")]]
    lines: list[Line] = [[*title, (f"  {len(state.alerts)} active", "yellow")]]
    rank = {"critical": 0, "warning": 1, "info": 2}
    for key in sorted(state.alerts, key=lambda k: (rank[state.alerts[k].level], k)):
        alert = state.alerts[key]
        style = {"critical": "red", "warning": "yellow", "info": ""}[alert.level]
        lines.append(
            [
                (f"  {alert.level.upper():<9}", style),
                (f"{alert.subject or 'account':<12}", ""),
                (f"{alert.metric:<20}", "bold"),
                (f"({alert.window}) " if alert.window else "", "dim"),
                (f"{_float(alert.value, '.4g')} vs {_float(alert.threshold, '.4g')}  ", ""),
                (alert.message, ""),
            ]
        )
    return lines


def _programs(state: WatchState, now_ns: int) -> list[Line]:
    supervisord = ""
    if state.supervisor is not None:
        supervisord = "supervisord up; " if state.supervisor else "supervisord not running; "
    lines: list[Line] = [
        [
            ("PROGRAMS", "bold"),
            (f"  {supervisord}DOWN = no heartbeat for {state.peer_timeout_s:g} s", "dim"),
            (f"; {state.malformed} malformed dropped" if state.malformed else "", "yellow"),
        ],
        [
            (
                f"  {'program':<11}{'health':<9}{'hb age':>7}  {'supervisord':<12}{'pid':>8}"
                f"{'uptime':>9}{'seq':>9}{'gaps':>6}{'lost':>6}{'restarts':>9}",
                "dim",
            )
        ],
    ]
    for program in (VENUE, *ACTORS):
        lines.append(_program_line(program, state, now_ns))
    for at_ns, text in state.events:
        lines.append([(f"  {_clock(at_ns)} {text}", "yellow")])
    return lines


def _program_line(program: str, state: WatchState, now_ns: int) -> Line:
    supervised = "-" if state.supervisor is None else state.supervisor.get(program, "-")
    if program == VENUE:
        row = f"  {program:<11}{'n/a':<9}{'n/a':>7}  {supervised:<12}"
        return [(row, "dim" if supervised in ("-", "RUNNING") else "red")]
    health, style = program_health(program, state, now_ns)
    seen = state.heartbeats.get(program)
    age = f"{(now_ns - seen[1]) / 1e9:.1f}s" if seen else "-"
    pid = str(seen[0].pid) if seen else "-"
    uptime = _duration((seen[1] - seen[0].started_ns) / 1e9) if seen else "-"
    track = state.tracks.get(program)
    bus = (
        f"{track.seq:>9}{track.gaps:>6}{track.missing:>6}{track.restarts:>9}"
        if track
        else f"{'-':>9}{'-':>6}{'-':>6}{'-':>9}"
    )
    return [
        (f"  {program:<11}", ""),
        (f"{health:<9}", style),
        (f"{age:>7}  {supervised:<12}{pid:>8}{uptime:>9}{bus}", ""),
    ]


def program_health(program: str, state: WatchState, now_ns: int) -> tuple[str, str]:
    """UP, STOPPING, DOWN (silent longer than peer_timeout_s) or `...` while still listening."""
    seen = state.heartbeats.get(program)
    limit_ns = state.peer_timeout_s * 1e9
    if seen is None:
        return ("DOWN", "red") if now_ns - state.started_ns >= limit_ns else ("...", "dim")
    heartbeat, heard_ns = seen
    if now_ns - heard_ns > limit_ns:
        return "DOWN", "red"
    if heartbeat.state == "stopping":
        return "STOPPING", "yellow"
    return "UP", "green"


def _ordered(windows: Mapping[str, WindowStats]) -> list[tuple[str, WindowStats]]:
    known = [(name, windows[name]) for name in WINDOW_ORDER if name in windows]
    return known + sorted((n, w) for n, w in windows.items() if n not in WINDOW_ORDER)


def _ladder(levels: Sequence[QuoteLevel]) -> str:
    if not levels:
        return "-"
    more = f" +{len(levels) - 1}" if len(levels) > 1 else ""
    return f"{_level(levels[0].px, levels[0].sz)}{more}"


def _level(px: Decimal | None, sz: Decimal | None) -> str:
    return "-" if px is None else f"{_d(px)} x {_d(sz)}"


def _age(now_ns: int, at_ns: int, limit_s: float) -> Line:
    age_s = (now_ns - at_ns) / 1e9
    return [(f"  {age_s:.1f}s ago", "yellow" if age_s > limit_s else "dim")]


def _trading_style(trading: str) -> str:
    return {"ACTIVE": "green", "REDUCING": "yellow", "HALTED": "red"}.get(trading, "yellow")


def _d(value: Decimal | None) -> str:
    """A decimal as sent, without exponent or trailing zeros."""
    if value is None:
        return "-"
    return f"{value.normalize():f}"


def _num(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def _signed(value: Decimal, places: int = 4) -> str:
    return f"{value:+.{places}f}"


def _float(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _duration(seconds: float) -> str:
    """`42s`, `12m05s`, `3h07m`, `2d04h`: short, and unambiguous without a header."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def _clock(ns: int, *, millis: bool = False) -> str:
    text = time.strftime("%H:%M:%S", time.gmtime(ns / 1e9))
    return f"{text}.{ns // 1_000_000 % 1000:03d}" if millis else text
