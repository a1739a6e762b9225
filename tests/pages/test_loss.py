"""AppTest: step 4, the Loss page (Figs 0.3-0.6, cells 20-34)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from kit import (
    assert_charts_finite,
    chart_frames,
    chart_titles,
    frames_with,
    metrics,
    page_text,
    plotly_charts,
    run_page,
    vega_datasets,
    vega_specs,
)

import gdcore


@pytest.fixture(scope="module")
def book():
    at = run_page("loss")
    assert not at.exception, at.exception
    return at


def test_book_numbers_are_shown(book):
    m = metrics(book)
    assert m["MSE (loss)"] == "2.7422"
    assert m["error₀"] == "-2.0845"
    assert m["Minimum b*"] == "1.0235" and m["Minimum w*"] == "1.9690"
    assert m["Snapped b"] == "0.5200" and m["Snapped w"] == "-0.1600"
    assert m["Loss at the snapped start"] == "2.7113"
    text = page_text(book)
    assert "2.7421577700550976" in text  # the book's printed loss, in full
    for shape in ("(101, 101)", "(80, 101, 101)", "(80, 1, 1)"):
        assert f"`{shape}`" in text
    assert "0.3901 - 2.4745 = -2.0845" in text  # error_0 with the numbers substituted
    assert "step of 0.06" in text and "10,201" in text
    assert book.success, "the book check is shown at the defaults"


def test_ledger_lists_every_point_and_its_means(book):
    frame = book.dataframe[0].value
    assert list(frame.columns) == ["x", "y", "ŷ", "error", "error²"]
    assert len(frame) == 80
    np.testing.assert_allclose(frame["x"].iloc[0], 0.7712703466859457)
    means = book.dataframe[1].value
    assert means["error²"].iloc[0] == pytest.approx(2.7421577700550976, rel=1e-14)


def test_figures_present_with_book_values(book):
    titles = chart_titles(book)
    for title in ("Loss surface seen from above", "Fixed: b = 0.52", "Fixed: w = -0.16"):
        assert title in titles
    assert len(plotly_charts(book)) == 0  # the 3-D viewer loads on demand
    book.toggle(key="loss_show_3d").set_value(True).run()
    assert len(plotly_charts(book)) == 1
    # Fig 0.3: the highlighted point is the first training point, its error segment runs from ŷ to y.
    seg = frames_with(book, "x", "x2", "y", "y2")[0]
    b, w = gdcore.init_params()
    assert seg["y"].iloc[0] == pytest.approx(b + w * 0.7712703466859457, rel=1e-12)
    assert seg["y2"].iloc[0] == pytest.approx(2.474538221214042, rel=1e-12)
    # Fig 0.5: the w cross-section and its dot; y range [-0.1, 15.1].
    curve, dot = chart_frames(book, "Fixed: b = 0.52")
    assert curve["y"].iloc[0] == pytest.approx(4.4684, abs=1e-4)
    assert dot["loss"].iloc[0] == pytest.approx(2.7113284116288243, rel=1e-12)
    spec = vega_specs(book)[chart_titles(book).index("Fixed: b = 0.52")]
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [-0.1, 15.1]
    # Fig 0.6: x label b (the book's 2020 fix).
    spec6 = vega_specs(book)[chart_titles(book).index("Fixed: w = -0.16")]
    assert spec6["layer"][0]["encoding"]["x"]["title"] == "b"
    # Fig 0.4 (3-D): markers at their TRUE heights (the book's swapped indices give 0.01288 / 5.766).
    trace = [t for t in json.loads(plotly_charts(book)[0].proto.spec)["data"] if t["type"] == "scatter3d"][0]
    np.testing.assert_allclose(trace["z"], [0.00804465769549299, 2.7421577700550976], rtol=1e-9)


def test_other_seed_and_n_from_the_url():
    at = run_page("loss", {"seed": "7", "n": "250"})
    assert not at.exception
    d = gdcore.make_data(n=250, seed=7)
    b, w = gdcore.init_params(7)
    m = metrics(at)
    assert m["MSE (loss)"] == f"{gdcore.mse(b, w, d.x_train, d.y_train):.4f}"
    b_star, w_star = gdcore.closed_form(d.x_train, d.y_train)
    assert m["Minimum b*"] == f"{b_star:.4f}" and m["Minimum w*"] == f"{w_star:.4f}"
    assert "`(200, 101, 101)`" in page_text(at)
    assert not at.success  # not the book's numbers any more


def test_point_selector_and_ledger_row_move_the_highlight():
    at = run_page("loss")
    d = gdcore.make_data()
    b, w = gdcore.init_params()
    at.number_input(key="loss_point").set_value(5).run()
    assert not at.exception
    m = metrics(at)
    assert m["error₅"] == f"{b + w * d.x_train[5] - d.y_train[5]:.4f}"
    seg = frames_with(at, "x", "x2", "y", "y2")[0]
    assert seg["x"].iloc[0] == pytest.approx(d.x_train[5])
    # Picking a row of the ledger selects that point.
    at.session_state["loss_ledger"] = {"selection": {"rows": [11], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.number_input(key="loss_point").value == 11
    assert f"error{'₁₁'}" in metrics(at)


def test_typed_start_moves_every_number():
    at = run_page("loss", {"b0": "2", "w0": "3"})
    assert not at.exception
    d = gdcore.make_data()
    m = metrics(at)
    assert m["Loss at the start"] == f"{gdcore.mse(2.0, 3.0, d.x_train, d.y_train):.4f}"
    grid = gdcore.book_grid()
    _, b_snap = gdcore.snap_to_grid(2.0, grid.b_values)
    _, w_snap = gdcore.snap_to_grid(3.0, grid.w_values)
    assert m["Snapped b"] == f"{b_snap:.4f}" and m["Snapped w"] == f"{w_snap:.4f}"
    assert f"Fixed: b = {b_snap:.2f}" in chart_titles(at)


def test_large_n_shows_first_rows_but_averages_all():
    at = run_page("loss", {"n": "20000"})
    assert not at.exception
    assert len(at.dataframe[0].value) == 1000
    d = gdcore.make_data(n=20000)
    b, w = gdcore.init_params()
    mse = gdcore.mse(b, w, d.x_train, d.y_train)
    assert at.dataframe[1].value["error²"].iloc[0] == pytest.approx(mse, rel=1e-12)
    assert "first 1,000 of the 16,000" in page_text(at)
    assert max(len(f) for frames in vega_datasets(at) for f in frames) <= 1500


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10"},
        {"noise": "0"},
        {"lr": "2.5", "epochs": "10000"},
        {"n": "10", "noise": "0", "b0": "-10", "w0": "10"},
    ],
)
def test_edge_settings_run_with_finite_charts(query):
    at = run_page("loss", query)
    assert not at.exception, at.exception
    at.toggle(key="loss_show_3d").set_value(True).run()  # include the 3-D surface's data
    assert not at.exception, at.exception
    assert len(plotly_charts(at)) == 1
    assert_charts_finite(at)
    assert all(math.isfinite(float(v.replace(",", ""))) for v in metrics(at).values())
