"""AppTest: step 10, Rinse and Repeat (many epochs, the three flavours, Fig 0.18 and Fig 0.19)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from kit import (
    assert_charts_finite,
    chart_texts,
    frames_with,
    metrics,
    page_text,
    player_data,
    run_page,
    stop_player_on,
    vega_datasets,
)

import gdcore

BOOK_ROWS = {  # the book's Chapter 1 loop (Cell 1.2) at some epochs: b, w, loss before that epoch's update
    "0": ("0.4967141530", "-0.1382643012", "2.7421577701"),
    "1": ("0.8011952910", "0.0451110705", "1.6349318111"),
    "9": ("1.5755253247", "0.6483939612", "0.1767512819"),
    "99": ("1.1885663440", "1.6460573976", "0.0179777295"),
    "999": ("1.0235409399", "1.9689641081", "0.0080446577"),
}


@pytest.fixture(scope="module")
def book():
    """One run at the defaults, shared by the read-only checks."""
    at = run_page("rinse_and_repeat")
    assert not at.exception, at.exception
    return at


def _paths_chart(at) -> list:
    """The Fig 0.19 chart's frames (the one whose frames hold a 'path' column with three names)."""
    for frames in vega_datasets(at):
        if any("path" in f.columns and f["path"].nunique() == 3 for f in frames):
            return frames
    raise AssertionError("no Fig 0.19 chart")


def _markers(frames) -> dict:
    """Label -> distinct (b, w) positions of the labelled markers (dots and texts share rows)."""
    out: dict = {}
    for f in frames:
        if {"label", "x", "y"} <= set(f.columns):
            for row in f.itertuples():
                if (row.x, row.y) not in out.setdefault(row.label, []):
                    out[row.label].append((row.x, row.y))
    return out


# --- the book's numbers ------------------------------------------------------------------


def test_book_result_after_1000_epochs(book):
    text = page_text(book)
    assert "`[1.02354094] [1.96896411]`" in text  # descent, printed as numpy prints it
    assert "`[1.02354075] [1.96896447]`" in text  # the closed form (scikit-learn's LinearRegression)
    m = metrics(book)
    assert m["b after 1,000 epochs"] == "1.0235"
    assert m["w after 1,000 epochs"] == "1.9690"
    assert m["Final training MSE"] == "0.0080"
    assert m["b* (normal equations)"] == "1.02354075"
    assert m["w* (normal equations)"] == "1.96896447"


def _sklearn_row(at) -> tuple[float, float]:
    """The (b, w) the page shows for scikit-learn's LinearRegression."""
    table = at.table[0].value
    row = table.loc["scikit-learn LinearRegression"]
    return float(row["b"]), float(row["w"])


def test_sklearn_check_matches_the_closed_form(book):
    d = gdcore.make_data()
    np.testing.assert_allclose(_sklearn_row(book), gdcore.closed_form(d.x_train, d.y_train), rtol=0, atol=1e-9)
    table = book.table[0].value
    assert list(table.index) == [
        "normal equations (gdcore.closed_form)",
        "scikit-learn LinearRegression",
        "gradient descent, 1,000 epochs",
    ]
    assert tuple(table.loc["gradient descent, 1,000 epochs"]) == ("1.0235409371", "1.9689641135")  # the book's run


def test_sklearn_check_follows_other_data():
    at = run_page("rinse_and_repeat", {"seed": "3", "n": "2000", "noise": "0.4", "true_b": "-0.5", "true_w": "3"})
    assert not at.exception
    d = gdcore.make_data(n=2000, true_b=-0.5, true_w=3.0, noise=0.4, seed=3)
    np.testing.assert_allclose(_sklearn_row(at), gdcore.closed_form(d.x_train, d.y_train), rtol=0, atol=1e-9)


def test_epoch_counts_for_the_three_flavours(book):
    m = metrics(book)
    assert m["Training points n"] == "80"
    assert m["Updates per epoch: batch"] == "1"
    assert m["Updates per epoch: k = 16"] == "5"
    assert m["Updates per epoch: stochastic"] == "80"
    assert "⌈80 / 16⌉ = 5 updates" in page_text(book)


def test_intermediate_epochs_table_matches_the_book(book):
    table = book.dataframe[0].value
    rows = {str(r.epoch): (r.b, r.w, r.loss) for r in table.itertuples()}
    for epoch, expected in BOOK_ROWS.items():
        assert rows[epoch] == expected, epoch
    assert list(table.epoch)[:7] == ["0", "1", "2", "3", "4", "5", "9"]
    assert table.epoch.iloc[-1] == "1,000 (final)"


def test_fig18_final_line_and_annotation(book):
    assert "b = 1.0235 w = 1.9690" in chart_texts(book)
    line = next(f for f in frames_with(book, "model") if (f["model"] == "Final model's predictions").all())
    np.testing.assert_allclose(line["b"].iloc[0], 1.02354093708, atol=1e-10)
    np.testing.assert_allclose(line["w"].iloc[0], 1.9689641135454565, atol=1e-10)


def test_convergence_rate_and_critical_lrs(book):
    text = page_text(book)
    assert "= **0.9849**" in text  # predicted factor max|1 - lr λ|
    assert "measured** over the last epochs of the run: **0.9849**" in text
    assert "0.8055/80 = 0.0101" in text  # the sum loss: usable lr shrinks with n
    variants = book.dataframe[1].value
    assert list(variants["critical lr"]) == ["0.8055", "2.0773", "0.0101", "0.0260"]


def test_expected_charts_at_defaults(book):
    frames = vega_datasets(book)
    assert len(frames) == 3  # Fig 0.18, convergence, Fig 0.19 (the player draws its own panels)
    conv = next(f for f in frames_with(book, "series") if "loss − minimum loss" in set(f["series"]))
    assert {"distance to the optimum (measured)", "factorᵉ × first distance (predicted)"} <= set(conv["series"])
    assert_charts_finite(book)


def test_player_gets_the_whole_run_once_and_opens_on_the_result(book):
    data = player_data(book, "rinse_player")
    d = gdcore.make_data()
    h = gdcore.descend(d.x_train, d.y_train, *gdcore.init_params(42), 0.1, 1000, x_val=d.x_val, y_val=d.y_val)
    assert data["epoch"] == list(range(1001))
    np.testing.assert_allclose(data["b"], h.b, rtol=1e-5)
    np.testing.assert_allclose(data["w"], h.w, rtol=1e-5)
    np.testing.assert_allclose(data["loss"], h.train_loss, rtol=1e-5)
    np.testing.assert_allclose(data["val"], h.val_loss, rtol=1e-5)
    assert (f"{data['b'][1000]:.4f}", f"{data['w'][1000]:.4f}") == ("1.0235", "1.9690")  # the book's result
    assert data["start"] == 1000
    stats = gdcore.sufficient_stats(d.x_train, d.y_train)
    assert data["stats"] == pytest.approx(
        {k: getattr(stats, k) for k in ("mean_x", "mean_y", "var_x", "cov_xy", "var_y")}, rel=1e-12
    )
    assert data["cuts"]["loss"] == [-0.1, 6.1]  # the book's fixed loss axis
    assert data["panels"] == ["data", "contour", "along_w", "along_b", "loss"]
    assert len(data["data"]["x"]) == 80 and data["surface"]["png"].startswith("data:image/png;base64,")
    # Python renders the update that follows the epoch shown (the last one).
    assert "**The update of epoch 1,001**" in page_text(book)


def test_fig19_three_paths_from_the_chapter_start(book):
    frames = _paths_chart(book)
    path = next(f for f in frames if "path" in f.columns and "loss" in f.columns)
    counts = path.groupby("path").size()
    assert len(counts) == 3 and (counts == 21).all()  # 20 epochs + the start, one point per epoch
    marks = _markers(frames)
    b0, w0 = gdcore.init_params(42)
    np.testing.assert_allclose(marks["Start"][0], (b0, w0))  # b on x, w on y (fixes the swapped start)
    np.testing.assert_allclose(marks["Minimum"][0], (1.0235407546635162, 1.9689644704814506), atol=1e-12)
    assert len(marks["Epoch 1"]) == 3
    assert "Mini-batch (size 16)" in set(path["path"]) and "Stochastic (size 1)" in set(path["path"])


# --- widgets -------------------------------------------------------------------------------


def test_reference_start_toggle_and_path_epochs():
    at = run_page("rinse_and_repeat")
    at.toggle(key="rinse_paths_book_start").set_value(True)
    at.slider(key="rinse_path_epochs").set_value(5)
    at.run()
    assert not at.exception
    frames = _paths_chart(at)
    marks = _markers(frames)
    np.testing.assert_allclose(marks["Start"][0], (0.83, 0.7645))
    path = next(f for f in frames if "path" in f.columns and "loss" in f.columns)
    assert (path.groupby("path").size() == 6).all()
    d = gdcore.make_data()
    batch = gdcore.descend(d.x_train, d.y_train, 0.83, 0.7645, 0.1, 5)
    got = path[path["path"].str.startswith("Batch")].sort_values("epoch")
    np.testing.assert_allclose(got["b"], batch.b)
    np.testing.assert_allclose(
        got[["b", "w"]].iloc[1], (0.9825, 0.8591), atol=5e-5
    )  # the first batch step from the reference's start
    assert "swapped" in page_text(at)


def test_mistake_toggles_overlay_paths_and_limits():
    at = run_page("rinse_and_repeat")
    at.toggle(key="rinse_sum_loss").set_value(True).run()
    assert not at.exception
    m = metrics(at)
    assert m["Critical lr, mistake"] == "0.0101"
    assert any("0.0101" in w.value and "overflow" in w.value for w in at.warning)
    assert len(vega_datasets(at)) == 4
    names = {n for f in frames_with(at, "path") for n in f["path"]}
    assert "Mistake: sum instead of mean" in names
    assert_charts_finite(at)

    at.toggle(key="rinse_sum_loss").set_value(False)
    at.toggle(key="rinse_sequential").set_value(True).run()
    d = gdcore.make_data()
    assert metrics(at)["Critical lr, mistake"] == f"{gdcore.critical_lr_for_rule(d.x_train, 'sequential'):.4f}"
    seq = next(f for f in frames_with(at, "path") if "Mistake: sequential update" in set(f["path"]))
    h = gdcore.descend(d.x_train, d.y_train, *gdcore.init_params(42), 0.1, 1000, rule="sequential")
    last = seq[seq["path"] == "Mistake: sequential update"].sort_values("epoch").iloc[-1]
    np.testing.assert_allclose((last.b, last.w), h.final, atol=1e-9)


def test_player_reports_the_frame_python_renders():
    at = run_page("rinse_and_repeat")
    stop_player_on(at, "rinse_player", 1)
    text = page_text(at)
    assert "b_{2} &= 0.8012 - 0.1 \\times (-2.2626) = 1.0275" in text  # the update of epoch 2, live numbers
    assert "**The update of epoch 2**" in text
    stop_player_on(at, "rinse_player", 0)
    assert "b_{1} &= 0.4967 - 0.1 \\times (-3.0448) = 0.8012" in page_text(at)
    # A frame reported for other frames (an old identity) is not taken: the page shows the frame it
    # opens on, the last one, or the one the link holds (the learner's last pause, epoch 0).
    at.session_state["rinse_player"] = {"frame": {"ident": "stale", "frame": 5}}
    at.run()
    assert "**The update of epoch 1**" in page_text(at) and at.query_params["epoch"] in ("0", ["0"])
    fresh = run_page("rinse_and_repeat")
    fresh.session_state["rinse_player"] = {"frame": {"ident": "stale", "frame": 5}}
    fresh.run()
    assert "**The update of epoch 1,001**" in page_text(fresh)


# --- other settings ---------------------------------------------------------------------------


def test_other_seed_n_lr_epochs_follow_gdcore():
    at = run_page("rinse_and_repeat", {"seed": "7", "n": "500", "lr": "0.3", "epochs": "200", "batch": "25"})
    assert not at.exception
    d = gdcore.make_data(n=500, seed=7)
    h = gdcore.descend(d.x_train, d.y_train, *gdcore.init_params(7), 0.3, 200)
    m = metrics(at)
    assert m["b after 200 epochs"] == f"{h.b[-1]:.4f}"
    assert m["w after 200 epochs"] == f"{h.w[-1]:.4f}"
    b_star, w_star = gdcore.closed_form(d.x_train, d.y_train)
    assert m["b* (normal equations)"] == f"{b_star:.8f}"
    assert m["Updates per epoch: k = 25"] == "16"  # ceil(400 / 25)
    factor = gdcore.convergence_factor(d.x_train, 0.3)
    assert f"= **{factor:.4f}**" in page_text(at)
    assert not any("With the book's settings" in s.value for s in at.success)


def test_divergence_is_content_not_a_traceback():
    at = run_page("rinse_and_repeat", {"lr": "2.5", "epochs": "10000"})
    assert not at.exception
    text = page_text(at)
    assert "during epoch **215**" in text
    assert "= **5.2073**" in text  # |1 - 2.5 λ_max|
    assert metrics(at)["b after 214 epochs"] == "-2.878e+153"
    assert any("left the view at epoch" in t for t in chart_texts(at))
    assert_charts_finite(at)
    data = player_data(at, "rinse_player")
    assert data["start"] == 0  # a diverged run opens at its start, not far off every chart
    assert data["epoch"][-1] == 214 and len(data["b"]) == 215
    assert all(v is not None and math.isfinite(v) for v in data["b"] + data["w"] + data["loss"])


@pytest.mark.parametrize(
    "query",
    [
        {"n": "10"},
        {"noise": "0"},
        {"n": "10", "lr": "2.5", "epochs": "10000"},
        {"lr": "0.9", "epochs": "3000", "batch": "1"},
    ],
)
def test_edge_settings_run_with_finite_charts(query):
    at = run_page("rinse_and_repeat", query)
    assert not at.exception
    assert_charts_finite(at)
    assert len(vega_datasets(at)) >= 3
    data = player_data(at, "rinse_player")
    assert len(json.dumps(data)) < 200_000  # sent once; bounded whatever the settings
    assert data["epoch"][0] == 0 and len(data["epoch"]) == len(data["b"]) <= 2001
    assert all(v is None or math.isfinite(v) for v in data["b"] + data["w"] + data["loss"])


def test_long_runs_send_every_kth_epoch_ending_on_the_last():
    from ui.player import frame_epochs

    np.testing.assert_array_equal(frame_epochs(30), np.arange(31))
    long = frame_epochs(10_000)
    assert len(long) <= 2001 and long[0] == 0 and long[-1] == 10_000
    assert set(np.diff(long)) == {5}
    odd = frame_epochs(4001)
    assert odd[-1] == 4001 and len(odd) <= 2001 and np.all(np.diff(odd) > 0)


def test_large_n_caps_the_stochastic_path():
    at = run_page("rinse_and_repeat", {"n": "1000000"})
    assert not at.exception
    assert any("Capped for speed" in i.value and "5,000" in i.value for i in at.info)
    assert metrics(at)["Updates per epoch: stochastic"] == "800,000"
    assert max(len(f) for frames in vega_datasets(at) for f in frames) <= 2000
    assert_charts_finite(at)


def test_download_button_is_present(book):
    button = book.get("download_button")[0]
    assert button.label == "Download the descent history (CSV)"
    assert math.isfinite(float(metrics(book)["Final validation MSE"]))
