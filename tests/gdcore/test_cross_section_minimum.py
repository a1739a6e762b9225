"""gdcore.cross_section_minimum: the bottom of a cross-section, against a parabola fitted to the raw data.

The reference never uses the sufficient statistics: it evaluates the MSE from the points
themselves and fits (or differentiates) the parabola, or uses the full least-squares minimum.
"""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g


def raw_mse(b, w, x, y) -> np.ndarray:
    """MSE straight from the points, broadcasting over b or w."""
    b, w = np.asarray(b, float)[..., None], np.asarray(w, float)[..., None]
    return ((b + w * np.asarray(x, float) - np.asarray(y, float)) ** 2).mean(axis=-1)


def fitted_vertex(values: np.ndarray, losses: np.ndarray) -> float:
    """Vertex of the parabola through (values, losses), by least squares on centred values."""
    centre = float(values.mean())
    a, b, _ = np.polyfit(values - centre, losses, 2)
    return centre - b / (2 * a)


def cut(param: str, fixed: float, values, x, y) -> np.ndarray:
    """The data's MSE along ``param`` with the other parameter held at ``fixed``."""
    return raw_mse(fixed, values, x, y) if param == "w" else raw_mse(values, fixed, x, y)


@pytest.mark.parametrize("param", ["b", "w"])
@pytest.mark.parametrize("fixed", [-3.0, 0.0, 0.52, -0.16, 2.5])
def test_minimum_matches_a_parabola_fitted_to_the_data(case, param, fixed):
    _, _, d = case
    x, y = d.x_train, d.y_train
    best = g.cross_section_minimum(g.sufficient_stats(x, y), param, fixed)
    values = best + np.linspace(-2.0, 2.0, 41)
    assert best == pytest.approx(fitted_vertex(values, cut(param, fixed, values, x, y)), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("param", ["b", "w"])
def test_the_slope_of_the_data_loss_vanishes_there_and_both_sides_are_higher(case, param):
    _, _, d = case
    x, y = d.x_train, d.y_train
    fixed = 0.3
    best = g.cross_section_minimum(g.sufficient_stats(x, y), param, fixed)
    h = 1e-4

    def loss(v):
        return cut(param, fixed, v, x, y)

    slope = (loss(best + h) - loss(best - h)) / (2 * h)  # central difference: exact for a parabola
    assert abs(slope) < 1e-8
    assert loss(best - 0.01) > loss(best) < loss(best + 0.01)


def test_through_the_least_squares_minimum_each_cut_bottoms_out_there(case):
    _, _, d = case
    x, y = d.x_train, d.y_train
    stats = g.sufficient_stats(x, y)
    b_star, w_star = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)[0]
    assert g.cross_section_minimum(stats, "w", b_star) == pytest.approx(w_star, rel=1e-9, abs=1e-12)
    assert g.cross_section_minimum(stats, "b", w_star) == pytest.approx(b_star, rel=1e-9, abs=1e-12)


def test_data_far_from_the_origin(shifted):
    x, y, _, _ = shifted
    stats = g.sufficient_stats(x, y)
    b_star, w_star = g.closed_form(x, y)
    assert g.cross_section_minimum(stats, "b", w_star) == pytest.approx(b_star, rel=1e-9)
    assert g.cross_section_minimum(stats, "w", b_star) == pytest.approx(w_star, rel=1e-9)


def test_a_flat_cut_has_no_single_minimum_and_bad_param_is_refused():
    stats = g.sufficient_stats(np.zeros(5), np.arange(5.0))
    assert np.isnan(g.cross_section_minimum(stats, "w", 1.0))  # every x is 0: the loss ignores w
    assert g.cross_section_minimum(stats, "b", 1.0) == pytest.approx(2.0)  # the mean of y
    with pytest.raises(ValueError, match="param"):
        g.cross_section_minimum(stats, "x", 0.0)
