"""What a rogue publisher sends on an actor's bus endpoint: every kind of bad message (pure).

For every topic of the bus, on the endpoint of `program`: a payload that is not msgpack, one that
is msgpack but not a map, maps with missing and mistyped envelope fields, a newer schema
version, a payload over the size limit, a valid envelope with an invalid body, and a valid
envelope whose `src` claims another program; plus one message with three frames and one whose
topic is not UTF-8. `expected_kinds` is what a subscriber of the endpoint must count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import msgspec

from amm.common.envelope import SCHEMA_VERSION, Malformed
from amm.common.messages import EXACT_TOPICS, HEARTBEAT_PREFIX, PER_MARKET_TOPICS, Heartbeat

ROGUE_EPOCH = "c4a05c4a05c4a05c"
_INVALID_BODY = {"coin": 12345, "rogue": True}  # fails every topic's schema


@dataclass(frozen=True)
class Garbage:
    """One rogue message: its frames and the malformed kind a subscriber should count."""

    kind: Malformed
    frames: tuple[bytes, ...]


def all_topics(coins: Sequence[str], programs: Sequence[str]) -> list[str]:
    """Every topic of the bus for these markets and programs."""
    per_market = [prefix + coin for prefix in PER_MARKET_TOPICS for coin in coins]
    return [*per_market, *EXACT_TOPICS, *(HEARTBEAT_PREFIX + name for name in programs)]


def rogue_messages(
    program: str, topics: Sequence[str], max_bytes: int, impostor_of: str, seq: Iterator[int]
) -> list[Garbage]:
    """The bad messages for `program`'s endpoint; `impostor_of` is the program a spoof claims.

    Only the invalid bodies pass the envelope checks, so only they take numbers from `seq`
    (pass the same iterator for every round): subscribers see the rogue as one more instance of
    `program`, without gaps or duplicates, and every invalid body reaches its schema check.
    """
    now_ns = time.time_ns()

    def envelope(src: str, data: object, number: int = 1, **fields: object) -> bytes:
        body = {
            "v": SCHEMA_VERSION,
            "src": src,
            "epoch": ROGUE_EPOCH,
            "seq": number,
            "ts_ns": now_ns,
            "data": data,
        }
        return msgspec.msgpack.encode({**body, **fields})

    spoof = Heartbeat(
        program=impostor_of,
        pid=1,
        state="running",
        mode="paper",
        started_ns=now_ns,
        published=1,
        received=0,
        malformed=0,
        gaps=0,
    )
    out = [
        Garbage(Malformed.FRAMES, (b"hb." + program.encode(), b"", b"third frame")),
        Garbage(Malformed.TOPIC, (b"\xff\xfe-not-utf-8", envelope(program, {}))),
    ]
    newer = SCHEMA_VERSION + 1
    impostor = msgspec.to_builtins(spoof)
    for name in topics:
        topic = name.encode()
        missing = msgspec.msgpack.encode({"v": SCHEMA_VERSION, "src": program})
        padding = b"\x00" * (max_bytes + 1)
        out += [
            Garbage(Malformed.NOT_MSGPACK, (topic, b"\xc1 not msgpack at all")),
            Garbage(Malformed.NOT_MAP, (topic, msgspec.msgpack.encode([1, 2, 3]))),
            Garbage(Malformed.MISSING_FIELD, (topic, missing)),
            Garbage(Malformed.BAD_FIELD, (topic, envelope(program, {}, seq="one"))),
            Garbage(Malformed.UNKNOWN_VERSION, (topic, envelope(program, {}, v=newer))),
            Garbage(Malformed.OVERSIZED, (topic, envelope(program, {"pad": padding}))),
            Garbage(Malformed.WRONG_SRC, (topic, envelope(impostor_of, impostor))),
            Garbage(Malformed.INVALID_DATA, (topic, envelope(program, _INVALID_BODY, next(seq)))),
        ]
    return out


def expected_kinds() -> frozenset[str]:
    """The malformed kinds every subscriber of a rogue endpoint counts (all of them: each
    subscriber acts on `hb.`, so even the invalid bodies reach its schema check)."""
    return frozenset(kind.value for kind in Malformed)
