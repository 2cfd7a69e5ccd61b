"""The arithmetic of `dimona bench --latency` and `--rate` (dimona.bench.latency, load)."""

import pytest

from dimona.bench.latency import percentile, summary
from dimona.bench.load import slope


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 201)]  # 1 to 200 ms
    assert percentile(values, 0.5) == 0.1
    assert percentile(values, 0.99) == 0.198
    assert percentile([0.005], 0.99) == 0.005
    assert percentile([], 0.5) is None
    assert summary(values) == {"p50": 100.0, "p90": 180.0, "p99": 198.0, "max": 200.0}


@pytest.mark.parametrize(("growth", "expected"), [(0.0, 0.0), (40.0, 40.0), (-12.5, -12.5)])
def test_the_backlog_slope_is_its_growth_per_second(growth, expected):
    points = [(1000.0 + t / 2, 300 + growth * t / 2 + (5 if t % 2 else -5)) for t in range(40)]
    assert slope(points) == pytest.approx(expected, abs=1.0)


def test_a_backlog_of_one_sample_has_no_slope():
    assert slope([(1.0, 10)]) == 0.0 and slope([]) == 0.0
