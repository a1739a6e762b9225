"""gdcore.data: the data sets, the seeds and the scaler.

The scaler is checked against scikit-learn's StandardScaler; the "bad" feature against the
line fitted on the original one; bad arguments are refused with a ValueError naming them.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

import gdcore as g


def test_standardize_matches_sklearn(case):
    _, _, d = case
    sk = StandardScaler().fit(np.asarray(d.x_train).reshape(-1, 1))
    scaler, xs, xv = g.standardize(d.x_train, d.x_val)
    assert scaler.mean == pytest.approx(sk.mean_[0], rel=1e-14)
    assert scaler.scale == pytest.approx(sk.scale_[0], rel=1e-12)
    assert scaler.var == pytest.approx(sk.var_[0], rel=1e-12)
    np.testing.assert_allclose(xs, sk.transform(np.asarray(d.x_train).reshape(-1, 1))[:, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xv, sk.transform(np.asarray(d.x_val).reshape(-1, 1))[:, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(scaler.inverse_transform(xv), d.x_val, rtol=1e-14, atol=1e-15)
    # a line fitted on scaled x, expressed in original units, is the same line
    bs, ws = g.closed_form(xs, d.y_train)
    assert scaler.params_to_original(bs, ws) == pytest.approx(g.closed_form(d.x_train, d.y_train), rel=1e-10)
    # the scaled surface is a round bowl
    np.testing.assert_allclose(g.hessian_eigenvalues(xs), [2.0, 2.0], atol=1e-12)


def test_standardize_constant_feature_like_sklearn():
    x = np.full(12, 3.5)
    sk = StandardScaler().fit(x.reshape(-1, 1))
    scaler, xs, xv = g.standardize(x)
    assert xv is None
    assert (scaler.mean, scaler.scale) == (sk.mean_[0], sk.scale_[0]) == (3.5, 1.0)
    np.testing.assert_array_equal(xs, np.zeros(12))


def test_standardize_constant_feature_with_inexact_mean():
    x = np.full(10, 0.3)
    sk = StandardScaler().fit(x.reshape(-1, 1))
    scaler = g.fit_scaler(x)
    assert scaler.scale == sk.scale_[0] == 1.0
    np.testing.assert_allclose(scaler.transform(x), sk.transform(x.reshape(-1, 1))[:, 0], atol=1e-12)


def test_bad_feature_keeps_the_fitted_line(case):
    seed, n, d = case
    bad = g.make_bad_feature_data(n=n, seed=seed, factor=10.0)
    b, w = g.closed_form(d.x_train, d.y_train)
    bb, bw = g.closed_form(bad.x_train, bad.y_train)
    assert (bb, bw * 10.0) == pytest.approx((b, w), rel=1e-10)
    # steeper in w by about factor**2
    assert g.hessian(bad.x_train)[1, 1] == pytest.approx(100.0 * g.hessian(d.x_train)[1, 1], rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 2}, "too small"),
        ({"n": 1}, "too small"),
        ({"n": 0}, "too small"),
        ({"n": 100.0}, "n must be an integer"),
        ({"n": 10, "train_frac": 1.0}, "train_frac"),
        ({"n": 10, "train_frac": float("nan")}, "train_frac"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"true_b": float("nan")}, "true_b"),
        ({"true_b": float("inf")}, "true_b"),
        ({"true_w": -float("inf")}, "true_w"),
    ],
)
def test_make_data_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        g.make_data(**kwargs)


def test_seed_boundaries_accepted():
    assert g.make_data(n=5, seed=0).n == 5
    assert g.make_data(n=5, seed=2**32 - 1).n == 5
    assert g.make_data(n=5, seed=np.uint32(7)).x.tolist() == g.make_data(n=5, seed=7).x.tolist()
    assert g.make_data(n=3).train_idx.size == 2  # smallest valid n at 80 %
    assert g.init_params(2**32 - 1) == g.init_params(np.int64(2**32 - 1))


@pytest.mark.parametrize("seed", [-1, 2**32, 2.0])
def test_other_seeded_functions_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        g.init_params(seed)
    with pytest.raises(ValueError, match="seed"):
        g.make_bad_feature_data(seed=seed)


def test_bad_feature_factor():
    with pytest.raises(ValueError, match="factor"):
        g.make_bad_feature_data(factor=0.0)
    with pytest.raises(ValueError, match="factor"):
        g.make_bad_feature_data(factor=float("inf"))
