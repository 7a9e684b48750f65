"""The bus envelope of DESIGN.md: frames `[topic, msgpack map]`, decoded trusting nothing."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import msgspec

SCHEMA_VERSION = 1
ENVELOPE_FIELDS = ("v", "src", "epoch", "seq", "ts_ns", "data")

_MSGPACK_MAP_PREFIXES = frozenset(range(0x80, 0x90)) | {0xDE, 0xDF}

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
NonNegative = Annotated[int, msgspec.Meta(ge=0)]


class Envelope(msgspec.Struct, frozen=True):
    """A decoded envelope; `data` stays raw msgpack until a topic schema decodes it."""

    v: int
    src: NonEmpty
    epoch: NonEmpty
    seq: NonNegative
    ts_ns: NonNegative
    data: msgspec.Raw


class _EnvelopeShape(msgspec.Struct):
    """The envelope's field types, used only to name the field a bad message got wrong."""

    v: int
    src: NonEmpty
    epoch: NonEmpty
    seq: NonNegative
    ts_ns: NonNegative
    data: dict[str, Any]


class OutgoingEnvelope(msgspec.Struct):
    """What a publisher encodes: `data` may be any schema struct or map."""

    v: int
    src: str
    epoch: str
    seq: int
    ts_ns: int
    data: Any


class Malformed(enum.Enum):
    """Why a bus message was dropped; each kind is counted and logged once per publisher."""

    FRAMES = "frames"
    OVERSIZED = "oversized"
    TOPIC = "topic"
    NOT_MSGPACK = "not_msgpack"
    NOT_MAP = "not_map"
    MISSING_FIELD = "missing_field"
    BAD_FIELD = "bad_field"
    UNKNOWN_VERSION = "unknown_version"
    WRONG_SRC = "wrong_src"
    INVALID_DATA = "invalid_data"


class MalformedMessage(Exception):
    """A message that cannot be accepted; `kind` says why and `detail` says what exactly."""

    def __init__(self, kind: Malformed, detail: str) -> None:
        super().__init__(f"{kind.value}: {detail}")
        self.kind = kind
        self.detail = detail


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Envelope)


def encode(src: str, epoch: str, seq: int, ts_ns: int, data: Any) -> bytes:
    """Encode one envelope with the current schema version."""
    return _encoder.encode(OutgoingEnvelope(SCHEMA_VERSION, src, epoch, seq, ts_ns, data))


def decode_topic(frame: bytes) -> str:
    try:
        return frame.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage(Malformed.TOPIC, f"topic is not UTF-8 ({exc.reason})") from None


def decode(payload: bytes, max_bytes: int) -> Envelope:
    """Decode and check an envelope; raises MalformedMessage naming the problem."""
    if len(payload) > max_bytes:
        raise MalformedMessage(
            Malformed.OVERSIZED, f"payload of {len(payload)} bytes exceeds the maximum {max_bytes}"
        )
    try:
        envelope = _decoder.decode(payload)
    except (msgspec.DecodeError, UnicodeDecodeError):  # a str that is not UTF-8: not msgspec's
        raise _classify(payload) from None
    if envelope.v != SCHEMA_VERSION:
        raise MalformedMessage(
            Malformed.UNKNOWN_VERSION, f"schema version v={envelope.v!r} is not {SCHEMA_VERSION}"
        )
    if memoryview(envelope.data)[0] not in _MSGPACK_MAP_PREFIXES:
        raise MalformedMessage(Malformed.BAD_FIELD, "field `data` is not a map")
    return envelope


def _classify(payload: bytes) -> MalformedMessage:
    """Slow path for a payload the typed decoder refused: say precisely what is wrong."""
    try:
        obj = msgspec.msgpack.decode(payload)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return MalformedMessage(Malformed.NOT_MSGPACK, str(exc))
    if not isinstance(obj, dict):
        return MalformedMessage(Malformed.NOT_MAP, f"payload is a {type(obj).__name__}, not a map")
    if "v" in obj and obj["v"] != SCHEMA_VERSION:
        return MalformedMessage(
            Malformed.UNKNOWN_VERSION, f"schema version v={obj['v']!r} is not {SCHEMA_VERSION}"
        )
    missing = [name for name in ENVELOPE_FIELDS if name not in obj]
    if missing:
        return MalformedMessage(Malformed.MISSING_FIELD, f"missing field(s) {', '.join(missing)}")
    try:
        msgspec.convert(obj, _EnvelopeShape)
    except msgspec.ValidationError as exc:
        return MalformedMessage(Malformed.BAD_FIELD, str(exc))
    return MalformedMessage(Malformed.BAD_FIELD, "envelope fields have the wrong types")
