"""A synthetic market: a random-walk mid with jumps, a house ladder around it and Poisson takers.

Everything is drawn from ``random.Random`` streams seeded from one ``seed`` (per market, in
listing order: one stream for the mid path, one for the takers), so the same seed, markets,
parameters and ``advance`` calls give the same events. Times are integer venue milliseconds;
distances are basis points (bps) of the mid. Per market:

Mid. Steps happen at ``start_ms + n * step_ms`` (n = 0, 1, ...). At step 0 the mid is
``start_px``; at each later step its log changes by ``sigma * sqrt(dt) * z * 1e-4`` with
``sigma = volatility_bps_per_sqrt_s``, ``dt = step_ms / 1000`` s and ``z ~ N(0, 1)``, plus, with
probability ``1 - exp(-jump_rate_per_hour / 3600 * dt)``, a jump of ``+-jump_bps * 1e-4`` (sign
even odds; at most one jump per step). Each step draws ``z``, the jump coin and the jump sign
whether used or not. The path is drawn ``informed_lead_s / step_ms + 2`` steps ahead of the
clock, so informed takers can know it. Between steps the mid is constant. The latent mid is a
float; what reaches the engine is exact: the mark is set each step to the mid rounded to the
nearest valid price.

House maker (``HOUSE_MAKER``). Its levels sit on a fixed geometric lattice
``start_px * (1 + maker_level_spacing_bps * 1e-4) ** j`` (j any integer): bids on the
``maker_levels`` highest lattice points at least ``maker_half_spread_bps`` below the mid, asks on
the ``maker_levels`` lowest at least that far above; prices rounded away from the mid to the
market's price grid, sizes ``maker_level_usd / px`` rounded down to lots (at least the $10
minimum). So the touch is between h and h + spacing bps from the mid. At each step, after the
mid moves, levels that left the ladder or lost size are cancelled, then missing ones are placed
(Gtc, so a level landing on a stale resting order trades with it: it is picked off). Because the
lattice does not move with the mid, a step changes only the levels the mid crossed.

Takers (``HOUSE_TAKER``). Arrivals are a Poisson process of rate ``2 * A`` per second
(``A = taker_intensity_per_s``), drawn as exponential gaps on a float-ms clock. Each arrival
draws, in order: informed coin, side coin, depth ``D ~ Exponential(k)`` bps
(``k = taker_decay_per_bps``; mean 1/k; capped at ``MAX_DEPTH_BPS``, which is also the depth
when ``k = 0``). It is informed with probability ``informed_share``: then it buys if the mid
``informed_lead_s`` after its arrival is above the current mid and sells if below (a flat path
leaves the side coin to decide); otherwise it buys on heads. A buyer sends an IOC with limit
``mid * (1 + D * 1e-4)`` rounded down to the grid (a seller: ``mid * (1 - D * 1e-4)`` rounded
up), sized to everything resting at or better than that limit (at least ``taker_usd`` and the
$10 minimum), so every resting order - house or anyone's - within D of the mid is filled.
Hence an order resting at distance d bps is hit at rate ``A * exp(-k * d)`` per second, and,
because the sides average out, the informed share does not change that law: it only decides
which side trades just before the mid moves. Nothing is sent when no order is within reach.
A taker arriving at float time t trades at ``ceil(t)`` ms, before a step due at the same ms.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from amm.common.hyperliquid.rules import MarketSpec, Rounding, round_price, round_price_passive
from amm.common.sim.engine import MatchingEngine
from amm.common.sim.events import Event
from amm.common.sim.grid import NOTIONAL_EXPONENT, Grid
from amm.common.sim.market.house import (
    HOUSE_MAKER,
    HOUSE_TAKER,
    HouseLadder,
    min_lots,
    require_house,
    send_ioc,
)
from amm.common.sim.market.params import SyntheticParams

MAX_DEPTH_BPS = 5_000.0
"""The deepest a taker sweeps (half the price), so a sell limit stays positive."""

_BPS = 1e-4


@dataclass(slots=True)
class _Market:
    """One market's state: its path, clocks, random streams and house ladder."""

    spec: MarketSpec
    grid: Grid
    start_px: float
    path: deque[float]  # path[0] is the mid of step `step`, then the steps drawn ahead
    path_rng: random.Random
    flow_rng: random.Random
    ladder: HouseLadder
    next_step_ms: int
    next_taker_ms: float
    step: int = -1
    lattice: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    mark: Decimal | None = None


class SyntheticModel:
    """The synthetic market of the paper venue and the backtester (see the module docstring)."""

    def __init__(
        self,
        params: SyntheticParams,
        markets: Sequence[tuple[MarketSpec, Decimal]],
        seed: int,
        start_ms: int,
        *,
        maker: str = HOUSE_MAKER,
        taker: str = HOUSE_TAKER,
    ) -> None:
        self._params = params
        self._start_ms = start_ms
        self._maker = maker
        self._taker = taker
        self._checked = False
        dt_s = params.step_ms / 1000
        self._diffusion = params.volatility_bps_per_sqrt_s * math.sqrt(dt_s) * _BPS
        self._jump_probability = -math.expm1(-params.jump_rate_per_hour / 3600 * dt_s)
        self._lead_ms = params.informed_lead_s * 1000
        self._ahead = int(self._lead_ms // params.step_ms) + 2
        self._ln_spacing = math.log1p(params.maker_level_spacing_bps * _BPS)
        self._maker_usd = _micro_usdc(params.maker_level_usd)
        self._taker_usd = _micro_usdc(params.taker_usd)
        master = random.Random(seed)
        self._markets: list[_Market] = []
        self._by_coin: dict[str, _Market] = {}
        for spec, start_px in markets:
            if spec.coin in self._by_coin:
                raise ValueError(f"market {spec.coin} listed twice")
            if start_px <= 0:
                raise ValueError(f"start price of {spec.coin} must be positive: {start_px}")
            path_rng = random.Random(master.getrandbits(64))
            flow_rng = random.Random(master.getrandbits(64))
            grid = Grid(spec.sz_decimals)
            market = _Market(
                spec=spec,
                grid=grid,
                start_px=float(start_px),
                path=deque([float(start_px)]),
                path_rng=path_rng,
                flow_rng=flow_rng,
                ladder=HouseLadder(spec.coin, grid, maker),
                next_step_ms=start_ms,
                next_taker_ms=start_ms + self._gap_ms(flow_rng),
            )
            while len(market.path) <= self._ahead:
                market.path.append(self._next_mid(market))
            self._markets.append(market)
            self._by_coin[spec.coin] = market

    def advance(self, engine: MatchingEngine, now_ms: int) -> list[Event]:
        """Run every step and taker due at or before ``now_ms``, in time order."""
        if not self._checked:
            require_house(engine, self._maker, self._taker)
            self._checked = True
        events: list[Event] = []
        while True:
            due = self._next_due()
            if due is None or math.ceil(due[0]) > now_ms:
                return events
            at, is_step, market = due
            if is_step:
                self._step(engine, market, events)
            else:
                self._take(engine, market, at, events)

    def next_wakeup_ms(self) -> int:
        """The next step or taker arrival of any market."""
        due = self._next_due()
        return self._start_ms if due is None else math.ceil(due[0])

    def mid(self, coin: str) -> Decimal | None:
        """The current mid on the price grid (what the mark is set to); None before step 0."""
        return self._by_coin[coin].mark

    def _next_due(self) -> tuple[float, bool, _Market] | None:
        best: tuple[float, bool, _Market] | None = None
        for market in self._markets:
            if market.next_taker_ms <= market.next_step_ms:
                candidate = (market.next_taker_ms, False, market)
            else:
                candidate = (float(market.next_step_ms), True, market)
            if best is None or candidate[0] < best[0]:
                best = candidate
        return best

    def _gap_ms(self, rng: random.Random) -> float:
        rate = 2 * self._params.taker_intensity_per_s
        return math.inf if rate == 0 else rng.expovariate(rate) * 1000

    def _next_mid(self, market: _Market) -> float:
        rng = market.path_rng
        z = rng.gauss(0.0, 1.0)
        jumps = rng.random() < self._jump_probability
        up = rng.random() < 0.5
        log_return = self._diffusion * z
        if jumps:
            jump = self._params.jump_bps * _BPS
            log_return += jump if up else -jump
        return market.path[-1] * math.exp(log_return)

    def _step(self, engine: MatchingEngine, market: _Market, events: list[Event]) -> None:
        time_ms = market.next_step_ms
        if market.step >= 0:
            market.path.popleft()
            market.path.append(self._next_mid(market))
        market.step += 1
        market.next_step_ms = time_ms + self._params.step_ms
        mid = market.path[0]
        mark = round_price(Decimal(mid), market.spec.sz_decimals)
        if mark != market.mark:
            engine.set_mark(market.spec.coin, mark)
            market.mark = mark
        bids, asks = self._ladder(market, mid)
        market.ladder.cancel_stale(engine, bids, asks, time_ms, events)
        market.ladder.place_missing(engine, bids, asks, time_ms, events)

    def _ladder(self, market: _Market, mid: float) -> tuple[dict[int, int], dict[int, int]]:
        """The wanted ``{px: lots}`` per side for this mid."""
        params = self._params
        half = params.maker_half_spread_bps * _BPS
        top_bid = math.floor(math.log(mid * (1 - half) / market.start_px) / self._ln_spacing)
        low_ask = math.ceil(math.log(mid * (1 + half) / market.start_px) / self._ln_spacing)
        bids: dict[int, int] = {}
        asks: dict[int, int] = {}
        for i in range(params.maker_levels):
            bid_px, bid_lots, _, _ = self._lattice_point(market, top_bid - i)
            _, _, ask_px, ask_lots = self._lattice_point(market, low_ask + i)
            bids[bid_px] = bids.get(bid_px, 0) + bid_lots
            asks[ask_px] = asks.get(ask_px, 0) + ask_lots
        return bids, asks

    def _lattice_point(self, market: _Market, j: int) -> tuple[int, int, int, int]:
        """(bid px, bid lots, ask px, ask lots) of lattice point ``j``, computed once."""
        point = market.lattice.get(j)
        if point is None:
            exact = Decimal(market.start_px * math.exp(j * self._ln_spacing))
            szd = market.spec.sz_decimals
            bid = market.grid.px_to_units(round_price_passive(exact, szd, is_buy=True))
            ask = market.grid.px_to_units(round_price_passive(exact, szd, is_buy=False))
            point = market.lattice[j] = (bid, self._lots(bid), ask, self._lots(ask))
        return point

    def _lots(self, px: int) -> int:
        return max(self._maker_usd // px, min_lots(px))

    def _take(
        self, engine: MatchingEngine, market: _Market, at: float, events: list[Event]
    ) -> None:
        rng = market.flow_rng
        informed = rng.random() < self._params.informed_share
        is_buy = rng.random() < 0.5
        k = self._params.taker_decay_per_bps
        depth = min(rng.expovariate(k), MAX_DEPTH_BPS) if k > 0 else MAX_DEPTH_BPS
        market.next_taker_ms = at + self._gap_ms(rng)
        mid = market.path[0]
        if informed:
            move = self._future_mid(market, at) - mid
            if move != 0:
                is_buy = move > 0
        time_ms = math.ceil(at)
        limit = mid * (1 + depth * _BPS) if is_buy else mid * (1 - depth * _BPS)
        rounding = Rounding.DOWN if is_buy else Rounding.UP
        px = market.grid.px_to_units(round_price(Decimal(limit), market.spec.sz_decimals, rounding))
        reachable = _lots_within(engine, market, is_buy=is_buy, limit=px, time_ms=time_ms)
        if reachable == 0:
            return
        lots = max(reachable, self._taker_usd // px, min_lots(px))
        events.extend(
            send_ioc(
                engine,
                self._taker,
                market.spec.coin,
                market.grid,
                is_buy=is_buy,
                px=px,
                lots=lots,
                time_ms=time_ms,
            )
        )

    def _future_mid(self, market: _Market, at: float) -> float:
        """The mid ``informed_lead_s`` after ``at``, from the path drawn ahead."""
        step = math.floor((at + self._lead_ms - self._start_ms) / self._params.step_ms)
        return market.path[min(max(step - market.step, 0), len(market.path) - 1)]


def _lots_within(
    engine: MatchingEngine, market: _Market, *, is_buy: bool, limit: int, time_ms: int
) -> int:
    """Lots resting on the side a taker of this direction meets, at ``limit`` or better."""
    book = engine.l2_book(market.spec.coin, time_ms, depth=1_000_000)
    grid = market.grid
    total = 0
    for level in book.asks if is_buy else book.bids:
        px = grid.px_to_units(level.px)
        if px > limit if is_buy else px < limit:
            break
        total += grid.sz_to_lots(level.sz)
    return total


def _micro_usdc(usd: float) -> int:
    """A dollar amount in the engine's notional units (price units x lots)."""
    return int(Decimal(repr(usd)).scaleb(-NOTIONAL_EXPONENT))
