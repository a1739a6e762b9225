"""AppTest: the landing page and steps 1-3 (Data, Init, Predict)."""

from __future__ import annotations

import numpy as np
import pytest
from kit import metrics, page_text, run_page, vega_datasets

import gdcore


@pytest.mark.parametrize("name", ["landing", "data", "init", "predict"])
def test_page_runs_without_exception_at_defaults(name):
    at = run_page(name)
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


def test_data_page_shows_book_split_and_two_scatters():
    at = run_page("data")
    m = metrics(at)
    assert m["Training points"] == "80"
    assert m["Validation points"] == "20"
    assert m["First training point"] == "(0.7713, 2.4745)"
    assert "76, 83, 80, 98, 2" in page_text(at)
    data = vega_datasets(at)
    sizes = sorted(len(frames[0]) for frames in data)
    assert sizes == [20, 80]


def test_data_page_follows_seed_and_n_from_the_url():
    at = run_page("data", {"seed": "7", "n": "250"})
    assert not at.exception
    d = gdcore.make_data(n=250, seed=7)
    m = metrics(at)
    assert m["Training points"] == "200"
    assert m["First training point"] == f"({d.x_train[0]:.4f}, {d.y_train[0]:.4f})"


def test_data_page_subsamples_large_n():
    at = run_page("data", {"n": "100000"})
    assert not at.exception
    assert metrics(at)["Training points"] == "80,000"
    assert max(len(frames[0]) for frames in vega_datasets(at)) <= 1500


def test_init_page_shows_book_values():
    at = run_page("init")
    m = metrics(at)
    assert m["Random b"] == "0.4967"
    assert m["Random w"] == "-0.1383"
    assert "[0.49671415] [-0.1382643]" in page_text(at)


def test_init_page_other_seed():
    at = run_page("init", {"seed": "3"})
    b, w = gdcore.init_params(3)
    m = metrics(at)
    assert m["Random b"] == f"{b:.4f}" and m["Random w"] == f"{w:.4f}"


def test_predict_page_equation_and_line():
    at = run_page("predict")
    text = page_text(at)
    assert "0.4967 - 0.1383" in text  # ŷ = b + w x with the numbers substituted
    assert "0.3901" in text  # prediction for the first training point
    frames = vega_datasets(at)[0]
    line = next(f for f in frames if "model" in f.columns)
    np.testing.assert_allclose(line["b"].iloc[0], 0.4967141530112327)
    np.testing.assert_allclose(line["w"].iloc[0], -0.13826430117118466)


def test_predict_page_typed_start_from_url():
    at = run_page("predict", {"b0": "1.5", "w0": "0.25"})
    m = metrics(at)
    assert m["b"] == "1.5000" and m["w"] == "0.2500"


def test_junk_url_values_warn_and_fall_back():
    at = run_page("data", {"lr": "abc", "seed": "-5", "n": "nan", "noise": "<script>alert(1)</script>"})
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    for name in ("lr", "seed", "n", "noise"):
        assert f"`{name}`" in warnings
    assert "using 0.1" in warnings and "using 0." in warnings
    assert metrics(at)["Training points"] == "80"  # n fell back to 100
