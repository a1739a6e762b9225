"""AppTest: step 7 · Learning Rate (Figs 0.10-0.12, zones, presets, player); self-check: test_selfcheck.py."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from kit import (
    assert_charts_finite,
    metrics,
    page_text,
    player_data,
    run_page,
    stop_player_on,
    vega_datasets,
    vega_specs,
)

import gdcore


def _data(seed=42, n=100, noise=0.1):
    return gdcore.make_data(n, 1.0, 2.0, noise, seed)


def _step_panels(at) -> dict[str, list[pd.DataFrame]]:
    """The two cross-section panels, keyed by the parameter that moves ("w" red, "b" black)."""
    out = {}
    for frames in vega_datasets(at):
        for frame in frames:
            if "curve" in frame.columns and str(frame["curve"].iloc[0]).startswith("loss along "):
                out[frame["curve"].iloc[0][-1]] = frames
    return out


def _texts(frames) -> list[str]:
    return [t for f in frames if "text" in f.columns for t in f["text"]]


def _points(frames) -> pd.DataFrame:
    return next(f for f in frames if "point" in f.columns)


def test_defaults_show_limits_book_table_and_charts():
    at = run_page("learning_rate")
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["Limit along b (2/curvature)"] == "1.0000"
    assert m["Limit along w (2/curvature)"] == "3.1547"
    assert m["Critical rate 2/λ_max"] == "0.8055"
    text = page_text(at)
    # The book's table (Figs 0.10-0.12): after points, losses and step texts at 0.2, 0.8, 1.1.
    for value in (
        "2.0952",
        "1.2601",
        "0.7399",
        "1.1230",
        "0.3395",
        "3.2240",
        "2.7113",
        "→ 0.20",
        "→ 1.12",
        "→ 1.28",
        "→ 2.86",
        "→ 1.82",
        "→ 3.70",
        "| 0.36 |",
        "| 0.58 |",
        "| 1.43 |",
        "| 2.32 |",
        "| 1.97 |",
        "| 3.19 |",
    ):
        assert value in text, value
    assert "−2.90" in text and "−1.79" in text and "true" in text  # says which gradients we use
    assert "Converges smoothly" in text
    # the two step panels (Figs 0.10-0.12) + the ruler; the player draws its own panels
    assert len(vega_specs(at)) == 3
    assert set(_step_panels(at)) == {"w", "b"}


def test_step_panels_label_their_own_derivative_and_arrow_ends_at_after_point():
    """Figs 0.10-0.12: ∂MSE/∂w on the w panel, ∂MSE/∂b on the b panel (the book swaps them);
    the arrow tip is the after point (the book's ends 0.1 beyond it)."""
    at = run_page("learning_rate", {"lr": "0.2"})
    d = _data()
    b, w = gdcore.init_params(42)
    db, dw = gdcore.gradients(b, w, d.x_train, d.y_train)
    panels = _step_panels(at)
    w_texts, b_texts = " ".join(_texts(panels["w"])), " ".join(_texts(panels["b"]))
    assert f"−η·∂MSE/∂w ≈ {-0.2 * dw:.2f}" in w_texts and "∂MSE/∂b" not in w_texts
    assert f"−η·∂MSE/∂b ≈ {-0.2 * db:.2f}" in b_texts and "∂MSE/∂w" not in b_texts
    assert "η = 0.20" in w_texts and "η = 0.20" in b_texts
    for param, start, grad in (("w", w, dw), ("b", b, db)):
        pts = _points(panels[param]).set_index("point")
        after = start - 0.2 * grad
        np.testing.assert_allclose(pts.loc["before", "x"], start)
        np.testing.assert_allclose(pts.loc["after", "x"], after)
        np.testing.assert_allclose(pts.loc["arrowhead", "x"], after)  # tip exactly at the after point
        np.testing.assert_allclose(pts.loc["arrowhead", "y"], pts.loc["before", "y"])
    stats = gdcore.sufficient_stats(d.x_train, d.y_train)
    np.testing.assert_allclose(
        _points(panels["b"]).set_index("point").loc["after", "loss"], stats.loss(b - 0.2 * db, w)
    )
    m = metrics(at)
    assert m["b step: −η·∂MSE/∂b"] == f"{-0.2 * db:.4f}"
    assert m["w after (b fixed)"] == f"{w - 0.2 * dw:.4f}"


BOOK_STORY = (
    ("0.2", "both steps are **safe** steps that stay on the same side", "Converges smoothly"),
    ("0.8", "the b step lands on the **other side** of the valley", "Oscillates but converges"),
    ("1.1", "the b step overshoots so far that the loss goes **up**", "Diverges"),
)


def test_presets_set_the_shared_lr_and_tell_the_books_story():
    at = run_page("learning_rate")
    x = _data().x_train
    for preset, story, verdict in BOOK_STORY:
        at.button(key=f"lr_preset_{preset}").click().run()
        assert not at.exception, at.exception
        lr = float(preset)
        assert at.slider(key="gd_widget_lr").value == pytest.approx(lr)
        assert metrics(at)["Per-step factor max|1 − η·λ|"] == f"{gdcore.convergence_factor(x, lr):.4f}"
        text = page_text(at)
        assert story in text, preset
        assert text.count("same side of the valley") <= 1, preset  # one clause, never repeated
        assert verdict in text
        assert f"| **{preset}** |" in text  # the current rate's row of the book table is bold


def test_divergence_is_content_not_an_error():
    at = run_page("learning_rate", {"lr": "1.1"})
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Diverges" in errors and "1.7312" in errors  # |1 - 1.1 * 2.4829|
    assert "epoch 2" in errors  # (b, w) leaves the chart's window at epoch 2
    assert_charts_finite(at)


def test_barely_diverging_rate_says_so():
    at = run_page("learning_rate", {"lr": "0.81"})
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    x = _data().x_train
    assert "Diverges" in errors and f"{gdcore.convergence_factor(x, 0.81):.4f}" in errors  # 1.0112
    assert "epoch 77" in errors  # slow growth: it takes many epochs to leave the window
    assert_charts_finite(at)


def test_player_steps_every_panel_to_the_same_epoch():
    at = run_page("learning_rate")
    assert metrics(at)["Epoch"] == "0"
    data = player_data(at, "lr_player")
    assert data["epoch"] == list(range(31)) and data["start"] == 0 and data["show_next"] is True
    np.testing.assert_allclose(data["loss"][:2], [2.7421577700550976, 1.634931811122577], rtol=1e-5)
    np.testing.assert_allclose(data["b"][:2], [0.4967141530112327, 0.8011952909762835], rtol=1e-5)
    stop_player_on(at, "lr_player", 1)
    m = metrics(at)
    assert (m["Epoch"], m["b at this epoch"], m["w at this epoch"], m["Loss at this epoch"]) == (
        "1",
        "0.8012",
        "0.0451",
        "1.6349",
    )  # the book's first update
    panels = _step_panels(at)
    np.testing.assert_allclose(_points(panels["w"]).set_index("point").loc["before", "x"], 0.04511107054392366)
    np.testing.assert_allclose(_points(panels["b"]).set_index("point").loc["before", "x"], 0.8011952909762835)
    stop_player_on(at, "lr_player", 30)
    assert metrics(at)["Epoch"] == "30"


def test_new_rate_or_start_replays_from_epoch_0():
    at = run_page("learning_rate")
    stop_player_on(at, "lr_player", 7)
    assert metrics(at)["Epoch"] == "7"
    at.button(key="lr_preset_0.8").click().run()  # new frames: the player and the page start over
    assert metrics(at)["Epoch"] == "0"
    first = player_data(at, "lr_player")["ident"]
    stop_player_on(at, "lr_player", 4)
    assert metrics(at)["Epoch"] == "4"
    at.run()  # an unrelated rerun keeps the frame
    assert metrics(at)["Epoch"] == "4" and player_data(at, "lr_player")["ident"] == first


def test_player_payload_for_the_cross_sections_and_contour():
    at = run_page("learning_rate")
    data = player_data(at, "lr_player")
    d = _data()
    stats = gdcore.sufficient_stats(d.x_train, d.y_train)
    # The browser draws both cross-sections from these five numbers: check the closed form it uses.
    s = data["stats"]
    b, w = data["b"][3], data["w"][3]
    c = b + w * s["mean_x"] - s["mean_y"]
    assert c * c + w * (w * s["var_x"] - 2 * s["cov_xy"]) + s["var_y"] == pytest.approx(float(stats.loss(b, w)))
    assert data["cuts"]["loss"] == [-0.1, 6.1]
    assert data["cuts"]["b"] == data["surface"]["b"] and data["cuts"]["w"] == data["surface"]["w"]
    assert data["surface"]["png"].startswith("data:image/png;base64,")
    assert len(data["surface"]["seg"]) % 4 == 0 and len(data["surface"]["seg"]) > 0
    assert [label[2] for label in data["surface"]["labels"]] == ["3", "6", "9", "12", "15", "18"]
    assert data["data"] is None and data["panels"] == ["contour", "loss", "along_w", "along_b"]
    assert len(json.dumps(data)) < 60_000


def test_click_on_the_contour_becomes_a_clamped_start():
    from ui.player import start_from_click

    assert start_from_click({"b": 0.123456, "w": -1.5}) == (0.1235, -1.5)
    assert start_from_click({"b": 99.0, "w": -99.0}) == (10.0, -10.0)  # clamped to the allowed range
    for junk in (None, {}, {"b": "x", "w": 1}, {"b": math.nan, "w": 0.0}, [1, 2]):
        assert start_from_click(junk) is None


def test_other_data_follow_gdcore():
    at = run_page("learning_rate", {"seed": "3", "n": "500", "lr": "0.5", "b0": "-1", "w0": "4"})
    assert not at.exception
    d = _data(seed=3, n=500)
    limit_b, limit_w = gdcore.axis_lr_limits(d.x_train)
    m = metrics(at)
    assert m["Limit along b (2/curvature)"] == f"{limit_b:.4f}"
    assert m["Limit along w (2/curvature)"] == f"{limit_w:.4f}"
    assert m["Critical rate 2/λ_max"] == f"{gdcore.critical_lr(d.x_train):.4f}"
    db, dw = gdcore.gradients(-1.0, 4.0, d.x_train, d.y_train)
    assert m["b after (w fixed)"] == f"{-1.0 - 0.5 * db:.4f}"
    assert m["w step: −η·∂MSE/∂w"] == f"{-0.5 * dw:.4f}"
    # The book's table does not depend on the learner's data.
    assert "3.2240" in page_text(at)


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10", "noise": "0", "lr": "2.5", "epochs": "10000"},
        {"lr": "2.5", "b0": "10", "w0": "-10"},
    ],
)
def test_extremes_run_and_keep_charts_finite(query):
    at = run_page("learning_rate", query)
    assert not at.exception, at.exception
    assert_charts_finite(at)
    stop_player_on(at, "lr_player", len(player_data(at, "lr_player")["epoch"]) - 1)
    assert_charts_finite(at)
    assert all(v is None or math.isfinite(v) for v in player_data(at, "lr_player")["b"])
