"""AppTest: step 6 · Update (one gradient-descent step, Fig 0.9, the sequential-update mistake)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kit import assert_charts_finite, metrics, page_text, run_page, vega_datasets, vega_specs

import gdcore


def _update(seed=42, n=100, noise=0.1, lr=0.1, true_b=1.0, true_w=2.0, start=None):
    d = gdcore.make_data(n, true_b, true_w, noise, seed)
    b, w = gdcore.init_params(seed) if start is None else start
    db, dw = gdcore.gradients(b, w, d.x_train, d.y_train)
    b1, w1 = gdcore.update(b, w, db, dw, lr)
    _, seq_dw = gdcore.gradients(b1, w, d.x_train, d.y_train)
    return d, (b, w, db, dw, b1, w1, w - lr * seq_dw)


def _line_frame(at) -> pd.DataFrame:
    frames = vega_datasets(at)[0]
    return next(f for f in frames if "model" in f.columns)


def test_book_numbers_at_defaults():
    at = run_page("update")
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["b after one update"] == "0.8012"
    assert m["w after one update"] == "0.0451"
    assert m["Loss before"] == "2.7422"
    assert m["Loss after"] == "1.6349"
    text = page_text(at)
    assert "[0.80119529] [0.04511107]" in text  # the book's printed form
    assert "[0.49671415] [-0.1382643]" in text
    assert r"0.4967 - 0.1\cdot(-3.0448) = 0.8012" in text  # the update equation, live numbers
    assert r"-0.1383 - 0.1\cdot(-1.8338) = 0.0451" in text
    assert "2.7422" in text and "1.6349" in text
    assert at.success, "the book check is shown"


def test_fig09_both_lines_are_in_the_legend():
    """Fig 0.9: the green updated line has a legend entry next to the old line (the book's has none)."""
    at = run_page("update")
    lines = _line_frame(at)
    models = list(dict.fromkeys(lines["model"]))
    assert models == ["Model's predictions (before)", "Using parameters after one update"]
    old = lines[lines.model == models[0]].iloc[0]
    new = lines[lines.model == models[1]].iloc[0]
    np.testing.assert_allclose([old.b, old.w], [0.4967141530112327, -0.13826430117118466])
    np.testing.assert_allclose([new.b, new.w], [0.8011952909762835, 0.04511107054392366])
    spec = vega_specs(at)[0]
    dumped = str(spec)
    assert "Using parameters after one update" in dumped
    assert "b = 0.8012  w = 0.0451" in str(vega_datasets(at)[0])  # the green text
    assert "b = 0.4967  w = -0.1383" in str(vega_datasets(at)[0])  # the black text
    scatter = next(f for f in vega_datasets(at)[0] if "series" in f.columns)
    assert len(scatter) == 80


def test_other_seed_lr_and_n_follow_gdcore():
    at = run_page("update", {"seed": "7", "n": "300", "lr": "0.35", "noise": "0.3"})
    assert not at.exception
    _, (b, w, db, dw, b1, w1, _) = _update(seed=7, n=300, noise=0.3, lr=0.35)
    d = gdcore.make_data(300, 1.0, 2.0, 0.3, 7)
    m = metrics(at)
    assert m["b after one update"] == f"{b1:.4f}"
    assert m["w after one update"] == f"{w1:.4f}"
    assert m["Loss before"] == f"{gdcore.mse(b, w, d.x_train, d.y_train):.4f}"
    assert m["Loss after"] == f"{gdcore.mse(b1, w1, d.x_train, d.y_train):.4f}"
    assert f"{np.array([b1])} {np.array([w1])}" in page_text(at)  # numpy's print of the new b, w
    assert not at.success  # not the book's settings any more
    lines = _line_frame(at)
    np.testing.assert_allclose(lines[lines.model == "Using parameters after one update"][["b", "w"]].iloc[0], [b1, w1])


def test_typed_start_is_used():
    at = run_page("update", {"b0": "2", "w0": "-1"})
    _, (_, _, _, _, b1, w1, _) = _update(start=(2.0, -1.0))
    m = metrics(at)
    assert m["b after one update"] == f"{b1:.4f}" and m["w after one update"] == f"{w1:.4f}"


def test_sequential_toggle_shows_both_updates():
    at = run_page("update")
    assert "Sequential: w" not in metrics(at)
    at.toggle(key="update_sequential").set_value(True).run()
    assert not at.exception
    d, (b, w, db, dw, b1, w1, w_seq) = _update()
    m = metrics(at)
    assert m["Simultaneous: w"] == f"{w1:.4f}" == "0.0451"
    assert m["Sequential: w"] == f"{w_seq:.4f}"
    assert m["Sequential: loss after"] == f"{gdcore.mse(b1, w_seq, d.x_train, d.y_train):.4f}"
    assert m["Sequential: w"] != m["Simultaneous: w"]
    lines = _line_frame(at)
    assert "Sequential update (the mistake)" in set(lines["model"])
    seq = lines[lines.model == "Sequential update (the mistake)"].iloc[0]
    np.testing.assert_allclose([seq.b, seq.w], [b1, w_seq])
    text = page_text(at)
    assert f"{gdcore.critical_lr_for_rule(d.x_train, 'sequential'):.4f}" in text


def test_big_step_that_raises_the_loss_is_explained():
    at = run_page("update", {"lr": "1.5"})
    assert not at.exception
    assert any("worse" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10", "noise": "0", "lr": "2.5", "epochs": "10000"},
        {"lr": "2.5", "b0": "10", "w0": "-10"},
    ],
)
def test_extremes_run_and_keep_charts_finite(query):
    at = run_page("update", query)
    assert not at.exception, at.exception
    at.toggle(key="update_sequential").set_value(True).run()
    assert not at.exception
    assert_charts_finite(at)


def test_large_n_is_subsampled():
    at = run_page("update", {"n": "100000"})
    assert not at.exception
    scatter = next(f for f in vega_datasets(at)[0] if "series" in f.columns)
    assert len(scatter) <= 1500
