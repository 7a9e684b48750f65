"""--data: synthetic, a slice of an archive file, or a bus recording."""

from __future__ import annotations

from pathlib import Path

import pytest

from amm.backtest.sources import ReplaySource, SyntheticSource, parse_source
from amm.common.config import load_config
from amm.tools.record import RecordingWriter
from tests.helpers import REPO

ARCHIVE = REPO.parent / "shared" / "data" / "hyperliquid" / "l2Book-BTC-20240101-12.lz4"
NOON_MS = 1_704_110_400_000  # 2024-01-01 12:00:00 UTC


def test_synthetic_with_and_without_a_duration():
    assert parse_source("synthetic") == SyntheticSource(None)
    assert parse_source("synthetic:90") == SyntheticSource(90.0)
    with pytest.raises(ValueError):
        parse_source("synthetic:-1")
    with pytest.raises(ValueError, match="--from"):
        parse_source("synthetic", start="12:00")


def test_an_archive_file_names_its_coin_and_slices_by_clock_or_epoch_ms():
    source = parse_source(str(ARCHIVE), start="12:01", end="12:02:30")
    assert isinstance(source, ReplaySource)
    assert source.coin == "BTC"
    assert (source.start_ms, source.end_ms) == (NOON_MS + 60_000, NOON_MS + 150_000)
    assert parse_source(str(ARCHIVE), start=str(NOON_MS)).start_ms == NOON_MS
    snapshots = source.snapshots(5)
    assert snapshots[0].time_ms >= NOON_MS + 60_000
    assert snapshots[-1].time_ms < NOON_MS + 150_000
    with pytest.raises(ValueError, match="HH:MM"):
        parse_source(str(ARCHIVE), start="noon")


def test_a_recording_is_recognised_and_other_files_are_refused(tmp_path: Path):
    recording = tmp_path / "bus.rec"
    RecordingWriter(recording, load_config(REPO / "configs" / "paper.toml"), 1).close()
    assert parse_source(str(recording)).describe() == "bus.rec"
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ValueError, match="neither"):
        parse_source(str(other))
    with pytest.raises(ValueError, match="no such file"):
        parse_source(str(tmp_path / "missing.lz4"))
