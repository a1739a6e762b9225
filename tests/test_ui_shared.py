"""The shared UI helpers the pages' modules now use: number formatting (ui.numbers),
the cached curvature summary and grid snapping (ui.results), paths and markers (ui.charts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gdcore
from ui import charts, numbers, results
from ui.settings import DataKey


@pytest.mark.parametrize(
    "value, printed",
    [
        (0.4967141530112327, "[0.49671415]"),
        (-0.13826430117118466, "[-0.1382643]"),
        (0.04511107054392366, "[0.04511107]"),
        (1.02354093708, "[1.02354094]"),
        (1e-9, "[1.e-09]"),
    ],
)
def test_numpy_print_is_numpys_own(value, printed):
    assert numbers.numpy_print(value) == printed == str(np.array([value]))


def test_num_tex_num_and_signed():
    assert numbers.num(2.74215777) == "2.7422" and numbers.num(-0.0) == "0.0000"
    assert numbers.num(-2.878e153) == "-2.878e+153" and numbers.num(3.2e-6) == "3.200e-06"
    assert numbers.num(123456.7) == "123456.7000"  # fixed below a million
    assert numbers.num(float("inf")) == "∞" and numbers.num(float("nan")) == "undefined"
    assert numbers.tex_num(-0.2, paren=True) == "(-0.2000)" and numbers.tex_num(0.2, paren=True) == "0.2000"
    assert numbers.tex_num(1.23456e152) == r"1.2346 \times 10^{152}"
    assert numbers.signed(-0.1383) == "- 0.1383" and numbers.signed(2) == "+ 2.0000"
    assert numbers.signed(0.2, None) == "+ 0.2" and numbers.signed(-5.0, None) == "- 5"


@pytest.mark.parametrize("kind", ["original", "bad", "scaled"])
def test_curvature_summary_matches_gdcore(kind):
    c = results.curvature(DataKey(), kind)
    x = results.features(DataKey(), kind).x_train
    assert [c.lam_min, c.lam_max] == list(gdcore.hessian_eigenvalues(x))
    assert c.critical_lr == gdcore.critical_lr(x) and c.smooth == c.critical_lr / 2
    assert (c.limit_b, c.limit_w) == gdcore.axis_lr_limits(x)
    assert c.condition == gdcore.condition_number(x)
    for lr in (0.01, 0.1, 1.1):
        assert c.factor(lr) == gdcore.convergence_factor(x, lr)


def test_surface_snap_is_the_books_find_index():
    surface = results.surface(DataKey(), "original")
    snap = surface.snap(*gdcore.init_params(42))
    assert (snap.b, snap.w) == (0.52, -0.16000000000000003)
    assert snap.loss == pytest.approx(2.7113284116288243, rel=1e-12)
    np.testing.assert_array_equal(snap.along_w, surface.losses[:, snap.b_idx])
    np.testing.assert_array_equal(snap.along_b, surface.losses[snap.w_idx, :])


def test_visible_path_stops_at_the_window_edge():
    b = np.array([0.0, 0.5, -1.0, 3.0, -9.0, 27.0])
    w = np.zeros_like(b)
    path = charts.visible_path(b, w, (-2.0, 2.0), (-1.0, 1.0))
    assert path.exit_epoch == 3 and path.edge == (2.0, 0.0)
    np.testing.assert_array_equal(path.b, [0.0, 0.5, -1.0, 2.0])
    np.testing.assert_array_equal(path.epoch, [0, 1, 2, 3])
    inside = charts.visible_path(b[:3], w[:3], (-2.0, 2.0), (-1.0, 1.0))
    assert inside.exit_epoch is None and inside.edge is None
    long = charts.visible_path(np.linspace(0, 1, 5000), np.zeros(5000), (-2, 2), (-1, 1))
    assert len(long.b) <= charts.MAX_PATH_DRAWN and long.epoch[-1] == 4999


def _frames(chart) -> list[pd.DataFrame]:
    layers = getattr(chart, "layer", [chart])
    return [layer.data for layer in layers if isinstance(getattr(layer, "data", None), pd.DataFrame)]


def test_marker_layer_columns_and_clipping():
    markers = [charts.Marker(1.0, 2.0, "Minimum", loss=0.008), charts.Marker(1e9, 0.0, "far", "#D55E00", loss=5.0)]
    frame = _frames(charts.marker_layer(markers, (-2, 4), (-1, 5)))[0]
    assert list(frame.columns) == ["x", "y", "label", "color", "loss"]
    assert frame.x.max() <= 4 + charts.CLIP_FACTOR * 6
    single = _frames(charts.marker_layer(markers[:1], (-2, 4), (-1, 5), color="#000000"))[0]
    assert list(single.columns) == ["x", "y", "label", "loss"]
    no_loss = _frames(charts.marker_layer([charts.Marker(0, 0, "a")], (-2, 4), (-1, 5)))[0]
    assert "loss" not in no_loss.columns
    computed = _frames(
        charts.marker_layer([charts.Marker(0.5, 0.5, "a")], (-2, 4), (-1, 5), loss_at=lambda b, w: b + w)
    )[0]
    assert computed["loss"].tolist() == [1.0]


def test_path_layer_cuts_and_keeps_the_actual_values():
    b = np.array([0.0, 1.0, -3.0, 9.0])
    frame = _frames(charts.path_layer(b, np.zeros(4), "p", "#000000", (-2, 2), (-1, 1)))[0]
    assert frame["b"].tolist() == [0.0, 1.0, -2.0] and frame["b_value"].tolist() == [0.0, 1.0, -3.0]
