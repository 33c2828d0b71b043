"""The one max-pooling function against a plain Python loop, for every layout it is used with."""

import numpy as np
import pytest

from specscope.dsp.pooling import even_starts, max_pool, uniform_starts


def _reference(values, starts, stops, axis):
    v = np.moveaxis(values, axis, 0)
    out = np.stack([v[a:b].max(axis=0) for a, b in zip(starts, stops, strict=True)])
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize(("n", "group"), [(12, 3), (13, 3), (2, 5), (7, 1), (100, 17)])
def test_uniform_runs(axis, n, group):
    values = np.random.default_rng(n).normal(size=(n, 5) if axis == 0 else (5, n)).astype(np.float32)
    starts = uniform_starts(n, group)
    stops = np.minimum(starts + group, n)
    got = max_pool(values, starts, axis=axis)
    np.testing.assert_array_equal(got, _reference(values, starts, stops, axis))


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize(("n", "n_out"), [(10, 3), (1000, 7), (9, 9), (50, 49)])
def test_even_runs_short_and_long(axis, n, n_out):
    values = np.random.default_rng(n_out).integers(0, 255, size=(n, 4) if axis == 0 else (4, n)).astype(np.uint8)
    starts = even_starts(n, n_out)
    stops = np.append(starts[1:], n)
    assert (stops > starts).all()
    np.testing.assert_array_equal(max_pool(values, starts, axis=axis), _reference(values, starts, stops, axis))


@pytest.mark.parametrize("span", [1, 3, 20])
def test_overlapping_runs_reaching_the_end(span):
    # Bins onto display rows: runs overlap, and the last one ends at the last bin.
    values = np.arange(40, dtype=np.float32)[::-1].copy()
    values[39] = 100.0
    starts = np.array([0, 2, 10, 39 - span + 1])
    stops = np.minimum(starts + span, 40)
    stops[-1] = 40
    np.testing.assert_array_equal(max_pool(values, starts, stops), _reference(values, starts, stops, 0))
    assert max_pool(values, starts, stops)[-1] == 100.0


def test_one_frame_click_survives_any_shrink():
    values = np.zeros((100_000, 2), dtype=np.float32)
    values[61_234, 1] = 7.0
    pooled = max_pool(values, even_starts(100_000, 33))
    assert pooled.shape == (33, 2) and pooled.max() == 7.0 and np.count_nonzero(pooled) == 1


def test_bad_runs_are_refused():
    with pytest.raises(ValueError, match="non-empty"):
        max_pool(np.zeros(5), np.array([0, 2]), np.array([2, 2]))
    with pytest.raises(ValueError, match="n_out"):
        even_starts(3, 4)
