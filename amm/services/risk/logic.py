"""The risk actor's pure core: intents in, decisions and state out; time is an argument.

Inputs are bus bodies (``quote.intent``, ``md.*``, ``exec.fill``, ``exec.position``), execution's
snapshot and resync answers, and the operator's halt/resume. Outputs are ``RiskDecision`` (one
per intent, and on the timer for every market) and ``RiskState``. The process around it
(``service.py``) moves bytes, asks execution when ``sync.need`` says so, and stores ``halt``.

The verdict of a decision, in order:

* veto with every ``reasons.BLOCKING`` code that applies (nothing may trade, not even a
  rebalance);
* else, with a ``reasons.QUOTING`` code: veto, or, if a rebalance is due, amend with an empty
  ladder carrying the rebalance;
* else the ladder checks (``checks.py``): approve if they changed nothing and there is no
  rebalance and the intent was taken within the rate, amend otherwise.

A decision keeps the ``decision_id`` of the previous one while its content is the same, and
carries its shot's id while a rebalance rides on it; anything else gets a new id. Ids start at
the session start in ms x 1000, so they never repeat across restarts of risk (execution sends a
rebalance once per id).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import msgspec

from amm.common.accounting import ZERO, Ledger
from amm.common.fill_sync import RESYNC, SNAPSHOT, FillSync
from amm.common.hyperliquid.meta import dex_of
from amm.common.hyperliquid.rules import MarketSpec
from amm.common.messages import (
    Bbo,
    Book,
    Fill,
    MarketDataStatus,
    Position,
    QuoteIntent,
    QuoteLevel,
    RiskDecision,
    RiskState,
    TradingState,
)
from amm.services.risk import reasons as r
from amm.services.risk.checks import LadderContext, check_ladder, in_collar
from amm.services.risk.limits import AccountFacts, Cap, delta, position_cap
from amm.services.risk.market import MarketView
from amm.services.risk.rebalance import RebalanceSchedule, Shot, rebalance_order
from amm.services.risk.report import books_view, risk_position, settings_limits, wire
from amm.services.risk.session import Session
from amm.services.risk.settings import RiskSettings
from amm.services.risk.states import Band, Halt, market_state, next_band, trading_state

_MS = 1_000_000
_S = 1_000_000_000
_RATE_WINDOW_NS = _S
VerdictKind = Literal["approve", "amend", "veto"]


@dataclass(slots=True)
class MarketRisk:
    """Everything risk keeps about one configured market."""

    coin: str
    schedule: RebalanceSchedule
    spec: MarketSpec | None = None
    view: MarketView = field(default_factory=MarketView)
    band: Band = field(default_factory=Band)
    intent: QuoteIntent | None = None
    intent_ns: int = 0
    taken_ns: deque[int] = field(default_factory=deque)
    rate_limited: bool = False
    account: Position | None = None
    account_ns: int = 0
    mismatch_since_ns: int | None = None
    decision: RiskDecision | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``_evaluate`` decided, before ids and timestamps."""

    verdict: VerdictKind
    reasons: frozenset[str]
    bids: tuple[QuoteLevel, ...] = ()
    asks: tuple[QuoteLevel, ...] = ()
    shot: Shot | None = None


class RiskCore:
    """Limits, trading states, kill switch and the books of one risk instance (see module doc)."""

    def __init__(
        self,
        settings: RiskSettings,
        coins: Sequence[str],
        *,
        now_ns: int,
        halt: Halt | None = None,
    ) -> None:
        self.settings = settings
        self.markets = {coin: MarketRisk(coin, RebalanceSchedule.every(settings)) for coin in coins}
        self.ledger = Ledger()
        self.session = Session(now_ns)
        self.sync = FillSync()
        self.ignored: set[str] = set()  # coins whose fills were left out (not configured)
        self._newly_ignored: list[str] = []
        self._halt = halt
        self._ids = itertools.count(now_ns // _MS * 1000 + 1)
        dexes = [dex_of(coin) for coin in coins]
        self._sharing = {coin: dexes.count(dex_of(coin)) for coin in coins}

    # ---- what the shell reads ---------------------------------------------------------------

    @property
    def halt(self) -> Halt | None:
        """The kill switch, None when trading is allowed (the shell stores it)."""
        return self._halt

    @property
    def snapshot_ok(self) -> bool:
        """True while risk holds execution's snapshot and no resync is due."""
        return self.sync.need is None

    # ---- execution's snapshot and resyncs ---------------------------------------------------

    def on_markets(self, specs: Mapping[str, MarketSpec]) -> None:
        """The exchange's rules (szDecimals) of the configured markets arrived."""
        for coin, market in self.markets.items():
            market.spec = specs.get(coin, market.spec)

    def on_snapshot(
        self, positions: Mapping[str, Position], fills: Sequence[Fill], now_ns: int
    ) -> bool:
        """Rebuild the books from execution's snapshot; False if it lacks a market's position.

        The journal is replayed in order (fills of markets that are not configured are left
        out); a market whose exchange position differs from the replay and is at least as new
        as its last fill takes the exchange's position.
        """
        if any(coin not in positions for coin in self.markets):
            return False
        history = self._configured(self.sync.after_snapshot(fills))
        ledger = Ledger()
        self.session.replay(ledger, history)
        for coin, market in self.markets.items():
            position = positions[coin]
            books = ledger.coin(coin)
            newer = books.last_fill_ms is None or position.time_ms >= books.last_fill_ms
            if position.szi != books.szi and newer:
                ledger.rebase(coin, position.szi, position.entry_px)
            market.account, market.account_ns = position, now_ns
            market.mismatch_since_ns = None
        self.session.open_coins(ledger, self.markets)
        self.ledger = ledger
        return True

    def on_resync(self, fills: Sequence[Fill], last_seq: int) -> None:
        """Book a ``fills_since`` answer (``last_seq``: the journal's latest number)."""
        for fill in self.sync.after_resync(fills, last_seq) or ():
            self._book(fill)

    def request_resync(self) -> None:
        """A gap in execution's stream or a new execution epoch: ask what we missed."""
        self.sync.ask(RESYNC)

    # ---- the bus ----------------------------------------------------------------------------

    def on_body(self, body: object, now_ns: int) -> None:
        """Route one consumed bus body to its input, then bring the state up to date.

        The one routing both the actor and the backtester use; an intent or a fill then calls
        for a decision at once (`decision_for`), after the actor has stored any new halt.
        """
        if isinstance(body, Bbo):
            self.on_bbo(body, now_ns)
        elif isinstance(body, Book):
            self.on_book(body, now_ns)
        elif isinstance(body, MarketDataStatus):
            self.on_md_status(body, now_ns)
        elif isinstance(body, Fill):
            self.on_fill(body)
        elif isinstance(body, Position):
            self.on_position(body, now_ns)
        self.update(now_ns)

    def decision_for(self, body: object, now_ns: int) -> RiskDecision | None:
        """The decision a body calls for at once: an intent's answer, or a market's decision
        after one of its fills (the ladder may now be over a limit)."""
        if isinstance(body, QuoteIntent):
            return self.on_intent(body, now_ns)
        if isinstance(body, Fill) and body.coin in self.markets:
            return self.decide(body.coin, now_ns)
        return None

    def on_intent(self, intent: QuoteIntent, now_ns: int) -> RiskDecision:
        """Take an intent (within the quote rate) and answer it."""
        market = self.markets.get(intent.coin)
        if market is None:
            return self._decision(
                intent.coin,
                next(self._ids),
                intent.intent_id,
                Verdict("veto", frozenset({r.UNKNOWN_MARKET})),
                trading_state(self._halt, self._bands()),
                now_ns,
            )
        while market.taken_ns and now_ns - market.taken_ns[0] >= _RATE_WINDOW_NS:
            market.taken_ns.popleft()
        market.rate_limited = len(market.taken_ns) >= self.settings.max_intents_per_s
        if not market.rate_limited:
            market.intent, market.intent_ns = intent, now_ns
            market.taken_ns.append(now_ns)
        return self.decide(intent.coin, now_ns)

    def on_bbo(self, bbo: Bbo, now_ns: int) -> None:
        """An md.bbo arrived."""
        market = self.markets.get(bbo.coin)
        if market is not None:
            market.view.on_bbo(bbo, now_ns)
            self._note_mid(market)

    def on_book(self, book: Book, now_ns: int) -> None:
        """An md.book arrived."""
        market = self.markets.get(book.coin)
        if market is not None:
            market.view.on_book(book, now_ns)
            self._note_mid(market)

    def on_md_status(self, status: MarketDataStatus, now_ns: int) -> None:
        """An md.status arrived: each market's entry, or the overall state if it has none."""
        for coin, market in self.markets.items():
            market.view.on_status(status.markets.get(coin, status.state), now_ns)

    def on_fill(self, fill: Fill) -> None:
        """An exec.fill arrived: booked in journal order, or held until a resync."""
        for booked in self.sync.on_fill(fill):
            self._book(booked)

    def on_position(self, position: Position, now_ns: int) -> None:
        """An exec.position arrived: the account's facts, and a check of our size."""
        market = self.markets.get(position.coin)
        if market is None:
            return
        market.account, market.account_ns = position, now_ns
        if not self.snapshot_ok:
            return
        books = self.ledger.coin(position.coin)
        if books.last_fill_ms is not None and position.time_ms < books.last_fill_ms:
            return
        if position.szi == books.szi:
            market.mismatch_since_ns = None
        elif market.mismatch_since_ns is None:
            market.mismatch_since_ns = now_ns

    # ---- the operator -----------------------------------------------------------------------

    def halt_trading(self, reason: str, now_ns: int) -> Halt:
        """``amm risk halt``: halt (an earlier halt and its cause stay in force)."""
        self._trip(r.MANUAL_HALT, reason, now_ns)
        assert self._halt is not None
        return self._halt

    def resume(self, now_ns: int) -> bool:
        """``amm risk resume``: clear the halt and start a new session; False if not halted."""
        if self._halt is None:
            return False
        self._halt = None
        self.session = Session(now_ns)
        self.session.open_coins(self.ledger, self.markets)
        for market in self.markets.values():
            self._note_mid(market)
        return True

    # ---- decisions and state ----------------------------------------------------------------

    def update(self, now_ns: int) -> None:
        """Bands, kill switch and mismatch escalation as of now (only with a snapshot).

        Idempotent for one ``now_ns``; the shell calls it to store a new halt before it
        publishes anything made after it.
        """
        if not self.snapshot_ok:
            return
        settings = self.settings
        for market in self.markets.values():
            abs_delta = abs(self._delta(market))
            step = next_band(market.band, abs_delta, settings)
            if not step.band.rebalancing:
                market.schedule.stop()
            market.band = step.band
            if step.critical:
                self._trip(
                    r.CRITICAL_IMBALANCE,
                    f"{market.coin} |delta| {abs_delta:.4f} >= {settings.halt_at_delta}",
                    now_ns,
                )
            if self._mismatched(market, now_ns):
                self.sync.ask(SNAPSHOT)
        pnl = self.session_pnl()
        if pnl <= -settings.max_session_loss_usd:
            self._trip(
                r.SESSION_LOSS,
                f"session PnL {pnl:.6f} <= -{settings.max_session_loss_usd}",
                now_ns,
            )

    def decide(self, coin: str, now_ns: int) -> RiskDecision:
        """The decision for a configured market now (answering its latest taken intent)."""
        self.update(now_ns)
        market = self.markets[coin]
        verdict = self._evaluate(market, now_ns)
        if verdict.shot is None:
            market.schedule.spend()
        intent_id = market.intent.intent_id if market.intent is not None else None
        state = market_state(self._halt, market.band)
        if verdict.shot is not None:
            decision_id = verdict.shot.decision_id
        elif self._same(market.decision, intent_id, verdict, state):
            assert market.decision is not None
            decision_id = market.decision.decision_id
        else:
            decision_id = next(self._ids)
        market.decision = self._decision(coin, decision_id, intent_id, verdict, state, now_ns)
        return market.decision

    def decisions(self, now_ns: int) -> list[RiskDecision]:
        """Every configured market's decision now (the timer re-publishes them)."""
        return [self.decide(coin, now_ns) for coin in self.markets]

    def session_pnl(self) -> Decimal:
        """Session PnL marked to the latest mids (see ``session.py``)."""
        mids = {coin: market.view.last_mid for coin, market in self.markets.items()}
        return self.session.pnl(self.ledger, mids)

    def state(self, now_ns: int) -> RiskState:
        """``risk.state``: state, positions, limits in force, session PnL, active reasons."""
        self.update(now_ns)
        codes: set[str] = set()
        for market in self.markets.values():
            if market.decision is not None:
                codes.update(market.decision.reasons)
            if market.band.reducing:
                codes.add(r.REDUCING)
            if self._mismatched(market, now_ns):
                codes.add(r.POSITION_MISMATCH)
        if not self.snapshot_ok:
            codes.add(r.SNAPSHOT_PENDING)
        if self._halt is not None:
            codes.update((r.TRADING_HALTED, self._halt.by))
        return RiskState(
            state=trading_state(self._halt, self._bands()),
            reasons=r.ordered(codes),
            halted_by=None if self._halt is None else self._halt.by,
            positions={
                coin: risk_position(
                    self.ledger.coin(coin), self._reference_px(market), self._delta(market)
                )
                for coin, market in self.markets.items()
            },
            session_pnl=self.session_pnl(),
            limits=self._limits(now_ns),
            snapshot_ok=self.snapshot_ok,
        )

    def take_ignored(self) -> list[str]:
        """Coins whose first fill was left out since the last call (the shell logs each once)."""
        coins, self._newly_ignored = self._newly_ignored, []
        return coins

    def describe(self, now_ns: int) -> dict[str, Any]:
        """The full state for the ``state`` reply op and ``amm risk status``."""
        halt = self._halt
        return {
            "state": msgspec.to_builtins(self.state(now_ns)),
            "halt": None
            if halt is None
            else {"by": halt.by, "reason": halt.reason, "since_ns": halt.since_ns},
            "session_start_ns": self.session.start_ns,
            "sync": {"need": self.sync.need, "last_journal_seq": self.sync.last_seq},
            "markets": {
                coin: {
                    "decision": None
                    if market.decision is None
                    else msgspec.to_builtins(market.decision),
                    "mid": wire(market.view.last_mid),
                    "books": books_view(self.ledger.coin(coin)),
                }
                for coin, market in self.markets.items()
            },
        }

    # ---- inside -----------------------------------------------------------------------------

    def _book(self, fill: Fill) -> None:
        if not self._configured([fill]):
            return
        if self.ledger.apply(fill):
            self.markets[fill.coin].schedule.spend()

    def _configured(self, fills: Sequence[Fill]) -> list[Fill]:
        """The fills of configured markets; the others are noted as ignored.

        Risk's books and the session PnL (so ``SESSION_LOSS``) cover only ``[[markets]]``: a
        fill elsewhere on the account (an order placed by hand) is not ours to limit.
        """
        kept = []
        for fill in fills:
            if fill.coin in self.markets:
                kept.append(fill)
            elif fill.coin not in self.ignored:
                self.ignored.add(fill.coin)
                self._newly_ignored.append(fill.coin)
        return kept

    def _note_mid(self, market: MarketRisk) -> None:
        if market.view.last_mid is not None:
            self.session.note_mid(market.coin, market.view.last_mid)

    def _bands(self) -> list[Band]:
        return [market.band for market in self.markets.values()]

    def _trip(self, by: str, reason: str, now_ns: int) -> None:
        if self._halt is None:
            self._halt = Halt(by, reason, now_ns)

    def _reference_px(self, market: MarketRisk) -> Decimal | None:
        """The price a position is valued at for delta: the latest mid, else its entry."""
        return market.view.last_mid or self.ledger.coin(market.coin).entry_px

    def _delta(self, market: MarketRisk) -> Decimal:
        px = self._reference_px(market)
        szi = self.ledger.coin(market.coin).szi
        return ZERO if px is None else delta(szi, px, self.settings)

    def _mismatched(self, market: MarketRisk, now_ns: int) -> bool:
        since = market.mismatch_since_ns
        return since is not None and now_ns - since >= self.settings.position_mismatch_s * _S

    def _evaluate(self, market: MarketRisk, now_ns: int) -> Verdict:
        settings = self.settings
        blocking: set[str] = set()
        quoting: set[str] = set()
        if not self.snapshot_ok:
            blocking.add(r.SNAPSHOT_PENDING)
        if self._halt is not None:
            blocking.add(r.TRADING_HALTED)
        if market.spec is None:
            blocking.add(r.UNKNOWN_MARKET)
        mid = market.view.fresh_mid(now_ns, settings.max_md_age_ms * _MS)
        if mid is None:
            blocking.add(r.STALE_MARKET_DATA)
        if self._mismatched(market, now_ns):
            blocking.add(r.POSITION_MISMATCH)
        intent = market.intent
        if intent is None:
            quoting.add(r.NO_INTENT)
        elif now_ns - market.intent_ns >= settings.max_intent_age_ms * _MS:
            quoting.add(r.STALE_INTENT)
        elif mid is not None and not in_collar(
            intent.fair_px, mid, settings.max_fair_deviation_bps
        ):
            quoting.add(r.FAIR_PRICE_DEVIATION)
        account = market.account
        if account is None or now_ns - market.account_ns >= settings.max_account_age_ms * _MS:
            quoting.add(r.STALE_ACCOUNT)
        if blocking:
            return Verdict("veto", frozenset(blocking | quoting))
        spec = market.spec
        assert mid is not None and spec is not None
        szi = self.ledger.coin(market.coin).szi
        shot = None
        if market.band.rebalancing:
            shot = market.schedule.current(
                now_ns, lambda: rebalance_order(szi, mid, spec, settings), lambda: next(self._ids)
            )
        if quoting:
            if shot is None:
                return Verdict("veto", frozenset(quoting))
            return Verdict("amend", frozenset(quoting | {r.REBALANCE}), shot=shot)
        assert intent is not None and account is not None
        cap = self._cap(market, mid, account, spec)
        context = LadderContext(
            intent.fair_px,
            spec,
            szi,
            cap,
            market.band.reducing,
            market.view.bid,
            market.view.ask,
        )
        checked = check_ladder(intent.bids, intent.asks, context, settings)
        codes = set(checked.reasons)
        if market.rate_limited:
            codes.add(r.QUOTE_RATE)
        if shot is not None:
            codes.add(r.REBALANCE)
        kind: VerdictKind = "amend" if codes else "approve"
        return Verdict(kind, frozenset(codes), checked.bids, checked.asks, shot)

    def _cap(self, market: MarketRisk, mid: Decimal, account: Position, spec: MarketSpec) -> Cap:
        facts = AccountFacts(
            account.account_value,
            account.leverage or spec.max_leverage,
            self._sharing[market.coin],
        )
        return position_cap(mid, facts, spec.sz_decimals, self.settings)

    def _same(
        self,
        previous: RiskDecision | None,
        intent_id: int | None,
        verdict: Verdict,
        state: TradingState,
    ) -> bool:
        return (
            previous is not None
            and previous.rebalance is None
            and previous.intent_id == intent_id
            and previous.verdict == verdict.verdict
            and previous.reasons == r.ordered(set(verdict.reasons))
            and previous.trading_state == state
            and previous.bids == list(verdict.bids)
            and previous.asks == list(verdict.asks)
        )

    def _decision(
        self,
        coin: str,
        decision_id: int,
        intent_id: int | None,
        verdict: Verdict,
        state: TradingState,
        now_ns: int,
    ) -> RiskDecision:
        return RiskDecision(
            coin=coin,
            decision_id=decision_id,
            intent_id=intent_id,
            verdict=verdict.verdict,
            reasons=r.ordered(set(verdict.reasons)),
            trading_state=state,
            bids=list(verdict.bids),
            asks=list(verdict.asks),
            rebalance=None if verdict.shot is None else verdict.shot.order,
            created_ns=now_ns,
        )

    def _limits(self, now_ns: int) -> dict[str, Any]:
        """The limits in force: the configured ones, and each market's cap and state."""
        limits = settings_limits(self.settings)
        limits["session_start_ns"] = self.session.start_ns
        markets: dict[str, Any] = {}
        for coin, market in self.markets.items():
            entry: dict[str, Any] = {
                "state": market_state(self._halt, market.band),
                "rebalancing": market.band.rebalancing,
            }
            mid = market.view.fresh_mid(now_ns, self.settings.max_md_age_ms * _MS)
            if mid is not None and market.account is not None and market.spec is not None:
                cap = self._cap(market, mid, market.account, market.spec)
                entry.update(max_position_sz=wire(cap.max_sz), binding=cap.binding)
            markets[coin] = entry
        limits["markets"] = markets
        return limits
