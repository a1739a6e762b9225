"""gdcore.lr_zone: the three zones of a learning rate, against steps simulated on a parabola."""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g


def simulate(lr: float, curvature: float, steps: int = 60) -> np.ndarray:
    """Positions of gradient steps on f(x) = curvature / 2 · x², from x = 1."""
    xs = [1.0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * curvature * xs[-1])
    return np.asarray(xs)


def observed_zone(lr: float, curvature: float) -> int:
    """0 never crosses the bottom and gets closer, 1 crosses but gets closer, 2 does not get closer."""
    xs = simulate(lr, curvature)
    if not abs(xs[-1]) < abs(xs[0]):
        return 2
    return 1 if np.any(np.sign(xs[1:]) * np.sign(xs[:-1]) < 0) else 0


@pytest.mark.parametrize("curvature", [2.0, 0.634, 4.96])
@pytest.mark.parametrize("share", [0.05, 0.3, 0.5, 0.51, 0.8, 0.99, 1.0, 1.01, 1.7])
def test_zone_matches_simulated_steps(curvature, share):
    limit = 2.0 / curvature
    lr = share * limit
    assert g.lr_zone(lr, limit) == observed_zone(lr, curvature)


def test_edges_belong_to_the_safer_zone_below_and_divergence_at_the_limit():
    assert g.lr_zone(0.5, 1.0) == 0  # η = limit / 2 lands exactly on the bottom
    assert g.lr_zone(np.nextafter(0.5, 1), 1.0) == 1
    assert g.lr_zone(np.nextafter(1.0, 0), 1.0) == 1
    assert g.lr_zone(1.0, 1.0) == 2  # factor −1: swings for ever, never closer


def test_book_rates_against_the_book_data(book):
    x, _, _ = book
    critical = g.critical_lr(x)
    limit_b, limit_w = g.axis_lr_limits(x)
    assert [g.lr_zone(lr, critical) for lr in (0.2, 0.8, 1.1)] == [0, 1, 2]
    assert [g.lr_zone(lr, limit_b) for lr in (0.2, 0.8, 1.1)] == [0, 1, 2]
    assert [g.lr_zone(lr, limit_w) for lr in (0.2, 0.8, 1.1)] == [0, 0, 0]
