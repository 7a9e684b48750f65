"""The subscriber's checks on raw frames, without sockets: what is delivered, dropped, counted."""

import io

import msgpack
import pytest
import zmq.asyncio

from amm.common import envelope
from amm.common.bus import Subscriber, decode_any_body
from amm.common.config import TransportConfig
from amm.common.logs import EventLog
from amm.common.messages import Heartbeat
from amm.common.sequence import SeqEventKind


def heartbeat(program: str = "risk") -> dict:
    return {
        "program": program,
        "pid": 1,
        "state": "running",
        "mode": "paper",
        "started_ns": 1,
        "published": 1,
        "received": 0,
        "malformed": 0,
        "gaps": 0,
    }


@pytest.fixture
def subscriber():
    ctx = zmq.asyncio.Context()
    log_stream = io.StringIO()
    events = []
    sub = Subscriber(
        ctx,
        {},
        TransportConfig(max_message_bytes=4096),
        EventLog("test", stream=log_stream),
        topics=("hb.", "risk."),
        on_seq_event=events.append,
    )
    sub.log_stream = log_stream
    sub.events = events
    yield sub
    sub.close()
    ctx.term()


def frames(topic: str, seq: int, data: dict, *, src: str = "risk", epoch: str = "e1") -> list:
    return [topic.encode(), envelope.encode(src, epoch, seq, 1, data)]


def test_well_formed_heartbeat_is_delivered_with_its_typed_body(subscriber):
    received = subscriber.accept("risk", frames("hb.risk", 1, heartbeat()))
    assert received is not None
    assert isinstance(received.body, Heartbeat)
    assert received.envelope.seq == 1 and received.publisher == "risk"


MALFORMED_CASES = {
    "frames": [b"hb.risk"],
    "topic": [b"hb.\xff", envelope.encode("risk", "e1", 1, 1, heartbeat())],
    "oversized": [b"hb.risk", envelope.encode("risk", "e1", 1, 1, {"x": "y" * 5000})],
    "not_msgpack": [b"hb.risk", b"\xc1\xc1"],
    "not_map": [b"hb.risk", msgpack.packb([1, 2])],
    "missing_field": [b"hb.risk", msgpack.packb({"v": 1, "src": "risk"})],
    "bad_field": [
        b"hb.risk",
        msgpack.packb({"v": 1, "src": "risk", "epoch": "e", "seq": "x", "ts_ns": 1, "data": {}}),
    ],
    "unknown_version": [
        b"hb.risk",
        msgpack.packb({"v": 9, "src": "risk", "epoch": "e", "seq": 1, "ts_ns": 1, "data": {}}),
    ],
    "wrong_src": frames("hb.risk", 1, heartbeat(), src="quoter"),
}


def malformed(kind: str, seq: int) -> list:
    if kind == "invalid_data":  # a valid envelope: each copy needs a new seq to reach the body
        return frames("hb.risk", seq, {"program": "risk"})
    return MALFORMED_CASES[kind]


@pytest.mark.parametrize("kind", sorted([*MALFORMED_CASES, "invalid_data"]))
def test_each_kind_of_malformed_message_is_counted_logged_once_and_never_raises(subscriber, kind):
    for seq in range(1, 4):
        assert subscriber.accept("risk", malformed(kind, seq)) is None
    assert subscriber.malformed.counts[kind] == 3
    logged = [line for line in subscriber.log_stream.getvalue().splitlines() if "malformed" in line]
    assert len(logged) == 1
    assert f"kind={kind}" in logged[0] and "publisher=risk" in logged[0]


def test_malformed_messages_are_logged_once_per_publisher(subscriber):
    bad = [b"hb.x", b"\xc1"]
    subscriber.accept("risk", bad)
    subscriber.accept("quoter", bad)
    subscriber.accept("quoter", bad)
    log = subscriber.log_stream.getvalue()
    assert log.count("publisher=risk") == 1 and log.count("publisher=quoter") == 1
    assert subscriber.malformed.total == 3


def test_invalid_body_still_counts_in_sequence_so_no_false_gap_follows(subscriber):
    subscriber.accept("risk", frames("hb.risk", 1, heartbeat()))
    subscriber.accept("risk", frames("hb.risk", 2, {"program": "risk"}))
    assert subscriber.accept("risk", frames("hb.risk", 3, heartbeat())) is not None
    assert [event.kind for event in subscriber.events] == [SeqEventKind.FIRST]


def test_topics_outside_the_wanted_prefixes_feed_seq_tracking_but_are_not_delivered(subscriber):
    subscriber.accept("risk", frames("hb.risk", 1, heartbeat()))
    assert subscriber.accept("risk", frames("exec.fill", 2, {})) is None
    assert subscriber.accept("risk", frames("hb.risk", 3, heartbeat())) is not None
    assert [event.kind for event in subscriber.events] == [SeqEventKind.FIRST]
    assert subscriber.malformed.total == 0


def test_unknown_topic_within_wanted_prefixes_is_ignored_not_malformed(subscriber):
    assert subscriber.accept("risk", frames("risk.newthing", 1, {"a": 1})) is None
    assert subscriber.ignored_topics["risk.newthing"] == 1
    assert subscriber.malformed.total == 0


def test_gap_and_restart_are_reported_to_the_actor(subscriber):
    subscriber.accept("risk", frames("hb.risk", 1, heartbeat()))
    subscriber.accept("risk", frames("hb.risk", 4, heartbeat()))
    subscriber.accept("risk", frames("hb.risk", 1, heartbeat(), epoch="e2"))
    kinds = [event.kind for event in subscriber.events]
    assert kinds == [SeqEventKind.FIRST, SeqEventKind.GAP, SeqEventKind.RESTART]
    assert subscriber.gaps == 1


def test_duplicate_is_dropped(subscriber):
    assert subscriber.accept("risk", frames("hb.risk", 1, heartbeat())) is not None
    assert subscriber.accept("risk", frames("hb.risk", 1, heartbeat())) is None


def test_schema_free_decoding_delivers_any_well_formed_body():
    ctx = zmq.asyncio.Context()
    sub = Subscriber(
        ctx,
        {},
        TransportConfig(),
        EventLog("t", stream=io.StringIO()),
        body_decoder=decode_any_body,
    )
    try:
        received = sub.accept("risk", frames("anything.at.all", 1, {"free": ["form"]}))
        assert received is not None and received.body == {"free": ["form"]}
    finally:
        sub.close()
        ctx.term()
