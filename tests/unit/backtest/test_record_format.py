"""The bus recording: a plain msgpack stream that survives a torn last record."""

from __future__ import annotations

import msgpack
from hypothesis import given
from hypothesis import strategies as st

from amm.common.config import load_config
from amm.tools.record import (
    FORMAT,
    NotARecording,
    RecordingWriter,
    _objects,
    is_recording,
    read_recording,
)
from tests.helpers import REPO

CONFIG = load_config(REPO / "configs" / "paper.toml")


def test_a_recording_reads_back_in_order_and_any_msgpack_reader_can_read_it(tmp_path):
    path = tmp_path / "bus.rec"
    writer = RecordingWriter(path, CONFIG, 123)
    writer.write(10, "marketdata", [b"md.status", b"\x81\xa1v\x01"])
    writer.write(11, "risk", [b"one", b"two", b"three"])
    writer.close()
    recording = read_recording(path)
    assert recording.header["format"] == FORMAT
    assert recording.header["started_ns"] == 123
    assert recording.header["endpoints"]["risk"] == CONFIG.bus.risk
    assert [(m.recv_ns, m.publisher, m.frames) for m in recording.messages] == [
        (10, "marketdata", [b"md.status", b"\x81\xa1v\x01"]),
        (11, "risk", [b"one", b"two", b"three"]),
    ]
    with open(path, "rb") as file:
        unpacked = list(msgpack.Unpacker(file, raw=False))
    assert unpacked[1] == [10, "marketdata", [b"md.status", b"\x81\xa1v\x01"]]
    assert is_recording(path)


def test_a_torn_last_record_is_left_out(tmp_path):
    path = tmp_path / "bus.rec"
    writer = RecordingWriter(path, CONFIG, 1)
    for n in range(3):
        writer.write(n, "quoter", [b"t", b"x" * 300])
    writer.close()
    data = path.read_bytes()
    path.write_bytes(data[:-5])
    assert [m.recv_ns for m in read_recording(path).messages] == [0, 1]


def test_other_files_are_not_recordings(tmp_path):
    other = tmp_path / "other.bin"
    other.write_bytes(msgpack.packb({"format": "something else"}))
    assert not is_recording(other)
    try:
        read_recording(other)
    except NotARecording:
        pass
    else:
        raise AssertionError("read a file that is not a recording")


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=300)
    | st.binary(max_size=70_000),
    lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=30,
)


@given(st.lists(values, min_size=1, max_size=5))
def test_the_stream_splits_into_exactly_the_objects_written(objects):
    data = b"".join(msgpack.packb(obj, use_bin_type=True) for obj in objects)
    assert [msgpack.unpackb(raw, raw=False, strict_map_key=False) for raw in _objects(data)] == [
        msgpack.unpackb(msgpack.packb(obj, use_bin_type=True), raw=False, strict_map_key=False)
        for obj in objects
    ]
