import io
import json

from amm.common.logs import REDACTED, EventLog


def test_human_lines_carry_program_event_and_fields():
    stream = io.StringIO()
    EventLog("risk", stream=stream).info("bus.gap", src="quoter", missing=3)
    line = stream.getvalue().strip()
    assert line.endswith("INFO    risk bus.gap src=quoter missing=3")
    assert "\n" not in line


def test_json_lines_are_one_object_per_event():
    stream = io.StringIO()
    log = EventLog("risk", json=True, stream=stream)
    log.info("a", n=1)
    log.warning("b", text="two words")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["event"], r["level"], r["program"]) for r in records] == [
        ("a", "info", "risk"),
        ("b", "warning", "risk"),
    ]
    assert records[1]["text"] == "two words"


def test_anything_shaped_like_a_private_key_is_redacted_in_both_formats():
    secret = "0x" + "9f" * 32
    for as_json in (False, True):
        stream = io.StringIO()
        EventLog("x", json=as_json, stream=stream).error("oops", detail=f"key={secret}")
        assert secret[2:] not in stream.getvalue()
        assert REDACTED in stream.getvalue()


def test_level_threshold_filters_debug():
    stream = io.StringIO()
    log = EventLog("x", level="info", stream=stream)
    log.debug("hidden")
    log.info("shown")
    assert "hidden" not in stream.getvalue() and "shown" in stream.getvalue()
