"""ui.charts: reading a click on a chart, clipping, the visible part of a path, marker and path layers."""

from __future__ import annotations

import altair as alt
import numpy as np
import pytest
from kit import altair_frames

from ui import charts


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


def test_clip_to_never_returns_non_finite():
    out = charts.clip_to(np.array([np.nan, np.inf, -np.inf, 1e300, 0.5]), (0.0, 1.0))
    assert np.isfinite(out).all()
    assert out[-1] == 0.5 and out.max() <= 51 and out.min() >= -50


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


def test_marker_layer_columns_and_clipping():
    markers = [charts.Marker(1.0, 2.0, "Minimum", loss=0.008), charts.Marker(1e9, 0.0, "far", "#D55E00", loss=5.0)]
    frame = altair_frames(charts.marker_layer(markers, (-2, 4), (-1, 5)))[0]
    assert list(frame.columns) == ["x", "y", "label", "color", "loss"]
    assert frame.x.max() <= 4 + charts.CLIP_FACTOR * 6
    single = altair_frames(charts.marker_layer(markers[:1], (-2, 4), (-1, 5), color="#000000"))[0]
    assert list(single.columns) == ["x", "y", "label", "loss"]
    no_loss = altair_frames(charts.marker_layer([charts.Marker(0, 0, "a")], (-2, 4), (-1, 5)))[0]
    assert "loss" not in no_loss.columns
    computed = altair_frames(
        charts.marker_layer([charts.Marker(0.5, 0.5, "a")], (-2, 4), (-1, 5), loss_at=lambda b, w: b + w)
    )[0]
    assert computed["loss"].tolist() == [1.0]


def test_path_layer_cuts_and_keeps_the_actual_values():
    b = np.array([0.0, 1.0, -3.0, 9.0])
    frame = altair_frames(charts.path_layer(b, np.zeros(4), "p", "#000000", (-2, 2), (-1, 1)))[0]
    assert frame["b"].tolist() == [0.0, 1.0, -2.0] and frame["b_value"].tolist() == [0.0, 1.0, -3.0]


def _drawn_spec(draw) -> dict:
    """The Vega-Lite spec and Arrow datasets that a page drawing one chart with ``draw()`` sends."""
    import json

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(draw, default_timeout=60).run()
    (element,) = at.get("vega_lite_chart")
    return {"spec": json.loads(element.proto.spec), "data": sorted(d.data.data for d in element.proto.datasets)}


def _cached_contour():
    from ui import charts, results
    from ui.settings import DataKey

    surface = results.surface(DataKey(), "original")
    marker = charts.Marker(*surface.minimum, "Minimum", loss=surface.min_loss)
    charts.show(charts.cached(charts.contour, surface, markers=[marker], title="t"), "s")


def _built_contour():
    from ui import charts, results
    from ui.settings import DataKey

    surface = results.surface(DataKey(), "original")
    marker = charts.Marker(*surface.minimum, "Minimum", loss=surface.min_loss)
    charts.show(charts.contour(surface, markers=[marker], title="t"), "s")


def test_a_cached_chart_sends_exactly_what_the_built_one_does():
    assert _drawn_spec(_cached_contour) == _drawn_spec(_built_contour)


def test_finished_spec_cache_holds_tens_of_mib_at_worst():
    """A contour map is the largest finished spec: its size times the cache's entry limit stays small."""
    import pickle

    from ui import results
    from ui.charts.common import SPEC_CACHE_ENTRIES, _finished_spec
    from ui.settings import DataKey

    surface = results.surface(DataKey(seed=3, n=20_000), "original")
    spec = _finished_spec("test.contour", charts.contour, (surface,), {"title": "t"})
    entry = len(pickle.dumps(spec))
    assert _finished_spec._info.max_entries == SPEC_CACHE_ENTRIES
    assert entry * SPEC_CACHE_ENTRIES <= 32 * 2**20, f"{entry} bytes × {SPEC_CACHE_ENTRIES} entries"


# --- readable labels ----------------------------------------------------------------------


def _reference_contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio, written out from the definition (sRGB → linear → luminance)."""

    def luminance(color: str) -> float:
        r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_matches_the_wcag_definition():
    assert charts.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert charts.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey
    for a, b in [("#D55E00", "#f0f0f0"), ("#0072B2", "#000000"), ("#CC79A7", "#222222")]:
        assert charts.contrast(a, b) == pytest.approx(_reference_contrast(a, b), rel=1e-3)
        assert charts.contrast(a, b) == charts.contrast(b, a)


def test_every_label_colour_reads_on_what_is_behind_it():
    """Labels are drawn on a halo (charts.HALO, the panel's grey): every palette colour, as a label,
    reaches WCAG AA there; so do the axis, legend and title texts on the panel, the contour's level
    labels on their dark halo, and the ruler's limit labels."""
    for name, color in charts.PALETTE.items():
        shade = charts.ink(color)
        assert _reference_contrast(shade, charts.HALO) >= 4.5, (name, color, shade)
        assert _reference_contrast(shade, charts.BACKGROUND) >= 4.5, name
    assert charts.ink("#000000") == "#000000"  # a colour already dark enough is kept
    assert _reference_contrast(charts.LEVEL_TEXT, charts.LEVEL_HALO) >= 4.5
    spec = charts.style(charts.label(0, 0, "a")).to_dict()
    config = spec["config"]
    for color in (
        config["axis"]["labelColor"],
        config["axis"]["titleColor"],
        config["legend"]["labelColor"],
        config["title"]["color"],
        config["title"]["subtitleColor"],
    ):
        assert _reference_contrast(color, charts.BACKGROUND) >= 4.5, color


def test_labels_sit_on_a_halo_in_a_readable_shade():
    spec = charts.style(charts.label(0.5, 1.0, "point 0", "#009E73")).to_dict()
    under, over = spec["layer"]
    assert under["mark"]["stroke"] == charts.HALO and under["mark"]["strokeWidth"] >= 3
    assert under["mark"]["color"] == charts.HALO and "stroke" not in over["mark"]
    assert over["mark"]["color"] == charts.ink("#009E73") != "#009E73"
    assert under["encoding"]["text"] == over["encoding"]["text"]  # the same text, drawn twice
    # A marker's label: the halo drops the per-row colour, the text keeps each marker's readable shade.
    markers = [charts.Marker(0, 0, "Minimum"), charts.Marker(0.5, 0, "left", "#D55E00")]
    layers = charts.style(charts.marker_layer(markers, (-1, 1), (-1, 1))).to_dict()["layer"]
    halo_layer, text_layer = layers[1]["layer"]
    assert "color" not in halo_layer["encoding"] and halo_layer["mark"]["stroke"] == charts.HALO
    assert text_layer["encoding"]["color"]["field"] == "ink"
    # The shade is looked up in the browser from the marker's colour (the dataset keeps its columns).
    (calculate,) = text_layer["transform"]
    assert calculate["as"] == "ink" and f'"#D55E00": "{charts.ink("#D55E00")}"' in calculate["calculate"]


def test_no_chart_text_is_cut_with_an_ellipsis():
    """Vega cuts axis labels and titles, legend labels and titles and chart titles at a pixel limit
    and ends them with "…"; the common style lifts every limit, and legends go under the chart."""
    config = charts.style(charts.label(0, 0, "a")).to_dict()["config"]
    assert config["axis"]["labelLimit"] == 0 and config["axis"]["titleLimit"] == 0
    assert config["legend"]["labelLimit"] == 0 and config["legend"]["titleLimit"] == 0
    assert config["title"]["limit"] == 0
    assert config["legend"]["orient"] == "bottom" and config["legend"]["direction"] == "vertical"
    # A legend under the plot adds to the chart's height instead of squeezing the plot.
    assert charts.style(charts.label(0, 0, "a")).to_dict()["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert "autosize" not in charts.style(alt.hconcat(charts.label(0, 0, "a"))).to_dict()  # Streamlit sizes these


def _placement(chart) -> tuple[float, float, int]:
    """Where a charts.label sits: its x, y (data) and its pixel offset dy (positive: below)."""
    return float(chart.data.x[0]), float(chart.data.y[0]), chart.layer[1].mark.dy


def test_line_label_avoids_points_and_other_lines():
    line = charts.Line(0.5, 0.0, "flat", "#000000")
    # Nothing in the way: under the line, at its left (the first choice).
    assert _placement(charts.line_label(line, "b = 0.5", (0, 1), (0, 3))) == (pytest.approx(0.05), 0.5, 14)
    # Points crowd the space under the line on the left: the label goes over it.
    xs = np.linspace(0.05, 0.6, 40)
    crowded = charts.line_label(line, "b = 0.5", (0, 1), (0, 3), avoid_x=xs, avoid_y=np.full(40, 0.37))
    assert _placement(crowded) == (pytest.approx(0.05), 0.5, -14)
    # ... and with another line just over it, further under, below the points.
    above = charts.Line(0.63, 0.0, "above", "#009E73")
    both = charts.line_label(line, "b = 0.5", (0, 1), (0, 3), avoid_x=xs, avoid_y=np.full(40, 0.37), others=[above])
    assert _placement(both) == (pytest.approx(0.05), 0.5, 30)


def test_best_anchor_keeps_labels_inside_and_off_the_data():
    anchors = [charts.Anchor(0.95, 1.0, "left", 8), charts.Anchor(0.95, 1.0, "right", -8)]
    # A label starting at x = 0.95 would run off a window ending at 1: it goes left of the point.
    assert charts.best_anchor(anchors, "a long label text", (0, 1), (0, 2)) == anchors[1]
    # Anchors in order of preference: among equals, the first.
    free = [charts.Anchor(0.1, 1.0), charts.Anchor(0.1, 0.5)]
    assert charts.best_anchor(free, "ab", (0, 1), (0, 2)) == free[0]
    # A horizontal line through the first place, or points in it, move the label to the second.
    assert charts.best_anchor(free, "ab", (0, 1), (0, 2), avoid_levels=(1.0,)) == free[1]
    assert charts.best_anchor(free, "ab", (0, 1), (0, 2), avoid_x=[0.12], avoid_y=[1.0]) == free[1]
    # Two rows: the second row counts too (a point under the first place).
    low = [charts.Anchor(0.1, 1.0), charts.Anchor(0.5, 1.0)]
    assert charts.best_anchor(low, "ab", (0, 1), (0, 2), avoid_x=[0.12], avoid_y=[0.9], rows=2) == low[1]
