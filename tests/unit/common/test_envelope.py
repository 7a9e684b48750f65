import math

import msgpack
import msgspec
import pytest

from amm.common import envelope
from amm.common.envelope import SCHEMA_VERSION, Malformed, MalformedMessage

MAX = 1024 * 1024


def raw(payload: dict) -> bytes:
    return msgpack.packb(payload)


def valid(**override) -> dict:
    fields = {"v": 1, "src": "risk", "epoch": "abc123", "seq": 1, "ts_ns": 1, "data": {}}
    fields.update(override)
    return fields


@pytest.mark.parametrize(
    "seq, ts_ns",
    [(0, 0), (1, 1), (2**63 - 1, 2**63 - 1), (2**64 - 1, 2**64 - 1)],
)
def test_envelope_round_trips_integer_edges(seq, ts_ns):
    payload = envelope.encode("quoter", "e" * 16, seq, ts_ns, {"x": 1})
    decoded = envelope.decode(payload, MAX)
    assert (decoded.v, decoded.src, decoded.epoch) == (SCHEMA_VERSION, "quoter", "e" * 16)
    assert (decoded.seq, decoded.ts_ns) == (seq, ts_ns)
    assert msgspec.msgpack.decode(decoded.data) == {"x": 1}


def test_envelope_round_trips_edge_values_in_data():
    data = {
        "empty": {},
        "unicode": "km:US500 — ünïcode ✓",
        "neg": -(2**63),
        "big": 2**64 - 1,
        "float": 1e-308,
        "inf": math.inf,
        "bytes": b"\x00\xff",
        "nested": [[1, "2"], {"a": None}],
        "": "",
    }
    decoded = envelope.decode(envelope.encode("x", "y", 5, 6, data), MAX)
    assert msgspec.msgpack.decode(decoded.data) == data


def test_envelope_is_readable_with_plain_msgpack():
    payload = envelope.encode("monitor", "ep", 7, 8, {"k": "v"})
    assert msgpack.unpackb(payload) == {
        "v": 1,
        "src": "monitor",
        "epoch": "ep",
        "seq": 7,
        "ts_ns": 8,
        "data": {"k": "v"},
    }


def test_extra_envelope_fields_are_tolerated():
    decoded = envelope.decode(raw(valid(extra="later version field")), MAX)
    assert decoded.seq == 1


def kind_of(payload: bytes, max_bytes: int = MAX) -> Malformed:
    with pytest.raises(MalformedMessage) as caught:
        envelope.decode(payload, max_bytes)
    return caught.value.kind


def test_not_msgpack_is_malformed():
    assert kind_of(b"\xc1 not msgpack") is Malformed.NOT_MSGPACK


def test_truncated_msgpack_is_malformed():
    assert kind_of(raw(valid())[:-3]) is Malformed.NOT_MSGPACK


@pytest.mark.parametrize("value", [[1, 2, 3], "a string", 42, None])
def test_payload_that_is_not_a_map_is_malformed(value):
    assert kind_of(msgpack.packb(value)) is Malformed.NOT_MAP


@pytest.mark.parametrize("field", ["v", "src", "epoch", "seq", "ts_ns", "data"])
def test_each_missing_envelope_field_is_named(field):
    fields = valid()
    del fields[field]
    with pytest.raises(MalformedMessage) as caught:
        envelope.decode(raw(fields), MAX)
    assert caught.value.kind is Malformed.MISSING_FIELD
    assert field in caught.value.detail


@pytest.mark.parametrize("version", [0, 2, 99, "1"])
def test_unknown_schema_version_is_malformed(version):
    assert kind_of(raw(valid(v=version))) is Malformed.UNKNOWN_VERSION


@pytest.mark.parametrize(
    "override",
    [{"seq": -1}, {"seq": "1"}, {"ts_ns": 1.5}, {"src": ""}, {"epoch": 7}, {"data": [1]}],
)
def test_envelope_field_of_the_wrong_type_is_malformed(override):
    assert kind_of(raw(valid(**override))) is Malformed.BAD_FIELD


def test_payload_larger_than_the_maximum_is_malformed_before_decoding():
    payload = raw(valid(data={"blob": "x" * 2000}))
    assert kind_of(payload, max_bytes=1024) is Malformed.OVERSIZED
    assert envelope.decode(payload, max_bytes=len(payload)).seq == 1


def test_topic_that_is_not_utf8_is_malformed():
    with pytest.raises(MalformedMessage) as caught:
        envelope.decode_topic(b"md.\xff\xfe")
    assert caught.value.kind is Malformed.TOPIC
