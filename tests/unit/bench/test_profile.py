from amm.bench.profile import top_costs


def test_collapsed_stacks_become_self_and_inclusive_shares() -> None:
    lines = [
        "run (asyncio/base_events.py:10);step (amm/services/quoter/logic.py:107);"
        "glft (amm/services/quoter/models.py:40) 30",
        "run (asyncio/base_events.py:12);step (amm/services/quoter/logic.py:120) 10",
        "run (asyncio/base_events.py:10);decode (amm/common/envelope.py:98) 60",
        "not a stack line",
    ]
    costs = top_costs(lines, top=3)
    assert costs["samples"] == 100
    assert costs["self"] == [
        ["decode (common/envelope.py)", 60.0],
        ["glft (quoter/models.py)", 30.0],
        ["step (quoter/logic.py)", 10.0],
    ]
    assert costs["inclusive"][0] == ["run (asyncio/base_events.py)", 100.0]
    assert ["step (quoter/logic.py)", 40.0] in costs["inclusive"]


def test_no_samples_no_costs() -> None:
    assert top_costs([]) == {"samples": 0, "self": [], "inclusive": []}
