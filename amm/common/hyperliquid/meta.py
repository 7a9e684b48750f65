"""Asset ids, size decimals and leverage of the configured markets, from Hyperliquid's ``meta``.

Asset ids are computed exactly as the SDK's ``Info`` does: a main-dex market's id is its index in
``meta``'s universe; the builder (HIP-3) dex at position i of ``perpDexs`` (position 0 is the
main dex, ``null``) starts at ``110000 + (i - 1) * 10000``. A builder dex's universe names its
coins with the dex prefix ("km:US500"), as do its websocket messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from amm.common.hyperliquid.client import HyperliquidHttp
from amm.common.hyperliquid.rules import MarketSpec

BUILDER_DEX_FIRST_ASSET = 110_000
BUILDER_DEX_STRIDE = 10_000


class UnknownMarket(LookupError):
    """A market the exchange does not list (or has delisted); the message names the coin."""


class MalformedMeta(ValueError):
    """``perpDexs`` or ``meta`` does not have the shape Hyperliquid documents."""


def dex_of(coin: str) -> str:
    """The HIP-3 dex of a coin name ("km" for "km:US500"), "" for the main dex."""
    return coin.split(":", 1)[0] if ":" in coin else ""


def dex_offsets(perp_dexs: Sequence[Any]) -> dict[str, int]:
    """The first asset id of every dex in a ``perpDexs`` answer (the main dex "" is 0)."""
    offsets = {"": 0}
    for position, entry in enumerate(perp_dexs[1:]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise MalformedMeta(f"perpDexs[{position + 1}] has no name: {entry!r:.200}")
        offsets[entry["name"]] = BUILDER_DEX_FIRST_ASSET + position * BUILDER_DEX_STRIDE
    return offsets


class MarketDirectory:
    """Every listed market of the loaded dexes: coin <-> asset id, szDecimals, maxLeverage, dex."""

    def __init__(self, specs: Iterable[MarketSpec], delisted: Iterable[str] = ()) -> None:
        self._specs = {spec.coin: spec for spec in specs}
        self._coins = {spec.asset: spec.coin for spec in self._specs.values()}
        self.delisted = frozenset(delisted)

    @classmethod
    def from_meta(
        cls, perp_dexs: Sequence[Any] | None, metas: Mapping[str, Mapping[str, Any]]
    ) -> MarketDirectory:
        """The markets of ``metas`` (dex -> its ``meta``); builder dexes need ``perpDexs``."""
        offsets = dex_offsets(perp_dexs) if perp_dexs is not None else {"": 0}
        specs, delisted = [], []
        for dex, meta in metas.items():
            if dex not in offsets:
                raise UnknownMarket(f"perp dex {dex!r} is not in perpDexs")
            try:
                universe = meta["universe"]
                for index, asset in enumerate(universe):
                    if asset.get("isDelisted"):
                        delisted.append(asset["name"])
                        continue
                    specs.append(
                        MarketSpec(
                            coin=asset["name"],
                            sz_decimals=int(asset["szDecimals"]),
                            max_leverage=int(asset["maxLeverage"]),
                            asset=offsets[dex] + index,
                        )
                    )
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise MalformedMeta(f"meta of dex {dex!r}: {type(exc).__name__}: {exc}") from None
        return cls(specs, delisted)

    @classmethod
    async def load(cls, http: HyperliquidHttp, coins: Sequence[str]) -> MarketDirectory:
        """Fetch ``meta`` of only the dexes ``coins`` trade on (and ``perpDexs`` if one is HIP-3).

        Raises UnknownMarket naming the first coin the exchange does not list.
        """
        dexes = list(dict.fromkeys(dex_of(coin) for coin in coins))
        perp_dexs = None
        if any(dexes):
            perp_dexs = await http.info({"type": "perpDexs"})
            if not isinstance(perp_dexs, list):
                raise MalformedMeta(f"perpDexs is not a list: {perp_dexs!r:.200}")
            known = dex_offsets(perp_dexs)
            for coin in coins:
                if dex_of(coin) not in known:
                    raise UnknownMarket(
                        f"market {coin}: perp dex {dex_of(coin)!r} does not exist on "
                        f"{http.base_url} (perpDexs lists {sorted(d for d in known if d)})"
                    )
        answers = await asyncio.gather(*(http.info({"type": "meta", "dex": d}) for d in dexes))
        directory = cls.from_meta(perp_dexs, dict(zip(dexes, answers, strict=True)))
        for coin in coins:
            directory.spec(coin)
        return directory

    @property
    def coins(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def spec(self, coin: str) -> MarketSpec:
        """The market's static facts; UnknownMarket names the coin if it is not listed."""
        spec = self._specs.get(coin)
        if spec is None:
            dex = dex_of(coin)
            where = f"perp dex {dex!r}" if dex else "the main perp dex"
            state = "is delisted on" if coin in self.delisted else "is not listed on"
            raise UnknownMarket(f"market {coin} {state} {where}")
        return spec

    def asset(self, coin: str) -> int:
        return self.spec(coin).asset

    def sz_decimals(self, coin: str) -> int:
        return self.spec(coin).sz_decimals

    def max_leverage(self, coin: str) -> int:
        return self.spec(coin).max_leverage

    def dex(self, coin: str) -> str:
        return self.spec(coin).dex

    def coin(self, asset: int) -> str:
        """The coin with asset id ``asset`` (UnknownMarket if none)."""
        coin = self._coins.get(asset)
        if coin is None:
            raise UnknownMarket(f"no listed market has asset id {asset}")
        return coin
