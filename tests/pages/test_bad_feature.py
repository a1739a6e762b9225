"""AppTest: step 8, the "bad" feature (book Figs 0.13-0.15 and the learning-rate consequence)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from kit import (
    assert_charts_finite,
    chart_title,
    charts_by_title,
    frame_with,
    metrics,
    page_text,
    run_page,
    vega_specs,
)

import gdcore

FRACTIONS = np.arange(1, 100) / 100.0


def fewest_epochs(x: np.ndarray, y: np.ndarray, b0: float, w0: float, cap: int = 5000) -> tuple[int, set[float]]:
    """Brute force with gdcore.descend: fewest epochs to a loss within 1% of the minimum, and the rates doing it."""
    b_star, w_star = gdcore.closed_form(x, y)
    target = 1.01 * gdcore.mse(b_star, w_star, x, y)
    crit = gdcore.critical_lr(x)
    best, rates = None, set()
    for frac in FRACTIONS:
        h = gdcore.descend(x, y, b0, w0, frac * crit, 400 if best is None else best)
        hit = np.nonzero(h.train_loss <= target)[0]
        if hit.size == 0:
            continue
        if best is None or hit[0] < best:
            best, rates = int(hit[0]), {round(frac * crit, 4)}
        elif hit[0] == best:
            rates.add(round(frac * crit, 4))
    assert best is not None
    return best, rates


def test_runs_and_shows_the_books_numbers():
    at = run_page("bad_feature")
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["Minimum before (b, w)"] == "(1.0235, 1.9690)"
    assert m["Minimum after (b, w)"] == "(1.0235, 0.1969)"
    assert m["Loss at the start, before"] == "2.7113"
    assert m["Loss at the start, after"] == "5.9974"
    assert (m["Before: λ min"], m["Before: λ max"]) == ("0.1511", "2.4829")
    assert (m["After: λ min"], m["After: λ max"]) == ("0.5787", "64.8196")
    assert m["Before: critical η"] == "0.8055" and m["After: critical η"] == "0.0309"
    assert m["Before: condition number"] == "16.4354" and m["After: condition number"] == "112.0137"
    assert (m["Before: η limit, b alone"], m["Before: η limit, w alone"]) == ("1.0000", "3.1547")
    assert (m["After: η limit, b alone"], m["After: η limit, w alone"]) == ("1.0000", "0.0315")
    assert m["Largest loss on the window, before"] == "29.98"
    assert m["Largest loss on the window, after"] == "379.47"
    text = page_text(at)
    assert r"1 + 2\,x = 1 + 0.2\,(10\,x)" in text
    assert "(0.52, -0.16)" in text
    assert r"\frac{2}{64.8196} = 0.0309" in text
    assert "keep y exactly the same" in text
    assert "**diverges**" in text  # the book's lr 0.1 is far above 0.0309 for the bad feature
    assert "With the book's settings" in text


def test_epoch_counts_match_a_brute_force_search_with_gdcore():
    at = run_page("bad_feature")
    m = metrics(at)
    d = gdcore.make_data()
    b0, w0 = gdcore.init_params()
    for name, x in (("before", d.x_train), ("after", 10 * d.x_train)):
        epochs, rates = fewest_epochs(x, d.y_train, b0, w0)
        assert m[f"Epochs needed, {name}"] == str(epochs)
        assert float(m[f"Fastest η, {name}"]) in rates
    assert m["Epochs needed, before"] == "34" and m["Epochs needed, after"] == "190"


def test_figures_and_their_data():
    at = run_page("bad_feature")
    charts = charts_by_title(at)
    assert set(charts) == {
        "Train - Original",
        'Train - "Bad"',
        "Loss Surface - Before",
        "Loss Surface - After",
        "Fixed: b = 0.52",
        "Fixed: w = -0.16",
        "How fast batch descent converges",
    }
    assert len(charts) == len(vega_specs(at))  # every chart titled, no title twice
    d = gdcore.make_data()
    original = frame_with(charts["Train - Original"], "x", "y")
    bad = frame_with(charts['Train - "Bad"'], "x", "y")
    np.testing.assert_array_equal(bad["x"], 10 * original["x"])
    np.testing.assert_array_equal(bad["y"], original["y"])  # y kept identical (the reference re-draws y)
    np.testing.assert_array_equal(original["x"], d.x_train)

    # Fig 0.14: each panel labels its own minimum next to its own dot; start snapped to (0.52, -0.16).
    for title, w_min in (("Loss Surface - Before", 1.9689644704814506), ("Loss Surface - After", 0.19689644704814496)):
        frames = charts[title]
        minimum = frame_with(frames, "x", "y", "label", "color", "loss")
        assert minimum["label"].tolist() == ["Minimum"]
        np.testing.assert_allclose(minimum[["x", "y"]].iloc[0], [1.0235407546635162, w_min], rtol=1e-12)
        start = frame_with(frames, "x", "y", "label", "loss")
        assert start["label"].tolist() == ["Random Start"]
        np.testing.assert_allclose(start[["x", "y"]].iloc[0], [0.52, -0.16], atol=1e-12)
        cuts = [f for f in frames if list(f.columns) == ["x", "x2", "y", "y2"]]
        image, vline, hline = cuts  # the PNG's extent, then the red and the black cut
        np.testing.assert_allclose([vline["x"][0], vline["x2"][0]], [0.52, 0.52])
        np.testing.assert_allclose([hline["y"][0], hline["y2"][0]], [-0.16, -0.16])
        np.testing.assert_allclose(
            [image["x"][0], image["x2"][0], image["y"][0], image["y2"][0]], [-2.03, 4.03, -2.83, 3.23]
        )

    # Fig 0.15: thin "Before" and thick "After" curves, dots at the book's losses.
    specs = {chart_title(s): s for s in vega_specs(at)}
    for title in ("Fixed: b = 0.52", "Fixed: w = -0.16"):
        dots = frame_with(charts[title], "x", "y", "loss", "curve")
        np.testing.assert_allclose(dots["loss"], [2.7113284116288243, 5.9974053007627], rtol=1e-12)
        curves = frame_with(charts[title], "x", "loss", "curve", "true_loss")
        assert set(curves["curve"]) == {"Before", "After"}
        width = specs[title]["layer"][0]["encoding"]["strokeWidth"]["scale"]
        assert width["domain"] == ["Before", "After"] and width["range"][0] < width["range"][1]
        assert specs[title]["layer"][0]["encoding"]["y"]["scale"]["domain"] == [-0.1, 15.1]
    w_curves = frame_with(charts["Fixed: b = 0.52"], "x", "loss", "curve", "true_loss")
    assert w_curves["x"].min() >= -1.0 - 1e-9 and w_curves["x"].max() <= 3.2 + 1e-9
    assert specs["Fixed: b = 0.52"]["layer"][0]["encoding"]["x"]["scale"]["domain"] == [-1.0, 3.2]


def test_other_seed_and_n_follow_gdcore():
    at = run_page("bad_feature", {"seed": "7", "n": "250"})
    assert not at.exception
    m = metrics(at)
    d = gdcore.make_data(n=250, seed=7)
    bad_x = 10 * d.x_train
    b_star, w_star = gdcore.closed_form(d.x_train, d.y_train)
    b_bad, w_bad = gdcore.closed_form(bad_x, d.y_train)
    assert m["Minimum before (b, w)"] == f"({b_star:.4f}, {w_star:.4f})"
    assert m["Minimum after (b, w)"] == f"({b_bad:.4f}, {w_bad:.4f})"
    lo, hi = gdcore.hessian_eigenvalues(bad_x)
    assert (m["After: λ min"], m["After: λ max"]) == (f"{lo:.4f}", f"{hi:.4f}")
    assert m["After: critical η"] == f"{gdcore.critical_lr(bad_x):.4f}"
    assert m["Before: condition number"] == f"{gdcore.condition_number(d.x_train):.4f}"
    b0, w0 = gdcore.init_params(7)
    grid = gdcore.book_grid("bad")
    _, b_snap = gdcore.snap_to_grid(b0, grid.b_values)
    _, w_snap = gdcore.snap_to_grid(w0, grid.w_values)
    assert m["Loss at the start, after"] == f"{gdcore.mse(b_snap, w_snap, bad_x, d.y_train):.4f}"
    epochs, rates = fewest_epochs(bad_x, d.y_train, b0, w0)
    assert m["Epochs needed, after"] == str(epochs) and float(m["Fastest η, after"]) in rates
    assert "With the book's settings" not in page_text(at)


def test_typed_start_moves_the_cuts():
    at = run_page("bad_feature", {"b0": "1.5", "w0": "0.25"})
    assert not at.exception
    charts = charts_by_title(at)
    grid = gdcore.book_grid("bad")
    b_snap = gdcore.snap_to_grid(1.5, grid.b_values)[1]
    w_snap = gdcore.snap_to_grid(0.25, grid.w_values)[1]
    assert f"Fixed: b = {b_snap:.2f}" in charts and f"Fixed: w = {w_snap:.2f}" in charts
    start = frame_with(charts["Loss Surface - After"], "x", "y", "label", "loss")
    assert start["label"].tolist() == ["Start"]
    np.testing.assert_allclose(start[["x", "y"]].iloc[0], [b_snap, w_snap])


@pytest.mark.parametrize("lr, bad_diverges", [("0.02", False), ("0.5", True)])
def test_sidebar_learning_rate_verdict(lr, bad_diverges):
    at = run_page("bad_feature", {"lr": lr})
    text = page_text(at)
    assert f"η = {float(lr):g}** (sidebar)" in text
    assert ("with the bad x descent **diverges**" in text) == bad_diverges
    assert "with the original x descent converges" in text


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10", "noise": "0", "lr": "2.5"},
        {"true_b": "5", "true_w": "-5", "b0": "-10", "w0": "10", "lr": "2.5"},
    ],
)
def test_edge_settings_run_with_finite_charts(query):
    at = run_page("bad_feature", query)
    assert not at.exception, at.exception
    assert len(vega_specs(at)) == 7
    assert_charts_finite(at)
    for value in metrics(at).values():
        assert "nan" not in value.lower() and "inf" not in value.lower()


def test_large_n_keeps_scatters_small():
    at = run_page("bad_feature", {"n": "100000"})
    assert not at.exception
    charts = charts_by_title(at)
    assert len(frame_with(charts['Train - "Bad"'], "x", "y")) <= 1500
    assert math.isfinite(float(metrics(at)["After: critical η"]))
