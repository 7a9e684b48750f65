"""The backtester's plain-text output: a run's summary and a sweep's ranked table."""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from amm.backtest.recorded import RecordingResult
from amm.backtest.result import BacktestResult
from amm.backtest.sweep import Row


def run_summary(result: BacktestResult) -> str:
    """What a person wants to see after one run."""
    lines = [
        f"source      {result.source}  seed {result.seed}  {_utc(result.start_ms)} .. "
        f"{_utc(result.end_ms)} ({result.duration_s:g} s)",
        f"net PnL     {_money(result.net_pnl)}  (realized {_money(result.realized_pnl)}, "
        f"unrealized {_money(result.unrealized_pnl)}, fees {result.fees:.4f}, "
        f"funding {_money(result.funding)})",
        f"drawdown    {result.max_drawdown:.4f}",
        f"fills       {result.fills}  spread capture {_bps(result.spread_capture_bps)}",
    ]
    if result.markouts_bps:
        cells = [f"{h} {_bps(v)}" for h, v in _by_horizon(result.markouts_bps)]
        lines.append("markouts    " + "  ".join(cells))
    for coin, stats in result.markets.items():
        lines.append(
            f"{coin:<11} {stats.buys} buys {stats.sells} sells, volume {stats.buy_volume}/"
            f"{stats.sell_volume}, position mean |{_num(stats.mean_abs_position)}| "
            f"max |{stats.max_abs_position}| final {stats.final_position}"
        )
    risk, actions = result.risk, result.actions
    seconds = ", ".join(f"{state} {value:g} s" for state, value in risk.seconds.items())
    lines.append(f"risk        {seconds}; final {risk.final_state}")
    if risk.halted_by:
        lines.append(f"halted      by {risk.halted_by}: {risk.halt_reason}")
    per_fill = "-" if actions.actions_per_fill is None else f"{actions.actions_per_fill:g}"
    kinds = ", ".join(f"{kind} {n}" for kind, n in actions.orders.items())
    lines.append(
        f"actions     {actions.total_requests} requests, {actions.total_orders} orders "
        f"({kinds}); {per_fill} per fill; {actions.intents} new ladders"
    )
    return "\n".join(lines)


def recording_summary(result: RecordingResult) -> str:
    """The replayed decisions against the live ones."""
    quoter, risk = result.quoter, result.risk
    lines = [
        f"source      {result.source}: {result.messages} messages, "
        f"{(result.end_ns - result.start_ns) / 1e9:g} s",
        f"quoter      {quoter.replayed} ladders replayed, {quoter.live} published live, "
        f"{quoter.matched} equal in order",
        f"risk        {risk.replayed} live intents answered, {risk.matched} the same decision",
    ]
    for name, comparison in (("quoter", quoter), ("risk", risk)):
        for mismatch in comparison.mismatches[:1]:
            lines.append(f"first {name} difference at #{mismatch['index']}:")
            lines.append(f"  live     {mismatch['live']}")
            lines.append(f"  replayed {mismatch['replayed']}")
    return "\n".join(lines)


def sweep_table(rows: Sequence[Row], keys: Sequence[str]) -> str:
    """The ranked rows as an aligned table."""
    shown = ("net_pnl", "max_drawdown", "fills", "spread_capture_bps", "fees", "actions_per_fill")
    header = ["#", *keys, *shown]
    body = [
        [
            str(place),
            *(str(row.point[k]) for k in keys),
            *(_cell(row.figures[c], signed=c == "net_pnl") for c in shown),
        ]
        for place, row in enumerate(rows, start=1)
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in [header, *body]
    )


def _by_horizon(markouts: dict[str, float | None]) -> list[tuple[str, float | None]]:
    return sorted(markouts.items(), key=lambda item: float(item[0].rstrip("s")))


def _cell(value: Any, *, signed: bool) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return _money(value) if signed else f"{value:.4f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _money(value: Decimal) -> str:
    return f"{value:+.4f}"


def _num(value: Decimal) -> str:
    return f"{value:.6g}"


def _bps(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f} bps"


def _utc(time_ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time_ms / 1000))
