from amm.bench.actions import actions_result, analyse
from amm.bench.memory import memory_result

MS = 1_000_000


def test_growth_is_measured_from_minute_one_to_the_end() -> None:
    samples = [
        (0.0, {"quoter": 40.0, "venue": 60.0}),
        (60.0, {"quoter": 50.0, "venue": 60.0}),
        (600.0, {"quoter": 51.0, "venue": 70.0}),
    ]
    result = memory_result(samples, 600.0, {})
    quoter, venue = result.figures["quoter"], result.figures["venue"]
    assert (quoter["minute_1_mb"], quoter["end_mb"], quoter["growth_mb"]) == (50.0, 51.0, 1.0)
    assert venue["growth_mb"] == 10.0 and venue["peak_mb"] == 70.0
    verdicts = {check.name: check.passed for check in result.checks}
    assert verdicts["memory.quoter_growth_mb"] and not verdicts["memory.venue_growth_mb"]
    assert verdicts["memory.venue_peak_mb"]


def test_a_short_session_settles_at_its_half() -> None:
    samples = [(0.0, {"risk": 30.0}), (10.0, {"risk": 35.0}), (20.0, {"risk": 36.0})]
    assert memory_result(samples, 20.0, {}).figures["risk"]["minute_1_mb"] == 35.0


def _exchange(t_ms: int, action: dict) -> list:
    return [t_ms * MS, "/exchange", {"action": action}]


def test_actions_are_counted_against_the_limits_and_per_refresh() -> None:
    orders = [{"b": True, "p": "100", "s": "1"}] * 2
    requests = [
        _exchange(0, {"type": "cancelByCloid", "cancels": [{}, {}]}),
        _exchange(5, {"type": "order", "orders": orders}),  # same refresh as the cancel
        _exchange(1000, {"type": "batchModify", "modifies": [{"order": o} for o in orders]}),
        _exchange(1500, {"type": "scheduleCancel", "time": 1}),
        [1600 * MS, "/info", {"type": "openOrders"}],
        [1700 * MS, "/info", {"type": "l2Book"}],
    ]
    fills = [{"px": "100", "sz": "0.5"}, {"px": "100", "sz": "1.5"}]
    figures = analyse(requests, fills, duration_s=120.0, target_actions_per_day=10_000)
    assert figures["actions_by_type"] == {
        "batchModify": 1,
        "cancelByCloid": 1,
        "order": 1,
        "scheduleCancel": 1,
    }
    assert figures["actions_per_min"] == 2.0 and figures["actions_per_fill"] == 2.0
    assert figures["address_requests"] == 2 + 2 + 2 + 1
    assert figures["volume_usd"] == 200.0
    assert figures["address_allowance_per_day"] == 10_000 + 200 / 2 * 1440
    assert figures["ip_weight_per_min"] == (4 + 20 + 2) / 2
    assert figures["refreshes"] == 2
    assert figures["requests_per_refresh"]["max"] == 2
    verdicts = {check.name: check.passed for check in actions_result(figures, {}).checks}
    assert not verdicts["actions.requests_per_refresh_max"]
    assert verdicts["actions.ip_weight_per_min"] and verdicts["actions.address_use_of_allowance"]
