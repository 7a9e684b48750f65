"""`amm report`: the monitor's performance stats as a table, as JSON, or as one HTML page.

Every number comes from the monitor's `[snapshot]` endpoint (`stats`, and `history` for the
page), so the report shows exactly what the monitor publishes on `monitor.stats`: nothing is
recomputed here, only formatted. `--json` prints the reply's data untouched.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from amm.common.config import Config
from amm.common.curve import client_context
from amm.common.reqrep import Reply, RequestFailed, request
from amm.tools.report_html import ReportPage, StatRow, render_html

WINDOWS = ("5m", "30m", "1h", "session", "total")
MARKOUT_HORIZONS = ("1s", "5s", "30s", "60s")
NOT_ANSWERING = 1


def _number(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _fmt(spec: str) -> Callable[[Any], str]:
    """A formatter for decimal strings and floats alike; nil (and junk) show as `-`."""

    def show(value: Any) -> str:
        number = _number(value)
        return "-" if number is None else format(number, spec)

    return show


def _exact(value: Any) -> str:
    number = _number(value)
    return "-" if number is None else f"{number.normalize():f}"


def _clock_ms(value: Any) -> str:
    """A window's start as a time of day; 0 (the whole record) and nil show as `-`."""
    number = _number(value)
    return "-" if not number else time.strftime("%m-%d %H:%M:%S", time.gmtime(float(number) / 1000))


def _percent(value: Any) -> str:
    number = _number(value)
    return "-" if number is None else f"{number * 100:.1f}%"


_usd = _fmt("+.4f")
_amount = _fmt(".4f")
_px = _fmt(".3f")
_bps = _fmt("+.2f")


@dataclass(frozen=True)
class Metric:
    """One row of the report: the window fields it shows and how.

    `toned` rows are the ones whose sign is good or bad news (PnL, markouts), which the page
    colours; a negative imbalance or fee count is not bad news.
    """

    label: str
    keys: tuple[str, ...]
    show: Callable[[Any], str]
    toned: bool = False

    def cell(self, window: dict[str, Any]) -> str:
        return " / ".join(self.show(window.get(key)) for key in self.keys)


def _markout_cell(horizon: str) -> Callable[[Any], str]:
    return lambda markouts: _bps((markouts or {}).get(horizon))


METRICS: tuple[Metric, ...] = (
    Metric("fills", ("fills",), _exact),
    Metric("buys / sells", ("buys", "sells"), _exact),
    Metric("buy volume", ("buy_volume",), _exact),
    Metric("sell volume", ("sell_volume",), _exact),
    Metric("avg buy px", ("avg_buy_px",), _px),
    Metric("avg sell px", ("avg_sell_px",), _px),
    Metric("matched volume", ("matched_volume",), _exact),
    Metric("spread capture (bps)", ("spread_capture_bps",), _bps, toned=True),
    Metric("fees (USD)", ("fees",), _amount),
    Metric("matched PnL (USD)", ("matched_pnl",), _usd, toned=True),
    Metric("imbalance", ("imbalance",), _fmt("+.3f")),
    Metric("fill rate (/h)", ("fill_rate_per_h",), _fmt(".1f")),
    Metric("maker share", ("maker_share",), _percent),
    Metric("one-sided share", ("one_sided",), _percent),
    Metric("realized PnL (USD)", ("realized_pnl",), _usd, toned=True),
    Metric("unrealized PnL (USD)", ("unrealized_pnl",), _usd, toned=True),
    Metric("funding (USD)", ("funding",), _usd, toned=True),
    Metric("net PnL (USD)", ("net_pnl",), _usd, toned=True),
    *(
        Metric(f"markout {h} (bps)", ("markouts_bps",), _markout_cell(h), toned=True)
        for h in MARKOUT_HORIZONS
    ),
    Metric("since (UTC)", ("start_ms",), _clock_ms),
)
_KNOWN = {key for metric in METRICS for key in metric.keys}


def ordered_windows(windows: dict[str, Any]) -> list[str]:
    """The usual windows shortest first, then any others the monitor adds, by name."""
    return [name for name in WINDOWS if name in windows] + sorted(set(windows) - set(WINDOWS))


def stats_rows(stats: dict[str, Any]) -> tuple[list[str], list[StatRow]]:
    """The window names and one row of cells per metric; fields the monitor adds later are
    shown too, as sent, so a newer monitor is never silently half-reported."""
    windows = stats.get("windows") or {}
    names = ordered_windows(windows)
    rows = [
        StatRow(metric.label, [metric.cell(windows[name]) for name in names], metric.toned)
        for metric in METRICS
    ]
    horizons = {h for name in names for h in windows[name].get("markouts_bps") or {}}
    for horizon in sorted(horizons - set(MARKOUT_HORIZONS)):
        metric = Metric(f"markout {horizon} (bps)", ("markouts_bps",), _markout_cell(horizon), True)
        rows.append(StatRow(metric.label, [metric.cell(windows[n]) for n in names], True))
    extra = sorted({key for name in names for key in windows[name]} - _KNOWN)
    for key in extra:
        cells = [_plain(windows[name].get(key)) for name in names]
        rows.append(StatRow(key.replace("_", " "), cells, False))
    return names, rows


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value)


def market_facts(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The market-level fields of a stats body (coin, position, mark, mode, cross-check) that
    the monitor filled in; an older monitor without them simply shows fewer."""
    facts = []
    if stats.get("coin"):
        facts.append(("market", str(stats["coin"])))
    if "position" in stats:
        entry = stats.get("entry_px")
        at = f" @ {_px(entry)}" if entry is not None else ""
        facts.append(("position", f"{_fmt('+')(stats['position'])}{at}"))
    if stats.get("mid") is not None:
        facts.append(("mid", _exact(stats["mid"])))
    if stats.get("delta") is not None:
        facts.append(("delta", _fmt("+.3f")(stats["delta"])))
    if stats.get("mode"):
        facts.append(("mode", str(stats["mode"])))
    if "alerts_active" in stats:
        facts.append(("alerts active", _exact(stats["alerts_active"])))
    check = stats.get("crosscheck")
    if check:
        facts.append(
            (
                f"cross-check {check.get('dex') or 'main dex'}",
                f"account {_usd(check.get('account_change'))} vs trades "
                f"{_usd(check.get('trade_pnl_change'))}, "
                f"divergence {_usd(check.get('divergence'))}",
            )
        )
    return facts


def table_text(stats: dict[str, Any], reply: Reply | None = None) -> str:
    """The human report: a title, the market's facts, and one column per window."""
    names, rows = stats_rows(stats)
    title = (
        f"AMM-500 monitor report  cycle {stats.get('cycle', '-')}  "
        f"cycle PnL {_usd(stats.get('cycle_pnl'))}  {_utc(time.time_ns())}"
    )
    if reply is not None:
        title += f"  (monitor {reply.epoch[:8]} seq {reply.seq})"
    lines = [title]
    facts = market_facts(stats)
    if facts:
        lines.append("  ".join(f"{label} {value}" for label, value in facts))
    if not names:
        return "\n".join([*lines, "no windows in the monitor's stats yet"])
    label_width = max(len(row.label) for row in rows)
    widths = [max(len(name), *(len(row.cells[i]) for row in rows)) for i, name in enumerate(names)]
    lines.append("")
    lines.append(
        " " * label_width + "".join(f"  {n:>{w}}" for n, w in zip(names, widths, strict=True))
    )
    for row in rows:
        cells = "".join(f"  {c:>{w}}" for c, w in zip(row.cells, widths, strict=True))
        lines.append(f"{row.label:<{label_width}}{cells}")
    return "\n".join(lines)


def _utc(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ns / 1e9))


async def ask_monitor(config: Config, op: str, args: dict[str, Any] | None = None) -> Reply:
    """One request to the monitor's reply socket; raises RequestFailed when it does not answer."""
    ctx = client_context(config)
    try:
        return await request(
            ctx, config.snapshot.monitor, op, args, timeout_s=config.transport.request_timeout_s
        )
    finally:
        ctx.term()


async def report(
    config: Config, *, window: str | None = None, as_json: bool = False, html: str | None = None
) -> int:
    """`amm report [--window W] [--json | --html FILE]`; exit 1 when the monitor is silent or
    the page cannot be written."""
    try:
        stats_reply = await ask_monitor(config, "stats", {"window": window} if window else None)
        history = (await ask_monitor(config, "history")).data if html else None
    except RequestFailed as exc:
        print(f"amm report: {exc}", file=sys.stderr)
        print(
            f"amm report: the monitor answers on {config.snapshot.monitor} ([snapshot] monitor); "
            "`amm status` shows whether it runs",
            file=sys.stderr,
        )
        return NOT_ANSWERING
    if html is not None:
        try:
            written = write_html(Path(html), stats_reply, history or {})
        except OSError as exc:
            print(f"amm report: cannot write {html}: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {written} ({written.stat().st_size} bytes)")
    elif as_json:
        print(json.dumps(stats_reply.data, indent=2))
    else:
        print(table_text(stats_reply.data, stats_reply))
    return 0


def summary_cards(stats: dict[str, Any], history: dict[str, Any]) -> list[tuple[str, str]]:
    """The page's headline numbers, from the longest window (the session when there is one)."""
    windows = stats.get("windows") or {}
    names = ordered_windows(windows)
    cards = [("cycle PnL", _usd(stats.get("cycle_pnl")))]
    if names:
        name = next((n for n in ("session", "total") if n in windows), names[-1])
        window = windows[name]
        cards = [
            (f"net PnL ({name})", _usd(window.get("net_pnl"))),
            (f"fills ({name})", _exact(window.get("fills"))),
            ("spread capture (bps)", _bps(window.get("spread_capture_bps"))),
            ("markout 5s (bps)", _markout_cell("5s")(window.get("markouts_bps"))),
            ("maker share", _percent(window.get("maker_share"))),
            *cards,
        ]
    positions = history.get("position") or []
    latest = stats.get("position", positions[-1][1] if positions else None)
    cards.append(("position now", _fmt("+")(latest)))
    return cards


def write_html(path: Path, stats_reply: Reply, history: dict[str, Any]) -> Path:
    """Render the page and replace `path` in one step (a viewer never sees half a file)."""
    names, rows = stats_rows(stats_reply.data)
    page = ReportPage(
        generated_ns=time.time_ns(),
        source=f"monitor {stats_reply.epoch[:8]} seq {stats_reply.seq}",
        cycle=stats_reply.data.get("cycle", "-"),
        windows=names,
        rows=rows,
        cards=summary_cards(stats_reply.data, history),
        facts=market_facts(stats_reply.data),
        history=history,
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(render_html(page), encoding="utf-8")
    temporary.replace(path)
    return path
