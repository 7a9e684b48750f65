"""Recorded Hyperliquid L2 books (the public archive's ``l2Book`` files) as a stream of snapshots.

A file is one LZ4 frame of newline-delimited JSON, one websocket ``l2Book`` message per line:
``{"time": <ISO ns>, "ver_num": 1, "raw": {"channel": "l2Book", "data": {"coin", "time" (ms),
"levels": [[bids], [asks]]}}}``, each level ``{"px", "sz", "n"}`` as strings, best first.

The file is decompressed and parsed one line at a time, so a pass holds one snapshot, never the
9 MB of text or its dicts. Each snapshot keeps prices and sizes as integer price units and lots
of the venue market's grid (``Grid(sz_decimals)``), in flat ``array('q')`` columns (8 bytes a
number). Values finer than the grid are rounded away from the other side (bids down, asks up,
sizes down); levels whose size rounds to nothing are dropped. ``n`` (orders per level) is not kept.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lz4.frame
import msgspec

from amm.common.sim.grid import Grid

_DATA_TIME = re.compile(rb'"data":\{[^{\[]*?"time":(\d+)')


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """One L2 book at ``time_ms`` (the exchange's time): per side, parallel columns of price
    units and lots, best first. Read-only by convention."""

    time_ms: int
    bid_px: array[int]
    bid_lots: array[int]
    ask_px: array[int]
    ask_lots: array[int]

    @classmethod
    def of(
        cls, time_ms: int, bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]]
    ) -> BookSnapshot:
        """A snapshot from (price units, lots) pairs, best first."""
        bid_pairs, ask_pairs = list(bids), list(asks)
        return cls(
            time_ms,
            array("q", (px for px, _ in bid_pairs)),
            array("q", (lots for _, lots in bid_pairs)),
            array("q", (px for px, _ in ask_pairs)),
            array("q", (lots for _, lots in ask_pairs)),
        )

    def levels(self, *, is_bid: bool) -> dict[int, int]:
        """One side as ``{price units: lots}``, best first."""
        return dict(self.pairs(is_bid=is_bid))

    def pairs(self, *, is_bid: bool) -> Iterator[tuple[int, int]]:
        """One side's (price units, lots), best first."""
        if is_bid:
            return zip(self.bid_px, self.bid_lots, strict=True)
        return zip(self.ask_px, self.ask_lots, strict=True)

    def best(self, *, is_bid: bool) -> int | None:
        """Best bid or ask price units, None for an empty side."""
        column = self.bid_px if is_bid else self.ask_px
        return column[0] if column else None


# The line's shape, decoded straight into structs. They hold plain values only, so the cycle
# collector need not track them (``gc=False``): 40 levels a line are made half as fast otherwise.
class _Level(msgspec.Struct, gc=False):
    px: str
    sz: str


class _Data(msgspec.Struct, gc=False):
    time: int
    levels: tuple[list[_Level], list[_Level]]


class _Raw(msgspec.Struct, gc=False):
    data: _Data


class _Line(msgspec.Struct, gc=False):
    raw: _Raw


_DECODER = msgspec.json.Decoder(_Line)


def to_units(text: str, decimals: int, *, round_up: bool) -> int:
    """An exchange number string as an integer count of ``10**-decimals``, rounded if finer."""
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or not (fraction.isdigit() or not fraction):
        raise ValueError(f"not a plain decimal number: {text!r}")
    if len(fraction) <= decimals:
        return int(whole + fraction + "0" * (decimals - len(fraction)))
    units = int(whole + fraction[:decimals])
    return units + 1 if round_up and fraction[decimals:].strip("0") else units


class _Parser:
    """Archive lines to snapshots in one grid's units. Prices and sizes repeat from one snapshot
    to the next (99% of them in the BTC hour), so each string is converted once per pass."""

    _CACHE_LIMIT = 1 << 16

    def __init__(self, grid: Grid) -> None:
        self._grid = grid
        self._bid_px: dict[str, int] = {}
        self._ask_px: dict[str, int] = {}
        self._sz: dict[str, int] = {}

    def parse(self, line: bytes) -> BookSnapshot:
        """One line as a snapshot."""
        data = _DECODER.decode(line).raw.data
        bids = self._side(data.levels[0], self._bid_px, round_up=False)
        asks = self._side(data.levels[1], self._ask_px, round_up=True)
        return BookSnapshot(data.time, *bids, *asks)

    def _side(
        self, levels: list[_Level], px_cache: dict[str, int], *, round_up: bool
    ) -> tuple[array[int], array[int]]:
        prices, sizes = array("q"), array("q")
        sz_cache = self._sz
        for level in levels:  # the caches inline: this loop runs 40 times a snapshot
            lots = sz_cache.get(level.sz)
            if lots is None:
                lots = self._convert(sz_cache, level.sz, self._grid.sz_decimals, round_up=False)
            if lots > 0:
                px = px_cache.get(level.px)
                if px is None:
                    px = self._convert(
                        px_cache, level.px, self._grid.px_decimals, round_up=round_up
                    )
                prices.append(px)
                sizes.append(lots)
        return prices, sizes

    def _convert(self, cache: dict[str, int], text: str, decimals: int, *, round_up: bool) -> int:
        """A text not in ``cache`` yet, converted and kept."""
        if len(cache) >= self._CACHE_LIMIT:
            cache.clear()
        units = cache[text] = to_units(text, decimals, round_up=round_up)
        return units


def read_snapshots(
    path: str | Path,
    sz_decimals: int,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> Iterator[BookSnapshot]:
    """Stream the snapshots with ``start_ms <= time < end_ms`` (exchange ms; None: no bound).

    Lines before the slice are skipped on their timestamp alone, and reading stops at the first
    one past it (the archive is in time order).
    """
    parser = _Parser(Grid(sz_decimals))
    with lz4.frame.open(path, "rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            if start_ms is not None or end_ms is not None:
                found = _DATA_TIME.search(line)
                if found is None:
                    raise ValueError(f"{path}: a line without data.time")
                time_ms = int(found.group(1))
                if start_ms is not None and time_ms < start_ms:
                    continue
                if end_ms is not None and time_ms >= end_ms:
                    return
            yield parser.parse(line)


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    """A recorded file as a re-iterable stream: every ``iter()`` reads it again from the start
    (of the slice), which is what a looping replay needs without keeping the file in memory."""

    path: str | Path
    sz_decimals: int
    start_ms: int | None = None
    end_ms: int | None = None

    def __iter__(self) -> Iterator[BookSnapshot]:
        return read_snapshots(self.path, self.sz_decimals, self.start_ms, self.end_ms)
