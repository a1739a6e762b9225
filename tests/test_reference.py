"""Reference checks of gdcore on seeds and sizes other than the book's.

Every quantity is compared with an independent computation: the book's
brute-force (n, nw, nb) loss array, exact rational arithmetic, central finite
differences, scikit-learn, or the linear-algebra prediction of the dynamics.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

import gdcore as g

SEEDS = [0, 7, 123]
SIZES = [10, 57, 1000]
CASES = [(seed, n) for seed in SEEDS for n in SIZES]
CASE_IDS = [f"seed{seed}-n{n}" for seed, n in CASES]


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def case(request):
    seed, n = request.param
    return seed, n, g.make_data(n=n, seed=seed)


# --------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------
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


def ref_mse(b, w, x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.mean((b + w * x - y) ** 2))


def assert_same_state(before, after):
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert tuple(before[2:]) == tuple(after[2:])


def distance_to(history, b_star, w_star):
    return np.hypot(history.b - b_star, history.w - w_star)


# --------------------------------------------------------------------------
# Loss grid
# --------------------------------------------------------------------------
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


SHIFT = 1e4


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def shifted(request):
    """Data far from the origin: x in [1e4, 1e4 + 1), y about 2e4."""
    seed, n = request.param
    d = g.make_data(n=n, seed=seed)
    x = np.asarray(d.x_train) + SHIFT
    y = 1.0 + 2.0 * x + 0.1 * np.random.RandomState(seed + 1).randn(x.size)
    b_star, w_star = g.closed_form(x, y)
    # a window across the valley: the loss goes from ~0.01 to ~36
    b_values = b_star + np.linspace(-3, 3, 41)
    w_values = w_star + np.linspace(-3e-4, 3e-4, 31)
    return x, y, b_values, w_values


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


# --------------------------------------------------------------------------
# Gradients, closed form, scaling
# --------------------------------------------------------------------------
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


def test_bad_feature_keeps_the_fitted_line(case):
    seed, n, d = case
    bad = g.make_bad_feature_data(n=n, seed=seed, factor=10.0)
    b, w = g.closed_form(d.x_train, d.y_train)
    bb, bw = g.closed_form(bad.x_train, bad.y_train)
    assert (bb, bw * 10.0) == pytest.approx((b, w), rel=1e-10)
    # steeper in w by about factor**2
    assert g.hessian(bad.x_train)[1, 1] == pytest.approx(100.0 * g.hessian(d.x_train)[1, 1], rel=1e-12)


# --------------------------------------------------------------------------
# Batch descent: convergence and divergence around the critical learning rate
# --------------------------------------------------------------------------
def test_batch_descent_converges_below_critical_lr(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    lr = 0.9 * g.critical_lr(x)
    h = g.descend(x, y, -1.0, 4.0, lr, 5000, x_val=d.x_val, y_val=d.y_val)
    assert not h.diverged and h.diverged_at is None and h.epochs_run == 5000
    b_star, w_star = g.closed_form(x, y)
    assert h.final == pytest.approx((b_star, w_star), abs=1e-9)
    assert h.train_loss[-1] == pytest.approx(g.mse(b_star, w_star, x, y), rel=1e-9)
    assert h.val_loss[-1] == pytest.approx(g.mse(b_star, w_star, d.x_val, d.y_val), rel=1e-9)


def test_batch_descent_diverges_above_critical_lr(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    lr = 1.1 * g.critical_lr(x)
    h = g.descend(x, y, -1.0, 4.0, lr, 50_000, x_val=d.x_val, y_val=d.y_val)
    assert h.diverged is True
    assert isinstance(h.diverged_at, int) and not isinstance(h.diverged_at, bool)
    assert 0 < h.epochs_run < 50_000
    assert h.diverged_at == h.epochs_run + 1
    assert h.epochs_requested == 50_000
    for arr in (h.b, h.w, h.train_loss, h.val_loss, h.update_b, h.update_w, h.update_epoch):
        assert arr.shape == (h.epochs_run + 1,)
        assert np.isfinite(arr).all()
    # it really blew up before stopping
    assert h.train_loss[-1] > 1e100
    assert np.all(np.diff(np.log(h.train_loss[-50:])) > 0)


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


# --------------------------------------------------------------------------
# Mini-batch and stochastic descent
# --------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size, factor", [(16, 1.1), (1, 3.0)])
def test_minibatch_and_stochastic_end_near_minimum(case, batch_size, factor):
    _, n, d = case
    x, y = d.x_train, d.y_train
    if batch_size > x.size:
        with pytest.raises(ValueError, match="larger than the training set"):
            g.descend(x, y, 0.0, 0.0, 0.1, 1, batch_size=batch_size)
        return
    epochs = max(30, 12_000 // x.size)
    h = g.descend(x, y, 0.0, 0.0, 0.1, epochs, batch_size=batch_size, seed=3)
    min_loss = g.mse(*g.closed_form(x, y), x, y)
    assert not h.diverged
    assert h.train_loss[0] > 50 * min_loss  # the start is far from the minimum
    assert min_loss <= h.train_loss[-1] < factor * min_loss


def test_stochastic_diverges_with_huge_lr(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    h = g.descend(x, y, 0.0, 0.0, 50.0, 200, batch_size=1, seed=1)
    assert h.diverged is True and isinstance(h.diverged_at, int)
    assert h.diverged_at == h.epochs_run + 1
    assert h.b.shape == h.w.shape == h.train_loss.shape == (h.epochs_run + 1,)
    for arr in (h.b, h.w, h.train_loss, h.update_b, h.update_w, h.update_epoch):
        assert np.isfinite(arr).all()
    assert h.update_b.shape == h.update_w.shape == h.update_epoch.shape


def test_seeded_shuffling_is_reproducible():
    d = g.make_data(n=200, seed=5)
    x, y = d.x_train, d.y_train
    for bs in (1, 16):
        h1 = g.descend(x, y, 0.0, 0.0, 0.05, 5, batch_size=bs, seed=11)
        h2 = g.descend(x, y, 0.0, 0.0, 0.05, 5, batch_size=bs, seed=11)
        h3 = g.descend(x, y, 0.0, 0.0, 0.05, 5, batch_size=bs, seed=12)
        np.testing.assert_array_equal(h1.update_b, h2.update_b)
        np.testing.assert_array_equal(h1.update_w, h2.update_w)
        np.testing.assert_array_equal(h1.train_loss, h2.train_loss)
        assert h1.update_b.shape == h3.update_b.shape
        assert not np.array_equal(h1.update_b, h3.update_b)
        assert np.abs(h1.update_w - h3.update_w).max() > 1e-6
        # both start from the same point
        assert (h1.update_b[0], h3.update_b[0]) == (0.0, 0.0)


def test_unshuffled_descent_ignores_the_seed_and_follows_data_order():
    d = g.make_data(n=50, seed=2)
    x, y = d.x_train, d.y_train
    h1 = g.descend(x, y, 0.0, 0.0, 0.05, 3, batch_size=8, seed=1, shuffle=False)
    h2 = g.descend(x, y, 0.0, 0.0, 0.05, 3, batch_size=8, seed=2, shuffle=False)
    np.testing.assert_array_equal(h1.update_b, h2.update_b)
    # replay the first epoch by hand: batches of 8, 8, 8, 8, 8 (n_train = 40)
    b, w = 0.0, 0.0
    for start in range(0, 40, 8):
        db, dw = g.gradients(b, w, x[start : start + 8], y[start : start + 8])
        b, w = b - 0.05 * db, w - 0.05 * dw
        k = start // 8 + 1
        assert (h1.update_b[k], h1.update_w[k]) == pytest.approx((b, w), rel=1e-12)
    assert (h1.b[1], h1.w[1]) == pytest.approx((b, w), rel=1e-12)


@pytest.mark.parametrize(
    "n, batch_size, per_epoch", [(57, None, 1), (57, 16, 3), (57, 45, 1), (100, 16, 5), (100, 7, 12), (100, 1, 80)]
)
def test_history_shapes(n, batch_size, per_epoch):
    d = g.make_data(n=n, seed=9)
    epochs = 6
    h = g.descend(
        d.x_train, d.y_train, 0.1, 0.2, 0.05, epochs, batch_size=batch_size, seed=4, x_val=d.x_val, y_val=d.y_val
    )
    n_train = d.x_train.size
    assert h.batch_size == (n_train if batch_size is None else batch_size)
    assert h.updates_per_epoch == per_epoch == math.ceil(n_train / h.batch_size)
    assert h.epochs_run == h.epochs_requested == epochs
    for arr in (h.b, h.w, h.train_loss, h.val_loss):
        assert arr.shape == (epochs + 1,)
    for arr in (h.update_b, h.update_w, h.update_epoch):
        assert arr.shape == (per_epoch * epochs + 1,)
    assert h.update_epoch[0] == 0.0 and h.update_epoch[-1] == pytest.approx(epochs)
    assert np.all(np.diff(h.update_epoch) > 0)
    # epoch states are the updates at epoch boundaries
    np.testing.assert_array_equal(h.update_b[::per_epoch], h.b)
    np.testing.assert_array_equal(h.update_w[::per_epoch], h.w)
    # losses are measured at the recorded states
    for e in (0, 3, epochs):
        assert h.train_loss[e] == pytest.approx(ref_mse(h.b[e], h.w[e], d.x_train, d.y_train), rel=1e-10)
        assert h.val_loss[e] == pytest.approx(ref_mse(h.b[e], h.w[e], d.x_val, d.y_val), rel=1e-10)


def test_zero_epochs():
    d = g.make_data(n=20, seed=1)
    for bs in (None, 4):
        h = g.descend(d.x_train, d.y_train, 0.5, -0.5, 0.1, 0, batch_size=bs)
        assert h.epochs_run == 0 and not h.diverged
        assert h.b.tolist() == [0.5] and h.w.tolist() == [-0.5]
        assert h.update_b.tolist() == [0.5]
        assert h.train_loss[0] == pytest.approx(ref_mse(0.5, -0.5, d.x_train, d.y_train), rel=1e-12)
        assert h.val_loss is None


# --------------------------------------------------------------------------
# Update rules and loss reductions
# --------------------------------------------------------------------------
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


def test_sequential_rule_converges_where_simultaneous_diverges(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    crit, seq = g.critical_lr(x), g.critical_lr_for_rule(x, "sequential")
    lr = 0.5 * (crit + seq)
    hs = g.descend(x, y, 0.0, 0.0, lr, 20_000, rule="sequential")
    hp = g.descend(x, y, 0.0, 0.0, lr, 20_000, rule="simultaneous")
    assert not hs.diverged and hs.rule == "sequential"
    assert hs.final == pytest.approx(g.closed_form(x, y), abs=1e-9)
    assert hp.diverged and isinstance(hp.diverged_at, int)


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


def test_sum_reduction_equals_mean_with_scaled_lr(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    hm = g.descend(x, y, 0.0, 0.0, 0.2, 50)
    hs = g.descend(x, y, 0.0, 0.0, 0.2 / x.size, 50, reduction="sum")
    assert hs.reduction == "sum"
    np.testing.assert_allclose(hs.b, hm.b, rtol=1e-10)
    np.testing.assert_allclose(hs.w, hm.w, rtol=1e-10)
    # the recorded loss is always the MSE
    np.testing.assert_allclose(hs.train_loss, hm.train_loss, rtol=1e-10)
    if x.size >= 16:
        hm = g.descend(x, y, 0.0, 0.0, 0.02, 3, batch_size=x.size // 2, seed=1)
        hs = g.descend(x, y, 0.0, 0.0, 0.02 / (x.size // 2), 3, batch_size=x.size // 2, seed=1, reduction="sum")
        # batches of n//2 (plus a remainder batch when n is odd): compare the first update
        assert (hs.update_b[1], hs.update_w[1]) == pytest.approx((hm.update_b[1], hm.update_w[1]), rel=1e-10)


def test_sequential_rule_stochastic_uses_updated_b():
    x = np.array([0.5, 1.0, 2.0, 3.0])
    y = np.array([1.0, 2.0, 3.0, 5.0])
    h = g.descend(x, y, 0.0, 0.0, 0.1, 1, batch_size=1, shuffle=False, rule="sequential")
    b, w = 0.0, 0.0
    for xi, yi in zip(x, y):
        b = b - 0.1 * 2 * (b + w * xi - yi)
        w = w - 0.1 * 2 * (b + w * xi - yi) * xi
    assert (h.b[1], h.w[1]) == pytest.approx((b, w), rel=1e-12)


# --------------------------------------------------------------------------
# Global random state, threads
# --------------------------------------------------------------------------
def _seeded_calls():
    d = g.make_data(n=60, seed=3)
    x, y = d.x_train, d.y_train
    return [
        ("make_data", lambda: g.make_data(n=30, seed=17)),
        ("make_data default", lambda: g.make_data()),
        ("make_bad_feature_data", lambda: g.make_bad_feature_data(n=30, seed=17)),
        ("init_params", lambda: g.init_params(8)),
        ("descend batch", lambda: g.descend(x, y, 0, 0, 0.1, 5, seed=2)),
        ("descend minibatch", lambda: g.descend(x, y, 0, 0, 0.1, 5, batch_size=8, seed=2)),
        ("descend stochastic", lambda: g.descend(x, y, 0, 0, 0.1, 5, batch_size=1, seed=2)),
    ]


@pytest.mark.parametrize("name", [name for name, _ in _seeded_calls()])
def test_global_random_state_untouched(name):
    fn = dict(_seeded_calls())[name]
    saved = np.random.get_state()
    try:
        np.random.seed(2024)
        before = np.random.get_state()
        fn()
        after = np.random.get_state()
        assert_same_state(before, after)
        # and the next global draw is the one seed 2024 gives
        assert np.random.rand() == np.random.RandomState(2024).rand()
    finally:
        np.random.set_state(saved)


def test_global_seed_does_not_influence_results():
    saved = np.random.get_state()
    try:
        np.random.seed(1)
        a = g.make_data(n=40, seed=6), g.descend(*_xy(6), 0, 0, 0.1, 3, batch_size=4, seed=6)
        np.random.seed(2)
        b = g.make_data(n=40, seed=6), g.descend(*_xy(6), 0, 0, 0.1, 3, batch_size=4, seed=6)
    finally:
        np.random.set_state(saved)
    np.testing.assert_array_equal(a[0].x, b[0].x)
    np.testing.assert_array_equal(a[1].update_w, b[1].update_w)


def _xy(seed):
    d = g.make_data(n=40, seed=seed)
    return d.x_train, d.y_train


def _pipeline(seed):
    d = g.make_data(n=300, seed=seed)
    b0, w0 = g.init_params(seed)
    hs = g.descend(d.x_train, d.y_train, b0, w0, 0.1, 20, batch_size=1, seed=seed)
    hm = g.descend(d.x_train, d.y_train, b0, w0, 0.1, 40, batch_size=16, seed=seed, x_val=d.x_val, y_val=d.y_val)
    hb = g.descend(d.x_train, d.y_train, b0, w0, 0.1, 200)
    return d, (b0, w0), hs, hm, hb


def test_results_identical_across_threads():
    seeds = list(range(100, 116))
    serial = [_pipeline(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(_pipeline, seeds))
    for (d1, p1, *h1), (d2, p2, *h2) in zip(serial, threaded):
        np.testing.assert_array_equal(d1.x, d2.x)
        np.testing.assert_array_equal(d1.y, d2.y)
        np.testing.assert_array_equal(d1.train_idx, d2.train_idx)
        assert p1 == p2
        for a, b in zip(h1, h2):
            np.testing.assert_array_equal(a.update_b, b.update_b)
            np.testing.assert_array_equal(a.update_w, b.update_w)
            np.testing.assert_array_equal(a.train_loss, b.train_loss)
    # the seeds really gave different paths
    assert not np.array_equal(serial[0][2].update_b, serial[1][2].update_b)


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def xy():
    d = g.make_data(n=30, seed=1)
    return d.x_train, d.y_train  # 24 training points


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


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, float("nan"), float("inf"), -float("inf"), "0.1", None])
def test_descend_bad_learning_rate(xy, lr):
    with pytest.raises(ValueError, match="learning rate"):
        g.descend(*xy, 0.0, 0.0, lr, 10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": -1}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": -3}, "batch_size"),
        ({"batch_size": 25}, "larger than the training set"),
        ({"batch_size": 4.0}, "batch_size"),
        ({"rule": "alternating"}, "rule"),
        ({"reduction": "max"}, "reduction"),
        ({"b0": float("nan")}, "starting point"),
        ({"w0": float("inf")}, "starting point"),
        ({"epochs": 10**6, "batch_size": 1}, "limit"),
        ({"batch_size": 4, "seed": -1}, "(?i)seed"),
        ({"batch_size": 4, "seed": 2**32}, "(?i)seed"),
    ],
)
def test_descend_bad_arguments(xy, kwargs, match):
    args = {"b0": 0.0, "w0": 0.0, "lr": 0.1, "epochs": 10}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        g.descend(*xy, **args)


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


@pytest.mark.parametrize("value, n", [(0.5, 10), (0.3, 7), (-2.0, 3)])
def test_closed_form_constant_x(value, n):
    # values whose mean is computed exactly
    assert np.full(n, value).mean() == value
    with pytest.raises(ValueError, match="all x are equal"):
        g.closed_form(np.full(n, value), np.arange(float(n)))


def test_other_bad_arguments(xy):
    x, y = xy
    with pytest.raises(ValueError, match="wrt"):
        g.finite_difference_slope(x, y, 0, 0, 0.1, "x")
    with pytest.raises(ValueError, match="delta"):
        g.finite_difference_slope(x, y, 0, 0, 0.0, "b")
    with pytest.raises(ValueError, match="rule"):
        g.iteration_matrix(x, 0.1, rule="jacobi")
    with pytest.raises(ValueError, match="reduction"):
        g.critical_lr_for_rule(x, reduction="median")
    with pytest.raises(ValueError, match="2 points"):
        g.Grid.around(0, 0, points=1)
    with pytest.raises(ValueError, match="half_width"):
        g.Grid.around(0, 0, half_width=0.0)


# --------------------------------------------------------------------------
# 1-D and (n, 1) inputs are the same
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# Regressions: edge cases that once slipped through gdcore's argument checks
# --------------------------------------------------------------------------
def test_descend_start_with_overflowing_loss(xy):
    try:
        h = g.descend(*xy, 1e200, 0.0, 0.1, 5)
    except ValueError:
        return  # refusing the start is fine too
    assert h.epochs_run >= 0 and h.b.size >= 1


def test_descend_float_seed_is_a_value_error(xy):
    with pytest.raises(ValueError, match="(?i)seed"):
        g.descend(*xy, 0.0, 0.0, 0.1, 3, batch_size=4, seed=1.5)


@pytest.mark.parametrize("value, n", [(0.1, 3), (0.3, 10), (0.2, 7)])
def test_closed_form_constant_x_with_inexact_mean(value, n):
    x = np.full(n, value)
    assert x.mean() != value  # the case that trips the exact == 0 test
    with pytest.raises(ValueError, match="all x are equal"):
        g.closed_form(x, np.random.RandomState(0).rand(n))


def test_standardize_constant_feature_with_inexact_mean():
    x = np.full(10, 0.3)
    sk = StandardScaler().fit(x.reshape(-1, 1))
    scaler = g.fit_scaler(x)
    assert scaler.scale == sk.scale_[0] == 1.0
    np.testing.assert_allclose(scaler.transform(x), sk.transform(x.reshape(-1, 1))[:, 0], atol=1e-12)


def test_descend_accepts_numpy_integer_lr():
    x = np.array([0.0, 0.1, 0.2, 0.3])
    y = np.array([1.0, 1.1, 1.2, 1.3])
    h = g.descend(x, y, 0.0, 0.0, np.int64(1), 2)
    assert h.lr == 1.0


def test_descend_needs_both_validation_arrays(xy):
    with pytest.raises(ValueError, match="x_val and y_val"):
        g.descend(*xy, 0.0, 0.0, 0.1, 3, x_val=xy[0])


def test_descend_rejects_boolean_learning_rate(xy):
    with pytest.raises(ValueError, match="learning rate"):
        g.descend(*xy, 0.0, 0.0, True, 3)


def test_condition_number_of_constant_feature_is_infinite():
    assert g.condition_number(np.full(10, 0.3)) == float("inf")
