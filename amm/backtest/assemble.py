"""The result of a finished run: what the collector gathered plus what the actors counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from amm.backtest.collector import Collector
from amm.backtest.result import (
    ActionStats,
    BacktestResult,
    FillRow,
    RiskStats,
    market_stats,
    max_drawdown,
    rounded,
)
from amm.backtest.settings import BacktestSettings
from amm.common.accounting import ZERO
from amm.services.risk.states import Halt

_MS = 1_000_000
_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the driver knows at the end, beyond the collector."""

    source: str
    seed: int
    settings: BacktestSettings
    end_ns: int
    requests: Mapping[str, int]  # /exchange requests per kind
    orders: Mapping[str, int]  # orders, modifies and cancels in them per kind
    intents: int  # new ladders the quoter made
    halt: Halt | None
    exchange_net_pnl: Decimal  # the venue's account value change


def assemble(collector: Collector, facts: RunFacts) -> BacktestResult:
    """Close the collector at the end of the run and build the result."""
    end_ns, end_ms = facts.end_ns, facts.end_ns // _MS
    start_ms = collector.start_ns // _MS
    collector.sample(end_ns)
    state_ns = collector.finish(end_ns)
    makers = {coin: 0 for coin in collector.coins}
    for fill in collector.fills:
        makers[fill.coin] = makers.get(fill.coin, 0) + (not fill.crossed)
    markets = {
        coin: market_stats(
            collector.ledger.coin(coin),
            collector.marks.get(coin),
            makers[coin],
            track.abs_integral / max(1, end_ms - start_ms),
            track.max_abs,
        )
        for coin, track in collector.positions.items()
    }
    reports = {metric.name: metric.report(end_ms) for metric in collector.metrics}
    monitor = reports.get("monitor", {})
    fills = sum(stats.fills for stats in markets.values())
    orders = sum(facts.orders.values())
    last, halt = collector.last_state, facts.halt
    return BacktestResult(
        source=facts.source,
        seed=facts.seed,
        start_ms=start_ms,
        end_ms=end_ms,
        settings=msgspec.to_builtins(facts.settings),
        fills=fills,
        net_pnl=sum((s.net_pnl for s in markets.values()), ZERO),
        realized_pnl=sum((s.realized_pnl for s in markets.values()), ZERO),
        unrealized_pnl=sum((s.unrealized_pnl for s in markets.values()), ZERO),
        fees=sum((s.fees for s in markets.values()), ZERO),
        funding=sum((s.funding for s in markets.values()), ZERO),
        max_drawdown=max_drawdown(collector.pnl_curve),
        spread_capture_bps=monitor.get("spread_capture_bps"),
        markouts_bps=monitor.get("markouts_bps", {}),
        markets=markets,
        metrics=reports,
        risk=RiskStats(
            seconds={state: round(ns / _S, 3) for state, ns in state_ns.items()},
            share_reducing=rounded(state_ns["REDUCING"] / max(1, end_ns - collector.start_ns))
            or 0.0,
            final_state=None if last is None else last.state,
            halted_by=None if halt is None else halt.by,
            halt_reason=None if halt is None else halt.reason,
            decisions=dict(sorted(collector.decisions.items())),
        ),
        actions=ActionStats(
            requests=dict(sorted(facts.requests.items())),
            orders=dict(sorted(facts.orders.items())),
            total_requests=sum(facts.requests.values()),
            total_orders=orders,
            actions_per_fill=rounded(orders / fills) if fills else None,
            intents=facts.intents,
        ),
        exchange_net_pnl=facts.exchange_net_pnl,
        pnl_curve=collector.pnl_curve,
        position_curves=collector.position_curves,
        mark_curves=collector.mark_curves,
        fill_log=[
            FillRow(f.time_ms, f.coin, f.side, f.px, f.sz, f.crossed) for f in collector.fills
        ],
    )
