"""Fixtures of the gdcore tests: the book's data, and data sets on other seeds and sizes.

Each test checks a gdcore result against an independent computation (brute force, exact
rational arithmetic, central finite differences, scikit-learn, the linear-algebra
prediction of the dynamics), on the book's data and on the ``case`` data sets below.
"""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g

SEEDS = [0, 7, 123]
SIZES = [10, 57, 1000]
CASES = [(seed, n) for seed in SEEDS for n in SIZES]
CASE_IDS = [f"seed{seed}-n{n}" for seed, n in CASES]

#: How far from the origin the ``shifted`` data sit.
SHIFT = 1e4


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def case(request):
    """(seed, n, data set) for every seed and size of CASES."""
    seed, n = request.param
    return seed, n, g.make_data(n=n, seed=seed)


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


@pytest.fixture(scope="module")
def xy():
    """A small training set (24 points) for the argument checks."""
    d = g.make_data(n=30, seed=1)
    return d.x_train, d.y_train


@pytest.fixture(scope="module")
def book():
    """The book's training set and its sufficient statistics: (x_train, y_train, stats)."""
    d = g.make_data()
    return d.x_train, d.y_train, g.sufficient_stats(d.x_train, d.y_train)
