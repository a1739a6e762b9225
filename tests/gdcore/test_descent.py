"""gdcore.descent: batch, mini-batch and stochastic descent, its history, and the helpers
that read a run (first_epoch_within, measured_factor).

Runs are checked against the closed-form minimum, against updates replayed by hand, and
against brute force over gdcore.descend; bad arguments are refused with a ValueError.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from kit import ref_mse

import gdcore as g


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


def _brute_first_epoch(x, y, b0, w0, lrs, target, cap):
    """Run gdcore.descend at every rate; the fewest epochs to loss <= target, and the rate(s) doing it."""
    best, losses = None, {}
    for i, lr in enumerate(lrs):
        h = g.descend(x, y, b0, w0, float(lr), cap)
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
    stats = g.sufficient_stats(x, y)
    b0, w0 = g.init_params(42)
    b_star, w_star = g.closed_form(x, y)
    target = 1.01 * g.mse(b_star, w_star, x, y)
    lrs = np.arange(1, 100) / 100.0 * g.critical_lr(x)
    epochs, index = g.first_epoch_within(stats, b0, w0, lrs, target, 5000)
    expected, losses = _brute_first_epoch(x, y, b0, w0, lrs, target, 400)
    assert epochs == expected == (34 if scale == 1.0 else 190)
    assert index in losses
    assert losses[index] == pytest.approx(min(losses.values()), rel=1e-9)  # lowest loss on ties


def test_first_epoch_within_edges(book):
    x, y, stats = book
    b_star, w_star = g.closed_form(x, y)
    loss_star = float(stats.loss(b_star, w_star))
    # Already there at the start.
    assert g.first_epoch_within(stats, b_star, w_star, [0.1, 0.2], 1.01 * loss_star, 10) == (0, 0)
    # Not reachable within the cap.
    assert g.first_epoch_within(stats, 0.5, -0.1, [0.001], 1.01 * loss_star, 5) == (None, None)
    # Diverging rates never count, and raise no warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        epochs, index = g.first_epoch_within(stats, 0.5, -0.1, [5.0, 0.5], 1.01 * loss_star, 2000)
    assert index == 1
    h = g.descend(x, y, 0.5, -0.1, 0.5, epochs)
    assert h.train_loss[-1] <= 1.01 * loss_star < h.train_loss[-2]


def test_measured_factor_of_geometric_sequences():
    for r in (0.5, 0.9849, 1.0, 1.7):
        d = 2.0 * r ** np.arange(60)
        assert g.measured_factor(d) == pytest.approx(r, rel=1e-12)
    # Below rounding noise (1e-12 of the start) the tail is ignored.
    d = np.concatenate([0.5 ** np.arange(30), np.full(10, 1e-20)])
    assert g.measured_factor(d) == pytest.approx(0.5, rel=1e-12)
    # A run that overflows: measured until the values stop being finite.
    d = np.concatenate([3.0 ** np.arange(20), [np.inf, np.nan]])
    assert g.measured_factor(d) == pytest.approx(3.0, rel=1e-12)
    for bad in ([], [1.0], [0.0, 0.0], [np.nan, 1.0], [1.0, 0.0]):
        assert g.measured_factor(np.asarray(bad, float)) is None


def test_measured_factor_of_a_descent_run_is_the_predicted_one(book):
    x, y, _ = book
    h = g.descend(x, y, *g.init_params(42), 0.1, 1000)
    b_star, w_star = g.closed_form(x, y)
    distance = np.hypot(h.b - b_star, h.w - w_star)
    assert g.measured_factor(distance) == pytest.approx(g.convergence_factor(x, 0.1), abs=1e-4)
    assert g.measured_factor(distance, window=10) == pytest.approx(g.convergence_factor(x, 0.1), abs=1e-4)


# --------------------------------------------------------------------------
# Bad arguments, and edge cases that once slipped through the checks
# --------------------------------------------------------------------------
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


def test_descend_start_with_overflowing_loss(xy):
    try:
        h = g.descend(*xy, 1e200, 0.0, 0.1, 5)
    except ValueError:
        return  # refusing the start is fine too
    assert h.epochs_run >= 0 and h.b.size >= 1


def test_descend_float_seed_is_a_value_error(xy):
    with pytest.raises(ValueError, match="(?i)seed"):
        g.descend(*xy, 0.0, 0.0, 0.1, 3, batch_size=4, seed=1.5)


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
