import pytest

from amm.services.venue.clock import VenueClock


class FakeTime:
    def __init__(self) -> None:
        self.mono = 100.0

    def wall_ms(self) -> int:
        return 1_700_000_000_000


def test_speed_one_follows_the_wall_clock_from_its_start():
    fake = FakeTime()
    clock = VenueClock(1.0, wall_ms=fake.wall_ms, monotonic_s=lambda: fake.mono)
    assert clock.now_ms() == 1_700_000_000_000
    fake.mono += 2.5
    assert clock.now_ms() == 1_700_000_002_500


def test_faster_speed_runs_simulated_time_faster_and_converts_waits():
    fake = FakeTime()
    clock = VenueClock(60.0, wall_ms=fake.wall_ms, monotonic_s=lambda: fake.mono)
    fake.mono += 1.0
    assert clock.now_ms() == 1_700_000_060_000
    assert clock.wall_seconds(3_600_000) == pytest.approx(60.0)


def test_zero_speed_is_refused():
    with pytest.raises(ValueError, match="speed"):
        VenueClock(0)
