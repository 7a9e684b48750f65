"""The rogue's bad messages, as the bus's own subscriber code classifies them."""

from __future__ import annotations

import io
import itertools
from collections import Counter

import zmq.asyncio

from amm.common.bus import Subscriber
from amm.common.config import TransportConfig
from amm.common.logs import EventLog
from amm.common.programs import ACTORS
from amm.tools.chaos.garbage import all_topics, expected_kinds, rogue_messages

MAX_BYTES = 4096


def subscriber(ctx: zmq.asyncio.Context, topics: tuple[str, ...] = ("",)) -> Subscriber:
    """A subscriber without sockets: `accept` is what runs on every message it receives."""
    transport = TransportConfig(max_message_bytes=MAX_BYTES)
    return Subscriber(ctx, {}, transport, EventLog("test", stream=io.StringIO()), topics=topics)


def test_every_topic_of_the_bus_is_covered():
    topics = all_topics(["km:US500"], ACTORS)
    assert "md.book.km:US500" in topics and "exec.fill" in topics and "hb.monitor" in topics
    assert len(topics) == len(set(topics)) == 4 + 10 + len(ACTORS)


def test_each_bad_message_is_dropped_and_counted_as_its_kind():
    ctx = zmq.asyncio.Context()
    sub = subscriber(ctx)
    messages = rogue_messages(
        "risk", all_topics(["km:US500"], ACTORS), MAX_BYTES, "quoter", itertools.count(1)
    )
    try:
        assert all(sub.accept("risk", list(m.frames)) is None for m in messages)
        assert sub.malformed.counts == Counter(m.kind.value for m in messages)
        assert set(sub.malformed.counts) == expected_kinds()
    finally:
        ctx.term()


def test_rounds_sharing_a_counter_reach_the_schema_check_without_gaps_or_duplicates():
    ctx = zmq.asyncio.Context()
    sub = subscriber(ctx, topics=("hb.",))  # acts on heartbeats only, like every actor does
    seq = itertools.count(1)
    topics = all_topics(["km:US500"], ACTORS)
    try:
        for _ in range(2):
            for message in rogue_messages("execution", topics, MAX_BYTES, "risk", seq):
                sub.accept("execution", list(message.frames))
        track = sub.tracker.publishers["execution"]
        assert track.gaps == 0 and track.duplicates == 0
        assert sub.malformed.counts["invalid_data"] == 2 * len(ACTORS)
    finally:
        ctx.term()
