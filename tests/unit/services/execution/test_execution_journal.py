import json
import os
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal as D
from pathlib import Path

import msgspec
import pytest

from amm.common.private_db import DatabaseLocked
from amm.services.execution.journal import BACKFILL_OVERLAP_MS, FillJournal
from tests.unit.services.execution.execution_helpers import fill

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "fills.sqlite"


def test_the_journal_is_in_wal_mode_with_full_sync(path):
    with FillJournal(path) as journal:
        assert journal.pragma("journal_mode") == "wal"
        assert journal.pragma("synchronous") == 2  # FULL


def test_record_gives_increasing_seqs_and_ignores_a_known_tid(path):
    with FillJournal(path) as journal:
        assert journal.record(fill(11, 1, "0.1")) == 1
        assert journal.record(fill(12, 1, "0.2")) == 2
        assert journal.record(fill(11, 1, "0.1")) is None
        assert journal.record(fill(10, 1, "0.3")) == 3
        assert journal.count() == 3
        assert journal.last_seq() == 3


def test_since_returns_fills_recorded_after_a_seq_in_recording_order(path):
    with FillJournal(path) as journal:
        for tid in (30, 10, 20):
            journal.record(fill(tid, 1, "0.1"))
        assert [e.fill.tid for e in journal.since(0)] == [30, 10, 20]
        assert [(e.seq, e.fill.tid) for e in journal.since(1)] == [(2, 10), (3, 20)]
        assert [e.fill.tid for e in journal.since(1, limit=1)] == [10]
        assert journal.since(3) == []


def test_a_fill_reads_back_exactly(path):
    original = fill(5, 77, "0.123", cloid_="0x" + "ab" * 16, px="5990.5", time_ms=123)
    with FillJournal(path) as journal:
        journal.record(original)
        [entry] = journal.since(0)
    assert entry.fill == msgspec.structs.replace(original, journal_seq=entry.seq)
    assert entry.fill.journal_seq == 1
    assert entry.fill.px == D("5990.5")


def test_the_raw_json_is_kept(path):
    raw = {"tid": 5, "px": "5990.50", "builderFee": "0.01"}
    with FillJournal(path) as journal:
        journal.record(fill(5, 1, "0.1"), raw)
        stored = journal._db.execute("SELECT raw FROM fills").fetchone()[0]
    assert json.loads(stored) == raw


def test_the_journal_survives_reopening(path):
    with FillJournal(path) as journal:
        journal.record(fill(1, 1, "0.1"))
        journal.set_state("note", "kept")
    with FillJournal(path) as journal:
        assert journal.count() == 1
        assert journal.record(fill(1, 1, "0.1")) is None
        assert journal.record(fill(2, 1, "0.1")) == 2
        assert journal.get_state("note") == "kept"
        assert journal.get_state("schema_version") == "1"


def test_a_kill_between_records_loses_nothing_recorded(path):
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from amm.services.execution.journal import FillJournal
        from tests.unit.services.execution.execution_helpers import fill
        journal = FillJournal({str(path)!r})
        for tid in range(1, 51):
            journal.record(fill(tid, 1, "0.1", time_ms=1000 + tid))
        print("recorded", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert run.stdout.strip() == "recorded"
    with FillJournal(path) as journal:
        assert journal.count() == 50
        assert [e.seq for e in journal.since(0)] == list(range(1, 51))
        assert journal.watermark_ms() == 1050


def test_a_second_process_cannot_open_the_journal(path):
    with FillJournal(path):
        script = textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT)!r})
            from amm.common.private_db import DatabaseLocked
            from amm.services.execution.journal import FillJournal
            try:
                FillJournal({str(path)!r})
            except DatabaseLocked:
                sys.exit(3)
            """
        )
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 3, run.stderr


def test_a_second_connection_in_the_same_process_is_refused(path):
    with FillJournal(path), pytest.raises(DatabaseLocked):
        FillJournal(path)


def test_the_watermark_is_the_latest_fill_time_and_backfill_starts_a_minute_before(path):
    with FillJournal(path) as journal:
        assert journal.watermark_ms() is None and journal.backfill_start_ms() is None
        journal.record(fill(1, 1, "0.1", time_ms=5_000_000))
        journal.record(fill(2, 1, "0.1", time_ms=4_000_000))
        assert journal.watermark_ms() == 5_000_000
        assert journal.backfill_start_ms() == 5_000_000 - BACKFILL_OVERLAP_MS


def test_fills_of_given_orders_can_be_read_back(path):
    with FillJournal(path) as journal:
        journal.record(fill(1, 10, "0.1"))
        journal.record(fill(2, 20, "0.2"))
        journal.record(fill(3, 10, "0.3"))
        assert [e.fill.tid for e in journal.for_oids([10])] == [1, 3]
        assert journal.for_oids([]) == []


def test_nothing_but_the_journal_files_is_written(path):
    with FillJournal(path) as journal:
        journal.record(fill(1, 1, "0.1"))
    assert sorted(p.name for p in path.parent.iterdir() if os.path.isfile(p)) in (
        ["fills.sqlite"],
        ["fills.sqlite", "fills.sqlite-wal"],
    )
