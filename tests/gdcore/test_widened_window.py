"""gdcore.widened_window: a grid's window, widened to show given points.

Checked by brute force: every point sits inside with the margin, the window never shrinks,
and every edge is either the grid's own or exactly one point's coordinate plus the margin.
"""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g


@pytest.mark.parametrize("kind", ["original", "bad", "scaled"])
def test_no_points_gives_the_grids_own_bounds(kind):
    grid = g.book_grid(kind)
    bounds = g.widened_window(grid)
    assert bounds == (grid.b_values.min(), grid.b_values.max(), grid.w_values.min(), grid.w_values.max())
    assert all(type(v) is float for v in bounds)


def test_points_inside_leave_the_window_alone():
    grid = g.book_grid("bad")  # b in [-2, 4], w in [-2.8, 3.2]
    assert g.widened_window(grid, [(1.0235, 0.1969), (0.52, -0.16), (1.0, 2.0)]) == (-2.0, 4.0, -2.8, 3.2)


def _check_tight(bounds, grid: g.Grid, points, margin_b: float, margin_w: float) -> None:
    """Every point inside with its margin, the window never shrunk, and each edge tight: the grid's
    own, or one point's coordinate plus the margin."""
    b_lo, b_hi, w_lo, w_hi = bounds
    g_b_lo, g_b_hi, g_w_lo, g_w_hi = (float(grid.b_values[0]), float(grid.b_values[-1]),
                                      float(grid.w_values[0]), float(grid.w_values[-1]))  # fmt: skip
    assert b_lo <= g_b_lo and b_hi >= g_b_hi and w_lo <= g_w_lo and w_hi >= g_w_hi
    for b, w in points:
        assert b_lo <= b - margin_b and b + margin_b <= b_hi
        assert w_lo <= w - margin_w and w + margin_w <= w_hi
    assert b_lo in [g_b_lo] + [b - margin_b for b, _ in points]
    assert b_hi in [g_b_hi] + [b + margin_b for b, _ in points]
    assert w_lo in [g_w_lo] + [w - margin_w for _, w in points]
    assert w_hi in [g_w_hi] + [w + margin_w for _, w in points]


@pytest.mark.parametrize("seed", range(5))
def test_random_points_brute_force(seed):
    rng = np.random.RandomState(seed)
    grid = g.Grid(np.linspace(-1, 2, 11), np.linspace(0, 5, 7))
    points = [tuple(p) for p in rng.uniform(-6, 9, size=(rng.randint(1, 6), 2))]
    margin = float(rng.uniform(0.1, 1.0))
    _check_tight(g.widened_window(grid, points, margin), grid, points, margin, margin)


def test_default_margin_is_half_a_unit():
    grid = g.book_grid("scaled")  # b in [-1, 5], w in [-2.4, 3.6]
    assert g.widened_window(grid, [(7.0, -4.0)]) == (-1.0, 7.5, -4.5, 3.6)


@pytest.mark.parametrize("seed", range(5))
def test_a_margin_per_axis_brute_force(seed):
    rng = np.random.RandomState(seed)
    grid = g.Grid(np.linspace(-300, 100, 11), np.linspace(0, 0.5, 7))  # b and w on different scales
    points = [(float(rng.uniform(-500, 300)), float(rng.uniform(-1, 1.5))) for _ in range(rng.randint(1, 6))]
    margin_b, margin_w = float(rng.uniform(1, 40)), float(rng.uniform(0.01, 0.1))
    _check_tight(g.widened_window(grid, points, (margin_b, margin_w)), grid, points, margin_b, margin_w)
    # Any pair will do, and one number is the same margin on both axes.
    assert g.widened_window(grid, points, [margin_b, margin_w]) == g.widened_window(grid, points, (margin_b, margin_w))
    assert g.widened_window(grid, points, np.array([margin_b, margin_w])) == g.widened_window(
        grid, points, (margin_b, margin_w)
    )
    assert g.widened_window(grid, points, margin_w) == g.widened_window(grid, points, (margin_w, margin_w))
