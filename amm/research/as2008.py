"""The Monte Carlo experiment of section 3.3 of Avellaneda & Stoikov (2008).

So the quoter's Avellaneda-Stoikov formulas can be checked against the paper's own results. The
model, as the paper's simulation procedure states it:

- the mid moves by +sigma*sqrt(dt) or -sigma*sqrt(dt) with equal probability each step (an
  arithmetic random walk, a martingale);
- at each step the quotes are set from the state at t; each side is then hit independently with
  probability lambda(delta)*dt = A*exp(-k*delta)*dt (capped at 1), one unit per fill, at the
  quoted price (the mid at t plus or minus the depth);
- the profit is the cash plus the inventory marked at the final mid, q_T*s_T.

The "inventory" strategy quotes the Avellaneda-Stoikov half spread around the reservation price
(amm/services/quoter/models.py); the "symmetric" one quotes the inventory strategy's average
spread around the mid. Every strategy of one run sees the same mid path and the same uniform
draws (common random numbers), so their difference is the strategies', not the luck's.

Steps are vectorized across paths: a run is a loop over the T/dt time steps only, each step a
few numpy operations on arrays of length `paths`. The same seed gives the same numbers for a
given numpy version (numpy does not promise its Generator streams across versions).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from amm.services.quoter.models import as_total_spread, avellaneda_stoikov

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Depth = FloatArray | float

# (tau = T - t, inventories) -> (bid depths, ask depths), depths measured from the mid
Quoter = Callable[[float, IntArray], tuple[Depth, Depth]]


@dataclass(frozen=True, slots=True)
class Model:
    """The market of the paper's simulation; the defaults are its parameters (section 3.3)."""

    s0: float = 100.0
    T: float = 1.0
    sigma: float = 2.0
    dt: float = 0.005
    q0: int = 0
    A: float = 140.0
    k: float = 1.5

    @property
    def steps(self) -> int:
        return round(self.T / self.dt)

    def horizons(self) -> list[float]:
        """tau = T - t at each step where quotes are set: t = 0, dt, ..., T - dt."""
        return [self.T - i * self.dt for i in range(self.steps)]


PAPER = Model()


@dataclass(frozen=True, slots=True)
class Outcome:
    """One strategy's terminal profit and inventory on every path."""

    profit: FloatArray
    q: IntArray


@dataclass(slots=True)
class _Book:
    """A strategy's running state across paths."""

    quoter: Quoter
    q: IntArray
    cash: FloatArray


def average_spread(gamma: float, model: Model = PAPER) -> float:
    """The inventory strategy's spread averaged over the quoting times.

    The Avellaneda-Stoikov spread depends on t only (not on q or s), so its average is the same
    on every path: the symmetric strategy's spread, and the paper's "average spread" column.
    """
    spreads = [as_total_spread(gamma, model.sigma, tau, model.k) for tau in model.horizons()]
    return math.fsum(spreads) / len(spreads)


def inventory_quoter(gamma: float, model: Model = PAPER) -> Quoter:
    """Half spread h around r = s - q*gamma*sigma^2*tau: depths h + skew*q (bid), h - skew*q."""

    def depths(tau: float, q: IntArray) -> tuple[Depth, Depth]:
        quote = avellaneda_stoikov(0.0, model.sigma, gamma, model.k, tau)
        skewed = quote.skew * q
        return quote.half_spread + skewed, quote.half_spread - skewed

    return depths


def symmetric_quoter(half_spread: float) -> Quoter:
    """The same half spread either side of the mid, whatever the inventory."""

    def depths(tau: float, q: IntArray) -> tuple[Depth, Depth]:
        return half_spread, half_spread

    return depths


def simulate(
    quoters: Mapping[str, Quoter], paths: int, seed: int, model: Model = PAPER
) -> dict[str, Outcome]:
    """Run every quoter on the same `paths` mid paths and fill draws from `seed`."""
    rng = np.random.default_rng(seed)
    move = model.sigma * math.sqrt(model.dt)
    # A*exp(-k*delta)*dt > 1 when -k*delta exceeds this: capping the exponent caps the
    # probability at 1 and keeps exp from overflowing for deep negative depths.
    exponent_cap = -math.log(model.A * model.dt)
    mid = np.full(paths, model.s0)
    books = {
        name: _Book(quoter, np.full(paths, model.q0, dtype=np.int64), np.zeros(paths))
        for name, quoter in quoters.items()
    }
    for tau in model.horizons():
        draws = rng.random((3, paths))  # bid fill, ask fill, mid direction
        for book in books.values():
            bid, ask = book.quoter(tau, book.q)
            bought = draws[0] < _fill_probability(bid, model, exponent_cap)
            sold = draws[1] < _fill_probability(ask, model, exponent_cap)
            book.cash += np.where(sold, mid + ask, 0.0) - np.where(bought, mid - bid, 0.0)
            book.q += bought.astype(np.int64) - sold.astype(np.int64)
        mid += np.where(draws[2] < 0.5, move, -move)
    return {name: Outcome(book.cash + book.q * mid, book.q) for name, book in books.items()}


def _fill_probability(depth: Depth, model: Model, exponent_cap: float) -> FloatArray:
    """min(1, A*exp(-k*depth)*dt): the chance that a quote at `depth` is hit within one step."""
    return model.A * model.dt * np.exp(np.minimum(-model.k * np.asarray(depth), exponent_cap))


def experiment(gamma: float, paths: int, seed: int, model: Model = PAPER) -> dict[str, Outcome]:
    """The paper's comparison: "inventory" for `gamma`, and "symmetric" at its average spread."""
    return simulate(
        {
            "inventory": inventory_quoter(gamma, model),
            "symmetric": symmetric_quoter(average_spread(gamma, model) / 2.0),
        },
        paths,
        seed,
        model,
    )


def mean_std(values: FloatArray | IntArray) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1), summed exactly (math.fsum).

    Exact sums make the figures independent of numpy's summation order.
    """
    xs = values.tolist()
    mean = math.fsum(xs) / len(xs)
    return mean, math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
