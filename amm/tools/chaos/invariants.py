"""What must hold after any chaos, checked over data collected from the deployment (pure).

Each check returns a `Check`: its name, whether it held, how many violations it found and a
line saying what was compared. The data comes from the venue (the truth about the account), from
the actors' reply ops, from execution's journal file and from the logs; nothing here does I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Check:
    """One invariant's verdict."""

    name: str
    violations: int
    detail: str

    @property
    def ok(self) -> bool:
        return self.violations == 0


def verdict(name: str, held: bool, detail: str) -> Check:
    """A yes/no check: one violation when it did not hold."""
    return Check(name, 0 if held else 1, detail)


@dataclass(frozen=True)
class OrderSample:
    """One look at the account's open orders: when, and the ones execution did not know."""

    at_s: float
    unknown: frozenset[str]  # cloid (or oid) of each open order execution did not list


def orders_known(samples: Sequence[OrderSample], grace_s: float) -> Check:
    """No order stays at the venue unknown to execution for longer than `grace_s`.

    An order can be unknown for a moment (placed by an instance that was just killed, before
    the new one reconciles); one still unknown after execution's own reconcile period is a
    stranger it failed to adopt or cancel.
    """
    since: dict[str, float] = {}
    worst: dict[str, float] = {}
    for sample in samples:
        since = {key: since.get(key, sample.at_s) for key in sample.unknown}
        for key, first in since.items():
            worst[key] = max(worst.get(key, 0.0), sample.at_s - first)
    late = sorted(key for key, span in worst.items() if span > grace_s)
    longest = max(worst.values(), default=0.0)
    detail = (
        f"{len(samples)} samples; {len(worst)} order(s) seen unknown, longest {longest:.1f} s "
        f"(allowed {grace_s:g} s)" + (f"; late: {', '.join(late[:5])}" if late else "")
    )
    return Check("orders_known_to_execution", len(late), detail)


def fills_journaled_once(
    venue_fills: Sequence[Mapping[str, Any]], journal: Sequence[Mapping[str, Any]]
) -> Check:
    """Every venue fill of the account is in the journal exactly once, with the same terms."""
    venue = {fill["tid"]: fill for fill in venue_fills}
    counts = Counter(row["tid"] for row in journal)
    missing = [tid for tid in venue if counts[tid] == 0]
    repeated = [tid for tid, n in counts.items() if n > 1]
    foreign = [tid for tid in counts if tid not in venue]
    differing = [
        row["tid"]
        for row in journal
        if row["tid"] in venue and not _same_terms(venue[row["tid"]], row)
    ]
    violations = len(missing) + len(repeated) + len(foreign) + len(differing)
    detail = (
        f"{len(venue)} venue fills, {len(journal)} journal rows: {len(missing)} missing, "
        f"{len(repeated)} twice, {len(foreign)} not at the venue, {len(differing)} differing"
    )
    return Check("fills_journaled_once", violations, detail)


def _same_terms(venue_fill: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    return (
        venue_fill["coin"] == row["coin"]
        and venue_fill["side"] == row["side"]
        and Decimal(venue_fill["px"]) == Decimal(row["px"])
        and Decimal(venue_fill["sz"]) == Decimal(row["sz"])
    )


def monitor_counts_fills(
    venue_fills: Sequence[Mapping[str, Any]],
    totals: Mapping[str, Mapping[str, Any]],
    history: Mapping[str, Sequence[Mapping[str, Any]]],
    history_limit: int,
) -> Check:
    """The monitor's figures hold every venue fill once: per market, its `total` window's fill
    count and buy and sell volume, and its session history's fills (time, side, price, size;
    the history keeps only the last `history_limit`)."""
    problems = []
    for coin, window in totals.items():
        fills = [fill for fill in venue_fills if fill["coin"] == coin]
        buys = [fill for fill in fills if fill["side"] == "B"]
        sells = [fill for fill in fills if fill["side"] == "A"]
        expected = {
            "fills": len(fills),
            "buy_volume": sum((Decimal(f["sz"]) for f in buys), Decimal(0)),
            "sell_volume": sum((Decimal(f["sz"]) for f in sells), Decimal(0)),
        }
        for field, want in expected.items():
            got = window.get(field)
            if got is None or Decimal(str(got)) != want:
                problems.append(f"{coin} total {field} {got} != venue {want}")
        seen = Counter(_fill_key(f["time_ms"], f["side"], f["px"], f["sz"]) for f in history[coin])
        truth = Counter(
            _fill_key(f["time"], f["side"], f["px"], f["sz"]) for f in fills[-history_limit:]
        )
        if seen != truth:
            problems.append(
                f"{coin} history: {sum((truth - seen).values())} venue fills missing, "
                f"{sum((seen - truth).values())} extra"
            )
    detail = "; ".join(problems) or (
        f"{len(venue_fills)} venue fills = the monitor's total window and session history"
    )
    return Check("monitor_counts_fills", len(problems), detail)


def _fill_key(time_ms: int, side: str, px: str, sz: str) -> tuple[int, str, Decimal, Decimal]:
    return int(time_ms), side, Decimal(px), Decimal(sz)


def risk_matches_venue(venue: Mapping[str, Decimal], risk: Mapping[str, Decimal | None]) -> Check:
    """Risk's position in each market equals the venue's."""
    wrong = {coin: (risk.get(coin), held) for coin, held in venue.items() if risk.get(coin) != held}
    detail = ", ".join(f"{coin}: risk {r} vs venue {v}" for coin, (r, v) in wrong.items())
    shown = ", ".join(f"{coin} {held}" for coin, held in venue.items())
    return Check("risk_position_equals_venue", len(wrong), detail or f"both hold {shown}")


def position_path(start: Decimal, fills: Iterable[Mapping[str, Any]]) -> list[Decimal]:
    """The positions held from `start` on, fill by fill (fills in the venue's time order)."""
    held, path = start, [start]
    for fill in fills:
        held += Decimal(fill["sz"]) if fill["side"] == "B" else -Decimal(fill["sz"])
        path.append(held)
    return path


def positions_since(start: Decimal, fills: Iterable[Mapping[str, Any]]) -> set[Decimal]:
    """Every position held from `start` on: the fills (time order) that continue from it."""
    held, seen = start, {start}
    for fill in fills:
        if Decimal(fill["startPosition"]) == held:
            held = position_path(held, [fill])[-1]
            seen.add(held)
    return seen


def within_hard_limit(venue_fills: Sequence[Mapping[str, Any]], limit_usd: Decimal) -> Check:
    """No position the account held, rebuilt fill by fill, was worth more than `limit_usd`."""
    worst, breaches = Decimal(0), 0
    by_coin: dict[str, list[Mapping[str, Any]]] = {}
    for fill in venue_fills:
        by_coin.setdefault(fill["coin"], []).append(fill)
    for fills in by_coin.values():
        path = position_path(Decimal(fills[0]["startPosition"]), fills)
        for held, fill in zip(path[1:], fills, strict=True):
            value = abs(held) * Decimal(fill["px"])
            worst = max(worst, value)
            breaches += value > limit_usd
    detail = f"largest position ${worst:.2f} over {len(venue_fills)} fills (limit ${limit_usd})"
    return Check("position_within_hard_limit", breaches, detail)


def no_repeated_cloids(placements: Mapping[str, Any]) -> Check:
    """No client order id was placed twice at the venue (a retried action made no second order)."""
    repeated = placements["repeated"]
    detail = f"{placements['placements']} placements of {placements['cloids']} cloids" + (
        f"; repeated: {', '.join(f'{c} x{n}' for c, n in list(repeated.items())[:5])}"
        if repeated
        else ""
    )
    return Check("no_cloid_placed_twice", len(repeated), detail)


def no_process_left(pids_seen: Iterable[int], alive_after_down: Sequence[int]) -> Check:
    """Every process supervisord ever ran for the deployment is gone after `amm down`."""
    seen = sorted(set(pids_seen))
    detail = f"{len(seen)} pids seen; alive after amm down: {list(alive_after_down) or 'none'}"
    return Check("no_process_left_after_down", len(alive_after_down), detail)


def key_not_in_logs(key_hex: str, logs: Mapping[str, str]) -> Check:
    """The paper key's hex (with or without 0x, any case) appears in no log."""
    bare = key_hex.lower().removeprefix("0x")
    leaks = sorted(name for name, text in logs.items() if bare in text.lower())
    detail = f"{len(logs)} logs searched" + (f"; key found in {', '.join(leaks)}" if leaks else "")
    return Check("private_key_not_in_logs", len(leaks), detail)


def within(name: str, measured_s: float | None, limit_s: float, what: str) -> Check:
    """`what` happened within `limit_s` (None: it did not happen at all)."""
    if measured_s is None:
        return Check(name, 1, f"{what}: did not happen (limit {limit_s:g} s)")
    held = measured_s <= limit_s
    return Check(name, 0 if held else 1, f"{what}: {measured_s:.2f} s (limit {limit_s:g} s)")
