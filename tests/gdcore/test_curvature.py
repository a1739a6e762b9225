"""gdcore.curvature: the Hessian, learning-rate limits, convergence factors, the iteration
matrix of the two update rules, and the loss above the minimum.

Predictions are checked against measured descent runs, the spectral radius of the iteration
matrix, and brute-force losses.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gdcore as g


def distance_to(history, b_star, w_star):
    return np.hypot(history.b - b_star, history.w - w_star)


def test_convergence_factor_predicts_the_measured_rate(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    b_star, w_star = g.closed_form(x, y)
    for lr in (0.1, 0.5 * g.critical_lr(x)):
        h = g.descend(x, y, 0.0, 0.0, lr, 6000)
        dist = distance_to(h, b_star, w_star)
        # late in the run, but far enough from the rounding floor
        k = int(np.argmax(dist < 1e-4))
        assert k > 10, "descent never got within 1e-4 of the optimum"
        measured = dist[k + 1] / dist[k]
        assert measured == pytest.approx(g.convergence_factor(x, lr), abs=1e-6)


def test_convergence_factor_above_one_when_diverging(case):
    _, _, d = case
    x = d.x_train
    lr = 1.1 * g.critical_lr(x)
    assert g.convergence_factor(x, lr) == pytest.approx(1.2, rel=1e-9)
    assert g.convergence_factor(x, g.critical_lr(x)) == pytest.approx(1.0, rel=1e-9)


def test_critical_lr_for_rule(case):
    _, _, d = case
    x = d.x_train
    crit = g.critical_lr(x)
    assert g.critical_lr_for_rule(x, "simultaneous", "mean") == pytest.approx(crit, rel=1e-9)
    assert g.critical_lr_for_rule(x, "simultaneous", "sum") == pytest.approx(crit / x.size, rel=1e-9)
    seq = g.critical_lr_for_rule(x, "sequential", "mean")
    # spectral radius of the iteration matrix is 1 at the limit
    for lr, rule in ((crit, "simultaneous"), (seq, "sequential")):
        radius = np.max(np.abs(np.linalg.eigvals(g.iteration_matrix(x, lr, rule))))
        assert radius == pytest.approx(1.0, abs=1e-8)
    assert seq > crit


def test_iteration_matrix_predicts_batch_steps(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    b_star, w_star = g.closed_form(x, y)
    lr = 0.3
    for rule in ("simultaneous", "sequential"):
        for reduction, step in (("mean", lr), ("sum", lr / x.size)):
            h = g.descend(x, y, -1.0, 3.0, step, 5, rule=rule, reduction=reduction)
            M = g.iteration_matrix(x, step, rule, reduction)
            err = np.array([-1.0 - b_star, 3.0 - w_star])
            for k in range(1, 6):
                err = M @ err
                assert (h.b[k] - b_star, h.w[k] - w_star) == pytest.approx(tuple(err), abs=1e-10)


def test_condition_number_of_constant_feature_is_infinite():
    assert g.condition_number(np.full(10, 0.3)) == float("inf")


def test_loss_gap_is_the_loss_above_the_minimum(book):
    x, y, _ = book
    minimum = g.closed_form(x, y)
    h = g.hessian(x)
    rng = np.random.RandomState(0)
    b, w = rng.uniform(-3, 5, 50), rng.uniform(-2, 6, 50)
    brute = np.array([g.mse(bi, wi, x, y) for bi, wi in zip(b, w)]) - g.mse(*minimum, x, y)
    np.testing.assert_allclose(g.loss_gap(b, w, minimum, h), brute, rtol=1e-9)
    assert g.loss_gap(*minimum, minimum, h) == 0.0
    assert (g.loss_gap(b, w, minimum, h) >= 0).all()


def test_loss_gap_keeps_its_digits_near_the_minimum(book):
    x, _, _ = book
    minimum = (1.0235407546635162, 1.9689644704814506)
    h = g.hessian(x)
    e = np.array([0.3, -0.7])
    far = g.loss_gap(minimum[0] + e[0], minimum[1] + e[1], minimum, h)
    for t in (1e-3, 1e-6):  # a quadratic form: t times the step, t² times the gap
        near = g.loss_gap(minimum[0] + t * e[0], minimum[1] + t * e[1], minimum, h)
        assert near == pytest.approx(t * t * far, rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(g.loss_gap(1e200, 1e200, minimum, h))


def test_iteration_matrix_and_critical_lr_for_rule_bad_arguments(xy):
    x, _ = xy
    with pytest.raises(ValueError, match="rule"):
        g.iteration_matrix(x, 0.1, rule="jacobi")
    with pytest.raises(ValueError, match="reduction"):
        g.critical_lr_for_rule(x, reduction="median")
