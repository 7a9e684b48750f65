import io
import json

from amm.common.logs import REDACTED, EventLog, register_secret


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


def test_a_loaded_secret_is_redacted_wherever_it_appears_in_both_formats():
    secret = "0x" + "9f" * 32
    register_secret(secret)
    for as_json in (False, True):
        stream = io.StringIO()
        log = EventLog("x", json=as_json, stream=stream)
        log.error("oops", detail=f"signing with {secret.upper()[2:]} failed")
        log.info("event", **{secret: 1})
        assert "9f" * 32 not in stream.getvalue().lower()
        assert REDACTED in stream.getvalue()


def test_fields_named_like_secrets_are_masked_but_transaction_hashes_are_kept():
    tx_hash = "0x" + "ab" * 32
    stream = io.StringIO()
    EventLog("x", stream=stream).info("fill", hash=tx_hash, private_key="0x" + "cd" * 32)
    line = stream.getvalue()
    assert tx_hash in line
    assert "cd" * 32 not in line and f"private_key={REDACTED}" in line


def test_level_threshold_filters_debug():
    stream = io.StringIO()
    log = EventLog("x", level="info", stream=stream)
    log.debug("hidden")
    log.info("shown")
    assert "hidden" not in stream.getvalue() and "shown" in stream.getvalue()
