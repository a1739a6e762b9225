"""ui.raster: contour levels and segments, the loss surface as a PNG, and its colours."""

from __future__ import annotations

import base64
import io
import math

import numpy as np
from PIL import Image

import gdcore
from ui import raster


def test_nice_levels_match_the_book_surface():
    d = gdcore.make_data()
    g = gdcore.book_grid()
    losses = gdcore.loss_grid(d.x_train, d.y_train, g.b_values, g.w_values)
    assert raster.nice_levels(losses.min(), losses.max()).tolist() == [3, 6, 9, 12, 15, 18]
    assert raster.nice_levels(1.0, 1.0).size == 0
    assert raster.nice_levels(0, math.inf).size == 0


def test_contour_segments_lie_on_their_level():
    # A paraboloid: every segment end must sit on its level to interpolation accuracy.
    xs = np.linspace(-2, 2, 81)
    ys = np.linspace(-1, 3, 81)
    values = xs[None, :] ** 2 + (ys[:, None] - 1) ** 2
    seg = raster.contour_segments(values, xs, ys, np.array([0.5, 1.0, 2.0]))
    assert len(seg["x"]) > 100
    for key_x, key_y in (("x", "y"), ("x2", "y2")):
        radius2 = seg[key_x] ** 2 + (seg[key_y] - 1) ** 2
        np.testing.assert_allclose(radius2, seg["level"], atol=0.01)


def test_png_is_small_and_has_the_grid_size():
    values = np.arange(101 * 101, dtype=float).reshape(101, 101)
    url = raster.png_data_url(values, 0, values.max())
    assert url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.size == (101, 101)
    # Row 0 of the grid (lowest w) is the bottom row of the image.
    assert image.getpixel((0, 100)) == tuple(raster.colorize(np.array([0.0]), 0, values.max())[0])


def test_colorize_greys_out_non_finite():
    rgb = raster.colorize(np.array([np.nan, np.inf, 0.0]), 0.0, 1.0)
    assert rgb[0].tolist() == [128, 128, 128] and rgb[1].tolist() == [128, 128, 128]
