import json
from decimal import Decimal as D
from pathlib import Path

import lz4.frame
import pytest

from amm.common.sim.market.snapshots import BookSnapshot, SnapshotFile, read_snapshots, to_units

DATA = Path(__file__).parents[5].parent / "shared" / "data" / "hyperliquid"
FILE = DATA / "l2Book-BTC-20240101-12.lz4"
FIRST_MS = 1704110399915


def test_to_units_is_exact_and_rounds_away_from_the_other_side():
    assert to_units("42727.0", 1, round_up=False) == 427270
    assert to_units("0.02265", 5, round_up=False) == 2265
    assert to_units("7", 2, round_up=False) == 700
    assert to_units("1.239", 2, round_up=False) == 123
    assert to_units("1.231", 2, round_up=True) == 124
    assert to_units("1.2300", 2, round_up=True) == 123
    for bad in ("-1", "1e-5", "", "1.2.3", " 1"):
        with pytest.raises(ValueError):
            to_units(bad, 2, round_up=False)


def test_snapshot_sides_as_levels_and_best_prices():
    snapshot = BookSnapshot.of(5, [(100, 2), (99, 3)], [])
    assert snapshot.levels(is_bid=True) == {100: 2, 99: 3}
    assert snapshot.levels(is_bid=False) == {}
    assert snapshot.best(is_bid=True) == 100 and snapshot.best(is_bid=False) is None


def recorded(start_ms, end_ms):
    """The same slice read the slow, obvious way: json and Decimal."""
    rows = []
    for line in lz4.frame.decompress(FILE.read_bytes()).splitlines():
        data = json.loads(line)["raw"]["data"]
        if start_ms <= data["time"] < end_ms:
            bids, asks = (
                [(int(D(lv["px"]) * 10), int(D(lv["sz"]) * 10**5)) for lv in side]
                for side in data["levels"]
            )
            rows.append(BookSnapshot.of(data["time"], bids, asks))
    return rows


def test_a_slice_of_the_real_file_is_read_exactly():
    start, end = FIRST_MS + 600_000, FIRST_MS + 780_000
    snapshots = list(read_snapshots(FILE, 5, start, end))
    assert 200 <= len(snapshots) <= 400
    assert snapshots == recorded(start, end)
    times = [s.time_ms for s in snapshots]
    assert times == sorted(times) and start <= times[0] and times[-1] < end
    for s in snapshots:
        assert len(s.bid_px) == len(s.ask_px) == 20
        assert s.best(is_bid=True) < s.best(is_bid=False)
        assert list(s.bid_px) == sorted(s.bid_px, reverse=True)
        assert list(s.ask_px) == sorted(s.ask_px)


def test_a_snapshot_file_can_be_read_again_and_from_the_start():
    head = SnapshotFile(FILE, 5, end_ms=FIRST_MS + 30_000)
    first = list(head)
    assert first == list(head) and first[0].time_ms == FIRST_MS
    assert first[0].levels(is_bid=True)[427270] == 2265  # "42727.0" x "0.02265"


def test_a_coarser_grid_rounds_sizes_down_and_drops_empty_levels():
    fine = next(iter(SnapshotFile(FILE, 5, end_ms=FIRST_MS + 1)))
    coarse = next(iter(SnapshotFile(FILE, 2, end_ms=FIRST_MS + 1)))
    assert all(lots > 0 for lots in coarse.bid_lots)
    expected = {px * 1000: lots // 1000 for px, lots in fine.levels(is_bid=True).items()}
    assert coarse.levels(is_bid=True) == {px: lots for px, lots in expected.items() if lots}
