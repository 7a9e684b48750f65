"""From the venue's stamps to tick-to-order latencies and refresh counts (pure).

A *move* is a published l2Book whose touch (best bid, best ask) differs from the previous one of
its coin: a change the quoter must answer. Books whose touch did not change (our own orders
appearing deeper in the book, for instance) are not moves. The action that *answers* move i is
the first order-changing ``/exchange`` request (``ORDER_ACTIONS``) that arrives after it and
before the next move, and whose prices are nearer the new mid than the previous one (an action
that still carries the old mid's prices was already on its way: it is counted as stale and the
next one is taken). The centre of an action is between its best bid and best ask, so only an
action with both sides can be judged stale; the others (a cancel, one side moved) answer by their
timing alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ORDER_ACTIONS = frozenset({"order", "modify", "batchModify", "cancel", "cancelByCloid"})
_NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class BookStamp:
    """An l2Book the venue published: when (venue process ns), which coin, its touch."""

    t_ns: int
    coin: str
    bid: float | None
    ask: float | None

    @property
    def mid(self) -> float | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2


@dataclass(frozen=True, slots=True)
class ActionStamp:
    """An ``/exchange`` request at arrival: its action type, batch length, and the prices of
    the bids and asks it places or modifies to."""

    t_ns: int
    type: str
    batch: int
    bids: tuple[float, ...] = ()
    asks: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """What followed one move: the latency to the first answering action and to the last
    order action before the next move (the refresh complete), and how many were sent."""

    move: BookStamp
    first_ms: float | None
    last_ms: float | None
    actions: int
    stale: int

    @property
    def answered(self) -> bool:
        return self.first_ms is not None


def parse_books(rows: Iterable[Sequence[Any]]) -> list[BookStamp]:
    """The venue's ``books`` rows ``[t_ns, coin, time_ms, bid, ask]``."""
    return [BookStamp(int(t), str(coin), _float(bid), _float(ask)) for t, coin, _, bid, ask in rows]


def parse_actions(rows: Iterable[Sequence[Any]]) -> list[ActionStamp]:
    """The ``/exchange`` requests among the venue's ``requests`` rows ``[t_ns, path, body]``."""
    actions = []
    for t_ns, path, body in rows:
        if path != "/exchange" or not isinstance(body, dict):
            continue
        action = body.get("action")
        if isinstance(action, dict):
            actions.append(_action(int(t_ns), action))
    return actions


def _action(t_ns: int, action: dict[str, Any]) -> ActionStamp:
    kind = str(action.get("type"))
    if kind == "order":
        orders = action.get("orders", [])
    elif kind == "batchModify":
        orders = [m.get("order", {}) for m in action.get("modifies", [])]
    elif kind == "modify":
        orders = [action.get("order", {})]
    else:
        orders = []
    priced = [o for o in orders if isinstance(o, dict) and "p" in o]
    bids = tuple(float(o["p"]) for o in priced if o.get("b"))
    asks = tuple(float(o["p"]) for o in priced if not o.get("b"))
    lists = [
        action[k] for k in ("orders", "modifies", "cancels") if isinstance(action.get(k), list)
    ]
    return ActionStamp(t_ns, kind, len(lists[0]) if lists else 1, bids, asks)


def moves(books: Sequence[BookStamp]) -> list[BookStamp]:
    """The books whose touch changed from the previous book of the same coin, in time order."""
    last: dict[str, tuple[float | None, float | None]] = {}
    out = []
    for book in sorted(books, key=lambda b: b.t_ns):
        touch = (book.bid, book.ask)
        previous = last.get(book.coin)
        last[book.coin] = touch
        if previous is not None and previous != touch and book.mid is not None:
            out.append(book)
    return out


def match(
    changes: Sequence[BookStamp], actions: Sequence[ActionStamp], last_window_ms: float
) -> list[Answer]:
    """Each move and the order actions that followed it before the next move (the last move's
    window is ``last_window_ms`` long)."""
    ordered = sorted((a for a in actions if a.type in ORDER_ACTIONS), key=lambda a: a.t_ns)
    answers = []
    start = 0
    for i, move in enumerate(changes):
        if i + 1 < len(changes):
            end_ns = changes[i + 1].t_ns
        else:
            end_ns = move.t_ns + int(last_window_ms * _NS_PER_MS)
        while start < len(ordered) and ordered[start].t_ns < move.t_ns:
            start += 1
        window = []
        j = start
        while j < len(ordered) and ordered[j].t_ns < end_ns:
            window.append(ordered[j])
            j += 1
        previous = changes[i - 1] if i > 0 else None
        answers.append(_answer(move, previous, window))
    return answers


def _answer(move: BookStamp, previous: BookStamp | None, window: list[ActionStamp]) -> Answer:
    stale = 0
    first = None
    for action in window:
        if _is_stale(action, move, previous):
            stale += 1
            continue
        first = action
        break
    if first is None:
        return Answer(move, None, None, len(window), stale)
    last = window[-1]
    return Answer(
        move,
        (first.t_ns - move.t_ns) / _NS_PER_MS,
        (last.t_ns - move.t_ns) / _NS_PER_MS,
        len(window),
        stale,
    )


def _is_stale(action: ActionStamp, move: BookStamp, previous: BookStamp | None) -> bool:
    """A ladder centred nearer the previous mid than this move's: not an answer to this move."""
    if not (action.bids and action.asks) or previous is None or previous.coin != move.coin:
        return False
    new_mid, old_mid = move.mid, previous.mid
    if new_mid is None or old_mid is None:
        return False
    centre = (max(action.bids) + min(action.asks)) / 2
    return abs(centre - old_mid) < abs(centre - new_mid)


def refreshes(actions: Sequence[ActionStamp], gap_ms: float) -> list[list[ActionStamp]]:
    """Order actions grouped into refreshes: a group ends where the next one is ``gap_ms`` or
    more later (execution sends one step's actions back to back, and steps are further apart)."""
    ordered = sorted((a for a in actions if a.type in ORDER_ACTIONS), key=lambda a: a.t_ns)
    groups: list[list[ActionStamp]] = []
    for action in ordered:
        if groups and action.t_ns - groups[-1][-1].t_ns < gap_ms * _NS_PER_MS:
            groups[-1].append(action)
        else:
            groups.append([action])
    return groups


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
