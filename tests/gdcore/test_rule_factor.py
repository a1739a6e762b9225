"""Per-epoch factors in gdcore: rule_factor (per update rule and loss reduction) and predicted_distance,
checked against the linear map one epoch of gdcore.descend really applies and against plain powers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gdcore


@pytest.fixture(scope="module")
def book():
    d = gdcore.make_data()
    return d.x_train, d.y_train


def _one_epoch_map(x, y, lr, rule, reduction):
    """The 2x2 map from (b - b*, w - w*) before an epoch to after it, read off gdcore.descend
    by starting at the minimum plus each unit error (the epoch is affine, so two runs give the map)."""
    b_star, w_star = gdcore.closed_form(x, y)
    columns = []
    for db, dw in ((1.0, 0.0), (0.0, 1.0)):
        h = gdcore.descend(x, y, b_star + db, w_star + dw, lr, 1, rule=rule, reduction=reduction)
        columns.append((h.b[1] - b_star, h.w[1] - w_star))
    return np.array(columns).T


@pytest.mark.parametrize("rule", ["simultaneous", "sequential"])
@pytest.mark.parametrize(("reduction", "lr"), [("mean", 0.1), ("mean", 1.5), ("sum", 0.001), ("sum", 0.02)])
def test_rule_factor_is_the_spectral_radius_of_one_epoch_of_descent(book, rule, reduction, lr):
    x, y = book
    measured = _one_epoch_map(x, y, lr, rule, reduction)
    expected = max(abs(np.linalg.eigvals(measured)))
    assert gdcore.rule_factor(x, lr, rule, reduction) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.5, 1.0, 2.5])
def test_simultaneous_mean_factor_is_the_shrink_factor_of_the_eigenvalues(book, lr):
    x, _ = book
    mx, mxx = x.mean(), (x * x).mean()
    # Eigenvalues of 2 [[1, mx], [mx, mxx]] by the quadratic formula.
    tr, det = 2 * (1 + mxx), 4 * (mxx - mx * mx)
    root = math.sqrt(tr * tr / 4 - det)
    lams = (tr / 2 - root, tr / 2 + root)
    assert gdcore.rule_factor(x, lr) == pytest.approx(max(abs(1 - lr * lam) for lam in lams), rel=1e-12)


@pytest.mark.parametrize(("rule", "reduction"), [("simultaneous", "mean"), ("sequential", "sum")])
def test_rule_factor_crosses_one_at_the_critical_learning_rate(book, rule, reduction):
    x, _ = book
    critical = gdcore.critical_lr_for_rule(x, rule, reduction)
    assert (
        gdcore.rule_factor(x, 0.99 * critical, rule, reduction)
        < 1
        < gdcore.rule_factor(x, 1.01 * critical, rule, reduction)
    )


def test_rule_factor_rejects_unknown_rules(book):
    x, _ = book
    with pytest.raises(ValueError):
        gdcore.rule_factor(x, 0.1, "backwards")
    with pytest.raises(ValueError):
        gdcore.rule_factor(x, 0.1, "simultaneous", "median")


@pytest.mark.parametrize(("first", "factor"), [(2.0, 0.9), (0.37, 1.0), (1e-3, 0.5), (3.0, 1.1)])
def test_predicted_distance_is_first_times_the_factor_to_the_epoch(first, factor):
    got = gdcore.predicted_distance(first, factor, 50)
    assert got.shape == (51,)
    np.testing.assert_allclose(got, [first * factor**e for e in range(51)], rtol=1e-12)


def test_predicted_distance_never_overflows():
    got = gdcore.predicted_distance(1.0, 5.0, 1000)
    finite = np.isfinite(got)
    last = int(np.flatnonzero(finite)[-1])
    assert finite[: last + 1].all() and not finite[last + 1 :].any()  # finite first, NaN after
    assert 5.0**last <= 1e300 < 5.0 ** (last + 2)  # NaN from about 1e300 on
    np.testing.assert_allclose(got[: last + 1], [5.0**e for e in range(last + 1)], rtol=1e-12)


@pytest.mark.parametrize(("first", "factor"), [(0.0, 0.9), (1.0, 0.0), (-1.0, 0.9), (float("nan"), 0.9)])
def test_predicted_distance_is_undefined_without_a_positive_start_and_factor(first, factor):
    assert np.isnan(gdcore.predicted_distance(first, factor, 5)).all()
