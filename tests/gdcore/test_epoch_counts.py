"""Epochs and batch sizes in gdcore: descent_batch_size, updates_per_epoch and minibatch_size,
checked against the updates gdcore.descend really makes and against counting batches by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gdcore


def _batches_by_hand(n: int, k: int) -> int:
    """Slice 0..n-1 into consecutive chunks of k points and count the chunks."""
    return len([list(range(n))[i : i + k] for i in range(0, n, k)])


@pytest.mark.parametrize(("n", "k"), [(80, 1), (80, 16), (80, 25), (80, 79), (80, 80), (7, 3), (1, 1), (400, 25)])
def test_updates_per_epoch_counts_the_batches(n, k):
    assert gdcore.updates_per_epoch(n, k) == _batches_by_hand(n, k) == math.ceil(n / k)


@pytest.mark.parametrize(("n", "k"), [(80, 16), (80, 25), (40, 1), (30, 30)])
def test_updates_per_epoch_is_what_descend_does(n, k):
    rng = np.random.RandomState(0)
    x = rng.rand(n)
    y = 1 + 2 * x + 0.1 * rng.randn(n)
    h = gdcore.descend(x, y, 0.0, 0.0, 0.05, 3, gdcore.descent_batch_size(k, n), seed=1)
    assert h.updates_per_epoch == gdcore.updates_per_epoch(n, k)
    assert h.update_b.size - 1 == 3 * gdcore.updates_per_epoch(n, k)  # every single update is recorded


def test_updates_per_epoch_treats_sizes_below_one_as_one():
    assert gdcore.updates_per_epoch(80, 0) == gdcore.updates_per_epoch(80, -5) == 80


@pytest.mark.parametrize(
    ("batch", "n", "expected"),
    [(0, 80, None), (-3, 80, None), (80, 80, None), (500, 80, None), (1, 80, 1), (16, 80, 16), (79, 80, 79)],
)
def test_descent_batch_size_is_none_exactly_for_batch_descent(batch, n, expected):
    assert gdcore.descent_batch_size(batch, n) == expected


@pytest.mark.parametrize("batch", [0, 16, 80, 200])
def test_descent_batch_size_none_runs_the_same_descent_as_all_points(batch):
    """None and a batch covering every point are the same algorithm: one update per epoch on the full mean."""
    rng = np.random.RandomState(3)
    x = rng.rand(80)
    y = 1 + 2 * x + 0.1 * rng.randn(80)
    size = gdcore.descent_batch_size(batch, 80)
    h = gdcore.descend(x, y, 0.5, -0.1, 0.1, 20, size, seed=2)
    if size is None:
        b, w = 0.5, -0.1
        for _ in range(20):  # the update written out, on every point
            err = b + w * x - y
            b, w = b - 0.1 * 2 * err.mean(), w - 0.1 * 2 * (x * err).mean()
        np.testing.assert_allclose(h.final, (b, w), rtol=1e-12)
        assert h.updates_per_epoch == 1
    else:
        assert h.batch_size == batch and h.updates_per_epoch == math.ceil(80 / batch)


@pytest.mark.parametrize(
    ("requested", "n", "expected"),
    [(0, 80, 16), (0, 10, 10), (0, 1, 1), (25, 400, 25), (1, 80, 1), (500, 80, 80), (-4, 80, 16)],
)
def test_minibatch_size_is_the_requested_one_or_the_reference_16_within_the_data(requested, n, expected):
    k = gdcore.minibatch_size(requested, n)
    assert k == expected
    assert 1 <= k <= n
    assert gdcore.REFERENCE_MINIBATCH == 16


def test_minibatch_size_default_can_be_changed():
    assert gdcore.minibatch_size(0, 80, default=32) == 32
    assert gdcore.minibatch_size(0, 20, default=32) == 20
