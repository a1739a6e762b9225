"""AppTest: step 5, the Gradients page (Figs 0.7-0.8, cell 37)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from kit import (
    assert_charts_finite,
    chart_titles,
    charts_titled,
    metrics,
    page_text,
    run_page,
    vega_datasets,
    vega_specs,
)

import gdcore

SNAP_B, SNAP_W = 0.52, -0.16000000000000003  # the book's grid-snapped start


def _y_domains(node) -> list:
    """Every y-scale domain anywhere in a (layered) Vega-Lite spec."""
    found = []
    if isinstance(node, dict):
        y_scale = (
            node.get("encoding", {}).get("y", {}).get("scale", {}) if isinstance(node.get("encoding"), dict) else {}
        )
        if isinstance(y_scale, dict) and "domain" in y_scale:
            found.append(y_scale["domain"])
        for value in node.values():
            found += _y_domains(value)
    elif isinstance(node, list):
        for value in node:
            found += _y_domains(value)
    return found


def _slope(frame: pd.DataFrame) -> float:
    return float((frame["y"].iloc[-1] - frame["y"].iloc[0]) / (frame["x"].iloc[-1] - frame["x"].iloc[0]))


@pytest.fixture(scope="module")
def book():
    at = run_page("gradients")
    assert not at.exception, at.exception
    return at


def test_book_gradients_are_shown(book):
    m = metrics(book)
    assert m["∂MSE/∂b"] == "-3.0448" and m["∂MSE/∂w"] == "-1.8338"
    text = page_text(book)
    assert "-3.044811379650508 -1.8337537171510832" in text  # as the book prints them
    assert "2 \\times (-1.5224) = -3.0448" in text  # the formula with live numbers
    assert "2 \\times (-0.9169) = -1.8338" in text
    assert book.success


def test_ledger_means_times_two_are_the_gradients(book):
    frame = book.dataframe[0].value
    assert list(frame.columns) == ["x", "error", "x·error"] and len(frame) == 80
    means = book.dataframe[1].value
    assert 2 * means["error"].iloc[0] == pytest.approx(-3.044811379650508, rel=1e-13)
    assert 2 * means["x·error"].iloc[0] == pytest.approx(-1.8337537171510832, rel=1e-13)


def test_fig7_cross_sections_with_true_tangents(book):
    d = gdcore.make_data()
    stats = gdcore.sufficient_stats(d.x_train, d.y_train)
    gb, gw = stats.gradients(SNAP_B, SNAP_W)
    for title, slope in (("Fixed: b = 0.52", gw), ("Fixed: w = -0.16", gb)):
        fig7 = next(frames for frames in charts_titled(book, title) if any("what" in f.columns for f in frames))
        tangent = next(f for f in fig7 if "what" in f.columns)
        assert _slope(tangent) == pytest.approx(slope, rel=1e-9)
        dot = next(f for f in fig7 if "loss" in f.columns)
        assert dot["loss"].iloc[0] == pytest.approx(2.7113284116288243, rel=1e-12)
    specs = [s for s, t in zip(vega_specs(book), chart_titles(book)) if t == "Fixed: b = 0.52"]
    assert [-0.1, 6.1] in [d for spec in specs for d in _y_domains(spec)]
    assert "The **b** curve is steeper" in page_text(book)


def test_fig8_book_finite_differences(book):
    m = metrics(book)
    assert m["δMSE/δw (step estimate)"] == "-1.7875" and m["δMSE/δb (step estimate)"] == "-2.8988"
    text = page_text(book)
    assert "≈ **-1.79**" in text and "≈ **-2.90**" in text
    assert "δMSE = -0.21" in text and "δMSE = -0.35" in text
    labels = {t for frames in vega_datasets(book) for f in frames if "text" in f.columns for t in f["text"]}
    assert {"δw = 0.12", "δb = 0.12", "δMSE = -0.21", "δMSE = -0.35", "δMSE/δw ≈ -1.79", "δMSE/δb ≈ -2.90"} <= labels
    table = book.dataframe[2].value
    np.testing.assert_allclose(table["δ"], [0.12, 0.06, 0.01, 0.001])
    np.testing.assert_allclose(table["error (b)"], table["δ"], rtol=1e-6)  # curvature along b is 2: error = δ


def test_delta_slider_converges_to_the_true_slope():
    at = run_page("gradients")
    at.select_slider(key="grad_delta").set_value(0.001).run()
    assert not at.exception
    d = gdcore.make_data()
    slope_w, _, _ = gdcore.finite_difference_slope(d.x_train, d.y_train, SNAP_B, SNAP_W, 0.001, "w")
    slope_b, _, _ = gdcore.finite_difference_slope(d.x_train, d.y_train, SNAP_B, SNAP_W, 0.001, "b")
    m = metrics(at)
    assert m["δMSE/δw (step estimate)"] == f"{slope_w:.4f}" == "-1.8252"
    assert m["δMSE/δb (step estimate)"] == f"{slope_b:.4f}" == "-3.0178"
    assert m["∂MSE/∂b at the snapped start"] == "-3.0188"
    assert "δb = 0.001" in {t for frames in vega_datasets(at) for f in frames if "text" in f.columns for t in f["text"]}


def test_other_settings_follow_gdcore():
    at = run_page("gradients", {"seed": "3", "n": "500", "true_w": "-1.5"})
    assert not at.exception
    d = gdcore.make_data(n=500, seed=3, true_w=-1.5)
    b, w = gdcore.init_params(3)
    gb, gw = gdcore.gradients(b, w, d.x_train, d.y_train)
    m = metrics(at)
    assert m["∂MSE/∂b"] == f"{gb:.4f}" and m["∂MSE/∂w"] == f"{gw:.4f}"
    assert f"`{gb!r} {gw!r}`" in page_text(at)


def test_point_selector_highlights_its_share():
    at = run_page("gradients")
    at.number_input(key="grad_point").set_value(7).run()
    assert not at.exception
    d = gdcore.make_data()
    b, w = gdcore.init_params()
    err = b + w * d.x_train[7] - d.y_train[7]
    stems = [
        f
        for frames in vega_datasets(at)
        for f in frames
        if set(f.columns) == {"x", "x2", "y", "y2"} and f["y"].iloc[0] == 0.0
    ]
    assert sorted(s["y2"].iloc[0] for s in stems) == pytest.approx(sorted([err, d.x_train[7] * err]))
    at.session_state["grad_ledger"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert at.number_input(key="grad_point").value == 2


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10"},
        {"noise": "0"},
        {"lr": "2.5", "epochs": "10000"},
        {"n": "10", "noise": "0", "b0": "10", "w0": "-10"},
    ],
)
def test_edge_settings_run_with_finite_charts(query):
    at = run_page("gradients", query)
    assert not at.exception, at.exception
    assert_charts_finite(at)
    assert all(math.isfinite(float(v.replace(",", ""))) for v in metrics(at).values())
