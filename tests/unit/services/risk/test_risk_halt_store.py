"""Risk's halt file: written atomically, read back after a restart, failing closed."""

import json

from amm.services.risk.halt_store import HaltStore
from amm.services.risk.states import Halt


def test_no_file_means_not_halted(tmp_path):
    assert HaltStore(tmp_path / "risk" / "halt.json").load() is None


def test_a_halt_round_trips_and_a_resume_is_stored_too(tmp_path):
    store = HaltStore(tmp_path / "risk" / "halt.json")
    halt = Halt("SESSION_LOSS", "session PnL -1.2 <= -1.00", 123)
    store.save(halt)
    assert HaltStore(store.path).load() == halt
    store.save(None)
    assert json.loads(store.path.read_text()) == {"halted": False, "v": 1}
    assert store.load() is None


def test_saving_leaves_only_the_file_behind(tmp_path):
    store = HaltStore(tmp_path / "halt.json")
    for n in range(3):
        store.save(Halt("MANUAL_HALT", f"n={n}", n))
    assert [p.name for p in tmp_path.iterdir()] == ["halt.json"]


def test_an_unreadable_file_fails_closed_as_halted(tmp_path):
    path = tmp_path / "halt.json"
    for content in ("{not json", '{"v": 2, "halted": false}', '{"v": 1}', "[]"):
        path.write_text(content)
        halt = HaltStore(path).load()
        assert halt is not None and halt.by == "HALT_STORE_UNREADABLE"
        assert str(path) in halt.reason
