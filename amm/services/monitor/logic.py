"""The monitor's pure core: bus bodies in; stats, alerts, modes, history out; time is an argument.

Fills are booked into the shared ``Ledger`` strictly in execution's journal order
(``amm.common.fill_sync.FillSync``), each kept as a ``FillRecord`` with the books right after it.
Mids come from ``md.bbo`` (a two-sided, uncrossed top); positions' deltas from ``risk.state``;
the exchange's account value from ``exec.position``; funding from the shell (``userFunding``).
The shell (``service.py``) asks execution when ``sync.need`` says so, calls ``tick`` on a short
timer and ``cycle`` when ``cycle_due``, publishes what they return, and writes ``take_changes()``.

The session starts when the monitor's database is created and survives restarts; ``total``
covers every fill in execution's journal. A session's PnL is the change of mark-to-market PnL
since its start (``windows.py``), summed over the configured markets for alerts and modes.
Nothing is evaluated or reported until execution's fills are in (``ready``).

Cost: counts, volumes, fees and PnL of any window are O(1) (differences of the ledger's books);
spread capture, maker share and markouts scan the window's fills. ``tick`` scans only the alert
window; ``cycle`` and the ``history`` reply scan every window once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec

from amm.common.accounting import ZERO, Ledger
from amm.common.fill_sync import RESYNC, FillSync
from amm.common.hyperliquid.meta import dex_of
from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.messages import (
    Alert,
    Bbo,
    CrossCheck,
    Fill,
    MarketDataStatus,
    ModeRecommendation,
    MonitorStats,
    Position,
    RiskState,
)
from amm.services.monitor import crosscheck, modes
from amm.services.monitor.alerts import AlertBook, Rules
from amm.services.monitor.history import (
    CYCLES_KEPT,
    CycleSummary,
    Sample,
    downsample,
    mid_at,
)
from amm.services.monitor.markouts import Markouts
from amm.services.monitor.metrics import HORIZONS_MS, FillRecord, weighted_bps
from amm.services.monitor.report import cycle_lines
from amm.services.monitor.settings import (
    ROLLING_WINDOWS,
    SESSION,
    TOTAL,
    WINDOWS,
    MonitorSettings,
)
from amm.services.monitor.state import Changes, Funding, Saved
from amm.services.monitor.windows import Window, opening_books, start_index

_MS = 1_000_000
_S_MS = 1_000
POSITIONS_KEPT = 64
"""Recent ``exec.position`` bodies kept per market for the cross-check (about two minutes)."""


@dataclass(frozen=True, slots=True)
class Tick:
    """What one ``tick`` asks the shell to publish."""

    alerts: list[Alert] = field(default_factory=list)
    mode: ModeRecommendation | None = None  # due for re-publication, or changed
    mode_changed: bool = False


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one cycle produced: a ``monitor.stats`` and log lines per market, alerts, mode."""

    stats: dict[str, MonitorStats]
    lines: dict[str, list[str]]
    alerts: list[Alert]
    mode: ModeRecommendation | None  # set only if the cycle changed the mode


class MonitorCore:
    """The monitor of one deployment's configured markets (see the module docstring)."""

    def __init__(
        self, settings: MonitorSettings, coins: Sequence[str], saved: Saved, *, now_ns: int
    ) -> None:
        self.settings = settings
        self.coins = list(coins)
        self.rules = Rules.of(settings.alerts)
        self.ledger = Ledger()
        self.records: list[FillRecord] = []
        self.by_coin: dict[str, list[FillRecord]] = {}
        self.funding: list[Funding] = []
        self.markouts = Markouts(
            int(settings.mid_max_age_s * _S_MS), int(settings.tape_retention_s * _S_MS)
        )
        self.mids: dict[str, Decimal] = {}
        self.md_status: MarketDataStatus | None = None
        self.md_status_ms: int | None = None
        self.risk: RiskState | None = None
        self.risk_ms: int | None = None
        self.positions: dict[str, deque[Position]] = {}
        self.funding_until_ms: int | None = None  # funding is booked up to here (exchange ms)
        self.alerts = AlertBook()
        self.crosschecks: dict[str, CrossCheck] = {}
        self.ready = False  # execution's fills are in (a snapshot or a resync answered)
        self.outbox = Changes()
        now_ms = now_ns // _MS
        self._session_index: dict[str, int] = {}
        self._restore(saved, now_ns)
        self._next_evaluate_ms = self._next_sample_ms = self._next_mode_ms = now_ms

    # ---- restoring ---------------------------------------------------------------------------

    def _restore(self, saved: Saved, now_ns: int) -> None:
        state, now_ms = saved.state, now_ns // _MS
        session = state.get("session") or {"start_ms": now_ms, "marks": {}}
        self.session_start_ms: int = int(session["start_ms"])
        self.session_marks = {coin: Decimal(mid) for coin, mid in session["marks"].items()}
        for fill, marks in saved.fills:
            self._book(fill, marks, queue=False)
        self.funding_ms: int = int(state.get("funding_ms", 0))
        for coin, time_ms, usdc in saved.funding:
            self._fund(coin, time_ms, usdc, queue=False)
        self.samples = {coin: list(saved.samples.get(coin, ())) for coin in self.coins}
        self.cycles = {
            coin: deque(saved.cycles.get(coin, ()), maxlen=CYCLES_KEPT) for coin in self.coins
        }
        for coin, samples in self.samples.items():
            mids = [sample.mid for sample in samples if sample.mid is not None]
            if mids:
                self.mids[coin] = mids[-1]
        cycle = state.get("cycle") or {"n": 0, "time_ms": None, "pnl": {}}
        self.cycle_no: int = int(cycle["n"])
        self.cycle_ms: int | None = cycle["time_ms"]
        self.cycle_base = {coin: Decimal(pnl) for coin, pnl in cycle["pnl"].items()}
        mode = state.get("mode")
        self.mode = (
            modes.ModeState(mode["mode"], mode["reason"], mode["since_ns"], list(mode["targets"]))
            if mode
            else modes.ModeState(self.settings.modes.initial, "initial mode", now_ns)
        )
        self.alerts.restore([msgspec.convert(body, Alert) for body in state.get("alerts", ())])
        self.baselines = {
            dex: crosscheck.Baseline(
                b["time_ms"], Decimal(b["account_value"]), Decimal(b["trade_pnl"])
            )
            for dex, b in state.get("baselines", {}).items()
        }
        self.last_stats = {
            coin: msgspec.convert(body, MonitorStats)
            for coin, body in state.get("stats", {}).items()
        }
        self.account: str | None = state.get("account")
        last_seq = max((fill.journal_seq for fill, _ in saved.fills), default=0)
        self.sync = FillSync(last_seq, RESYNC) if saved.fills else FillSync()
        if "session" not in state:
            self._save_session()
        if "mode" not in state:
            self._save_mode()

    # ---- execution's fills -------------------------------------------------------------------

    def on_fill(self, fill: Fill) -> None:
        """An ``exec.fill``: booked in journal order, or held until a resync."""
        for booked in self.sync.on_fill(fill):
            self._book(booked)

    def on_snapshot(self, fills: Sequence[Fill]) -> None:
        """Every journaled fill (``fills_since`` 0): the books are rebuilt from them.

        Marks already decided are kept by ``tid``; the stored fills are replaced.
        """
        history = self.sync.after_snapshot(fills)
        known = {record.fill.tid: record.marks for record in self.records}
        self.ledger, self.records, self.by_coin = Ledger(), [], {}
        self._session_index.clear()
        self.markouts.clear()
        for fill in history:
            self._book(fill, known.get(fill.tid), queue=False)
        for coin, time_ms, usdc in self.funding:
            self.ledger.apply_funding(coin, usdc, time_ms)
        self.outbox.rebuilt, self.outbox.fills = True, list(self.records)
        self.outbox.marks.clear()
        self.ready = True

    def on_resync(self, fills: Sequence[Fill], last_seq: int) -> None:
        """A ``fills_since`` answer (``last_seq``: the journal's latest number)."""
        booked = self.sync.after_resync(fills, last_seq)
        for fill in booked or ():
            self._book(fill)
        if booked is not None and self.sync.need is None:
            self.ready = True

    def request_resync(self) -> None:
        """A gap in execution's stream or a new execution epoch: ask what we missed."""
        self.sync.ask(RESYNC)

    def _book(
        self, fill: Fill, marks: dict[str, Decimal | None] | None = None, *, queue: bool = True
    ) -> None:
        if not self.ledger.apply(fill):
            return
        record = FillRecord(fill, self.ledger.coin(fill.coin), dict(marks or {}))
        self.records.append(record)
        mine = self.by_coin.setdefault(fill.coin, [])
        mine.append(record)
        if fill.time_ms < self.session_start_ms:
            self._session_index[fill.coin] = len(mine)
        self.markouts.track(record)
        if queue:
            self.outbox.fills.append(record)

    # ---- the other inputs --------------------------------------------------------------------

    def on_bbo(self, bbo: Bbo) -> None:
        """An ``md.bbo``: a new mid for the tape, the marks, the session's opening mark."""
        if bbo.bid_px is None or bbo.ask_px is None or bbo.bid_px >= bbo.ask_px:
            return
        mid = (bbo.bid_px + bbo.ask_px) / 2
        self.mids[bbo.coin] = mid
        if bbo.coin in self.coins and bbo.coin not in self.session_marks:
            self.session_marks[bbo.coin] = mid
            self._save_session()
        for record in self.markouts.on_mid(bbo.coin, bbo.exch_time_ms, mid):
            self.outbox.marks[record.fill.tid] = record

    def on_md_status(self, status: MarketDataStatus, now_ns: int) -> None:
        """An ``md.status``."""
        self.md_status, self.md_status_ms = status, now_ns // _MS

    def on_risk_state(self, state: RiskState, now_ns: int) -> None:
        """A ``risk.state`` (the positions' deltas)."""
        self.risk, self.risk_ms = state, now_ns // _MS

    def on_position(self, position: Position) -> None:
        """An ``exec.position``: the exchange's size, mark and account value on its dex."""
        recent = self.positions.setdefault(position.coin, deque(maxlen=POSITIONS_KEPT))
        if not recent or position.time_ms >= recent[-1].time_ms:
            recent.append(position)

    def on_account(self, account: str) -> None:
        """The address execution trades for (funding is read for it)."""
        if account != self.account:
            self.account = account
            self.outbox.state["account"] = account

    def on_funding(self, payments: Iterable[Funding], until_ms: int) -> int:
        """Funding payments read from the exchange up to ``until_ms``; how many were new."""
        new = sum(self._fund(coin, time_ms, usdc) for coin, time_ms, usdc in payments)
        self.funding_until_ms = until_ms
        return new

    def _fund(self, coin: str, time_ms: int, usdc: Decimal, *, queue: bool = True) -> bool:
        if not self.ledger.apply_funding(coin, usdc, time_ms):
            return False
        self.funding.append((coin, time_ms, usdc))
        self.funding_ms = max(self.funding_ms, time_ms)
        if queue:
            self.outbox.funding.append((coin, time_ms, usdc))
            self.outbox.state["funding_ms"] = self.funding_ms
        return True

    # ---- windows -----------------------------------------------------------------------------

    def window(self, coin: str, name: str, now_ms: int) -> Window:
        """One of ``WINDOWS`` of ``coin`` as of ``now_ms``."""
        records = self.by_coin.get(coin, [])
        first_ms = records[0].fill.time_ms if records else self.session_start_ms
        if name == TOTAL:
            start_ms, index, opening_mark = 0, 0, None
            span_ms = now_ms - first_ms
        elif name == SESSION:
            start_ms = self.session_start_ms
            index = self._session_index.get(coin, 0)
            opening_mark, span_ms = self.session_marks.get(coin), now_ms - start_ms
        else:
            length = ROLLING_WINDOWS[name]
            start_ms = now_ms - length
            index = start_index(records, start_ms)
            opening_mark = mid_at(self.samples.get(coin, []), start_ms)
            span_ms = min(length, now_ms - min(first_ms, self.session_start_ms))
        return Window(
            records=records[index:],
            opening=opening_books(coin, records, index),
            opening_mark=opening_mark,
            books=self.ledger.coin(coin),
            mark=self.mids.get(coin),
            funding=sum((u for c, t, u in self.funding if c == coin and t >= start_ms), ZERO),
            start_ms=start_ms,
            span_ms=span_ms,
        )

    def session_pnl(self, now_ms: int) -> Decimal:
        """The session's net PnL over every configured market."""
        return sum((self.window(c, SESSION, now_ms).net_pnl() for c in self.coins), ZERO)

    # ---- timers ------------------------------------------------------------------------------

    def tick(self, now_ns: int) -> Tick:
        """Whatever is due now: alerts and the emergency check, a sample, ``monitor.mode``."""
        now_ms, settings = now_ns // _MS, self.settings
        alerts: list[Alert] = []
        changed = False
        if self.ready and now_ms >= self._next_evaluate_ms:
            alerts, changed = self._evaluate(now_ns)
            self._next_evaluate_ms = now_ms + int(settings.evaluate_interval_s * _S_MS)
        if self.ready and now_ms >= self._next_sample_ms:
            self._sample(now_ms)
            self._next_sample_ms = now_ms + int(settings.sample_interval_s * _S_MS)
        mode = None
        if changed or now_ms >= self._next_mode_ms:
            mode = self.mode.recommendation()
            self._next_mode_ms = now_ms + int(settings.mode_interval_s * _S_MS)
        return Tick(alerts, mode, changed)

    def cycle_due(self, now_ns: int) -> bool:
        """True once a cycle's time has come (and execution's fills are in)."""
        since = self.session_start_ms if self.cycle_ms is None else self.cycle_ms
        return self.ready and now_ns // _MS - since >= self.settings.cycle_interval_s * _S_MS

    def cycle(self, now_ns: int) -> CycleReport:
        """End a cycle: cross-check, mode, ``monitor.stats`` and the report of every market."""
        now_ms = now_ns // _MS
        self.cycle_no += 1
        alerts = self._crosscheck(now_ns)
        pnl = {coin: self.window(coin, SESSION, now_ms).net_pnl() for coin in self.coins}
        cycle_pnl = {coin: pnl[coin] - self.cycle_base.get(coin, ZERO) for coin in self.coins}
        aim = modes.target(
            self.settings.modes,
            self.mode.mode,
            session_pnl=sum(pnl.values(), ZERO),
            cycle_pnl=sum(cycle_pnl.values(), ZERO),
            spread_bps=self._spread(self.settings.modes.window, now_ms),
        )
        changed = self.mode.on_cycle(aim, self.settings.modes.upgrade_cycles, now_ns)
        if changed:
            self._save_mode()
        since_ms = self.session_start_ms if self.cycle_ms is None else self.cycle_ms
        stats: dict[str, MonitorStats] = {}
        for coin in self.coins:
            stats[coin] = self._stats(coin, now_ms, cycle_pnl[coin])
            this_cycle = self._rolling(coin, since_ms, now_ms)
            summary = CycleSummary(
                cycle=self.cycle_no,
                time_ms=now_ms,
                fills=len(this_cycle),
                cycle_pnl=cycle_pnl[coin],
                session_pnl=pnl[coin],
                spread_capture_bps=weighted_bps((r.notional, r.edge_bps()) for r in this_cycle),
                mode=self.mode.mode,
            )
            self.cycles[coin].append(summary)
            self.outbox.cycles.append((coin, summary))
        self.cycle_ms, self.cycle_base, self.last_stats = now_ms, pnl, stats
        self.outbox.state["cycle"] = {
            "n": self.cycle_no,
            "time_ms": now_ms,
            "pnl": {coin: decimal_to_wire(value) for coin, value in pnl.items()},
        }
        self.outbox.state["stats"] = {c: msgspec.to_builtins(s) for c, s in stats.items()}
        return CycleReport(
            stats=stats,
            lines={coin: cycle_lines(body) for coin, body in stats.items()},
            alerts=alerts,
            mode=self.mode.recommendation() if changed else None,
        )

    # ---- replies -----------------------------------------------------------------------------

    def stats_reply(self, coin: str, window: str | None) -> dict[str, Any]:
        """The last ``monitor.stats`` of ``coin`` as published, or one window of it."""
        stats = self.last_stats.get(coin)
        if stats is None:
            raise LookupError(f"no monitor.stats for {coin} yet: the first cycle has not ended")
        body = msgspec.to_builtins(stats)
        if window is not None:
            if window not in body["windows"]:
                raise ValueError(f"unknown window {window!r} (known: {', '.join(WINDOWS)})")
            body["windows"] = {window: body["windows"][window]}
        return body

    def history(self, coin: str, now_ms: int) -> dict[str, Any]:
        """The ``history`` reply of ``coin`` (see the service docstring)."""
        points = downsample(self.samples.get(coin, []), self.settings.history_points)
        session = self.window(coin, SESSION, now_ms)
        fills = session.records[-self.settings.history_fills :]
        return {
            "pnl": [[s.time_ms, decimal_to_wire(s.pnl)] for s in points],
            "position": [[s.time_ms, decimal_to_wire(s.szi)] for s in points],
            "fills": [
                {
                    "time_ms": r.fill.time_ms,
                    "px": decimal_to_wire(r.fill.px),
                    "sz": decimal_to_wire(r.fill.sz),
                    "side": r.fill.side,
                    "crossed": r.fill.crossed,
                }
                for r in fills
            ],
            "mids": [[s.time_ms, decimal_to_wire(s.mid)] for s in points if s.mid is not None],
            "markouts": {
                h: weighted_bps((r.notional, r.markout_bps(h)) for r in session.records)
                for h in HORIZONS_MS
            },
            "cycles": [msgspec.to_builtins(summary) for summary in self.cycles.get(coin, ())],
            "alerts": [msgspec.to_builtins(alert) for alert in self.alerts.active.values()],
        }

    def take_changes(self) -> Changes:
        """What to write now; the queue starts empty again."""
        changes, self.outbox = self.outbox, Changes()
        return changes

    def requeue(self, changes: Changes) -> None:
        """Changes that could not be written: they go first at the next flush."""
        self.outbox = changes.then(self.outbox)

    def live(self, now_ns: int) -> dict[str, tuple[Decimal, float | None]]:
        """Each market's position from the fills and delta from risk, now."""
        now_ms = now_ns // _MS
        return {c: (self.ledger.coin(c).szi, self._delta(c, now_ms)) for c in self.coins}

    # ---- inside ------------------------------------------------------------------------------

    def _stats(self, coin: str, now_ms: int, cycle_pnl: Decimal) -> MonitorStats:
        books = self.ledger.coin(coin)
        entry = books.entry_px
        return MonitorStats(
            cycle=self.cycle_no,
            cycle_pnl=cycle_pnl,
            windows={name: self.window(coin, name, now_ms).stats() for name in WINDOWS},
            coin=coin,
            time_ms=now_ms,
            session_start_ms=self.session_start_ms,
            position=books.szi,
            entry_px=entry if entry is not None and entry > 0 else None,
            mid=self.mids.get(coin),
            delta=self._delta(coin, now_ms),
            mode=self.mode.mode,
            alerts_active=len(self.alerts.active),
            crosscheck=self.crosschecks.get(dex_of(coin)),
        )

    def _rolling(self, coin: str, since_ms: int, now_ms: int) -> Sequence[FillRecord]:
        records = self.by_coin.get(coin, [])
        return records[start_index(records, since_ms) :]

    def _spread(self, window: str, now_ms: int) -> float | None:
        """Spread capture over ``window`` and every market, None with too few fills."""
        records = [r for coin in self.coins for r in self.window(coin, window, now_ms).records]
        if len(records) < self.settings.alerts.min_fills:
            return None
        return weighted_bps((r.notional, r.edge_bps()) for r in records)

    def _delta(self, coin: str, now_ms: int) -> float | None:
        risk = self.risk
        if risk is None or self.risk_ms is None:
            return None
        if now_ms - self.risk_ms > self.settings.alerts.risk_max_age_s * _S_MS:
            return None
        position = risk.positions.get(coin)
        return None if position is None else position.delta

    def _md_live(self, coin: str, now_ms: int) -> tuple[bool, str]:
        status = self.md_status
        if status is None or self.md_status_ms is None:
            return False, "no md.status heard"
        age_s = (now_ms - self.md_status_ms) / _S_MS
        if age_s > self.settings.alerts.market_data_max_age_s:
            return False, f"no md.status for {age_s:.0f} s"
        state = status.markets.get(coin, status.state)
        return state == "live", "" if state == "live" else f"{state}: {status.reason}"

    def _evaluate(self, now_ns: int) -> tuple[list[Alert], bool]:
        now_ms, rules, book = now_ns // _MS, self.rules, self.alerts
        name = self.settings.alert_window
        raised: list[Alert | None] = []
        for coin in self.coins:
            w = self.window(coin, name, now_ms).stats()
            enough = w.fills >= self.settings.alerts.min_fills
            for rule, value in (
                (rules.imbalance, abs(w.imbalance)),
                (rules.one_sided, w.one_sided),
                (rules.spread_capture, w.spread_capture_bps),
                (rules.fill_rate, w.fill_rate_per_h),
            ):
                measured = value if enough else None
                raised.append(book.update(rule, coin, measured, now_ns, window=name))
            delta = self._delta(coin, now_ms)
            raised.append(
                book.update(rules.delta, coin, None if delta is None else abs(delta), now_ns)
            )
            live, why = self._md_live(coin, now_ms)
            raised.append(
                book.update(rules.market_data, coin, 0.0 if live else 1.0, now_ns, detail=why)
            )
        session = self.session_pnl(now_ms)
        for rule in (rules.session_pnl, rules.session_loss):
            raised.append(book.update(rule, "", session, now_ns, window=SESSION))
        running = session - sum((self.cycle_base.get(c, ZERO) for c in self.coins), ZERO)
        urgent = modes.emergency(self.settings.modes, session, running)
        changed = urgent is not None and self.mode.on_emergency(urgent, now_ns)
        if changed:
            self._save_mode()
        alerts = [alert for alert in raised if alert is not None]
        if alerts:
            self._save_alerts()
        return alerts, changed

    def _crosscheck(self, now_ns: int) -> list[Alert]:
        """Each dex's reading against its baseline (the first usable reading of the session)."""
        if self.sync.need is not None:
            return []
        raised: list[Alert | None] = []
        for dex in sorted({dex_of(coin) for coin in self.coins}):
            reading = crosscheck.read(
                dex, self.coins, self.positions, self.ledger, self.funding, self.funding_until_ms
            )
            if reading is None:
                continue
            baseline = self.baselines.get(dex)
            if baseline is None:
                self.baselines[dex] = crosscheck.baseline_of(reading)
                self._save_baselines()
                continue
            result = self.crosschecks[dex] = crosscheck.compare(baseline, reading)
            raised.append(
                self.alerts.update(
                    self.rules.crosscheck, f"dex:{dex}", abs(result.divergence), now_ns
                )
            )
            for coin, gap in reading.size_gaps.items():
                raised.append(self.alerts.update(self.rules.position, coin, gap, now_ns))
        alerts = [alert for alert in raised if alert is not None]
        if alerts:
            self._save_alerts()
        return alerts

    def _sample(self, now_ms: int) -> None:
        for coin in self.coins:
            sample = Sample(
                time_ms=now_ms,
                mid=self.mids.get(coin),
                szi=self.ledger.coin(coin).szi,
                pnl=self.window(coin, SESSION, now_ms).net_pnl(),
            )
            self.samples[coin].append(sample)
            self.outbox.samples.append((coin, sample))

    def _save_session(self) -> None:
        self.outbox.state["session"] = {
            "start_ms": self.session_start_ms,
            "marks": {coin: decimal_to_wire(mid) for coin, mid in self.session_marks.items()},
        }

    def _save_mode(self) -> None:
        mode = self.mode
        self.outbox.state["mode"] = {
            "mode": mode.mode,
            "reason": mode.reason,
            "since_ns": mode.since_ns,
            "targets": list(mode.targets),
        }

    def _save_alerts(self) -> None:
        self.outbox.state["alerts"] = [msgspec.to_builtins(a) for a in self.alerts.active.values()]

    def _save_baselines(self) -> None:
        self.outbox.state["baselines"] = {
            dex: {
                "time_ms": b.time_ms,
                "account_value": decimal_to_wire(b.account_value),
                "trade_pnl": decimal_to_wire(b.trade_pnl),
            }
            for dex, b in self.baselines.items()
        }
