"""`amm research glft`: what the GLFT closed form gives for given A, k, sigma, gamma and Delta.

So a person can check the model by hand. The numbers are in the units of the inputs: give k per
tick and sigma in ticks per sqrt(s) (as hftbacktest does) and the half spread and skew come out
in ticks; the quoter itself uses bps. xi = gamma, as in hftbacktest's example and the quoter's
default. The same functions as the quoter compute them (amm/services/quoter/models.py).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, TextIO

from amm.services.quoter.models import glft, glft_coefficients

INVENTORIES = (-2, -1, 0, 1, 2)  # multiples of Delta shown in the depth table


def glft_report(A: float, k: float, sigma: float, gamma: float, delta: float) -> dict[str, Any]:
    """c1, c2, the half spread, the skew per unit of inventory, and depths for q = -2..2 Delta.

    Raises ValueError naming the first input that is not a finite number > 0 (sigma may be 0).
    """
    for name, value in (("A", A), ("k", k), ("gamma", gamma), ("delta", delta)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value}")
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma}")
    c1, c2 = glft_coefficients(A, k, gamma, delta)
    flat = glft(0.0, sigma, A, k, gamma, delta)
    depths = []
    for units in INVENTORIES:
        quote = glft(units * delta, sigma, A, k, gamma, delta)
        depths.append({"q": units * delta, "bid": quote.bid_depth, "ask": quote.ask_depth})
    return {
        "inputs": {"A": A, "k": k, "sigma": sigma, "gamma": gamma, "delta": delta, "xi": gamma},
        "c1": c1,
        "c2": c2,
        "half_spread": flat.half_spread,
        "skew": flat.skew,
        "depths": depths,
    }


def print_glft_report(report: dict[str, Any], *, as_json: bool, out: TextIO | None = None) -> None:
    """One JSON document, or a short text a person can check against the formula (stdout)."""
    out = out if out is not None else sys.stdout
    if as_json:
        print(json.dumps(report), file=out)
        return
    inputs = report["inputs"]
    print(
        "GLFT (Gueant 2016, eqs. 4.6-4.7; xi = gamma): "
        + "  ".join(f"{name}={value:g}" for name, value in inputs.items()),
        file=out,
    )
    lines = (
        ("c1 = ln(1 + xi*Delta/k) / (xi*Delta)", report["c1"]),
        ("c2 = sqrt(gamma/(2*A*Delta*k) * (1 + xi*Delta/k)^(k/(xi*Delta) + 1))", report["c2"]),
        ("half spread = c1 + Delta/2 * sigma * c2", report["half_spread"]),
        ("skew = sigma * c2, per unit of q", report["skew"]),
    )
    for text, value in lines:
        print(f"{text:<70} = {value:.6f}", file=out)
    print("depths from the fair price (bid = half + skew*q, ask = half - skew*q):", file=out)
    print(f"{'q':>10} {'bid':>12} {'ask':>12}", file=out)
    for row in report["depths"]:
        print(f"{row['q']:>10g} {row['bid']:>12.6f} {row['ask']:>12.6f}", file=out)


def glft_command(
    A: float,
    k: float,
    sigma: float,
    gamma: float,
    delta: float,
    *,
    as_json: bool = False,
) -> int:
    """The command body: 0 after printing the report, 2 with a message for bad inputs."""
    try:
        report = glft_report(A, k, sigma, gamma, delta)
    except ValueError as exc:
        print(f"amm research glft: {exc}", file=sys.stderr)
        return 2
    print_glft_report(report, as_json=as_json)
    return 0
