import pytest

from amm.bench.stats import percentile, summary


def test_percentiles_interpolate_between_closest_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 90) == pytest.approx(4.6)
    assert percentile([1.0, 2.0], 50) == 1.5


def test_one_value_is_every_percentile() -> None:
    assert percentile([7.0], 99) == 7.0


def test_no_values_or_a_bad_rank_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        percentile([1.0], 101)


def test_summary_has_the_reported_figures_in_order() -> None:
    stats = summary([float(i) for i in range(1, 101)])
    assert stats == {"count": 100, "mean": 50.5, "p50": 50.5, "p90": 90.1, "p99": 99.01, "max": 100}
    assert stats["p50"] <= stats["p90"] <= stats["p99"] <= stats["max"]
    assert summary([]) == {"count": 0}
