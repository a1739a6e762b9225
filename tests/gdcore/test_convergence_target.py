"""gdcore.convergence_target: the loss that counts as "converged" when epochs are counted.

Checked against the least-squares minimum computed independently (``gdcore.mse`` at
``gdcore.closed_form``, numpy's ``lstsq``), and against batch descent itself: the target
lies above the minimum, below the start, and ``descend`` reaches it.
"""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g


def lstsq_min_loss(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares minimum of the MSE by numpy's lstsq (independent of gdcore)."""
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.mean((design @ coef - y) ** 2))


@pytest.mark.parametrize("seed, n, noise", [(42, 100, 0.1), (7, 250, 0.1), (3, 40, 1.0)])
def test_noisy_data_target_is_one_percent_above_the_minimum(seed, n, noise):
    d = g.make_data(n=n, seed=seed, noise=noise)
    min_loss = lstsq_min_loss(d.x_train, d.y_train)
    b0, w0 = g.init_params(seed)
    start_loss = g.mse(b0, w0, d.x_train, d.y_train)
    target, relative = g.convergence_target(min_loss, start_loss)
    assert relative
    assert target == pytest.approx(1.01 * min_loss, rel=1e-12)
    assert min_loss < target < start_loss
    # batch descent at a safe rate gets there
    h = g.descend(d.x_train, d.y_train, b0, w0, 0.5 * g.critical_lr(d.x_train), 5000)
    assert np.nonzero(h.train_loss <= target)[0].size > 0


def test_tolerance_is_a_share_of_the_minimum():
    assert g.convergence_target(2.0, 10.0, tolerance=0.1) == (pytest.approx(2.2), True)
    assert g.convergence_target(2.0, 10.0, tolerance=0.0) == (2.0, True)


def test_noise_free_data_target_is_a_millionth_of_the_start():
    d = g.make_data(n=50, seed=1, noise=0.0)
    b_star, w_star = g.closed_form(d.x_train, d.y_train)
    min_loss = g.mse(b_star, w_star, d.x_train, d.y_train)
    assert min_loss < 1e-20  # the data sit on the line
    b0, w0 = g.init_params(1)
    start_loss = g.mse(b0, w0, d.x_train, d.y_train)
    target, relative = g.convergence_target(min_loss, start_loss)
    assert not relative
    assert target == pytest.approx(min_loss + 1e-6 * start_loss, rel=1e-12)
    assert min_loss < target < start_loss
    h = g.descend(d.x_train, d.y_train, b0, w0, 0.5 * g.critical_lr(d.x_train), 5000)
    assert np.nonzero(h.train_loss <= target)[0].size > 0


@pytest.mark.parametrize(
    "min_loss, start_loss, relative",
    [
        (1e-9 * 4.0, 4.0, False),  # at the threshold: counted as zero
        (1.0000001e-9 * 4.0, 4.0, True),  # just above it
        (0.0, 0.0, False),  # started on a perfect fit
        (1e-300, 0.0, True),  # a start loss of 0: any positive minimum above 1e-309 is relative
    ],
)
def test_switch_between_the_two_rules(min_loss, start_loss, relative):
    target, rel = g.convergence_target(min_loss, start_loss)
    assert rel is relative
    assert target >= min_loss
    assert np.isfinite(target)
