"""Unit tests of the Streamlit-facing kit's pure logic (no page runs)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gdcore
from ui import charts, interact, numbers, player, raster
from ui.settings import DEFAULTS, PARAMS, Settings, parse_value, settings_from_query, to_query

# --- URL parameters -----------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [("0.5", 0.5), (" 0.25 ", 0.25), ("1e-2", 0.01), ("2.5", 2.5)])
def test_parse_valid_float(raw, expected):
    value, note = parse_value(PARAMS["lr"], raw, 0.1)
    assert value == expected and note is None


@pytest.mark.parametrize("raw", ["abc", "", "0x1p", "[1]", "<script>alert(1)</script>", "１２"])
def test_parse_junk_falls_back_with_a_named_warning(raw):
    value, note = parse_value(PARAMS["lr"], raw, 0.1)
    if raw == "１２":  # full-width digits are numbers to Python: 12, clamped to 2.5
        assert value == 2.5 and "outside" in note
        return
    assert value == 0.1
    assert note.startswith("`lr` = `") and "using 0.1" in note


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "NaN", "Infinity"])
def test_parse_non_finite(raw):
    value, note = parse_value(PARAMS["noise"], raw, 0.1)
    assert value == 0.1 and "not a finite number" in note


@pytest.mark.parametrize(
    "name, raw, expected",
    [
        ("lr", "100", 2.5),
        ("lr", "-1", 0.001),
        ("n", "5", 10),
        ("n", "1e30", 1_000_000),
        ("seed", "-5", 0),
        ("seed", str(2**40), 2**32 - 1),
        ("epochs", "0", 1),
        ("noise", "3", 1.0),
    ],
)
def test_parse_out_of_range_clamps(name, raw, expected):
    value, note = parse_value(PARAMS[name], raw, getattr(DEFAULTS, name))
    assert value == expected and "outside" in note
    assert isinstance(value, PARAMS[name].kind)


def test_parse_integer_with_fraction_rounds():
    value, note = parse_value(PARAMS["n"], "150.6", 100)
    assert value == 151 and "whole number" in note


def test_parse_optional_start_accepts_random():
    assert parse_value(PARAMS["b0"], "random", None) == (None, None)
    assert parse_value(PARAMS["b0"], "", None) == (None, None)
    assert parse_value(PARAMS["w0"], "1.5", None) == (1.5, None)


def test_warning_text_cannot_break_out_of_the_code_span():
    value, note = parse_value(PARAMS["lr"], "`**bold**` [x](javascript:alert(1))" + "x" * 100, 0.1)
    quoted = note.split("`lr` = `", 1)[1].split("` is not", 1)[0]
    assert "`" not in quoted
    assert len(quoted) <= 41  # 40 characters and an ellipsis


def test_settings_from_query_repeated_key_uses_last_and_warns():
    settings, warnings = settings_from_query({"seed": ["1", "7"], "unknown": ["x"]})
    assert settings.seed == 7
    assert any("appears 2 times" in w for w in warnings)


def test_batch_larger_than_training_set_becomes_full_batch():
    settings, warnings = settings_from_query({"n": ["20"], "batch": ["50"]})
    assert settings.batch == 0 and settings.batch_size is None
    assert any("larger than the 16 training points" in w for w in warnings)


def test_query_round_trip():
    s = Settings(seed=7, n=250, noise=0.3, true_b=-1.5, true_w=0.5, lr=0.75, epochs=30, batch=16, b0=0.25, w0=-2.0)
    query = {k: [v] for k, v in to_query(s).items()}
    back, warnings = settings_from_query(query)
    assert back == s and warnings == []
    assert "b0" not in to_query(DEFAULTS)


def test_settings_properties():
    assert DEFAULTS.is_book and DEFAULTS.n_train == 80 and DEFAULTS.batch_size is None
    assert DEFAULTS.start == gdcore.init_params(42)
    s = Settings(b0=1.0)
    assert s.start == (1.0, gdcore.init_params(42)[1]) and not s.is_book
    assert Settings(batch=16).batch_size == 16 and Settings(batch=80).batch_size is None


# --- clicks and the player ----------------------------------------------------


@pytest.mark.parametrize(
    "state, expected",
    [
        ({"selection": {"start": [{"b": 0.64, "w": 2.36}]}}, (0.64, 2.36)),
        ({"selection": {"start": [{"b": "1.5", "w": 2}]}}, (1.5, 2.0)),
        ({"selection": {"start": []}}, None),
        ({"selection": {"start": {}}}, None),
        ({"selection": {}}, None),
        ({}, None),
        (None, None),
        ({"selection": {"start": [{"b": "nan", "w": 1}]}}, None),
        ({"selection": {"start": [{"b": None, "w": 1}]}}, None),
        ({"selection": {"start": [{"w": 1}]}}, None),
    ],
)
def test_clicked_point_parsing(state, expected):
    assert charts.clicked_point(state) == expected


def test_clicked_point_reads_attribute_style_state():
    class Sel:
        start = [{"b": -1.0, "w": 3.0}]

    class State:
        selection = Sel()

    assert charts.clicked_point(State()) == (-1.0, 3.0)


def test_clamp_start_keeps_clicks_in_range():
    assert interact.clamp_start(12.3456789, -0.123456) == (10.0, -0.1235)


@pytest.mark.parametrize("frame, n, expected", [(-3, 10, 0), (4, 10, 4), (10, 10, 9), (99, 1, 0)])
def test_clamp_frame(frame, n, expected):
    assert player.clamp_frame(frame, n) == expected


# --- raster and contours --------------------------------------------------------


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
    import base64
    import io

    from PIL import Image

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


def test_clip_to_never_returns_non_finite():
    out = charts.clip_to(np.array([np.nan, np.inf, -np.inf, 1e300, 0.5]), (0.0, 1.0))
    assert np.isfinite(out).all()
    assert out[-1] == 0.5 and out.max() <= 51 and out.min() >= -50


def test_fmt_and_signed():
    assert numbers.fmt(-0.00001) == "0.0000"
    assert numbers.fmt(2.74215777) == "2.7422"
    assert numbers.fmt(float("inf")) == "∞" and numbers.fmt(float("nan")) == "undefined"
    assert numbers.signed(-0.1383) == "- 0.1383" and numbers.signed(2) == "+ 2.0000"
