import json

from amm.bench.report import BenchResult, Check, document


def test_a_check_passes_on_its_side_of_the_limit_and_fails_unmeasured() -> None:
    assert Check("a", 1.5, "<=", 1.5).passed
    assert not Check("a", 1.6, "<=", 1.5).passed
    assert Check("b", 0.5, ">=", 0.5).passed
    assert not Check("b", 0.4, ">=", 0.5).passed
    assert not Check("c", None, "<=", 1.0).passed


def test_the_text_shows_figures_conditions_and_verdicts() -> None:
    result = BenchResult(
        "bus",
        {"ratio": 0.4},
        {"messages": 10, "machine": {"cores": 2}},
        [Check("bus.ratio", 0.4, ">=", 0.5)],
        ["  envelope / raw: 0.4"],
    )
    text = result.text()
    assert text.splitlines()[0] == "== bus =="
    assert "conditions: messages=10, machine={cores: 2}" in text
    assert "[FAIL] bus.ratio: 0.4 (target >= 0.5)" in text


def test_the_document_has_every_figure_target_and_verdict() -> None:
    results = [
        BenchResult("sign", {"ms": 0.1}, {"repeats": 5}, [Check("sign.x", 1.0, ">=", 1.0)]),
        BenchResult("memory", {}, {}, [Check("memory.y_mb", 200.0, "<=", 150.0, "MB")]),
    ]
    doc = document({"cores": 2}, results, "amm bench sign memory", {"duration": 60})
    json.dumps(doc)  # JSON-ready
    assert doc["benchmarks"]["sign"]["figures"] == {"ms": 0.1}
    assert doc["benchmarks"]["memory"]["targets"][0]["target"] == "<= 150 MB"
    assert [t["passed"] for t in doc["targets"]] == [True, False]
    assert (doc["passed"], doc["failed"]) == (1, 1)
