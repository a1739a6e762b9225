"""gdcore helpers moved out of the pages' modules, checked against brute force and gdcore.descend:
first_epoch_within, measured_factor, loss_gap and cross_section_from_stats."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gdcore


@pytest.fixture(scope="module")
def book():
    d = gdcore.make_data()
    return d.x_train, d.y_train, gdcore.sufficient_stats(d.x_train, d.y_train)


def _brute_first_epoch(x, y, b0, w0, lrs, target, cap):
    """Run gdcore.descend at every rate; the fewest epochs to loss <= target, and the rate(s) doing it."""
    best, losses = None, {}
    for i, lr in enumerate(lrs):
        h = gdcore.descend(x, y, b0, w0, float(lr), cap)
        hit = np.nonzero(h.train_loss <= target)[0]
        if hit.size == 0:
            continue
        e = int(hit[0])
        if best is None or e < best:
            best, losses = e, {i: float(h.train_loss[e])}
        elif e == best:
            losses[i] = float(h.train_loss[e])
    return best, losses


@pytest.mark.parametrize("scale", [1.0, 10.0])
def test_first_epoch_within_matches_descend(book, scale):
    x, y, _ = book
    x = scale * x
    stats = gdcore.sufficient_stats(x, y)
    b0, w0 = gdcore.init_params(42)
    b_star, w_star = gdcore.closed_form(x, y)
    target = 1.01 * gdcore.mse(b_star, w_star, x, y)
    lrs = np.arange(1, 100) / 100.0 * gdcore.critical_lr(x)
    epochs, index = gdcore.first_epoch_within(stats, b0, w0, lrs, target, 5000)
    expected, losses = _brute_first_epoch(x, y, b0, w0, lrs, target, 400)
    assert epochs == expected == (34 if scale == 1.0 else 190)
    assert index in losses
    assert losses[index] == pytest.approx(min(losses.values()), rel=1e-9)  # lowest loss on ties


def test_first_epoch_within_edges(book):
    x, y, stats = book
    b_star, w_star = gdcore.closed_form(x, y)
    loss_star = float(stats.loss(b_star, w_star))
    # Already there at the start.
    assert gdcore.first_epoch_within(stats, b_star, w_star, [0.1, 0.2], 1.01 * loss_star, 10) == (0, 0)
    # Not reachable within the cap.
    assert gdcore.first_epoch_within(stats, 0.5, -0.1, [0.001], 1.01 * loss_star, 5) == (None, None)
    # Diverging rates never count, and raise no warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        epochs, index = gdcore.first_epoch_within(stats, 0.5, -0.1, [5.0, 0.5], 1.01 * loss_star, 2000)
    assert index == 1
    h = gdcore.descend(x, y, 0.5, -0.1, 0.5, epochs)
    assert h.train_loss[-1] <= 1.01 * loss_star < h.train_loss[-2]


def test_measured_factor_of_geometric_sequences():
    for r in (0.5, 0.9849, 1.0, 1.7):
        d = 2.0 * r ** np.arange(60)
        assert gdcore.measured_factor(d) == pytest.approx(r, rel=1e-12)
    # Below rounding noise (1e-12 of the start) the tail is ignored.
    d = np.concatenate([0.5 ** np.arange(30), np.full(10, 1e-20)])
    assert gdcore.measured_factor(d) == pytest.approx(0.5, rel=1e-12)
    # A run that overflows: measured until the values stop being finite.
    d = np.concatenate([3.0 ** np.arange(20), [np.inf, np.nan]])
    assert gdcore.measured_factor(d) == pytest.approx(3.0, rel=1e-12)
    for bad in ([], [1.0], [0.0, 0.0], [np.nan, 1.0], [1.0, 0.0]):
        assert gdcore.measured_factor(np.asarray(bad, float)) is None


def test_measured_factor_of_a_descent_run_is_the_predicted_one(book):
    x, y, _ = book
    h = gdcore.descend(x, y, *gdcore.init_params(42), 0.1, 1000)
    b_star, w_star = gdcore.closed_form(x, y)
    distance = np.hypot(h.b - b_star, h.w - w_star)
    assert gdcore.measured_factor(distance) == pytest.approx(gdcore.convergence_factor(x, 0.1), abs=1e-4)
    assert gdcore.measured_factor(distance, window=10) == pytest.approx(gdcore.convergence_factor(x, 0.1), abs=1e-4)


def test_loss_gap_is_the_loss_above_the_minimum(book):
    x, y, _ = book
    minimum = gdcore.closed_form(x, y)
    h = gdcore.hessian(x)
    rng = np.random.RandomState(0)
    b, w = rng.uniform(-3, 5, 50), rng.uniform(-2, 6, 50)
    brute = np.array([gdcore.mse(bi, wi, x, y) for bi, wi in zip(b, w)]) - gdcore.mse(*minimum, x, y)
    np.testing.assert_allclose(gdcore.loss_gap(b, w, minimum, h), brute, rtol=1e-9)
    assert gdcore.loss_gap(*minimum, minimum, h) == 0.0
    assert (gdcore.loss_gap(b, w, minimum, h) >= 0).all()


def test_loss_gap_keeps_its_digits_near_the_minimum(book):
    x, _, _ = book
    minimum = (1.0235407546635162, 1.9689644704814506)
    h = gdcore.hessian(x)
    e = np.array([0.3, -0.7])
    far = gdcore.loss_gap(minimum[0] + e[0], minimum[1] + e[1], minimum, h)
    for t in (1e-3, 1e-6):  # a quadratic form: t times the step, t² times the gap
        near = gdcore.loss_gap(minimum[0] + t * e[0], minimum[1] + t * e[1], minimum, h)
        assert near == pytest.approx(t * t * far, rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(gdcore.loss_gap(1e200, 1e200, minimum, h))


def test_cross_section_from_stats_matches_the_data(book):
    x, y, stats = book
    ws, bs = np.linspace(-1, 5, 101), np.linspace(-2, 4, 101)
    np.testing.assert_allclose(
        gdcore.cross_section_from_stats(stats, "w", 0.52, ws), gdcore.cross_section_w(x, y, 0.52, ws), rtol=1e-12
    )
    np.testing.assert_allclose(
        gdcore.cross_section_from_stats(stats, "b", -0.16, bs), gdcore.cross_section_b(x, y, -0.16, bs), rtol=1e-12
    )
    # The book's cut at b = 0.52 passes through the snapped start at loss 2.7113.
    assert gdcore.cross_section_from_stats(stats, "w", 0.52, [-0.16])[0] == pytest.approx(2.7113284116288243, rel=1e-12)
    assert gdcore.cross_section_from_stats(stats, "w", 0.52, 1.5).shape == ()


def test_cross_section_from_stats_overflows_quietly_and_checks_its_parameter(book):
    _, _, stats = book
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = gdcore.cross_section_from_stats(stats, "b", 1e300, np.array([0.0, 1e200]))
    assert np.isinf(out[1])
    with pytest.raises(ValueError):
        gdcore.cross_section_from_stats(stats, "x", 0.0, [1.0])
