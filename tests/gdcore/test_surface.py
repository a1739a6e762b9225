"""gdcore.surface: the loss grid, sufficient statistics, cross-sections and their argument checks.

Every grid is compared with the book's own method (an (n, nw, nb) array of predictions, then
the mean), with exact rational arithmetic far from the origin, or with wider floats.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from kit import ref_mse

import gdcore as g


def brute_loss_grid(x, y, b_values, w_values, dtype=np.float64):
    """The book's method: an (n, nw, nb) array of predictions, then the mean."""
    x = np.asarray(x, dtype=dtype).reshape(-1, 1, 1)
    y = np.asarray(y, dtype=dtype).reshape(-1, 1, 1)
    b = np.asarray(b_values, dtype=dtype).reshape(1, 1, -1)
    w = np.asarray(w_values, dtype=dtype).reshape(1, -1, 1)
    yhat = b + w * x
    return ((yhat - y) ** 2).mean(axis=0)


def exact_mse(b, w, x, y) -> Fraction:
    """MSE in exact rational arithmetic (the float inputs are exact rationals)."""
    fb, fw = Fraction(float(b)), Fraction(float(w))
    total = sum((fb + fw * Fraction(float(xi)) - Fraction(float(yi))) ** 2 for xi, yi in zip(x, y))
    return total / len(x)


def test_loss_grid_matches_brute_force(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    b_star, w_star = g.closed_form(x, y)
    # nb != nw so a transposed result cannot pass
    b_values = np.linspace(b_star - 3, b_star + 3, 41)
    w_values = np.linspace(w_star - 2.5, w_star + 3.5, 37)
    got = g.loss_grid(x, y, b_values, w_values)
    assert got.shape == (37, 41)
    np.testing.assert_allclose(got, brute_loss_grid(x, y, b_values, w_values), rtol=1e-10, atol=0)


def test_loss_grid_on_book_grid_matches_brute_force(case):
    _, _, d = case
    G = g.book_grid("original")
    got = g.loss_grid(d.x_train, d.y_train, G.b_values, G.w_values)
    want = brute_loss_grid(d.x_train, d.y_train, G.b_values, G.w_values)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)
    # cross-sections are slices of the grid
    np.testing.assert_allclose(
        g.cross_section_w(d.x_train, d.y_train, G.b_values[7], G.w_values), want[:, 7], rtol=1e-10
    )
    np.testing.assert_allclose(
        g.cross_section_b(d.x_train, d.y_train, G.w_values[93], G.b_values), want[93, :], rtol=1e-10
    )


def test_loss_grid_from_stats_and_sufficient_stats(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    s = g.sufficient_stats(x, y)
    assert s.n == x.size
    assert s.mean_x == pytest.approx(x.mean(), rel=1e-14)
    assert s.var_x == pytest.approx(np.var(x), rel=1e-12)
    assert s.var_y == pytest.approx(np.var(y), rel=1e-12)
    assert s.cov_xy == pytest.approx(np.cov(x, y, ddof=0)[0, 1], rel=1e-12)
    bv, wv = np.array([-1.0, 0.3, 2.0]), np.array([0.5, 4.0])
    np.testing.assert_array_equal(g.loss_grid_from_stats(s, bv, wv), g.loss_grid(x, y, bv, wv))


def test_loss_grid_far_from_origin_exact_points(shifted):
    x, y, b_values, w_values = shifted
    got = g.loss_grid(x, y, b_values, w_values)
    # exact rational reference at the centre (the minimum) and a spread of points
    for iw, ib in [(15, 20), (0, 0), (30, 40), (15, 0), (0, 20), (7, 33)]:
        exact = exact_mse(b_values[ib], w_values[iw], x, y)
        assert abs(Fraction(float(got[iw, ib])) - exact) / exact < 1e-8, (iw, ib)


@pytest.mark.skipif(
    np.finfo(np.longdouble).eps > 1e-18, reason="np.longdouble is not wider than float64 on this platform"
)
def test_loss_grid_far_from_origin_longdouble(shifted):
    x, y, b_values, w_values = shifted
    got = g.loss_grid(x, y, b_values, w_values)
    want = brute_loss_grid(x, y, b_values, w_values, dtype=np.longdouble)
    assert got.min() < 0.05 and got.max() > 10  # the window spans the valley
    np.testing.assert_allclose(got, want.astype(np.float64), rtol=1e-8, atol=0)


def test_loss_grid_exact_fit_is_never_negative():
    x = np.linspace(0, 1, 50)
    y = 3.0 - 7.0 * x
    L = g.loss_grid(x, y, np.linspace(2, 4, 21), np.linspace(-8, -6, 21))
    assert L.min() >= 0.0
    assert L[10, 10] == pytest.approx(0.0, abs=1e-14)  # rounding of the moments
    assert L[0, 0] == pytest.approx(ref_mse(2.0, -8.0, x, y), rel=1e-12)


def test_cross_section_from_stats_matches_the_data(book):
    x, y, stats = book
    ws, bs = np.linspace(-1, 5, 101), np.linspace(-2, 4, 101)
    np.testing.assert_allclose(
        g.cross_section_from_stats(stats, "w", 0.52, ws), g.cross_section_w(x, y, 0.52, ws), rtol=1e-12
    )
    np.testing.assert_allclose(
        g.cross_section_from_stats(stats, "b", -0.16, bs), g.cross_section_b(x, y, -0.16, bs), rtol=1e-12
    )
    # The book's cut at b = 0.52 passes through the snapped start at loss 2.7113.
    assert g.cross_section_from_stats(stats, "w", 0.52, [-0.16])[0] == pytest.approx(2.7113284116288243, rel=1e-12)
    assert g.cross_section_from_stats(stats, "w", 0.52, 1.5).shape == ()


def test_cross_section_from_stats_overflows_quietly_and_checks_its_parameter(book):
    _, _, stats = book
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = g.cross_section_from_stats(stats, "b", 1e300, np.array([0.0, 1e200]))
    assert np.isinf(out[1])
    with pytest.raises(ValueError):
        g.cross_section_from_stats(stats, "x", 0.0, [1.0])


def test_finite_difference_slope_and_grid_bad_arguments(xy):
    x, y = xy
    with pytest.raises(ValueError, match="wrt"):
        g.finite_difference_slope(x, y, 0, 0, 0.1, "x")
    with pytest.raises(ValueError, match="delta"):
        g.finite_difference_slope(x, y, 0, 0, 0.0, "b")
    with pytest.raises(ValueError, match="2 points"):
        g.Grid.around(0, 0, points=1)
    with pytest.raises(ValueError, match="half_width"):
        g.Grid.around(0, 0, half_width=0.0)
