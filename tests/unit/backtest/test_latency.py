"""Latency specs, their draws, and links that never reorder."""

from __future__ import annotations

import random

import pytest

from amm.backtest.latency import Constant, Link, LogNormal, Uniform, parse_latency
from amm.backtest.scheduler import Scheduler

MS = 1_000_000


def test_specs_parse_to_their_models():
    assert parse_latency("constant:20") == Constant(20.0)
    assert parse_latency("uniform:5:15") == Uniform(5.0, 15.0)
    assert parse_latency("lognormal:20:0.5") == LogNormal(20.0, 0.5)


@pytest.mark.parametrize(
    "spec", ["", "constant", "constant:a", "uniform:9:1", "gamma:1:2", "constant:-1", "lognormal:1"]
)
def test_a_bad_spec_is_refused_with_its_text(spec):
    with pytest.raises(ValueError, match="latency"):
        parse_latency(spec)


def test_a_constant_draws_nothing_from_the_stream():
    rng = random.Random(7)
    state = rng.getstate()
    assert Constant(1.5).sample_ns(rng) == 1_500_000
    assert rng.getstate() == state


def test_draws_repeat_for_the_same_seed_and_stay_in_range():
    model = Uniform(5, 15)
    first = [model.sample_ns(random.Random("1/x")) for _ in range(3)]
    again = [model.sample_ns(random.Random("1/x")) for _ in range(3)]
    assert first == again
    draws = [model.sample_ns(rng) for rng in [random.Random(3)] for _ in range(1000)]
    assert all(5 * MS <= d <= 15 * MS for d in draws)
    lognormal = LogNormal(20, 0.5)
    rng = random.Random(4)
    samples = sorted(lognormal.sample_ns(rng) for _ in range(4001))
    assert 18 * MS < samples[2000] < 22 * MS  # the median is the median


def test_a_link_delivers_in_the_order_sent_even_when_a_later_draw_is_shorter():
    scheduler = Scheduler(0)
    link = Link(scheduler, LogNormal(10, 2.0), random.Random(5))
    arrived: list[int] = []
    for n in range(200):
        link.send(lambda n=n: arrived.append(n))
        scheduler.now_ns += 100_000
    scheduler.run_until(10**15)
    assert arrived == list(range(200))
