"""The ``[backtest]`` config table: seed, latencies, queue model and what the result samples.

Every key has a default, so a config without the table backtests with these values. Keys under
``backtest.`` can also be set per run with ``--set`` (``amm backtest`` and ``amm sweep``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import msgspec

from amm.backtest.latency import parse_latency
from amm.common.config_section import ConfigSection

if TYPE_CHECKING:  # config.py imports this module for its [backtest] table
    from amm.common.config import Config


class LatencySettings(ConfigSection, kw_only=True):
    """One-way delays (``amm.backtest.latency`` specs, milliseconds).

    ``market_data``: the exchange's websocket to marketdata and on to the quoter and risk; the
    same delay carries the account's ``orderUpdates``/``userFills`` to execution. ``order``:
    execution's request to the exchange, and again the answer back. ``bus``: one actor's
    message to another (quote.intent, risk.*, exec.*).
    """

    market_data: str = "constant:20"
    order: str = "constant:20"
    bus: str = "constant:0.1"

    def __post_init__(self) -> None:
        for name in ("market_data", "order", "bus"):
            try:
                parse_latency(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"`{name}`: {exc}") from None


class QueueSettings(ConfigSection, kw_only=True):
    """How our resting orders fill against replayed books (``amm.backtest.queues``).

    ``conservative``: only when the recorded book trades through the order, after the queue
    ahead of it has been seen trading. ``probabilistic``: also credits a share of the cancels at
    its price as ahead of it (share f(a)/(f(a)+f(b)), f(x) = x^``power``, a/b the lots
    ahead/behind), and fills it when the book only touches its price with probability
    ``touch_fill_prob`` once that queue is used up. Synthetic markets ignore this: their takers
    fill every order in reach.
    """

    model: Literal["conservative", "probabilistic"] = "conservative"
    power: Annotated[float, msgspec.Meta(ge=0, le=10)] = 2.0
    touch_fill_prob: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5


class BacktestSettings(ConfigSection, kw_only=True):
    """The backtester's knobs (a ``[backtest]`` config table).

    ``seed`` seeds the synthetic market (like ``[venue] seed``), the latency draws and the
    queue model; ``--seed`` overrides it. ``duration_s`` and ``synthetic_start_ms`` place a
    synthetic run in time (a replay takes both from its file). ``curve_interval_s`` is how often
    the PnL and position curves are sampled (max drawdown is taken on that curve);
    ``md_poll_ms`` is the venue's websocket poll of ``l2Book``/``bbo`` (a change is published
    at the next multiple of it).
    """

    seed: Annotated[int, msgspec.Meta(ge=0)] = 1
    duration_s: Annotated[float, msgspec.Meta(gt=0, le=30 * 86_400)] = 3600.0
    synthetic_start_ms: Annotated[int, msgspec.Meta(ge=0)] = 1_704_067_200_000
    curve_interval_s: Annotated[float, msgspec.Meta(ge=0.01, le=3600)] = 1.0
    md_poll_ms: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 50
    latency: LatencySettings = LatencySettings()
    queue: QueueSettings = QueueSettings()


def settings_of(config: Config) -> BacktestSettings:
    """The config's ``[backtest]`` table; the defaults while ``Config`` has none."""
    table = getattr(config, "backtest", None)
    return table if isinstance(table, BacktestSettings) else BacktestSettings()
