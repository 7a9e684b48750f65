"""The quoter's pure core: market data, risk's state and the mode in; one ladder per market out.

No sockets and no clock reads. `now_ns` is a monotonic clock (ages, sigma, A/k, the throttle, the
defence); `wall_ns` is wall-clock time (an intent's `created_ns`, the finite horizon's cycle).

Fail closed: a market gets an empty ladder (quote nothing) while it has no usable top of book
(none yet, or the last two-sided, uncrossed one arrived more than `max_book_age_s` ago: a
one-sided or crossed top in between is bridged by that last valid one), while `md.status` does
not say it is live, before the first `risk.state` or when the latest is older than
`max_risk_age_s`, while risk is HALTED (system-wide), and in a mode whose `quote` is false
(emergency_defensive by default). While risk has the market itself in REDUCING
(`risk.state.limits.markets.<coin>.state`, else the system state), only the side that reduces
the position is quoted, sized within it. Past `inventory_threshold` (the position's notional over
`max_exposure_usd`) the side that would add to it is not quoted.

Per market, in order: fair price (fair.py) -> sigma (volatility.py) -> A, k (intensity.py) ->
leverage and level size -> q = position / level size -> model (models.py) -> spread floor,
defence, levels, grid and caps (ladder.py, defence.py) -> throttle (throttle.py) -> a new
`QuoteIntent` or none.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import (
    Bbo,
    Book,
    MarketDataStatus,
    ModeRecommendation,
    MonitorMode,
    MonitorStats,
    QuoteIntent,
    RiskState,
    Trades,
)
from amm.services.quoter.defence import AdverseSelectionDefence
from amm.services.quoter.fair import TopOfBook, fair_price, top_from_bbo, top_from_book
from amm.services.quoter.intensity import Intensity, IntensityCalibrator
from amm.services.quoter.ladder import (
    EMPTY,
    Ladder,
    LadderShape,
    build_ladder,
    effective_leverage,
    floored_depths,
)
from amm.services.quoter.models import (
    ModelQuote,
    avellaneda_stoikov,
    finite_horizon_left,
    glft,
)
from amm.services.quoter.settings import ModeParams, QuoterSettings
from amm.services.quoter.throttle import ActionBudget, Throttle
from amm.services.quoter.volatility import EwmaVolatility

_NS = 1_000_000_000
_BPS = 10_000.0


@dataclass(frozen=True, slots=True)
class QuoteView:
    """The model's internals behind one ladder, for operators (the `quote` reply op)."""

    coin: str
    mode: str
    model: str
    reasons: tuple[str, ...]  # why the ladder is empty; () when quoting
    fair_px: Decimal | None = None
    sigma_bps_per_sqrt_s: float | None = None
    a_per_s: float | None = None
    k_per_bps: float | None = None
    intensity_source: str | None = None
    szi: Decimal | None = None
    q: float | None = None
    tau_s: float | None = None
    reservation_px: float | None = None
    half_spread_bps: float | None = None
    skew_bps: float | None = None  # per unit of q
    bid_depth_bps: float | None = None  # after the floor and the defence
    ask_depth_bps: float | None = None
    leverage: float | None = None
    level_notional_usd: float | None = None
    defence_active: bool = False
    trading_state: str | None = None  # risk's state for this market (REDUCING: reduce-only)


@dataclass(slots=True)
class _Market:
    spec: MarketSpec
    volatility: EwmaVolatility
    intensity: IntensityCalibrator
    throttle: Throttle
    top: TopOfBook | None = None  # the last two-sided, uncrossed top of book
    top_ns: int | None = None  # when `top` arrived
    top_valid: bool = False  # whether the latest md.bbo / md.book was two-sided and uncrossed
    fair: Decimal | None = None
    latest: QuoteIntent | None = None
    view: QuoteView | None = None
    sent_reasons: list[str] = field(default_factory=list)  # why the last new intents were made


class QuoterCore:
    """One ladder per configured market, from the latest inputs; deterministic given time."""

    def __init__(
        self,
        settings: QuoterSettings,
        specs: Mapping[str, MarketSpec],
        *,
        first_intent_id: int = 1,
    ) -> None:
        self.settings = settings
        self.budget = ActionBudget(settings.throttle.burst_actions)
        self.markets = {
            coin: _Market(
                spec=spec,
                volatility=EwmaVolatility(settings.volatility),
                intensity=IntensityCalibrator(settings.intensity),
                throttle=Throttle(settings.throttle, self.budget),
            )
            for coin, spec in specs.items()
        }
        self.defence = AdverseSelectionDefence(settings.defence)
        self.mode: MonitorMode = settings.default_mode
        self.mode_reason = "default until monitor.mode is heard"
        self.status: MarketDataStatus | None = None
        self.risk: RiskState | None = None
        self.risk_ns: int | None = None
        self._ids = itertools.count(first_intent_id)

    # ---- inputs -----------------------------------------------------------------------------

    def on_body(self, body: object, now_ns: int) -> tuple[str, ...]:
        """Route one consumed bus body to its input; the markets to re-quote because of it.

        The one routing both the actor and the backtester use, so they cannot drift apart. A top
        of book re-quotes its market only when the step would see something new (`_on_top`).
        """
        if isinstance(body, Bbo):
            return (body.coin,) if self.on_bbo(body, now_ns) else ()
        if isinstance(body, Book):
            return (body.coin,) if self.on_book(body, now_ns) else ()
        if isinstance(body, Trades):
            self.on_trades(body, now_ns)
            return ()
        if isinstance(body, MonitorStats):
            self.on_stats(body, now_ns)
            return ()
        if isinstance(body, MarketDataStatus):
            self.on_status(body, now_ns)
        elif isinstance(body, RiskState):
            self.on_risk_state(body, now_ns)
        elif isinstance(body, ModeRecommendation):
            self.on_mode(body, now_ns)
        else:
            return ()
        return tuple(self.markets)

    def on_bbo(self, bbo: Bbo, now_ns: int) -> bool:
        """An `md.bbo`; True if its market should be stepped (see `_on_top`)."""
        return self._on_top(bbo.coin, top_from_bbo(bbo), now_ns)

    def on_book(self, book: Book, now_ns: int) -> bool:
        """An `md.book`; True if its market should be stepped (see `_on_top`)."""
        return self._on_top(book.coin, top_from_book(book), now_ns)

    def on_trades(self, trades: Trades, now_ns: int) -> None:
        """Arrival depths for A and k, measured from the mid known before these trades."""
        market = self.markets.get(trades.coin)
        if market is None or market.top is None:
            return
        batch = [(float(trade.px), trade.side == "B") for trade in trades.trades]
        market.intensity.on_trades(float(market.top.mid), batch, now_ns)

    def on_status(self, status: MarketDataStatus, now_ns: int) -> None:
        self.status = status

    def on_risk_state(self, state: RiskState, now_ns: int) -> None:
        self.risk, self.risk_ns = state, now_ns

    def on_mode(self, recommendation: ModeRecommendation, now_ns: int) -> None:
        self.mode, self.mode_reason = recommendation.mode, recommendation.reason

    def on_stats(self, stats: MonitorStats, now_ns: int) -> None:
        """The monitor's figures for the defence, once its window holds enough fills."""
        defence = self.settings.defence
        window = stats.windows.get(defence.window)
        if window is not None and window.fills >= defence.min_fills:
            markout = window.markouts_bps.get(defence.markout_horizon)
            self.on_performance(window.spread_capture_bps, markout, now_ns)

    def on_performance(
        self, spread_capture_bps: float | None, markout_bps: float | None, now_ns: int
    ) -> None:
        """Recent spread capture and markout (bps) for the adverse-selection defence, from the
        monitor's `monitor.stats` (see `DefenceSettings`)."""
        self.defence.on_performance(spread_capture_bps, markout_bps, now_ns)

    def _on_top(self, coin: str, top: TopOfBook | None, now_ns: int) -> bool:
        """A top of book arrived; a one-sided or crossed one (None) keeps the last valid top.

        The paper venue's takers can sweep a side bare for ~50 ms: quoting on from the last
        valid top while it is younger than `max_book_age_s` avoids pulling the ladder for that.

        True if a step would see something new: another top (prices or sizes), a change between
        valid and not, a top that had grown too old, or a new sigma sample. Each move of the
        touch arrives twice (`md.book`, then `md.bbo`) and our own orders re-send the book; a
        step on the same top again only makes the same ladder (what time alone changes is the
        timer's step, every `republish_interval_s`).
        """
        market = self.markets.get(coin)
        if market is None:
            return False
        market.intensity.observe_from(now_ns)
        valid = top is not None
        aged = market.top_ns is None or now_ns - market.top_ns > self.settings.max_book_age_s * _NS
        news = valid != market.top_valid or aged or (valid and top != market.top)
        market.top_valid = valid
        if top is not None:
            samples = market.volatility.samples
            market.top, market.top_ns = top, now_ns
            market.fair = fair_price(top, self.settings.fair_price)
            market.volatility.on_mid(float(top.mid), now_ns)
            news = news or market.volatility.samples != samples
        return news

    # ---- outputs ----------------------------------------------------------------------------

    @property
    def mode_params(self) -> ModeParams:
        return self.settings.modes.get(self.mode)

    def step(self, coin: str, now_ns: int, wall_ns: int) -> QuoteIntent | None:
        """A new intent for `coin` if the throttle lets the current ladder through, else None.

        Before the first top of book there is no fair price and so no intent at all.
        """
        market = self.markets[coin]
        ladder, view = self.desired(coin, now_ns, wall_ns)
        market.view = view
        fair = view.fair_px or market.fair
        if fair is None:
            return None
        params = self.mode_params
        reason = market.throttle.admit(
            ladder,
            self.mode,
            fair,
            market.top,
            params.quote_refresh_s,
            params.target_actions_per_day,
            now_ns,
        )
        if reason is None:
            return None
        market.latest = QuoteIntent(
            coin=coin,
            intent_id=next(self._ids),
            fair_px=fair.quantize(Decimal(1).scaleb(-(market.spec.px_decimals + 2))),
            bids=list(ladder.bids),
            asks=list(ladder.asks),
            model=self.settings.model,
            mode=self.mode,
            created_ns=wall_ns,
        )
        market.sent_reasons = [*market.sent_reasons[-9:], reason]
        return market.latest

    def latest(self, coin: str) -> QuoteIntent | None:
        """The last intent made for `coin`: what the timer re-publishes."""
        return self.markets[coin].latest

    def view(self, coin: str) -> QuoteView | None:
        return self.markets[coin].view

    def desired(self, coin: str, now_ns: int, wall_ns: int) -> tuple[Ladder, QuoteView]:
        """The ladder wanted right now, before the throttle, and the numbers behind it."""
        market = self.markets[coin]
        reasons = self._blockers(coin, market, now_ns)
        if reasons:
            return EMPTY, QuoteView(coin, self.mode, self.settings.model, reasons)
        assert market.top is not None and market.fair is not None and self.risk is not None
        return self._ladder(coin, market, market.top, market.fair, self.risk, now_ns, wall_ns)

    def _blockers(self, coin: str, market: _Market, now_ns: int) -> tuple[str, ...]:
        settings = self.settings
        reasons = []
        if market.top is None or market.top_ns is None:
            reasons.append("no_book")
        elif now_ns - market.top_ns > settings.max_book_age_s * _NS:
            # the last valid top is too old: the book stayed one-sided / crossed, or went silent
            reasons.append("book_stale" if market.top_valid else "no_book")
        if self.status is None or self.status.markets.get(coin) != "live":
            reasons.append("md_not_live")
        if self.risk is None or self.risk_ns is None:
            reasons.append("no_risk_state")
        elif now_ns - self.risk_ns > settings.max_risk_age_s * _NS:
            reasons.append("risk_state_stale")
        elif self.risk.state == "HALTED":
            reasons.append("risk_halted")
        if not self.mode_params.quote:
            reasons.append("mode_quotes_nothing")
        return tuple(reasons)

    def _ladder(
        self,
        coin: str,
        market: _Market,
        top: TopOfBook,
        fair: Decimal,
        risk: RiskState,
        now_ns: int,
        wall_ns: int,
    ) -> tuple[Ladder, QuoteView]:
        settings, params = self.settings, self.mode_params
        fair_f = float(fair)
        sigma = market.volatility.bps_per_sqrt_s
        leverage = effective_leverage(
            params.leverage, sigma, settings.leverage, market.spec.max_leverage
        )
        level_notional = settings.capital_usd * leverage * params.order_size_pct / 100.0
        position = risk.positions.get(coin)
        szi = position.szi if position is not None else Decimal(0)
        q = float(szi) * fair_f / level_notional
        intensity = market.intensity.current(now_ns)
        tau, quote = self._model(q, sigma, intensity, wall_ns)
        adjustment = self.defence.adjustment(now_ns)
        bid_depth, ask_depth = floored_depths(
            quote.bid_depth, quote.ask_depth, params.min_spread_bps, adjustment.extra_bps
        )
        exposure = float(szi) * fair_f / params.max_exposure_usd
        trading_state = market_trading_state(risk, coin)
        reducing = trading_state == "REDUCING"
        shape = LadderShape(
            levels=min(params.order_levels, adjustment.max_levels or params.order_levels),
            spacing_bps=params.level_spacing_bps,
            level_notional_usd=level_notional,
            max_exposure_usd=params.max_exposure_usd,
            bids=exposure < params.inventory_threshold and (not reducing or szi < 0),
            asks=exposure > -params.inventory_threshold and (not reducing or szi > 0),
            reduce_only=reducing,
        )
        ladder = build_ladder(fair, top, market.spec, bid_depth, ask_depth, shape, szi)
        view = QuoteView(
            coin=coin,
            mode=self.mode,
            model=settings.model,
            reasons=("no_levels",) if ladder.empty else (),
            fair_px=fair,
            sigma_bps_per_sqrt_s=sigma,
            a_per_s=intensity.a_per_s,
            k_per_bps=intensity.k_per_bps,
            intensity_source=intensity.source,
            szi=szi,
            q=q,
            tau_s=tau,
            reservation_px=fair_f * (1.0 + quote.reservation_offset / _BPS),
            half_spread_bps=quote.half_spread,
            skew_bps=quote.skew,
            bid_depth_bps=bid_depth,
            ask_depth_bps=ask_depth,
            leverage=leverage,
            level_notional_usd=level_notional,
            defence_active=self.defence.active(now_ns),
            trading_state=trading_state,
        )
        return ladder, view

    def _model(
        self, q: float, sigma: float, intensity: Intensity, wall_ns: int
    ) -> tuple[float | None, ModelQuote]:
        """(tau for Avellaneda-Stoikov or None, the model's quote) in bps."""
        settings = self.settings
        if settings.model == "avellaneda_stoikov":
            a_s = settings.avellaneda_stoikov
            tau = a_s.horizon_s
            if a_s.horizon == "finite":
                tau = finite_horizon_left(wall_ns / _NS, a_s.horizon_s)
            return tau, avellaneda_stoikov(q, sigma, a_s.gamma, intensity.k_per_bps, tau)
        g = settings.glft
        quote = glft(
            q,
            sigma,
            intensity.a_per_s,
            intensity.k_per_bps,
            g.gamma,
            g.delta,
            g.xi,
            g.half_spread_scale,
            g.skew_scale,
        )
        return None, quote


_TRADING_STATES = ("ACTIVE", "REDUCING", "HALTED")


def market_trading_state(risk: RiskState, coin: str) -> str:
    """Risk's state for one market: `limits.markets.<coin>.state`, else the system's state.

    The system's state is REDUCING as soon as any market is; quoting every market reduce-only for
    that would pull the bids or asks of markets risk still lets trade both ways.
    """
    markets = risk.limits.get("markets")
    if isinstance(markets, Mapping):
        entry = markets.get(coin)
        if isinstance(entry, Mapping) and entry.get("state") in _TRADING_STATES:
            return str(entry["state"])
    return risk.state
