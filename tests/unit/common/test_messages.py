from decimal import Decimal

import msgpack
import msgspec
import pytest

from amm.common import envelope, messages
from amm.common.messages import (
    Bbo,
    Book,
    BookLevel,
    Fill,
    Heartbeat,
    InvalidBody,
    QuoteIntent,
    QuoteLevel,
    RiskPosition,
    RiskState,
    UnknownTopic,
    decode_body,
    schema_for,
    topic_for,
)

EXAMPLES: dict[str, messages.Schema] = {
    "hb.quoter": Heartbeat(
        program="quoter",
        pid=1,
        state="running",
        mode="paper",
        started_ns=1,
        published=3,
        received=2,
        malformed=0,
        gaps=0,
        peers={"risk": 0.5},
    ),
    "md.book.km:US500": Book(
        coin="km:US500",
        exch_time_ms=1,
        recv_ns=2,
        bids=[BookLevel(Decimal("5012.3"), Decimal("0.5"), 2)],
        asks=[BookLevel(Decimal("5012.4"), Decimal("1"), 1)],
    ),
    "md.bbo.BTC": Bbo(
        coin="BTC",
        exch_time_ms=1,
        recv_ns=2,
        bid_px=Decimal("42727"),
        bid_sz=Decimal("0.02"),
        ask_px=None,
        ask_sz=None,
    ),
    "quote.intent": QuoteIntent(
        coin="km:US500",
        intent_id=7,
        fair_px=Decimal("5012.35"),
        bids=[QuoteLevel(Decimal("5011"), Decimal("0.01"))],
        asks=[],
        model="glft",
        mode="moderate",
        created_ns=5,
    ),
    "exec.fill": Fill(
        coin="km:US500",
        tid=123,
        oid=9,
        cloid="0x" + "ab" * 16,
        side="B",
        px=Decimal("5012.3"),
        sz=Decimal("0.01"),
        fee=Decimal("-0.0001"),
        closed_pnl=Decimal("0"),
        crossed=False,
        start_position=Decimal("0"),
        dir="Open Long",
        hash="0x" + "00" * 32,
        time_ms=1,
    ),
}


@pytest.mark.parametrize("topic", sorted(EXAMPLES))
def test_every_example_round_trips_through_its_topic(topic):
    body = EXAMPLES[topic]
    assert topic_for(body) == topic
    assert decode_body(topic, msgspec.msgpack.encode(body)) == body


def test_decimals_travel_as_strings_and_levels_as_arrays():
    plain = msgpack.unpackb(msgspec.msgpack.encode(EXAMPLES["md.book.km:US500"]))
    assert plain["bids"] == [["5012.3", "0.5", 2]]


def test_computed_decimals_travel_in_positional_notation_never_with_an_exponent():
    # str(Decimal) writes "0E-8" for a zero with 8 decimals (0.0000 x 0.0000), "1E+2" for a
    # positive exponent and "1E-7" below a millionth; msgspec sends a Decimal as its str()
    position = RiskPosition(
        szi=Decimal("0E-8"), entry_px=Decimal("6E+3"), notional=Decimal("-0"), delta=0.0
    )
    state = RiskState(
        state="ACTIVE",
        reasons=[],
        positions={"km:US500": position},
        session_pnl=Decimal("0E-8"),
        snapshot_ok=True,
    )
    payload = envelope.encode("risk", "e", 0, 0, state)
    data = msgpack.unpackb(payload)["data"]
    assert data["session_pnl"] == "0"
    assert data["positions"]["km:US500"] == {
        "szi": "0",
        "entry_px": "6000",
        "notional": "0",
        "delta": 0.0,
    }
    decoded = decode_body("risk.state", envelope.decode(payload, 1 << 20).data)
    assert decoded == state and str(decoded.session_pnl) == "0"
    assert [messages.plain(Decimal(v)) for v in ("1E-7", "6E-7", "-2.5E+1", "0.5")] == [
        Decimal(0),
        Decimal("0.000001"),
        Decimal(-25),
        Decimal("0.5"),
    ]
    assert [str(messages.plain(Decimal(v))) for v in ("6E-7", "-2.5E+1", "1.230")] == [
        "0.000001",
        "-25",
        "1.230",
    ]
    level = msgpack.unpackb(msgspec.msgpack.encode(QuoteLevel(Decimal("6E+3"), Decimal("0.01"))))
    assert level == ["6000", "0.01"]


def test_unknown_extra_fields_are_tolerated():
    plain = msgspec.to_builtins(EXAMPLES["hb.quoter"]) | {"added_in_v1_1": True}
    assert decode_body("hb.quoter", msgpack.packb(plain)).program == "quoter"


def test_missing_required_field_is_an_error_naming_it():
    plain = msgspec.to_builtins(EXAMPLES["exec.fill"])
    del plain["tid"]
    with pytest.raises(InvalidBody, match="tid"):
        decode_body("exec.fill", msgpack.packb(plain))


@pytest.mark.parametrize(
    "field, value",
    [
        ("px", "-1"),
        ("sz", "0"),
        ("px", "NaN"),
        ("side", "S"),
        ("fee", "inf"),
        ("closed_pnl", "1E+999999"),
        ("start_position", "-1E+40"),
        ("px", "1E-30"),
    ],
)
def test_out_of_range_values_are_errors(field, value):
    plain = msgspec.to_builtins(EXAMPLES["exec.fill"]) | {field: value}
    with pytest.raises(InvalidBody):
        decode_body("exec.fill", msgpack.packb(plain))


def test_per_market_topic_must_match_the_body_coin():
    body = msgspec.msgpack.encode(EXAMPLES["md.bbo.BTC"])
    with pytest.raises(InvalidBody, match="coin"):
        decode_body("md.bbo.ETH", body)


def test_heartbeat_topic_must_match_the_program():
    with pytest.raises(InvalidBody, match="program"):
        decode_body("hb.risk", msgspec.msgpack.encode(EXAMPLES["hb.quoter"]))


def test_unknown_topic_is_reported_as_unknown_not_invalid():
    with pytest.raises(UnknownTopic):
        decode_body("md.funding.BTC", msgpack.packb({}))


def test_every_topic_of_the_design_has_a_schema():
    topics = [
        "hb.quoter",
        "md.book.km:US500",
        "md.bbo.km:US500",
        "md.trade.km:US500",
        "md.status",
        "quote.intent",
        "risk.decision",
        "risk.state",
        "exec.order",
        "exec.fill",
        "exec.position",
        "monitor.stats",
        "monitor.alert",
        "monitor.mode",
    ]
    assert all(schema_for(topic) is not None for topic in topics)
    assert schema_for("md.book.") is None
