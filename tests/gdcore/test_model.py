"""gdcore.model: predictions, the MSE's gradients, one update and the closed-form minimum.

Gradients are checked against central finite differences, the closed form against
scikit-learn's LinearRegression (also far from the origin), on the ``case`` data sets.
"""

from __future__ import annotations

import numpy as np
import pytest
from kit import ref_mse
from sklearn.linear_model import LinearRegression

import gdcore as g


@pytest.mark.parametrize("point", [(0.0, 0.0), (0.4967, -0.1383), (-3.0, 5.5), "minimum"])
def test_gradients_match_central_differences(case, point):
    _, _, d = case
    x, y = d.x_train, d.y_train
    b, w = g.closed_form(x, y) if point == "minimum" else point
    h = 1e-3  # the MSE is quadratic: central differences are exact up to rounding
    fd_b = (ref_mse(b + h, w, x, y) - ref_mse(b - h, w, x, y)) / (2 * h)
    fd_w = (ref_mse(b, w + h, x, y) - ref_mse(b, w - h, x, y)) / (2 * h)
    db, dw = g.gradients(b, w, x, y)
    assert db == pytest.approx(fd_b, rel=1e-7, abs=1e-9)
    assert dw == pytest.approx(fd_w, rel=1e-7, abs=1e-9)
    sb, sw = g.sufficient_stats(x, y).gradients(b, w)
    assert (sb, sw) == pytest.approx((db, dw), rel=1e-9, abs=1e-12)
    if point == "minimum":
        assert abs(db) < 1e-12 and abs(dw) < 1e-12


def test_update_is_one_descent_step(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    db, dw = g.gradients(0.3, -0.2, x, y)
    b1, w1 = g.update(0.3, -0.2, db, dw, 0.05)
    assert (b1, w1) == (0.3 - 0.05 * db, -0.2 - 0.05 * dw)
    h = g.descend(x, y, 0.3, -0.2, 0.05, 1)
    assert (h.b[1], h.w[1]) == pytest.approx((b1, w1), rel=1e-12)
    assert g.mse(b1, w1, x, y) < g.mse(0.3, -0.2, x, y)


def test_closed_form_matches_sklearn(case):
    _, _, d = case
    lr = LinearRegression().fit(np.asarray(d.x_train).reshape(-1, 1), d.y_train)
    b, w = g.closed_form(d.x_train, d.y_train)
    assert b == pytest.approx(lr.intercept_, rel=1e-10)
    assert w == pytest.approx(lr.coef_[0], rel=1e-10)


def test_closed_form_far_from_origin_matches_sklearn(shifted):
    x, y, _, _ = shifted
    lr = LinearRegression().fit(x.reshape(-1, 1), y)
    b, w = g.closed_form(x, y)
    assert b == pytest.approx(lr.intercept_, rel=1e-9)
    assert w == pytest.approx(lr.coef_[0], rel=1e-9)


@pytest.mark.parametrize("value, n", [(0.5, 10), (0.3, 7), (-2.0, 3)])
def test_closed_form_constant_x(value, n):
    # values whose mean is computed exactly
    assert np.full(n, value).mean() == value
    with pytest.raises(ValueError, match="all x are equal"):
        g.closed_form(np.full(n, value), np.arange(float(n)))


@pytest.mark.parametrize("value, n", [(0.1, 3), (0.3, 10), (0.2, 7)])
def test_closed_form_constant_x_with_inexact_mean(value, n):
    x = np.full(n, value)
    assert x.mean() != value  # the case that trips the exact == 0 test
    with pytest.raises(ValueError, match="all x are equal"):
        g.closed_form(x, np.random.RandomState(0).rand(n))
