"""`amm research glft`: what the GLFT closed form gives for given A, k, sigma, gamma and Delta.

So a person can check the model by hand. The numbers are in the units of the inputs: give k per
tick and sigma in ticks per sqrt(s) (as hftbacktest does) and the half spread and skew come out
in ticks; the quoter itself uses bps. xi = gamma, as in hftbacktest's example and the quoter's
default. The same functions as the quoter compute them (amm/services/quoter/models.py).

`amm research as2008` runs the Monte Carlo experiment of Avellaneda & Stoikov (2008), section
3.3, with the same formulas (amm/research/as2008.py; docs/research.md compares it with the paper).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, TextIO

from amm.research.as2008 import PAPER, average_spread, experiment, mean_std
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


def as2008_report(gamma: float, paths: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Per strategy: the average spread, and mean and std of the terminal profit and inventory.

    The paper's model and parameters (amm.research.as2008.PAPER), its "inventory" strategy for
    `gamma` and its "symmetric" one at the same average spread, on `paths` paths from `seed`.
    Raises ValueError naming the first bad input by its command-line flag.
    """
    if not (math.isfinite(gamma) and gamma > 0):
        raise ValueError(f"--gamma must be a finite number > 0, got {gamma}")
    if paths < 2:
        raise ValueError(f"--paths must be >= 2 (a standard deviation needs two), got {paths}")
    if seed < 0:
        raise ValueError(f"--seed must be >= 0, got {seed}")
    spread = average_spread(gamma)
    report: dict[str, Any] = {}
    for name, outcome in experiment(gamma, paths, seed).items():
        profit_mean, profit_std = mean_std(outcome.profit)
        q_mean, q_std = mean_std(outcome.q)
        report[name] = {
            "spread": spread,
            "profit_mean": profit_mean,
            "profit_std": profit_std,
            "q_mean": q_mean,
            "q_std": q_std,
        }
    return report


def print_as2008_report(
    report: dict[str, Any],
    *,
    gamma: float,
    paths: int,
    seed: int,
    as_json: bool,
    out: TextIO | None = None,
) -> None:
    """One JSON document, or the paper's table layout so the rows read against Tables 1-3."""
    out = out if out is not None else sys.stdout
    if as_json:
        print(json.dumps(report), file=out)
        return
    model = PAPER
    print(
        f"Avellaneda-Stoikov (2008) section 3.3: gamma={gamma:g} paths={paths} seed={seed}  "
        f"s={model.s0:g} T={model.T:g} sigma={model.sigma:g} dt={model.dt:g} q0={model.q0} "
        f"A={model.A:g} k={model.k:g}",
        file=out,
    )
    print(
        f"{'strategy':<10} {'spread':>8} {'profit':>9} {'std(profit)':>12} "
        f"{'final q':>9} {'std(final q)':>13}",
        file=out,
    )
    for name, row in report.items():
        print(
            f"{name:<10} {row['spread']:>8.2f} {row['profit_mean']:>9.2f} "
            f"{row['profit_std']:>12.2f} {row['q_mean']:>9.2f} {row['q_std']:>13.2f}",
            file=out,
        )


def as2008_command(gamma: float, paths: int = 1000, seed: int = 0, *, as_json: bool = False) -> int:
    """The command body: 0 after printing the report, 2 with a message for bad inputs."""
    try:
        report = as2008_report(gamma, paths, seed)
    except ValueError as exc:
        print(f"amm research as2008: {exc}", file=sys.stderr)
        return 2
    print_as2008_report(report, gamma=gamma, paths=paths, seed=seed, as_json=as_json)
    return 0
