"""Array inputs of every gdcore function: 1-D and (n, 1) columns give the same results;
mismatched lengths, empty and malformed arrays are refused with a ValueError."""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g


def test_column_and_flat_arrays_identical():
    d = g.make_data(n=64, seed=21)
    x1, y1, xv1 = np.asarray(d.x_train), np.asarray(d.y_train), np.asarray(d.x_val)
    x2, y2, xv2 = x1.reshape(-1, 1), y1.reshape(-1, 1), xv1.reshape(-1, 1)
    assert g.as_1d(x2).shape == x1.shape
    np.testing.assert_array_equal(g.predict(0.5, 1.5, x1), g.predict(0.5, 1.5, x2))
    np.testing.assert_array_equal(g.errors(0.5, 1.5, x1, y1), g.errors(0.5, 1.5, x2, y2))
    assert g.errors(0.5, 1.5, x2, y2).shape == (x1.size,)
    assert g.mse(0.5, 1.5, x1, y1) == g.mse(0.5, 1.5, x2, y2) == g.mse(0.5, 1.5, x2, y1)
    assert g.gradients(0.5, 1.5, x1, y1) == g.gradients(0.5, 1.5, x2, y2)
    assert g.closed_form(x1, y1) == g.closed_form(x2, y2)
    assert g.sufficient_stats(x1, y1) == g.sufficient_stats(x2, y2)
    bv, wv = np.linspace(-1, 3, 9), np.linspace(0, 4, 7)
    np.testing.assert_array_equal(g.loss_grid(x1, y1, bv, wv), g.loss_grid(x2, y2, bv, wv))
    np.testing.assert_array_equal(g.hessian(x1), g.hessian(x2))
    assert g.critical_lr(x1) == g.critical_lr(x2)
    assert g.axis_lr_limits(x1) == g.axis_lr_limits(x2)
    assert g.convergence_factor(x1, 0.3) == g.convergence_factor(x2, 0.3)
    s1, t1, v1 = g.standardize(x1, xv1)
    s2, t2, v2 = g.standardize(x2, xv2)
    assert s1 == s2
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(v1, v2)
    assert t2.shape == x1.shape
    for bs in (None, 8, 1):
        h1 = g.descend(x1, y1, 0.0, 0.0, 0.1, 4, batch_size=bs, seed=3, x_val=xv1, y_val=d.y_val)
        h2 = g.descend(x2, y2, 0.0, 0.0, 0.1, 4, batch_size=bs, seed=3, x_val=xv2, y_val=d.y_val)
        np.testing.assert_array_equal(h1.update_b, h2.update_b)
        np.testing.assert_array_equal(h1.update_w, h2.update_w)
        np.testing.assert_array_equal(h1.val_loss, h2.val_loss)


def test_mismatched_lengths(xy):
    x, y = xy
    for fn in (
        lambda: g.mse(0, 0, x, y[:-1]),
        lambda: g.errors(0, 0, x[:-1], y),
        lambda: g.gradients(0, 0, x, y[:-1]),
        lambda: g.closed_form(x, y[:-1]),
        lambda: g.sufficient_stats(x, y[:-1]),
        lambda: g.loss_grid(x, y[:-1], [0.0], [0.0]),
        lambda: g.descend(x, y[:-1], 0, 0, 0.1, 5),
    ):
        with pytest.raises(ValueError, match="same length"):
            fn()


def test_empty_and_malformed_arrays(xy):
    x, y = xy
    with pytest.raises(ValueError, match="empty"):
        g.mse(0, 0, [], [])
    with pytest.raises(ValueError, match="empty"):
        g.standardize([])
    with pytest.raises(ValueError, match="empty"):
        g.hessian([])
    with pytest.raises(ValueError, match="shape"):
        g.mse(0, 0, np.ones((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match="shape"):
        g.as_1d(np.ones((1, 4)), "x")
