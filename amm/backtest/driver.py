"""One backtest: the venue's core and the actors' cores, wired as on the bus, in simulated time.

The wiring follows the live system: the venue's websocket (``l2Book``/``bbo`` polled every
``md_poll_ms`` and sent when changed, ``trades`` as they happen) reaches marketdata after the
market-data latency; marketdata's ``md.*`` reach the quoter and risk after a bus hop; intents go
to risk, risk's decisions, state and heartbeat to execution (the state also to the quoter),
execution's fills and positions back to risk, each after a bus hop; execution's requests reach
the venue after the order latency and their answers come back after another; the account's
``orderUpdates``/``userFills`` reach execution after the market-data latency. Every delay is
drawn from its own seeded stream, and every event runs on one ``Scheduler``, so a run is a
function of (config, source, settings, seed).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from typing import Any

from amm.backtest.actors.execution import Answer, ExecutionShell
from amm.backtest.actors.marketdata import STATUS_CHECK_NS, MarketDataShell
from amm.backtest.actors.quoter import QuoterShell
from amm.backtest.actors.risk import RiskShell
from amm.backtest.assemble import RunFacts, assemble
from amm.backtest.collector import Collector
from amm.backtest.latency import Link, parse_latency
from amm.backtest.metrics import FillMetric, MonitorMetrics, monitor_settings_of
from amm.backtest.result import BacktestResult
from amm.backtest.scheduler import Scheduler
from amm.backtest.settings import BacktestSettings
from amm.backtest.sources import ReplaySource, SyntheticSource
from amm.backtest.venue import ACCOUNT, SimVenue, build_market
from amm.common.config import Config
from amm.common.messages import Bbo, Heartbeat, QuoteIntent, RiskDecision, RiskState, Schema
from amm.common.sim.events import Fill as VenueFill
from amm.common.sim.events import Funding, Trade
from amm.services.execution.cloids import CloidFactory
from amm.services.execution.logic import ExecutionCore
from amm.services.execution.wire import fill_from_wire
from amm.services.quoter.logic import QuoterCore
from amm.services.risk.logic import RiskCore
from amm.services.venue.state import VenueEvent
from amm.services.venue.ws import Subscription, polled_data, route_events, unchanged_key

_MS = 1_000_000
_S = 1_000_000_000


def default_metrics(config: Config, coins: Sequence[str], start_ms: int) -> list[FillMetric]:
    """The trade metrics a result carries unless others are plugged in: the monitor's."""
    return [MonitorMetrics(coins, monitor_settings_of(config), start_ms)]


def run_backtest(
    config: Config,
    source: ReplaySource | SyntheticSource,
    settings: BacktestSettings,
    *,
    seed: int | None = None,
    metrics: Sequence[FillMetric] | None = None,
) -> BacktestResult:
    """Run one backtest to its end; ``seed`` defaults to ``settings.seed``."""
    chosen = settings.seed if seed is None else seed
    return Backtest(config, source, settings, seed=chosen, metrics=metrics).run()


class Backtest:
    """The venue and the actors' cores on one simulated clock (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        source: ReplaySource | SyntheticSource,
        settings: BacktestSettings,
        *,
        seed: int,
        metrics: Sequence[FillMetric] | None = None,
    ) -> None:
        self.config, self.source, self.settings, self.seed = config, source, settings, seed
        market = build_market(config, source, settings, seed)
        self.specs = market.specs
        self.coins = list(market.specs)
        self.state = market.state
        self.end_ns = market.end_ms * _MS
        self.scheduler = scheduler = Scheduler(market.start_ms * _MS)
        if metrics is None:
            metrics = default_metrics(config, self.coins, market.start_ms)
        self.collector = Collector(self.coins, metrics, scheduler.now_ns)
        latency = settings.latency
        self._venue_ws = self._link("venue-ws", latency.market_data)
        self._user_ws = self._link("user-ws", latency.market_data)
        self._bus = {
            pair: self._link("-".join(pair), latency.bus)
            for pair in (
                ("marketdata", "quoter"),
                ("marketdata", "risk"),
                ("quoter", "risk"),
                ("risk", "quoter"),
                ("risk", "execution"),
                ("execution", "risk"),
            )
        }
        self._last_polled: dict[Subscription, Any] = {}
        self._poll_due = False
        self._polled = [
            Subscription(type=kind, coin=coin) for coin in self.coins for kind in ("l2Book", "bbo")
        ]
        self._routes = {("trades", coin) for coin in self.coins} | {
            ("orderUpdates", ACCOUNT),
            ("userFills", ACCOUNT),
        }
        start_ns = scheduler.now_ns
        self.venue = SimVenue(self.state, ACCOUNT)
        self.marketdata = MarketDataShell(
            self.coins,
            config.marketdata.stale_after_s,
            config.marketdata.status_interval_s,
            start_ns,
        )
        self.quoter = QuoterShell(
            QuoterCore(config.quoter, self.specs, first_intent_id=start_ns // _MS), self.coins
        )
        self.risk = RiskShell(RiskCore(config.risk, self.coins, now_ns=start_ns), config.risk)
        self.execution = ExecutionShell(
            ExecutionCore(
                config.execution, self.specs, CloidFactory((seed % 2**32).to_bytes(4, "big"))
            ),
            config.execution,
            self.specs,
            ACCOUNT,
            scheduler,
            _VenueRest(
                self.venue,
                scheduler,
                self._link("rest-out", latency.order),
                self._link("rest-in", latency.order),
            ),
            self._from_execution,
        )
        self._heartbeat = Heartbeat(
            program="risk",
            pid=0,
            state="running",
            mode=config.mode,
            started_ns=start_ns,
            published=0,
            received=0,
            malformed=0,
            gaps=0,
        )
        self.state.add_listener(self._on_venue)

    # ---- running -----------------------------------------------------------------------------

    def run(self) -> BacktestResult:
        scheduler, config = self.scheduler, self.config
        start_ns = scheduler.now_ns
        self.venue.open(start_ns // _MS)
        self._note_marks()
        self._publish_md(self.marketdata.status(start_ns))
        positions = self.venue.positions(self.specs, start_ns // _MS)
        self.risk.on_markets(self.specs)
        if not self.risk.on_snapshot(positions, start_ns):
            raise RuntimeError("risk refused the starting snapshot")
        self.execution.start()
        self._schedule_wake()
        scheduler.every(STATUS_CHECK_NS, self._md_status, first_ns=start_ns + STATUS_CHECK_NS)
        republish_ns = round(config.quoter.republish_interval_s * _S)
        scheduler.every(republish_ns, self._quoter_tick, first_ns=start_ns + republish_ns)
        scheduler.every(round(config.risk.decision_interval_s * _S), self._risk_tick)
        scheduler.every(round(config.transport.heartbeat_interval_s * _S), self._risk_heartbeat)
        scheduler.every(round(self.settings.curve_interval_s * _S), self._sample)
        scheduler.run_until(self.end_ns)
        return self._result()

    def _link(self, name: str, spec: str) -> Link:
        """A one-way connection with its own stream of delays, seeded from its name."""
        rng = random.Random(f"{self.seed}/latency/{name}")
        return Link(self.scheduler, parse_latency(spec), rng)

    @property
    def now_ns(self) -> int:
        return self.scheduler.now_ns

    # ---- the venue ---------------------------------------------------------------------------

    def _schedule_wake(self) -> None:
        wake_ms = self.state.next_wakeup_ms()
        if wake_ms is None:
            return
        at_ns = max(wake_ms * _MS, self.now_ns + _MS)
        if at_ns <= self.end_ns:
            self.scheduler.at(at_ns, self._wake)

    def _wake(self) -> None:
        self.state.advance(self.now_ns // _MS)
        self._note_marks()
        self._schedule_wake()

    def _on_venue(self, events: Sequence[VenueEvent]) -> None:
        """Every batch of venue events: the websocket's messages, our fills, the book moved."""
        now_ns = self.now_ns
        # Only trades and our account's events can reach a route we take: leaving out the house
        # orders' thousands of updates first gives route_events the same messages, faster.
        ours = [e for e in events if isinstance(e, Trade) or e.user.lower() == ACCOUNT]
        for route, message in route_events(ours, self._routes.__contains__):
            channel, data = message["channel"], message["data"]
            if route[0] == "trades":
                self._venue_ws.send(functools.partial(self._md_message, channel, data))
            else:
                self._user_ws.send(functools.partial(self._user_stream, channel, data))
        for event in ours:
            if isinstance(event, VenueFill) and event.user == ACCOUNT:
                self.collector.on_fill(fill_from_wire(event.to_wire()))
            elif isinstance(event, Funding) and event.user == ACCOUNT:
                self.collector.on_funding(event.coin, event.usdc, event.time)
        self._note_marks()
        if not self._poll_due:
            self._poll_due = True
            period = self.settings.md_poll_ms * _MS
            self.scheduler.at((now_ns // period + 1) * period, self._poll)

    def _note_marks(self) -> None:
        for coin in self.coins:
            mark = self.state.engine.mark_px(coin)
            if mark is not None:
                self.collector.on_mark(coin, mark)

    def _poll(self) -> None:
        """The websocket hub's poll: each of ``l2Book``/``bbo`` that changed goes out."""
        self._poll_due = False
        now_ms = self.now_ns // _MS
        for sub in self._polled:
            data = polled_data(sub, self.state, now_ms)
            key = unchanged_key(data)
            if self._last_polled.get(sub) != key:
                self._last_polled[sub] = key
                self._venue_ws.send(functools.partial(self._md_message, sub.channel, data))

    # ---- marketdata --------------------------------------------------------------------------

    def _md_message(self, channel: str, data: Any) -> None:
        self._publish_md(self.marketdata.on_message(channel, data, self.now_ns))

    def _md_status(self) -> None:
        self._publish_md(self.marketdata.status(self.now_ns))

    def _publish_md(self, bodies: Sequence[Schema]) -> None:
        for body in bodies:
            if isinstance(body, Bbo):
                self.collector.on_bbo(body)
            self._bus["marketdata", "quoter"].send(functools.partial(self._to_quoter, body))
            self._bus["marketdata", "risk"].send(functools.partial(self._to_risk, body))

    # ---- quoter ------------------------------------------------------------------------------

    def _to_quoter(self, body: Schema) -> None:
        self._publish_intents(self.quoter.on_body(body, self.now_ns))

    def _quoter_tick(self) -> None:
        self._publish_intents(self.quoter.tick(self.now_ns))

    def _publish_intents(self, intents: Sequence[QuoteIntent]) -> None:
        for intent in intents:
            self._bus["quoter", "risk"].send(functools.partial(self._to_risk, intent))

    # ---- risk --------------------------------------------------------------------------------

    def _to_risk(self, body: Schema) -> None:
        self._publish_decisions(self.risk.on_body(body, self.now_ns))

    def _risk_tick(self) -> None:
        decisions, state = self.risk.tick(self.now_ns)
        self._publish_decisions(decisions)
        if state is not None:
            self._publish_risk_state(state)

    def _risk_heartbeat(self) -> None:
        self._bus["risk", "execution"].send(functools.partial(self._to_execution, self._heartbeat))

    def _publish_decisions(self, decisions: Sequence[RiskDecision]) -> None:
        for decision in decisions:
            self.collector.on_decision(decision)
            self._bus["risk", "execution"].send(functools.partial(self._to_execution, decision))

    def _publish_risk_state(self, state: RiskState) -> None:
        self.collector.on_risk_state(state, self.now_ns)
        self._bus["risk", "execution"].send(functools.partial(self._to_execution, state))
        self._bus["risk", "quoter"].send(functools.partial(self._to_quoter, state))

    # ---- execution ---------------------------------------------------------------------------

    def _to_execution(self, body: Schema) -> None:
        self.execution.on_body(body, self.now_ns)

    def _user_stream(self, channel: str, data: Any) -> None:
        self.execution.on_stream(channel, data, self.now_ns)

    def _from_execution(self, body: Schema) -> None:
        self._bus["execution", "risk"].send(functools.partial(self._to_risk, body))

    # ---- the result --------------------------------------------------------------------------

    def _sample(self) -> None:
        self.collector.sample(self.now_ns)

    def _result(self) -> BacktestResult:
        account = self.state.engine.account(ACCOUNT)
        facts = RunFacts(
            source=self.source.describe(),
            seed=self.seed,
            settings=self.settings,
            end_ns=self.scheduler.now_ns,
            requests=self.execution.requests,
            orders=self.execution.orders,
            intents=self.quoter.new_intents,
            halt=self.risk.core.halt,
            exchange_net_pnl=self.state.engine.account_value(ACCOUNT) - account.deposits,
        )
        return assemble(self.collector, facts)


class _VenueRest:
    """Execution's REST connection: a request reaches the venue after one draw of the order
    latency and is applied there; its answer comes back after another."""

    def __init__(self, venue: SimVenue, scheduler: Scheduler, out: Link, back: Link) -> None:
        self._venue, self._scheduler, self._out, self._back = venue, scheduler, out, back

    def submit(self, action: dict[str, Any], expires_after_ms: int, answer: Answer) -> None:
        def apply() -> None:
            body = self._venue.exchange(action, expires_after_ms, self._scheduler.now_ns // _MS)
            self._back.send(functools.partial(answer, body))

        self._out.send(apply)

    def info(self, body: dict[str, Any], answer: Answer) -> None:
        def apply() -> None:
            reply = self._venue.info(body, self._scheduler.now_ns // _MS)
            self._back.send(functools.partial(answer, reply))

        self._out.send(apply)
