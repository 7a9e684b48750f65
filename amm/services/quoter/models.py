"""The quoting models: Avellaneda-Stoikov (2008) and the GLFT closed form (Gueant 2016).

Both give, for an inventory q, a half spread h and a skew per unit of inventory, so that the
quotes sit at depths (distances from the fair price s)

    bid depth = h + skew*q,    ask depth = h - skew*q,

which is the same as quoting +/-h around the reservation price r = s - skew*q. Units are those
of the inputs: with k per bps and sigma in bps/sqrt(s) (the quoter's choice) depths come out in bps;
with k per tick and sigma in ticks/sqrt(s) (hftbacktest's) they come out in ticks.

Avellaneda-Stoikov, horizon tau = T - t:
    r = s - q*gamma*sigma^2*tau,   so skew = gamma*sigma^2*tau
    total spread = gamma*sigma^2*tau + (2/gamma)*ln(1 + gamma/k),   h = total / 2

GLFT, eqs. (4.6)-(4.7) of Gueant, "Optimal market making" (2016, arXiv:1605.01862), written as
hftbacktest's GLFT example does, with Delta the order-size unit and xi (= gamma unless set):
    c1 = (1/(xi*Delta))*ln(1 + xi*Delta/k)
    c2 = sqrt( gamma/(2*A*Delta*k) * (1 + xi*Delta/k)^(k/(xi*Delta) + 1) )
    h = c1 + (Delta/2)*sigma*c2,   skew = sigma*c2
and hftbacktest's adj1/adj2 scale h and skew.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModelQuote:
    """What a model says for one inventory: half spread, skew per unit, and the inventory."""

    half_spread: float
    skew: float  # per unit of inventory
    q: float

    @property
    def reservation_offset(self) -> float:
        """r - s: negative when long, so both quotes move down."""
        return -self.skew * self.q

    @property
    def bid_depth(self) -> float:
        return self.half_spread + self.skew * self.q

    @property
    def ask_depth(self) -> float:
        return self.half_spread - self.skew * self.q


def as_reservation_price(s: float, q: float, gamma: float, sigma: float, tau: float) -> float:
    """r = s - q*gamma*sigma^2*tau."""
    return s - q * gamma * sigma * sigma * tau


def as_total_spread(gamma: float, sigma: float, tau: float, k: float) -> float:
    """gamma*sigma^2*tau + (2/gamma)*ln(1 + gamma/k)."""
    return gamma * sigma * sigma * tau + (2.0 / gamma) * math.log1p(gamma / k)


def avellaneda_stoikov(q: float, sigma: float, gamma: float, k: float, tau: float) -> ModelQuote:
    """The Avellaneda-Stoikov quote for inventory q with tau = T - t left."""
    return ModelQuote(
        half_spread=as_total_spread(gamma, sigma, tau, k) / 2.0,
        skew=gamma * sigma * sigma * tau,
        q=q,
    )


def glft_coefficients(
    a: float, k: float, gamma: float, delta: float, xi: float | None = None
) -> tuple[float, float]:
    """(c1, c2) of the GLFT closed form; xi defaults to gamma."""
    xi_delta = (gamma if xi is None else xi) * delta
    c1 = math.log1p(xi_delta / k) / xi_delta
    c2 = math.sqrt(gamma / (2.0 * a * delta * k) * (1.0 + xi_delta / k) ** (k / xi_delta + 1.0))
    return c1, c2


def glft(
    q: float,
    sigma: float,
    a: float,
    k: float,
    gamma: float,
    delta: float,
    xi: float | None = None,
    half_spread_scale: float = 1.0,
    skew_scale: float = 1.0,
) -> ModelQuote:
    """The GLFT quote for inventory q: h = (c1 + Delta/2*sigma*c2)*adj1, skew = sigma*c2*adj2."""
    c1, c2 = glft_coefficients(a, k, gamma, delta, xi)
    return ModelQuote(
        half_spread=(c1 + delta / 2.0 * sigma * c2) * half_spread_scale,
        skew=sigma * c2 * skew_scale,
        q=q,
    )


def finite_horizon_left(wall_s: float, horizon_s: float) -> float:
    """T - t in a cycle of `horizon_s` aligned to the Unix epoch (days start at 00:00 UTC)."""
    return horizon_s - math.fmod(wall_s, horizon_s)
