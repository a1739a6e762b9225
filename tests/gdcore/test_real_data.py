"""gdcore on data it did not generate: the seeded split, a given split, and a window in the data's own units.

The split is checked against the rule it promises (a shuffle of arange(n) by a local RandomState, train first);
the window against the loss it promises at its edges; the closed form against numpy.polyfit; and every docstring
example in gdcore runs as written.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import gdcore as g


@pytest.mark.parametrize("module", ["data", "surface", "model", "descent", "curvature"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(f"gdcore.{module}"))
    assert result.failed == 0


def test_split_data_follows_a_seeded_shuffle():
    x = np.linspace(18.0, 42.0, 442)
    y = 3.0 * x - 100.0
    data = g.split_data(x, y, seed=7)
    idx = np.arange(442)
    np.random.RandomState(7).shuffle(idx)
    np.testing.assert_array_equal(data.train_idx, idx[:353])
    np.testing.assert_array_equal(data.val_idx, idx[353:])
    np.testing.assert_array_equal(data.x_train, x[idx[:353]])
    np.testing.assert_array_equal(data.y_val, y[idx[353:]])
    assert (data.train_idx.size, data.val_idx.size) == g.split_sizes(442)


def test_split_data_leaves_the_global_random_state_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    g.split_data(np.arange(20.0), np.arange(20.0), seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_split_data_reproduces_make_data_split_of_its_own_points():
    # make_data draws x and the noise before its shuffle, so its split is not split_data's; both keep
    # every point exactly once, and split_data is the same for the same seed.
    d = g.make_data()
    a, b = g.split_data(d.x, d.y, seed=42), g.split_data(d.x, d.y, seed=42)
    np.testing.assert_array_equal(a.train_idx, b.train_idx)
    np.testing.assert_array_equal(np.sort(np.concatenate([a.train_idx, a.val_idx])), np.arange(100))


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], "same length"),
        ([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], "finite"),
        ([1.0, 2.0], [1.0, 2.0], "too small"),
    ],
)
def test_split_data_refuses_bad_points(x, y, message):
    with pytest.raises(ValueError, match=message):
        g.split_data(x, y)


def test_split_by_mask_keeps_the_given_split_in_order():
    x = np.array([5.0, 6.0, 7.0, 8.0, 9.0])
    data = g.split_by_mask(x, 2 * x, [False, True, False, False, True])
    assert data.train_idx.tolist() == [0, 2, 3]
    assert data.val_idx.tolist() == [1, 4]
    np.testing.assert_array_equal(data.y_train, [10.0, 14.0, 16.0])
    assert not data.x_train.flags.writeable


@pytest.mark.parametrize(
    ("mask", "message"),
    [([False, False, False], "0 validation"), ([True, True, False], "1 training"), ([True], "one entry per point")],
)
def test_split_by_mask_refuses_a_useless_split(mask, message):
    with pytest.raises(ValueError, match=message):
        g.split_by_mask([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], mask)


@pytest.mark.parametrize(
    "x",
    [
        np.linspace(0.0, 1.0, 80),  # the book's scale
        np.linspace(18.0, 42.0, 350),  # a body-mass index
        np.linspace(-3e4, 2e4, 64),  # large, off-centre
    ],
)
def test_data_grid_edges_rise_by_the_promised_loss(x):
    rng = np.random.RandomState(0)
    y = 5.0 - 0.3 * x + rng.randn(x.size) * (1.0 + np.abs(x).mean())
    stats = g.sufficient_stats(x, y)
    b_star, w_star = g.closed_form(x, y)
    grid = g.data_grid(stats, (b_star, w_star), rise=10.0)
    minimum = g.mse(b_star, w_star, x, y)
    var_y = float(np.var(y))
    # Along each axis alone, the loss at the window's edge is the minimum plus rise * var(y).
    assert g.mse(grid.b_values[-1], w_star, x, y) == pytest.approx(minimum + 10 * var_y, rel=1e-9)
    assert g.mse(b_star, grid.w_values[0], x, y) == pytest.approx(minimum + 10 * var_y, rel=1e-9)
    assert grid.shape == (101, 101)
    assert grid.b_values[50] == pytest.approx(b_star) and grid.w_values[50] == pytest.approx(w_star)


def test_data_grid_survives_a_constant_target():
    stats = g.sufficient_stats([1.0, 2.0, 3.0], [4.0, 4.0, 4.0])
    grid = g.data_grid(stats, (4.0, 0.0), rise=1.0, points=3)
    assert np.all(np.diff(grid.b_values) > 0) and np.all(np.diff(grid.w_values) > 0)


def test_data_grid_refuses_a_bad_rise():
    stats = g.sufficient_stats([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="rise"):
        g.data_grid(stats, (0.0, 1.0), rise=0.0)


@pytest.mark.parametrize("seed", [0, 42])
def test_closed_form_matches_polyfit_on_real_scales(seed):
    rng = np.random.RandomState(seed)
    x = rng.uniform(18, 42, 442)
    y = -117.0 + 10.2 * x + rng.randn(442) * 60
    w_ref, b_ref = np.polyfit(x, y, 1)
    b, w = g.closed_form(x, y)
    assert b == pytest.approx(b_ref, rel=1e-9) and w == pytest.approx(w_ref, rel=1e-9)


@pytest.mark.parametrize("scale", [1.0, 26.0, 190.0, 1e-3])
def test_smooth_lr_is_the_largest_round_rate_that_never_overshoots(scale):
    x = np.linspace(0.5, 1.5, 40) * scale
    lr = g.smooth_lr(x)
    limit = g.critical_lr(x) / 2  # 1 / λ_max
    assert lr <= limit
    mantissa, exponent = f"{lr:.0e}".split("e")
    assert mantissa in ("1", "2", "5")
    # The next round rate up would overshoot.
    following = {"1": 2, "2": 5, "5": 10}[mantissa] * 10.0 ** int(exponent)
    assert following > limit
    assert g.lr_zone(lr, g.critical_lr(x)) == 0
    run = g.descend(x, 3 + 2 * x, 0.0, 0.0, lr, 50)
    assert np.all(np.diff(run.train_loss) <= 0)  # never overshoots: the loss only falls


def test_smooth_lr_refuses_a_feature_without_a_limit():
    with pytest.raises(ValueError, match="learning-rate limit"):
        g.smooth_lr([np.inf, 1.0])
