"""Typed schemas for the `data` of every bus topic (documented field by field in docs/bus.md).

Unknown extra fields are tolerated so that newer publishers do not break older subscribers;
missing required fields and out-of-range values are errors. Prices and sizes travel as decimal
strings (exact, and readable by any msgpack client), as Hyperliquid itself sends them.

Those strings are always in positional notation ("0", "0.5", "6000"), never exponent notation
("0E-8", "1E+2"): msgspec writes a Decimal as its `str()`, which uses an exponent for a positive
exponent or a value below 1e-6 (a product of two zeros with decimals is "0E-8"), so every body
our actors compute passes its decimals through `plain` when it is built (and decoded). Market
data bodies carry the exchange's own strings, which are positional already.
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any, Literal

import msgspec

Side = Literal["B", "A"]  # Hyperliquid's convention: B = bid/buy, A = ask/sell
Mode = Literal["paper", "testnet", "mainnet"]
TradingState = Literal["ACTIVE", "REDUCING", "HALTED"]
OrderStatus = Literal[
    "pending_new",
    "resting",
    "partially_filled",
    "filled",
    "pending_cancel",
    "cancelled",
    "rejected",
]
MarketDataState = Literal["live", "stale", "reconnecting"]
MonitorMode = Literal[
    "emergency_defensive", "defensive", "moderate", "aggressive", "very_aggressive"
]


_ZERO = Decimal(0)
_ONE = Decimal(1)
_MICRO = Decimal("0.000001")


def plain(value: Decimal) -> Decimal:
    """`value` as a Decimal whose `str()` has no exponent, so the bus carries it positionally.

    A zero (also "0E-8" or "-0") becomes 0; a positive exponent ("1E+2") becomes the same integer
    (100); a non-zero value below 1e-6, which `str()` can only write with an exponent, is rounded
    to 6 decimals (USDC's precision: 1E-7 becomes 0, 6E-7 becomes 0.000001). Anything else,
    including a non-finite value (refused by the validators), is returned unchanged.
    """
    if value.is_zero():
        return _ZERO
    if "E" not in str(value):
        return value
    if value.adjusted() >= 0:  # a positive exponent: a whole number
        return value.quantize(_ONE, context=Context(prec=value.adjusted() + 2))
    rounded = value.quantize(_MICRO)
    return _ZERO if rounded.is_zero() else rounded


def _plain_fields(body: Any, names: tuple[str, ...]) -> None:
    """Every named Decimal field of `body` through `plain` (None stays None)."""
    for name in names:
        value = getattr(body, name)
        if value is not None:
            setattr(body, name, plain(value))


_MAX_ADJUSTED_EXPONENT = 18  # no price, size or dollar figure comes near 1e18 or 1e-18


def _finite(name: str, value: Decimal | None) -> None:
    """Finite and of a sane magnitude: `1E+999999` is finite but overflows every sum it joins."""
    if value is None:
        return
    if not value.is_finite():
        raise ValueError(f"`{name}` must be a finite number, got {value}")
    if not value.is_zero() and abs(value.adjusted()) > _MAX_ADJUSTED_EXPONENT:
        raise ValueError(f"`{name}` is out of range (|exponent| > 18), got {value:.3E}")


def _positive(name: str, value: Decimal | None) -> None:
    _finite(name, value)
    if value is not None and value <= 0:
        raise ValueError(f"`{name}` must be > 0, got {value}")


def _non_negative(name: str, value: Decimal) -> None:
    _finite(name, value)
    if value < 0:
        raise ValueError(f"`{name}` must be >= 0, got {value}")


class Schema(msgspec.Struct, kw_only=True):
    """Base of every topic body."""


class Heartbeat(Schema, kw_only=True):
    """`hb.<program>`: liveness, identity and bus counters of one actor instance."""

    program: str
    pid: int
    state: Literal["starting", "running", "stopping"]
    mode: Mode
    started_ns: int
    published: int
    received: int
    malformed: int
    gaps: int
    peers: dict[str, float] = {}  # seconds since the last message from each publisher heard


class BookLevel(msgspec.Struct, array_like=True):
    """One aggregated price level, sent as `[px, sz, n]`."""

    px: Decimal
    sz: Decimal
    n: int

    def __post_init__(self) -> None:
        _positive("px", self.px)
        _positive("sz", self.sz)


class Book(Schema, kw_only=True):
    """`md.book.<coin>`: the L2 book, best level first on each side."""

    coin: str
    exch_time_ms: int
    recv_ns: int
    bids: list[BookLevel]
    asks: list[BookLevel]


class Bbo(Schema, kw_only=True):
    """`md.bbo.<coin>`: best bid and offer; a side is null when it is empty."""

    coin: str
    exch_time_ms: int
    recv_ns: int
    bid_px: Decimal | None
    bid_sz: Decimal | None
    ask_px: Decimal | None
    ask_sz: Decimal | None

    def __post_init__(self) -> None:
        for name in ("bid_px", "bid_sz", "ask_px", "ask_sz"):
            _positive(name, getattr(self, name))


class Trade(msgspec.Struct, kw_only=True):
    px: Decimal
    sz: Decimal
    side: Side  # the aggressor's side
    time_ms: int
    tid: int

    def __post_init__(self) -> None:
        _positive("px", self.px)
        _positive("sz", self.sz)


class Trades(Schema, kw_only=True):
    """`md.trade.<coin>`: public trades, in exchange order, as one batch per exchange message."""

    coin: str
    recv_ns: int
    trades: list[Trade]


class AssetCtx(Schema, kw_only=True):
    """`md.ctx.<coin>`: the exchange's mark, oracle, funding and open interest for one market.

    From Hyperliquid's `activeAssetCtx`, which carries no exchange time: `recv_ns` is when it
    arrived. Mark and oracle are what the exchange margins and funds positions with.
    """

    coin: str
    recv_ns: int
    mark_px: Decimal
    oracle_px: Decimal
    mid_px: Decimal | None
    funding: Decimal  # the current funding rate per hour, signed (> 0: longs pay shorts)
    premium: Decimal | None
    open_interest: Decimal
    prev_day_px: Decimal
    day_ntl_vlm: Decimal
    impact_bid_px: Decimal | None
    impact_ask_px: Decimal | None

    def __post_init__(self) -> None:
        for name in ("mark_px", "oracle_px", "mid_px", "impact_bid_px", "impact_ask_px"):
            _positive(name, getattr(self, name))
        for name in ("funding", "premium", "prev_day_px"):
            _finite(name, getattr(self, name))
        _non_negative("open_interest", self.open_interest)
        _non_negative("day_ntl_vlm", self.day_ntl_vlm)


class MarketDataStatus(Schema, kw_only=True):
    """`md.status`: whether the books can be trusted right now, overall and per market."""

    state: MarketDataState
    markets: dict[str, MarketDataState]
    reason: str = ""


class QuoteLevel(msgspec.Struct, array_like=True):
    """One order of a ladder, sent as `[px, sz]`."""

    px: Decimal
    sz: Decimal

    def __post_init__(self) -> None:
        _positive("px", self.px)
        _positive("sz", self.sz)
        _plain_fields(self, ("px", "sz"))


class QuoteIntent(Schema, kw_only=True):
    """`quote.intent`: the whole ladder the quoter wants for one market (level-triggered)."""

    coin: str
    intent_id: int
    fair_px: Decimal
    bids: list[QuoteLevel]
    asks: list[QuoteLevel]
    model: str
    mode: str
    created_ns: int

    def __post_init__(self) -> None:
        _positive("fair_px", self.fair_px)
        _plain_fields(self, ("fair_px",))


class Rebalance(msgspec.Struct, kw_only=True):
    """A forced reduce-only IOC order at a bounded price."""

    side: Side
    sz: Decimal
    limit_px: Decimal

    def __post_init__(self) -> None:
        _positive("sz", self.sz)
        _positive("limit_px", self.limit_px)
        _plain_fields(self, ("sz", "limit_px"))


class RiskDecision(Schema, kw_only=True):
    """`risk.decision`: the ladder execution may keep on the exchange, and why (level-triggered)."""

    coin: str
    decision_id: int
    intent_id: int | None
    verdict: Literal["approve", "amend", "veto"]
    reasons: list[str]
    trading_state: TradingState
    bids: list[QuoteLevel]
    asks: list[QuoteLevel]
    rebalance: Rebalance | None = None
    created_ns: int


class RiskPosition(msgspec.Struct, kw_only=True):
    szi: Decimal  # signed size: > 0 long, < 0 short
    entry_px: Decimal | None
    notional: Decimal
    delta: float  # position notional / max exposure

    def __post_init__(self) -> None:
        _finite("szi", self.szi)
        _positive("entry_px", self.entry_px)
        _finite("notional", self.notional)
        _plain_fields(self, ("szi", "entry_px", "notional"))


class RiskState(Schema, kw_only=True):
    """`risk.state`: trading state, positions and the limits in force (level-triggered)."""

    state: TradingState
    reasons: list[str]
    halted_by: str | None = None
    positions: dict[str, RiskPosition]
    session_pnl: Decimal
    limits: dict[str, Any] = {}
    snapshot_ok: bool  # False until risk holds execution's snapshot: nothing is approved then

    def __post_init__(self) -> None:
        _finite("session_pnl", self.session_pnl)
        _plain_fields(self, ("session_pnl",))


class OrderEvent(Schema, kw_only=True):
    """`exec.order`: one state change of one of our orders (edge event)."""

    coin: str
    cloid: str
    oid: int | None
    side: Side
    px: Decimal
    sz: Decimal
    filled_sz: Decimal
    status: OrderStatus
    tif: Literal["Alo", "Ioc", "Gtc"]
    reduce_only: bool
    reason: str = ""
    time_ns: int

    def __post_init__(self) -> None:
        _positive("px", self.px)
        _positive("sz", self.sz)
        _non_negative("filled_sz", self.filled_sz)
        _plain_fields(self, ("px", "sz", "filled_sz"))


class Fill(Schema, kw_only=True):
    """`exec.fill`: one of our fills, journaled before it is published (edge event)."""

    coin: str
    tid: int
    oid: int
    cloid: str | None
    side: Side
    px: Decimal
    sz: Decimal
    fee: Decimal
    fee_token: str = "USDC"
    closed_pnl: Decimal
    crossed: bool
    start_position: Decimal
    dir: str
    hash: str
    time_ms: int
    journal_seq: int = 0  # execution's journal order (1, 2, ... no gaps); 0: not journaled

    def __post_init__(self) -> None:
        _positive("px", self.px)
        _positive("sz", self.sz)
        _finite("fee", self.fee)
        _finite("closed_pnl", self.closed_pnl)
        _finite("start_position", self.start_position)
        _plain_fields(self, ("px", "sz", "fee", "closed_pnl", "start_position"))


class Position(Schema, kw_only=True):
    """`exec.position`: the exchange's view of our position and account on the market's dex."""

    coin: str
    dex: str
    szi: Decimal
    entry_px: Decimal | None
    position_value: Decimal
    unrealized_pnl: Decimal
    margin_used: Decimal
    leverage: int | None
    account_value: Decimal
    withdrawable: Decimal
    time_ms: int

    def __post_init__(self) -> None:
        for name in ("szi", "position_value", "unrealized_pnl", "margin_used", "account_value"):
            _finite(name, getattr(self, name))
        _finite("withdrawable", self.withdrawable)
        _positive("entry_px", self.entry_px)
        _plain_fields(self, _POSITION_DECIMALS)


_POSITION_DECIMALS = (
    "szi",
    "entry_px",
    "position_value",
    "unrealized_pnl",
    "margin_used",
    "account_value",
    "withdrawable",
)


class WindowStats(msgspec.Struct, kw_only=True):
    fills: int
    buys: int
    sells: int
    buy_volume: Decimal
    sell_volume: Decimal
    avg_buy_px: Decimal | None
    avg_sell_px: Decimal | None
    matched_volume: Decimal
    spread_capture_bps: float | None
    fees: Decimal
    matched_pnl: Decimal
    imbalance: float
    fill_rate_per_h: float
    maker_share: float | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    funding: Decimal
    net_pnl: Decimal
    markouts_bps: dict[str, float | None] = {}
    start_ms: int = 0  # the window's start (exchange time, ms); 0 for `total`
    one_sided: float | None = None  # fills on the busier side / fills; None without fills

    def __post_init__(self) -> None:
        for name in _WINDOW_DECIMALS:
            _finite(name, getattr(self, name))
        _plain_fields(self, _WINDOW_DECIMALS)


_WINDOW_DECIMALS = (
    "buy_volume",
    "sell_volume",
    "avg_buy_px",
    "avg_sell_px",
    "matched_volume",
    "fees",
    "matched_pnl",
    "realized_pnl",
    "unrealized_pnl",
    "funding",
    "net_pnl",
)


class CrossCheck(msgspec.Struct, kw_only=True):
    """Trade-based PnL against the exchange's account value on one dex, since `since_ms`."""

    dex: str
    since_ms: int  # when the baseline was taken (exchange time of that exec.position)
    account_value: Decimal
    account_change: Decimal  # account value now minus at the baseline
    trade_pnl_change: Decimal  # the ledger's net PnL (at the exchange's marks) now minus then
    divergence: Decimal  # account_change - trade_pnl_change

    def __post_init__(self) -> None:
        names = ("account_value", "account_change", "trade_pnl_change", "divergence")
        for name in names:
            _finite(name, getattr(self, name))
        _plain_fields(self, names)


class MonitorStats(Schema, kw_only=True):
    """`monitor.stats`: trade-based performance of one market for the session and windows."""

    cycle: int
    cycle_pnl: Decimal
    windows: dict[str, WindowStats]
    coin: str = ""
    time_ms: int = 0  # when the cycle ended (monitor's wall clock, ms)
    session_start_ms: int = 0
    position: Decimal = Decimal(0)  # signed size from the fills
    entry_px: Decimal | None = None
    mid: Decimal | None = None  # the mark of the unrealized PnL
    delta: float | None = None  # from risk.state; None if no recent one
    mode: MonitorMode | None = None  # the recommendation in force
    alerts_active: int = 0  # every active alert, all subjects
    crosscheck: CrossCheck | None = None  # the market's dex; None before a baseline

    def __post_init__(self) -> None:
        _finite("cycle_pnl", self.cycle_pnl)
        _finite("position", self.position)
        _positive("entry_px", self.entry_px)
        _positive("mid", self.mid)
        _plain_fields(self, ("cycle_pnl", "position", "entry_px", "mid"))


class Alert(Schema, kw_only=True):
    """`monitor.alert`: a threshold crossed (or cleared) on one metric."""

    metric: str
    level: Literal["info", "warning", "critical"]
    value: float | None
    threshold: float | None
    message: str
    active: bool = True
    subject: str = ""  # a coin, "dex:<name>", or "" for the whole account
    window: str = ""  # the window `value` was measured over, if any
    time_ns: int = 0  # when the monitor raised, changed or cleared it (wall clock)


class ModeRecommendation(Schema, kw_only=True):
    """`monitor.mode`: how aggressively the quoter should quote (level-triggered)."""

    mode: MonitorMode
    reason: str
    since_ns: int


# Topics whose last dotted part is a market (`md.bbo.km:US500`): the body's `coin` must match it.
PER_MARKET_TOPICS: dict[str, type[Schema]] = {
    "md.book.": Book,
    "md.bbo.": Bbo,
    "md.trade.": Trades,
    "md.ctx.": AssetCtx,
}
EXACT_TOPICS: dict[str, type[Schema]] = {
    "md.status": MarketDataStatus,
    "quote.intent": QuoteIntent,
    "risk.decision": RiskDecision,
    "risk.state": RiskState,
    "exec.order": OrderEvent,
    "exec.fill": Fill,
    "exec.position": Position,
    "monitor.stats": MonitorStats,
    "monitor.alert": Alert,
    "monitor.mode": ModeRecommendation,
}
HEARTBEAT_PREFIX = "hb."

_decoders: dict[type[Schema], msgspec.msgpack.Decoder] = {}


class InvalidBody(ValueError):
    """A message body that does not match its topic's schema."""


class UnknownTopic(LookupError):
    """A topic this version has no schema for (a newer publisher's): ignored, not an error."""


def schema_for(topic: str) -> type[Schema] | None:
    """The schema of a topic, or None for a topic this version does not know."""
    exact = EXACT_TOPICS.get(topic)
    if exact is not None:
        return exact
    if topic.startswith(HEARTBEAT_PREFIX):
        return Heartbeat
    for prefix, schema in PER_MARKET_TOPICS.items():
        if topic.startswith(prefix) and len(topic) > len(prefix):
            return schema
    return None


def decode_body(topic: str, raw: bytes | msgspec.Raw) -> Schema:
    """Decode and validate the body of a message on `topic`."""
    schema = schema_for(topic)
    if schema is None:
        raise UnknownTopic(topic)
    decoder = _decoders.get(schema)
    if decoder is None:
        decoder = _decoders[schema] = msgspec.msgpack.Decoder(schema)
    try:
        body = decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise InvalidBody(f"{topic}: {exc}") from None
    _check_topic_matches(topic, body)
    return body


def topic_for(body: Schema, *, program: str | None = None) -> str:
    """The topic a body is published on."""
    if isinstance(body, Heartbeat):
        return HEARTBEAT_PREFIX + (program or body.program)
    for prefix, schema in PER_MARKET_TOPICS.items():
        if isinstance(body, schema):
            return prefix + body.coin  # type: ignore[attr-defined]
    for topic, schema in EXACT_TOPICS.items():
        if type(body) is schema:
            return topic
    raise TypeError(f"{type(body).__name__} is not a bus schema")


def _check_topic_matches(topic: str, body: Schema) -> None:
    if isinstance(body, Heartbeat) and topic != HEARTBEAT_PREFIX + body.program:
        raise InvalidBody(f"{topic}: heartbeat of program {body.program!r} on the wrong topic")
    for prefix, schema in PER_MARKET_TOPICS.items():
        if isinstance(body, schema) and topic != prefix + body.coin:  # type: ignore[attr-defined]
            raise InvalidBody(f"{topic}: body is for coin {body.coin!r}")  # type: ignore[attr-defined]
