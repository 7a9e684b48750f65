"""Markouts: the mid's move after each fill, signed for our side, in bps, in exchange time."""

from decimal import Decimal as D

from amm.services.monitor.markouts import MidTape
from tests.unit.services.monitor.monitor_helpers import COIN, T0_MS, bbo, fill, ready_core

NOW = T0_MS + 120_000


def feed(core, mids: list[tuple[int, str]]) -> None:
    for offset_ms, mid in mids:
        px = D(mid)
        core.on_bbo(bbo(str(px - D("0.5")), str(px + D("0.5")), T0_MS + offset_ms))


def test_a_buy_followed_by_a_falling_mid_is_negative_and_a_sell_positive():
    core = ready_core()
    feed(core, [(-100, "6000")])
    core.on_fill(fill("B", "6000", "0.1", start="0", seq=1))
    feed(core, [(500, "5997"), (4000, "5994"), (20_000, "5991"), (61_000, "5988")])
    buy = core.records[0]
    assert buy.marks == {
        "mid": D(6000),
        "1s": D(5997),
        "5s": D(5994),
        "30s": D(5991),
        "60s": D(5991),
    }
    assert buy.markout_bps("1s") == D(-5)
    assert buy.markout_bps("60s") == D(-15)
    w = core.window(COIN, "session", NOW).stats()
    assert w.markouts_bps == {"1s": -5.0, "5s": -10.0, "30s": -15.0, "60s": -15.0}

    core.on_fill(fill("A", "5988", "0.1", start="0.1", seq=2, time_ms=T0_MS + 62_000))
    feed(core, [(70_000, "5982"), (130_000, "5982")])
    sell = core.records[1]
    assert sell.markout_bps("5s") == 0  # the mid had not moved 5 s after
    assert sell.markout_bps("30s") == (D(5982) - D(5988)) / D(5988) * -10_000 > 0


def test_a_mark_waits_until_the_tape_has_moved_past_it():
    core = ready_core()
    feed(core, [(-100, "6000")])
    core.on_fill(fill("B", "6000", "0.1", start="0", seq=1))
    record = core.records[0]
    assert record.marks == {}  # no top at or after the fill yet: a later one may still be older
    feed(core, [(0, "6001")])  # at the fill's own time: the mid before it is decided
    assert record.marks == {"mid": D(6000)}
    feed(core, [(1000, "6002")])  # exactly t + 1 s: not past it yet
    assert "1s" not in record.marks
    feed(core, [(1001, "6003")])
    assert record.marks["1s"] == D(6002)
    assert core.markouts.pending[COIN] == [record]


def test_without_a_mid_before_the_fill_every_mark_is_unknown():
    core = ready_core()
    core.on_fill(fill("B", "6000", "0.1", start="0", seq=1))  # no mid heard before it
    feed(core, [(100_000, "6001")])
    assert core.records[0].marks == dict.fromkeys(("mid", "1s", "5s", "30s", "60s"))
    assert core.records[0].complete and not core.markouts.pending[COIN]
    w = core.window(COIN, "session", NOW).stats()
    assert w.spread_capture_bps is None and w.markouts_bps["1s"] is None


def test_a_fill_that_arrives_late_is_marked_from_the_tape_at_once():
    core = ready_core()
    feed(core, [(-100, "6000"), (2000, "6006"), (70_000, "6012")])
    core.on_fill(fill("A", "6001", "0.1", start="0", seq=1))
    record = core.records[0]
    assert record.complete
    assert record.edge_bps() == D(1) / 6000 * 10_000
    assert record.markout_bps("1s") == 0
    assert record.markout_bps("5s") == D(-10)  # sold, then the mid rose 6 (10 bps)


def test_a_mid_older_than_the_max_age_is_not_used():
    tape = MidTape(max_age_ms=60_000, retention_ms=300_000)
    tape.add(0, D(6000))
    assert tape.at(60_000) == D(6000)
    assert tape.at(60_001) is None
    assert tape.before(0) is None
    assert not tape.add(-1, D(1))  # out of order: ignored


def test_the_tape_forgets_what_is_older_than_its_retention_but_keeps_one_before_it():
    tape = MidTape(max_age_ms=60_000, retention_ms=1_000)
    for t in range(0, 10_000, 100):
        tape.add(t, D(t))
    assert len(tape.times) < 40
    assert tape.at(9_000) == D(9000) and tape.at(8_950) == D(8900)
