"""Start-up: which of the account's open orders execution adopts, cancels or leaves alone.

The rule, applied to ``frontendOpenOrders`` of every dex we trade on (cloid kinds in
``cloids.py``):

===========================  ===================  =================================
open order                   on a market we trade  on another market
===========================  ===================  =================================
our cloid (this or earlier   adopt                cancel (our leftover)
instance of execution)
any other cloid, or none     cancel               leave alone (not ours to touch)
===========================  ===================  =================================

Adopted orders join the book and the planner treats them like any other: kept, modified (same
cloid) or cancelled. Cancels here go by oid (``cancel`` action), since a foreign order may have
no cloid. The service runs this before it places anything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from amm.services.execution.cloids import CloidFactory


@dataclass(frozen=True, slots=True)
class Recovery:
    """The sorted open orders: adopt these, cancel those (coin, oid), ignore the rest."""

    adopt: tuple[Mapping[str, Any], ...]
    cancel: tuple[tuple[str, int], ...]
    ignore: tuple[Mapping[str, Any], ...]


def sort_open_orders(
    open_orders: Iterable[Mapping[str, Any]], markets: Collection[str], cloids: CloidFactory
) -> Recovery:
    """Apply the start-up rule of the module docstring."""
    adopt: list[Mapping[str, Any]] = []
    cancel: list[tuple[str, int]] = []
    ignore: list[Mapping[str, Any]] = []
    for order in open_orders:
        ours = cloids.is_ours(order.get("cloid"))
        if order["coin"] in markets:
            if ours:
                adopt.append(order)
            else:
                cancel.append((order["coin"], int(order["oid"])))
        elif ours:
            cancel.append((order["coin"], int(order["oid"])))
        else:
            ignore.append(order)
    return Recovery(tuple(adopt), tuple(cancel), tuple(ignore))
