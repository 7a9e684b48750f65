"""``amm backtest --report FILE.html``: one self-contained page, charts as inline SVG.

The charts are the ones ``amm report --html`` draws (``amm.tools.report_html``: PnL, position,
markout curve, fills on the mid), so a backtest and a live session read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import msgspec

from amm.backtest.result import BacktestResult
from amm.tools.report_html import fills_chart, markout_chart, pnl_chart, position_chart

Point = tuple[float, float]


def write_report(result: BacktestResult, path: Path) -> Path:
    """Write the page; returns its path."""
    path.write_text(render(result), encoding="utf-8")
    return path


def render(result: BacktestResult) -> str:
    """The whole document."""
    charts = [pnl_chart(_points(result.pnl_curve)), markout_chart(result.markouts_bps)]
    for coin, curve in result.position_curves.items():
        charts.append(
            position_chart(_points(curve)).replace("Position (coins)", f"{coin} position")
        )
        fills = [
            {"time_ms": f.time_ms, "px": str(f.px), "side": f.side, "crossed": f.crossed}
            for f in result.fill_log
            if f.coin == coin
        ]
        charts.append(fills_chart(_points(result.mark_curves.get(coin, [])), fills))
    cards = [
        ("net PnL", _signed(result.net_pnl)),
        ("max drawdown", _plain(result.max_drawdown)),
        ("fills", str(result.fills)),
        ("spread capture", _bps(result.spread_capture_bps)),
        ("fees", _plain(result.fees)),
        ("actions / fill", _plain(result.actions.actions_per_fill)),
        ("time REDUCING", f"{result.risk.share_reducing:.1%}"),
    ]
    body = [
        "<header><h1>AMM-500 backtest</h1>",
        f'<p class="meta">{escape(result.source)} · seed {result.seed} · '
        f"{result.duration_s:g} s</p></header>",
        '<section class="cards">',
        *(
            f'<div class="card"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div></div>'
            for label, value in cards
        ),
        "</section>",
        '<section class="charts">',
        *(f"<figure>{chart}</figure>" for chart in charts),
        "</section>",
        "<h2>Markets</h2>",
        _markets(result),
        "<h2>Risk</h2>",
        _pairs(msgspec.to_builtins(result.risk)),
        "<h2>Actions</h2>",
        _pairs(msgspec.to_builtins(result.actions)),
        "<h2>Settings</h2>",
        _pairs(result.settings),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        f"<title>AMM-500 backtest {escape(result.source)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _points(curve: Iterable[tuple[int, Decimal]]) -> list[Point]:
    return [(float(t), float(v)) for t, v in curve]


def _markets(result: BacktestResult) -> str:
    """One column per market, one row per figure."""
    columns = {coin: msgspec.structs.asdict(stats) for coin, stats in result.markets.items()}
    names = next(iter(columns.values()), {}).keys()
    rows = [[name, *(figures[name] for figures in columns.values())] for name in names]
    return _table(["", *columns], rows)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pairs(values: dict[str, Any]) -> str:
    return _table(["", ""], [[key, value] for key, value in values.items()])


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items())
    return "-" if value is None else str(value)


def _signed(value: Decimal) -> str:
    return f"{value:+.4f}"


def _plain(value: Decimal | float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _bps(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f} bps"


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;color:#24292f;background:#f6f8fa;margin:0;
padding:24px 32px;max-width:1280px}
h1{font-size:22px;margin:0}h2{font-size:16px;margin:24px 0 8px}.meta{color:#57606a}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px}
.card .label{color:#57606a;font-size:12px;text-transform:uppercase}
.card .value{font-size:20px;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px;
margin-top:16px}
figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:6px}
svg{display:block;width:100%;height:auto}
svg .title{font-size:14px;font-weight:600;fill:#24292f}svg .plot{fill:#fbfcfd;stroke:#d0d7de}
svg .grid{stroke:#eaeef2}svg .zero{stroke:#57606a;stroke-dasharray:4 3}
svg .tick,svg .note{font-size:11px;fill:#57606a}svg .legend{font-size:12px}
svg .value{font-size:12px;font-weight:600;fill:#24292f}
table{border-collapse:collapse;background:#fff;border:1px solid #d0d7de;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid #eaeef2;text-align:left}
thead th{background:#f6f8fa}
"""
