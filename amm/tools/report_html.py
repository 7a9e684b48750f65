"""The HTML page of `amm report --html`: one self-contained file, plots as hand-written SVG.

Pure functions from data to text: no external assets, no JavaScript, no plotting library, so the
page opens anywhere (also mailed or archived) and the renderer is tested by string checks. The
markup is XML-well-formed, which keeps it easy to check mechanically.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, NamedTuple

WIDTH, HEIGHT = 600, 280
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 34, 40
MAX_POINTS = 600  # per series after thinning: more cannot be seen at this width
MAX_FILL_MARKERS = 1500
LAST_CYCLES = 20
GREEN, RED, BLUE, ORANGE, GREY, INK = (
    "#1a7f37",
    "#cf222e",
    "#0969da",
    "#bc4c00",
    "#8c959f",
    "#24292f",
)
_TIME_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)

Point = tuple[float, float]


class StatRow(NamedTuple):
    """One metric across the windows, formatted; `toned` cells are coloured by their sign."""

    label: str
    cells: list[str]
    toned: bool


@dataclass(frozen=True)
class ReportPage:
    """What the page shows; `rows` and `cards` come formatted, `history` is the `history` reply."""

    generated_ns: int
    source: str
    cycle: Any
    windows: list[str]
    rows: list[StatRow]
    cards: list[tuple[str, str]]
    facts: list[tuple[str, str]]
    history: dict[str, Any]


@dataclass(frozen=True)
class Frame:
    """Maps data coordinates to the plot area of one chart."""

    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float

    def x(self, value: float) -> float:
        return LEFT + (value - self.x_lo) / (self.x_hi - self.x_lo) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return (
            HEIGHT
            - BOTTOM
            - (value - self.y_lo) / (self.y_hi - self.y_lo) * (HEIGHT - TOP - BOTTOM)
        )


def render_html(page: ReportPage) -> str:
    """The whole document."""
    history = page.history
    charts = [
        pnl_chart(_series(history.get("pnl"))),
        position_chart(_series(history.get("position"))),
        markout_chart(history.get("markouts") or {}),
        fills_chart(_series(history.get("mids")), history.get("fills") or []),
    ]
    generated = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(page.generated_ns / 1e9))
    body = [
        "<header><h1>AMM-500 report</h1>",
        f'<p class="meta">generated {escape(generated)} · {escape(page.source)} · '
        f"cycle {escape(str(page.cycle))}</p>",
        '<p class="facts">',
        " · ".join(
            f"<span>{escape(label)}</span> <b>{escape(value)}</b>" for label, value in page.facts
        ),
        "</p></header>",
        '<section class="cards">',
        *(
            f'<div class="card"><div class="label">{escape(label)}</div>'
            f'<div class="value{_sign_class(value)}">{escape(value)}</div></div>'
            for label, value in page.cards
        ),
        "</section>",
        '<section class="charts">',
        *(f"<figure>{chart}</figure>" for chart in charts),
        "</section>",
        '<section class="pair"><div>',
        f"<h2>Performance by window</h2>{stats_table(page.windows, page.rows)}",
        "</div><div>",
        "<h2>Active alerts</h2>",
        alerts_table(active_alerts(history.get("alerts") or [])),
        f"<h2>Last cycles</h2>{cycles_table(history.get('cycles') or [])}",
        "</div></section>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>AMM-500 report {escape(generated)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def pnl_chart(points: list[Point]) -> str:
    """Net PnL over time, green above zero and red below."""
    return _time_chart("Net PnL (USD)", points, up=GREEN, down=RED, step=False, slug="pnl")


def position_chart(points: list[Point]) -> str:
    """Signed position over time as steps: long in blue, short in orange."""
    return _time_chart("Position (coins)", points, up=BLUE, down=ORANGE, step=True, slug="pos")


def markout_chart(markouts: dict[str, float | None]) -> str:
    """Average markout per horizon (bps), on a log time axis so 1 s and 60 s both read."""
    title = "Markout curve (bps after the fill)"
    horizons = sorted((seconds, h) for h in markouts if (seconds := _seconds(h)))
    curve = [
        (math.log10(seconds), value)
        for seconds, h in horizons
        if (value := _float(markouts[h])) is not None
    ]
    if not curve:
        return _empty(title, "no markouts yet")
    xs = [math.log10(seconds) for seconds, _ in horizons]
    values = [value for _, value in curve] + [0.0]
    room = 0.15 * ((max(values) - min(values)) or 1.0)  # for the value labels
    y_lo, y_hi, y_ticks = _value_axis([*values, max(values) + room, min(values) - room])
    pad = 0.08 * (xs[-1] - xs[0] or 1.0)
    frame = Frame(xs[0] - pad, xs[-1] + pad, y_lo, y_hi)
    parts = _grid_y(frame, y_ticks)
    for seconds, name in horizons:
        x = frame.x(math.log10(seconds))
        parts.append(_line(x, TOP, x, HEIGHT - BOTTOM, "grid"))
        parts.append(_text(x, HEIGHT - BOTTOM + 16, name, "tick", anchor="middle"))
    parts.append(_line(LEFT, frame.y(0), WIDTH - RIGHT, frame.y(0), "zero"))
    parts.append(_polyline(frame, curve, INK, 2))
    for x, v in curve:
        color = GREEN if v >= 0 else RED
        parts.append(
            f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(v):.1f}" r="4.5" fill="{color}"/>'
        )
        label_y = frame.y(v) + (-10 if v >= 0 else 18)
        parts.append(_text(frame.x(x), label_y, f"{v:+.2f}", "value", anchor="middle"))
    missing = [h for _, h in horizons if _float(markouts[h]) is None]
    note = f"no data yet: {', '.join(missing)}" if missing else "horizon after the fill"
    parts.append(_text(WIDTH - RIGHT, HEIGHT - 8, note, "note", anchor="end"))
    return _svg(title, parts)


def fills_chart(mids: list[Point], fills: Sequence[dict[str, Any]]) -> str:
    """Our fills on the mid price: buys as green triangles up, sells as red triangles down;
    taker fills hollow, so crossing the spread stands out."""
    title = "Fills on the mid price"
    shown = [f for f in fills[-MAX_FILL_MARKERS:] if _float(f.get("px")) is not None]
    prices = [(float(f["time_ms"]), _float(f["px"]) or 0.0) for f in shown]
    if not mids and not prices:
        return _empty(title, "no prices or fills yet")
    everything = mids + prices
    frame, parts = _time_frame(everything, [y for _, y in everything])
    parts.append(_polyline(frame, thin(mids, MAX_POINTS), GREY, 1.4))
    for fill, (t, px) in zip(shown, prices, strict=True):
        buy = fill.get("side") == "B"
        color = GREEN if buy else RED
        x, y = frame.x(t), frame.y(px)
        tip = -6.0 if buy else 6.0
        shape = f"{x:.1f},{y + tip:.1f} {x - 5:.1f},{y - tip:.1f} {x + 5:.1f},{y - tip:.1f}"
        paint = (
            f'fill="#ffffff" stroke="{color}" stroke-width="1.6"'
            if fill.get("crossed")
            else f'fill="{color}" fill-opacity="0.85"'
        )
        parts.append(f'<polygon points="{shape}" {paint}/>')
    legend = [
        _text(LEFT + 8, TOP + 14, "— mid", "legend", fill=GREY),
        _text(LEFT + 62, TOP + 14, "▲ buy", "legend", fill=GREEN),
        _text(LEFT + 112, TOP + 14, "▼ sell", "legend", fill=RED),
        _text(LEFT + 166, TOP + 14, "△▽ taker", "legend", fill=INK),
    ]
    parts += legend
    if len(fills) > len(shown):
        parts.append(
            _text(
                WIDTH - RIGHT,
                TOP + 14,
                f"last {len(shown)} of {len(fills)} fills",
                "note",
                anchor="end",
            )
        )
    return _svg(title, parts)


def stats_table(windows: list[str], rows: list[StatRow]) -> str:
    if not windows:
        return '<p class="empty">no windows in the monitor\'s stats yet</p>'
    head = "".join(f'<th class="num">{escape(name)}</th>' for name in windows)
    body = "".join(
        f"<tr><th>{escape(row.label)}</th>"
        + "".join(
            f'<td class="num{_sign_class(cell) if row.toned else ""}">{escape(cell)}</td>'
            for cell in row.cells
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="stats"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def active_alerts(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts still raised: the last word per subject and metric wins (a clear removes it)."""
    active: dict[tuple[str, str], dict[str, Any]] = {}
    for alert in alerts:
        key = (str(alert.get("subject", "")), str(alert.get("metric")))
        if alert.get("active", True):
            active[key] = alert
        else:
            active.pop(key, None)
    rank = {"critical": 0, "warning": 1, "info": 2}
    return [
        active[key]
        for key in sorted(active, key=lambda k: (rank.get(active[k].get("level"), 3), k))
    ]


def alerts_table(alerts: list[dict[str, Any]]) -> str:
    if not alerts:
        return '<p class="empty">none</p>'
    rows = "".join(
        f'<tr><td><span class="level {escape(str(a.get("level")))}">'
        f"{escape(str(a.get('level')))}</span></td>"
        f"<td>{escape(str(a.get('subject') or 'account'))}</td>"
        f"<td>{escape(str(a.get('metric')))}{_window(a)}</td>"
        f'<td class="num">{_g(a.get("value"))}</td><td class="num">{_g(a.get("threshold"))}</td>'
        f"<td>{escape(str(a.get('message', '')))}</td></tr>"
        for a in alerts
    )
    return (
        '<table class="list"><thead><tr><th>level</th><th>subject</th><th>metric</th>'
        '<th class="num">value</th>'
        f'<th class="num">threshold</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _window(alert: dict[str, Any]) -> str:
    window = alert.get("window")
    return f' <span class="dim">({escape(str(window))})</span>' if window else ""


def cycles_table(cycles: Sequence[dict[str, Any]]) -> str:
    """The last cycles, newest first."""
    if not cycles:
        return '<p class="empty">no cycles yet</p>'
    rows = []
    for c in list(cycles)[-LAST_CYCLES:][::-1]:
        cells = [
            str(c.get("cycle", "-")),
            _clock(c.get("time_ms")),
            str(c.get("fills", "-")),
            _signed(c.get("cycle_pnl")),
            _signed(c.get("session_pnl")),
            _signed(c.get("spread_capture_bps"), 2),
        ]
        rows.append(
            "<tr>"
            + "".join(f'<td class="num{_sign_class(cell)}">{escape(cell)}</td>' for cell in cells)
            + f"<td>{escape(str(c.get('mode') or '-'))}</td></tr>"
        )
    return (
        '<table class="list"><thead><tr><th class="num">cycle</th><th class="num">time</th>'
        '<th class="num">fills</th><th class="num">cycle PnL</th><th class="num">session PnL</th>'
        '<th class="num">spread bps</th><th>mode</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def thin(points: list[Point], buckets: int) -> list[Point]:
    """At most two points (the lowest and highest, in time order) per x bucket: keeps every
    spike and step that a pixel column could show, drops the rest."""
    if len(points) <= 2 * buckets:
        return points
    x_lo, x_hi = points[0][0], points[-1][0]
    span = (x_hi - x_lo) or 1.0
    kept: list[Point] = []
    bucket: list[Point] = []
    current = 0
    for point in points:
        index = min(buckets - 1, int((point[0] - x_lo) / span * buckets))
        if index != current and bucket:
            kept += _extremes(bucket)
            bucket = []
        current = index
        bucket.append(point)
    kept += _extremes(bucket)
    return kept


def _extremes(bucket: list[Point]) -> list[Point]:
    low = min(bucket, key=lambda p: p[1])
    high = max(bucket, key=lambda p: p[1])
    return sorted({low, high})


def nice_step(span: float, count: int) -> float:
    """A 1-2-2.5-5 step giving about `count` intervals over `span`."""
    raw = span / count if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mantissa * magnitude >= raw * (1 - 1e-9):
            return mantissa * magnitude
    return 10 * magnitude


def _value_axis(values: list[float]) -> tuple[float, float, list[float]]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - (abs(lo) * 0.01 or 1.0), hi + (abs(hi) * 0.01 or 1.0)
    step = nice_step(hi - lo, 5)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    count = round((hi - lo) / step)
    return lo, hi, [lo + i * step for i in range(count + 1)]


def _time_frame(points: list[Point], values: list[float]) -> tuple[Frame, list[str]]:
    """A frame over the points' time span with its grid and labelled axes."""
    t_lo, t_hi = min(p[0] for p in points), max(p[0] for p in points)
    if t_hi - t_lo < 1000:
        t_lo, t_hi = t_lo - 500, t_hi + 500
    y_lo, y_hi, y_ticks = _value_axis(values)
    frame = Frame(t_lo, t_hi, y_lo, y_hi)
    parts = _grid_y(frame, y_ticks)
    step_s = next((s for s in _TIME_STEPS_S if (t_hi - t_lo) / 1000 / s <= 6), 86400 * 7)
    first = math.ceil(t_lo / 1000 / step_s) * step_s
    pattern = "%H:%M:%S" if step_s < 60 else "%H:%M"
    tick = first
    while tick * 1000 <= t_hi:
        x = frame.x(tick * 1000)
        parts.append(_line(x, TOP, x, HEIGHT - BOTTOM, "grid"))
        label = time.strftime(pattern, time.gmtime(tick))
        parts.append(_text(x, HEIGHT - BOTTOM + 16, label, "tick", anchor="middle"))
        tick += step_s
    parts.append(_text(WIDTH - RIGHT, HEIGHT - 6, "UTC", "note", anchor="end"))
    return frame, parts


def _grid_y(frame: Frame, ticks: list[float]) -> list[str]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    places = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if _is_quarter(step) else 0)
    parts = []
    for value in ticks:
        y = frame.y(value)
        parts.append(_line(LEFT, y, WIDTH - RIGHT, y, "grid"))
        label = f"{0.0 if abs(value) < step * 1e-6 else value:,.{places}f}"
        parts.append(_text(LEFT - 8, y + 4, label, "tick", anchor="end"))
    return parts


def _is_quarter(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return abs(mantissa - 2.5) < 1e-9


def _time_chart(
    title: str, points: list[Point], *, up: str, down: str, step: bool, slug: str
) -> str:
    """A time series with its area to zero, coloured by sign through two clip paths."""
    if not points:
        return _empty(title, "no data yet")
    frame, parts = _time_frame(points, [*(v for _, v in points), 0.0])
    shown = thin(points, MAX_POINTS)
    if step:
        shown = _steps(shown)
    zero = frame.y(0)
    inner = WIDTH - LEFT - RIGHT
    parts.append(
        f'<clipPath id="{slug}-up"><rect x="{LEFT}" y="{TOP}" width="{inner}" '
        f'height="{max(0.0, zero - TOP):.1f}"/></clipPath>'
        f'<clipPath id="{slug}-down"><rect x="{LEFT}" y="{zero:.1f}" width="{inner}" '
        f'height="{max(0.0, HEIGHT - BOTTOM - zero):.1f}"/></clipPath>'
    )
    outline = " ".join(f"{frame.x(t):.1f},{frame.y(v):.1f}" for t, v in shown)
    area = f"{outline} {frame.x(shown[-1][0]):.1f},{zero:.1f} {frame.x(shown[0][0]):.1f},{zero:.1f}"
    for clip, color in (("up", up), ("down", down)):
        parts.append(
            f'<g clip-path="url(#{slug}-{clip})">'
            f'<polygon points="{area}" fill="{color}" fill-opacity="0.14"/>'
            f'<polyline points="{outline}" fill="none" stroke="{color}" stroke-width="2" '
            'stroke-linejoin="round"/></g>'
        )
    parts.append(_line(LEFT, zero, WIDTH - RIGHT, zero, "zero"))
    last = points[-1][1]
    parts.append(
        _text(
            WIDTH - RIGHT,
            TOP - 10,
            f"now {_compact(last)}",
            "value",
            anchor="end",
            fill=up if last >= 0 else down,
        )
    )
    return _svg(title, parts)


def _steps(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for point in points:
        if out:
            out.append((point[0], out[-1][1]))
        out.append(point)
    return out


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="20" class="title">{escape(title)}</text>'
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}" class="plot"/>' + "".join(parts) + "</svg>"
    )


def _empty(title: str, message: str) -> str:
    return _svg(title, [_text(WIDTH / 2, HEIGHT / 2, message, "note", anchor="middle")])


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{css}"/>'


def _polyline(frame: Frame, points: list[Point], color: str, width: float) -> str:
    coords = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in points)
    return (
        f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="{width}" '
        'stroke-linejoin="round"/>'
    )


def _text(
    x: float, y: float, text: str, css: str, *, anchor: str = "start", fill: str | None = None
) -> str:
    colour = f' fill="{fill}"' if fill else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}"{colour}>'
        f"{escape(text)}</text>"
    )


def _series(raw: Any) -> list[Point]:
    """`[[time_ms, value], ...]` with decimal strings, as floats for drawing, in time order."""
    points = []
    for item in raw or []:
        value = _float(item[1]) if len(item) > 1 else None
        if value is not None:
            points.append((float(item[0]), value))
    return sorted(points)


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _seconds(horizon: str) -> float | None:
    """`"30s"` -> 30.0, `"2m"` -> 120.0; None for a name that is not a duration."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    number = _float(horizon[:-1]) if horizon and horizon[-1] in units else None
    return number * units[horizon[-1]] if number and number > 0 else None


def _compact(value: float) -> str:
    return f"{value:+,.4g}" if abs(value) < 1 else f"{value:+,.2f}"


def _signed(value: Any, places: int = 4) -> str:
    number = _float(value)
    return "-" if number is None else f"{number:+.{places}f}"


def _g(value: Any) -> str:
    number = _float(value)
    return "-" if number is None else f"{number:.4g}"


def _clock(time_ms: Any) -> str:
    number = _float(time_ms)
    return "-" if number is None else time.strftime("%H:%M:%S", time.gmtime(number / 1000))


def _sign_class(text: str) -> str:
    if text.startswith("-") and len(text) > 1:
        return " neg"
    return " pos" if text.startswith("+") and text.strip("+0.,%") else ""


_CSS = """
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#24292f;
background:#f6f8fa;margin:0;padding:24px 32px;max-width:1280px}
header h1{font-size:22px;margin:0}
.meta{color:#57606a;margin:2px 0 4px}
.facts{margin:0 0 16px;color:#57606a}
.facts b{color:#24292f;font-weight:600}
.dim{color:#8c959f}
h2{font-size:16px;margin:24px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px}
.card .label{color:#57606a;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px;margin-top:16px}
figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:6px}
svg{display:block;width:100%;height:auto;font-family:inherit}
svg .title{font-size:14px;font-weight:600;fill:#24292f}
svg .plot{fill:#fbfcfd;stroke:#d0d7de}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .zero{stroke:#57606a;stroke-width:1;stroke-dasharray:4 3}
svg .tick{font-size:11px;fill:#57606a}
svg .note{font-size:11px;fill:#8c959f}
svg .legend{font-size:12px}
svg .value{font-size:12px;font-weight:600;fill:#24292f}
table{border-collapse:collapse;background:#fff;border:1px solid #d0d7de;border-radius:8px;
font-variant-numeric:tabular-nums}
th,td{padding:4px 12px;border-bottom:1px solid #eaeef2;text-align:left;white-space:nowrap}
thead th{background:#f6f8fa;font-weight:600}
tbody th{font-weight:500;color:#57606a}
.num{text-align:right}
.neg{color:#cf222e}
.pos{color:#1a7f37}
.pair{display:grid;grid-template-columns:auto minmax(0,1fr);gap:24px;align-items:start}
.pair>div{overflow-x:auto}
.list{width:100%;font-size:13px}
.list th,.list td{padding:3px 6px}
.list td:last-child{white-space:normal}
@media (max-width:1000px){.pair{grid-template-columns:minmax(0,1fr)}}
.empty{color:#8c959f}
.level{border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
.level.critical{background:#ffebe9;color:#cf222e}
.level.warning{background:#fff8c5;color:#9a6700}
.level.info{background:#ddf4ff;color:#0969da}
"""
