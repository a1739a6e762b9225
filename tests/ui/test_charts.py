"""ui.charts: reading a click on a chart, clipping, the visible part of a path, marker and path layers."""

from __future__ import annotations

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
