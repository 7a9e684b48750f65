"""`amm bench` end to end with tiny counts: the cheap benchmarks and a short latency run.

Real processes: the bus and baseline chains, a paper deployment under supervisord. Only the
structure and sanity of the figures are checked, never their speed.
"""

import json
import subprocess
import sys
from pathlib import Path

AMM = str(Path(sys.executable).with_name("amm"))


def test_bench_bus_sign_and_latency_report_sane_figures() -> None:
    run = subprocess.run(
        [
            AMM,
            "bench",
            "bus",
            "sign",
            "latency",
            "--json",
            "--messages",
            "2000",
            "--signatures",
            "20",
            "--changes",
            "30",
            "--interval-ms",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert set(doc["benchmarks"]) == {"latency", "bus", "sign"}
    assert doc["machine"]["cores"] >= 1 and doc["machine"]["python"]
    assert doc["passed"] + doc["failed"] == len(doc["targets"]) > 0

    bus = doc["benchmarks"]["bus"]["figures"]
    for name in ("envelope_1sub", "raw_1sub", "envelope_2sub", "raw_2sub"):
        assert bus[name]["msgs_per_s"] > 0
        assert sum(bus[name]["received"]) + bus[name]["lost"] == 2000 * len(bus[name]["received"])
    assert len(bus["envelope_2sub"]["per_subscriber"]) == 2
    assert bus["ratio_1sub"] > 0

    sign = doc["benchmarks"]["sign"]
    assert sign["conditions"]["coincurve"] is True
    for action in ("order_1", "order_10", "batch_modify_10"):
        assert sign["figures"][action]["client_ms"] > 0 and sign["figures"][action]["sdk_ms"] > 0

    latency = doc["benchmarks"]["latency"]
    figures, conditions = latency["figures"], latency["conditions"]
    tick, base = figures["tick_to_order_ms"], figures["baseline_ms"]
    assert conditions["book_changes"] == 30 and conditions["hops"] == 5
    assert conditions["not_running_at_end"] == []
    assert figures["answered"] + figures["unanswered"] == 30
    assert figures["answered"] >= 20  # a change is missed only if the machine stalls
    assert 0 < tick["p50"] <= tick["p90"] <= tick["p99"] <= tick["max"]
    assert base["count"] == 30 and 0 < base["p50"] <= base["p99"]
    assert figures["ratio_p50"] > 0
    assert {t["name"] for t in latency["targets"]} == {
        "latency.p50_vs_baseline",
        "latency.p99_vs_baseline",
    }
