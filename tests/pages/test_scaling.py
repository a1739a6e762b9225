"""AppTest: step 9, scaling the feature (book Figs 0.16-0.17 and the StandardScaler)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from kit import (
    assert_charts_finite,
    chart_subtitle,
    chart_title,
    charts_by_title,
    frame_with,
    metrics,
    page_text,
    run_page,
    vega_specs,
)

import gdcore

SURFACES = ("Loss Surface - Original", 'Loss Surface - "Bad"', "Loss Surface - Scaled")
SCATTERS = ("Train - Original", 'Train - "Bad"', "Train - Scaled")


def test_runs_and_shows_the_books_scaler_numbers():
    at = run_page("scaling")
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["Mean of x (train)"] == "0.4725" and m["σ of x (train)"] == "0.3062"
    assert m["Mean of x, 6 decimals"] == "0.472459" and m["σ of x, 6 decimals"] == "0.306225"
    assert m["Scaled train: mean"] == "0.0000" and m["Scaled train: std"] == "1.0000"
    assert m["Scaled validation: mean"] == "-0.0372" and m["Scaled validation: std"] == "0.8188"
    text = page_text(at)
    assert r"x_i = 0.472459" in text and r"= 0.306225" in text
    assert "training points only" in text
    assert "always standardise your features" in text
    assert "With the book's settings" in text


def test_minima_mapping_back_and_curvature():
    at = run_page("scaling")
    m = metrics(at)
    assert m["Minimum, original (b, w)"] == "(1.0235, 1.9690)"
    assert m["Minimum, bad (b, w)"] == "(1.0235, 0.1969)"
    assert m["Minimum, scaled (b, w)"] == "(1.9538, 0.6029)"
    assert m["Mapped back (b, w)"] == "(1.0235, 1.9690)" == m["Original minimum (b, w)"]
    assert m["Mean of y (train)"] == "1.9538" and m["w* × σ"] == "0.6029"
    assert m["Scaled: smallest eigenvalue"] == "2.0000" and m["Scaled: largest eigenvalue"] == "2.0000"
    assert m["Scaled: condition number"] == "1.0000" and m["Scaled: critical η"] == "1.0000"
    assert m["Original: critical η"] == "0.8055" and m["Bad: critical η"] == "0.0309"
    assert m["Original: condition number"] == "16.4354" and m["Bad: condition number"] == "112.0137"
    assert m["Scaled: epochs needed"] == "1" and m["Scaled: fastest η"] == "0.5000"
    assert m["Original: epochs needed"] == "34" and m["Bad: epochs needed"] == "190"
    text = page_text(at)
    assert r"\frac{0.6029}{0.3062} = 1.9690" in text
    assert r"\frac{2}{\lambda_{\max}} = \frac{2}{2.0000} = 1.0000" in text


def test_three_scatters_and_three_surfaces():
    at = run_page("scaling")
    charts = charts_by_title(at)
    assert set(SCATTERS) | set(SURFACES) | {"How fast batch descent converges"} == set(charts)
    assert len(charts) == len(vega_specs(at))  # every chart titled, no title twice
    d = gdcore.make_data()
    xs = [frame_with(charts[t], "x", "y")["x"].to_numpy() for t in SCATTERS]
    np.testing.assert_array_equal(xs[0], d.x_train)
    np.testing.assert_array_equal(xs[1], 10 * d.x_train)
    np.testing.assert_allclose(xs[2], (d.x_train - d.x_train.mean()) / d.x_train.std(), rtol=1e-12)
    colors = {t: s["mark"]["color"] for s in vega_specs(at) for t in [chart_title(s)] if t in SCATTERS}
    assert colors == {"Train - Original": "#0072B2", 'Train - "Bad"': "#000000", "Train - Scaled": "#009E73"}
    expected = {
        SURFACES[0]: (1.0235407546635162, 1.9689644704814506, "16.4354"),
        SURFACES[1]: (1.0235407546635167, 0.19689644704814496, "112.0137"),
        SURFACES[2]: (1.9537956365905156, 0.602946027396629, "1.0000"),
    }
    subtitles = {chart_title(s): chart_subtitle(s) for s in vega_specs(at)}
    for title, (b, w, kappa) in expected.items():
        frames = charts[title]
        assert subtitles[title] == f"condition number κ = {kappa}"
        minimum = frame_with(frames, "x", "y", "label", "color", "loss")
        np.testing.assert_allclose(minimum[["x", "y"]].iloc[0], [b, w], rtol=1e-12)
        image = frame_with(frames, "x", "x2", "y", "y2")  # the book's scaled window, half a cell wider
        np.testing.assert_allclose(image.iloc[0], [-1.03, 5.03, -2.43, 3.63])


def test_other_seed_and_n_follow_gdcore():
    at = run_page("scaling", {"seed": "11", "n": "400"})
    assert not at.exception
    m = metrics(at)
    d = gdcore.make_data(n=400, seed=11)
    scaler, xt, xv = gdcore.standardize(d.x_train, d.x_val)
    assert m["Mean of x (train)"] == f"{scaler.mean:.4f}" and m["σ of x, 6 decimals"] == f"{scaler.scale:.6f}"
    assert m["Scaled validation: mean"] == f"{xv.mean():.4f}" and m["Scaled validation: std"] == f"{xv.std():.4f}"
    b_s, w_s = gdcore.closed_form(xt, d.y_train)
    assert m["Scaled minimum (b, w)"] == f"({b_s:.4f}, {w_s:.4f})"
    b_back, w_back = scaler.params_to_original(b_s, w_s)
    b_star, w_star = gdcore.closed_form(d.x_train, d.y_train)
    np.testing.assert_allclose([b_back, w_back], [b_star, w_star], rtol=1e-10)
    assert m["Mapped back (b, w)"] == f"({b_star:.4f}, {w_star:.4f})"
    assert m["Bad: condition number"] == f"{gdcore.condition_number(10 * d.x_train):.4f}"
    # At the best rate for a round bowl, one epoch of batch descent lands on the minimum.
    h = gdcore.descend(xt, d.y_train, *gdcore.init_params(11), 0.5, 1)
    assert h.train_loss[1] <= 1.01 * gdcore.mse(b_s, w_s, xt, d.y_train)
    assert m["Scaled: epochs needed"] == "1"


@pytest.mark.parametrize("lr, diverges", [("0.9", False), ("1.5", True)])
def test_sidebar_learning_rate_on_the_scaled_feature(lr, diverges):
    at = run_page("scaling", {"lr": lr})
    text = page_text(at)
    assert f"Your learning rate η = {float(lr):g} (sidebar)" in text
    assert ("**diverges**" in text) == diverges


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10", "noise": "0", "lr": "2.5"},
        {"true_b": "5", "true_w": "-5", "n": "20", "lr": "2.5"},
    ],
)
def test_edge_settings_run_with_finite_charts(query):
    at = run_page("scaling", query)
    assert not at.exception, at.exception
    assert len(vega_specs(at)) == 7
    assert_charts_finite(at)
    for value in metrics(at).values():
        assert "nan" not in value.lower() and "inf" not in value.lower()


@pytest.mark.parametrize("query", [{}, {"seed": "11", "n": "400"}])
def test_scikit_learn_standard_scaler_is_shown_beside_gdcores(query):
    at = run_page("scaling", query)
    assert not at.exception, at.exception
    d = gdcore.make_data(n=int(query.get("n", 100)), seed=int(query.get("seed", 42)))
    ours = gdcore.fit_scaler(d.x_train)
    text = page_text(at)
    sentence = next(line for line in text.splitlines() if "sklearn.preprocessing.StandardScaler" in line)
    assert f"gives mean {ours.mean:.4f}, scale {ours.scale:.4f} — the same as ours." in sentence
    shown = {
        name: float(re.search(rf"`{name} = ([-+0-9.eE]+)`", sentence).group(1))
        for name in ("mean_", "scale_", "mean", "scale")
    }
    assert shown["mean_"] == pytest.approx(ours.mean, rel=1e-12, abs=1e-12)
    assert shown["scale_"] == pytest.approx(ours.scale, rel=1e-12, abs=1e-12)
    assert (shown["mean"], shown["scale"]) == (ours.mean, ours.scale)  # gdcore's own, every digit
