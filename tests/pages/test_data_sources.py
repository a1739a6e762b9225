"""Every page on every data source: the real data sets shipped with scikit-learn, and the learner's own CSV.

* Each page runs at its defaults on each real data set (a ``data=`` link): no exception, no error, every chart
  finite, and the page's numbers are its own (the book's box is gone).
* The closed form on each real set's training points matches ``numpy.polyfit(x, y, 1)`` to 1e-9 (relative),
  and descent at a safe learning rate converges to it.
* An upload through the sidebar's file uploader becomes the data of every page; each bad file gets a message
  naming what is wrong, and the data already in use stay.
* Links: ``data=iris`` and a small upload's inline ``rows=`` reproduce the view in a fresh session; a corrupted
  ``rows=`` or an unknown ``data=`` gets a named warning and changes nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from kit import FORBIDDEN, ROOT, chart_problems, metrics, page_text, run_app, run_page

import gdcore
from ui import csvdata, sources
from ui.registry import STEPS
from ui.results import common as results_common
from ui.results import scaling as scaling_results

ROOT_PAGES = [entry.url_path.lower() for entry in STEPS]
REAL = list(sources.REAL_SETS)
UPLOAD = "Use this data"


def _split(key: str, seed: int = 42) -> gdcore.Dataset:
    x, y = sources.real_points(key)
    return gdcore.split_data(x, y, seed)


@pytest.mark.parametrize("page", ROOT_PAGES)
def test_every_page_runs_on_every_real_data_set(page):
    for name in REAL:
        at = run_page(page, {"data": name}, timeout=120)
        assert not at.exception, (page, name, [e.value for e in at.exception])
        assert not at.error, (page, name, [e.value for e in at.error])
        assert chart_problems(at) == [], (page, name)
        text = page_text(at)
        assert "With the book's settings" not in text, (page, name)


def test_landing_page_names_the_real_data_set():
    at = run_app(ROOT / "streamlit_app.py", {"data": "diabetes"})
    assert not at.exception
    text = page_text(at)
    assert "Diabetes data set" in text and "BMI (kg/m²)" in text and "Efron" in text


@pytest.mark.parametrize("name", REAL)
def test_closed_form_matches_polyfit_and_descent_converges(name):
    data = _split(name)
    w_ref, b_ref = np.polyfit(data.x_train, data.y_train, 1)
    b_star, w_star = gdcore.closed_form(data.x_train, data.y_train)
    assert b_star == pytest.approx(b_ref, rel=1e-9) and w_star == pytest.approx(w_ref, rel=1e-9)
    # Descent at a safe rate (1/λ_max) on the standardised feature converges; mapped back to the raw units it is
    # the least-squares line. (On the raw feature the bowl is so long that it would take far more epochs.)
    scaler, xs, _ = gdcore.standardize(data.x_train)
    lr = 1.0 / gdcore.hessian_eigenvalues(xs)[1]
    run = gdcore.descend(xs, data.y_train, 0.0, 0.0, lr, 2000)
    assert scaler.params_to_original(*run.final) == pytest.approx((b_star, w_star), rel=1e-9)


def test_descent_on_raw_iris_converges_at_a_safe_rate():
    data = _split("iris")
    lr = 1.0 / gdcore.hessian_eigenvalues(data.x_train)[1]
    run = gdcore.descend(data.x_train, data.y_train, 0.0, 0.0, lr, 20_000)
    assert run.final == pytest.approx(gdcore.closed_form(data.x_train, data.y_train), rel=1e-6)


def test_data_page_on_iris_shows_its_own_numbers():
    at = run_page("data", {"data": "iris", "seed": "7"})
    data = _split("iris", 7)
    shown = metrics(at)
    assert shown["Training points"] == "120" and shown["Validation points"] == "30"
    assert shown["First training point"] == f"({data.x_train[0]:.4f}, {data.y_train[0]:.4f})"
    text = page_text(at)
    assert "petal length (cm)" in text and "no generating equation" in text
    assert not any("varepsilon" in latex.value for latex in at.latex)


def test_init_page_shows_the_least_squares_line_instead_of_a_true_one():
    at = run_page("init", {"data": "linnerud"})
    data = _split("linnerud")
    b_star, w_star = gdcore.closed_form(data.x_train, data.y_train)
    shown = metrics(at)
    assert shown["Least-squares b*"] == f"{b_star:.4f}" and shown["Least-squares w*"] == f"{w_star:.4f}"
    assert "True b (unknown to the model)" not in shown


def test_loss_surface_window_follows_the_data_units():
    # Raw diabetes: b* is about -117; the book's window (true b ± 3) would hold no contour at all.
    at = run_page("loss", {"data": "diabetes"})
    data = _split("diabetes")
    b_star, w_star = gdcore.closed_form(data.x_train, data.y_train)
    text = page_text(at)
    match = re.search(r"b in \[(-?[\d.]+), (-?[\d.]+)\], w in \[(-?[\d.]+), (-?[\d.]+)\]", text)
    assert match, text[:2000]
    b_lo, b_hi, w_lo, w_hi = map(float, match.groups())
    assert b_lo < b_star < b_hi and w_lo < w_star < w_hi
    assert b_hi - b_lo > 100  # in the data's units, not the book's 6


@pytest.mark.parametrize("name", REAL)
def test_the_shared_scaling_window_keeps_every_minimum_off_its_edges(name):
    # Bad Feature and Scaling draw every feature's surface on one window that must hold all their
    # minima; on real data one feature's minimum can lie far outside another feature's own window.
    key = sources.key_for(name, 42, 0, 0.0, 0.0, 0.0)
    minima = []
    for kind in ("original", "bad", "scaled"):
        f = results_common.features(key, kind)
        minima.append(gdcore.closed_form(f.x_train, f.y_train))
    for kind in ("bad", "scaled"):
        b_lo, b_hi, w_lo, w_hi = scaling_results.surface_window(key, kind, minima)
        # The margin is a twelfth of the window that just holds them, so at least 1/14 of the final one.
        for b, w in minima:
            assert min(b - b_lo, b_hi - b) >= (b_hi - b_lo) / 14 * (1 - 1e-9), (kind, b, b_lo, b_hi)
            assert min(w - w_lo, w_hi - w) >= (w_hi - w_lo) / 14 * (1 - 1e-9), (kind, w, w_lo, w_hi)


# --- uploads ------------------------------------------------------------------------------------


def _choose_upload(at):
    at.selectbox(key="gd_widget_data").set_value("csv").run()
    return at


def _upload(at, content: bytes, name: str = "mine.csv"):
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    buttons = [b for b in at.button if b.label == UPLOAD]
    if buttons:
        buttons[0].click().run()
    return at


def _good_csv(n: int = 40) -> bytes:
    rows = "\n".join(f"{i * 0.5},{3 + 1.5 * i * 0.5 + (-1) ** i * 0.2}" for i in range(n))
    return ("hours,score\n" + rows + "\n").encode()


def test_an_upload_becomes_every_pages_data():
    at = _upload(_choose_upload(run_page("data")), _good_csv())
    assert not at.exception and not at.error
    shown = metrics(at)
    assert shown["Training points"] == "32" and shown["Validation points"] == "8"
    sel = csvdata.select(csvdata.read_table(_good_csv()), "hours", "score")
    data = gdcore.split_data(sel.x, sel.y, 42)
    assert shown["First training point"] == f"({data.x_train[0]:.4f}, {data.y_train[0]:.4f})"
    # The uploader is emptied: the server keeps the checked points, not the file.
    assert at.file_uploader[0].value is None
    assert at.query_params["data"] == "csv" and at.query_params["rows"].startswith("v1.")
    # Another page opened with this view's link runs on the same points.
    loss = run_page("loss", dict(at.query_params))
    assert not loss.exception and metrics(loss)["Training points n"] == "32"


BAD_FILES = {
    "empty": (b"", "empty"),
    "header only": (b"x,y\n", "no data rows"),
    "one row": (b"x,y\n1,2\n", "10"),
    "too few rows": (b"x,y\n" + b"".join(f"{i},{2 * i}\n".encode() for i in range(5)), "10"),
    "not a number": (b"x,y\n" + b"".join(f"{i},{2 * i}\n".encode() for i in range(12)) + b"7,abc\n", "`abc`"),
    "NaN": (b"x,y\n" + b"".join(f"{i},{2 * i}\n".encode() for i in range(12)) + b"nan,3\n", "NaN"),
    "inf": (b"x,y\n" + b"".join(f"{i},{2 * i}\n".encode() for i in range(12)) + b"5,inf\n", "infinite"),
    "constant x": (b"x,y\n" + b"".join(f"4,{i}\n".encode() for i in range(12)), "one value"),
    "duplicate names": (b"x,x\n" + b"".join(f"{i},{i}\n".encode() for i in range(12)), "`x`"),
    "excel renamed": (b"PK\x03\x04" + bytes(range(256)) * 4, "Excel"),
    "binary": (b"\x00\x01\x02garbage\x00" * 50, "binary"),
    "over a million rows": (b"x,y\n" + b"1,2\n3,5\n" * 500_001, "1,000,002 data rows"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_message_and_the_data_in_use_stay(case):
    content, needle = BAD_FILES[case]
    at = _upload(_choose_upload(run_page("data", {"data": "iris"})), content)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and any(needle.lower() in e.lower() for e in errors), (case, errors)
    assert all("so the data in use stay" in e or "cannot be used" in e for e in errors)
    assert metrics(at)["Training points"] == "120"  # still iris
    assert at.query_params["data"] == "iris"


def test_formats_a_spreadsheet_writes_are_read():
    # A BOM, ; separators with decimal commas, quoted numbers and thousands separators.
    text = "\ufeffsize;price\n" + "".join(f'{i},5;"1.{200 + i:03d},25"\n' for i in range(12))
    at = _upload(_choose_upload(run_page("data")), text.encode("utf-8"))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert metrics(at)["Training points"] == "9"
    held = at.session_state["gd_upload"]
    np.testing.assert_allclose(np.sort(held.x)[:2], [0.5, 1.5])
    np.testing.assert_allclose(np.sort(held.y)[:2], [1200.25, 1201.25])


def test_hostile_column_names_stay_plain_text_and_downloads_are_escaped(monkeypatch):
    names = "=cmd|' /C calc'!A0,<img src=x onerror=alert(1)>\n"
    body = "".join(f"{i},{2 * i + 1}\n" for i in range(12))
    at = _upload(_choose_upload(run_page("data")), (names + body).encode())
    assert not at.exception and not at.error
    for element in (*at.markdown, *at.caption, *at.sidebar.caption):
        for bad in FORBIDDEN:
            if bad in element.value:
                # Only inside a code span (shown literally, never rendered).
                assert re.search(r"`[^`]*" + re.escape(bad), element.value), element.value
    held = at.session_state["gd_upload"]
    monkeypatch.setattr(sources, "upload_for", lambda source: held)
    monkeypatch.setattr(results_common, "dataset", lambda key: gdcore.split_data(held.x, held.y, 42))
    header = results_common.data_csv(at.session_state["gd_settings"]).decode().splitlines()[0]
    # The formula cell starts with an apostrophe: a spreadsheet shows it as text.
    assert header == "is_validation,index,'=cmd|' /C calc'!A0,<img src=x onerror=alert(1)>"


def test_a_split_column_is_used_when_chosen():
    body = "".join(f"{i},{2 * i + 1},{'test' if i % 4 == 0 else 'train'}\n" for i in range(20))
    at = _choose_upload(run_page("data"))
    at.file_uploader[0].set_value(("s.csv", ("a,b,split\n" + body).encode(), "text/csv")).run()
    assert at.selectbox(key="gd_widget_upload_split").value == "split"
    [b for b in at.button if b.label == UPLOAD][0].click().run()
    assert not at.exception and not at.error
    shown = metrics(at)
    assert shown["Training points"] == "15" and shown["Validation points"] == "5"


# --- links --------------------------------------------------------------------------------------


def test_a_data_link_reproduces_the_view_in_a_fresh_session():
    first = run_page("loss", {"data": "iris", "seed": "3"})
    again = run_page("loss", dict(first.query_params))
    assert metrics(first) == metrics(again)
    assert again.query_params["data"] == "iris"
    assert "n" not in again.query_params and "noise" not in again.query_params  # they do not apply


def test_a_small_upload_travels_in_its_link():
    at = _upload(_choose_upload(run_page("gradients")), _good_csv(30))
    link = dict(at.query_params)
    fresh = run_page("gradients", link)
    assert not fresh.exception and not fresh.warning, [w.value for w in fresh.warning]
    assert metrics(fresh) == metrics(at)


def test_a_large_upload_says_its_link_opens_the_books_data():
    at = _upload(_choose_upload(run_page("data")), _good_csv(500))
    assert "rows" not in at.query_params and at.query_params["data"] == "csv"
    fresh = run_page("data", dict(at.query_params))
    warnings = " ".join(w.value for w in fresh.warning)
    assert "only files of up to 200 rows travel in a link" in warnings
    assert metrics(fresh)["Training points"] == "80"  # the book's


@pytest.mark.parametrize(
    "rows",
    ["v1.AAAA", "v2." + "A" * 40, "not-base64!!", "v1." + "A" * 20_000, ""],
    ids=["garbage", "version", "alphabet", "huge", "empty"],
)
def test_a_corrupted_inline_link_gets_a_named_warning(rows):
    at = run_page("data", {"data": "csv", "rows": rows})
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "`rows`" in warnings or "`data`" in warnings
    assert metrics(at)["Training points"] == "80"


def test_an_unknown_data_name_is_refused_by_name():
    at = run_page("data", {"data": "<script>alert(1)</script>"})
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("is not a data set this app knows" in w for w in warnings)
    assert all("<script" not in w.replace("`<script>alert(1)</script>`", "") for w in warnings)
    assert metrics(at)["Training points"] == "80"


# --- reproducible code --------------------------------------------------------------------------


def _run_clean(script: str, cwd) -> dict[str, str]:
    """Run a page's script in an isolated interpreter (no app on the path); its ``label: value`` lines."""
    done = subprocess.run(
        [sys.executable, "-I", "-X", "utf8", "-c", script], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(line.rpartition(": ")[::2] for line in done.stdout.splitlines())


def _script_of(at) -> str:
    return next(el.value for el in at.get("code") if el.language == "python")


@pytest.mark.parametrize("split", [False, True], ids=["seeded-split", "split-column"])
def test_a_small_uploads_script_prints_the_page_numbers(tmp_path, split):
    rows = "".join(
        f"{i * 0.25},{1 - 0.5 * i * 0.25 + (-1) ** i * 0.1}" + (",val" if i % 5 == 0 else ",train") * split + "\n"
        for i in range(30)
    )
    header = "t,v" + (",split" if split else "") + "\n"
    at = _upload(_choose_upload(run_page("init")), (header + rows).encode())
    printed = _run_clean(_script_of(at), tmp_path)
    shown = metrics(at)
    for label in ("Random b", "Least-squares b*", "Least-squares w*"):
        assert printed[label] == shown[label], label


def test_a_large_uploads_script_reads_the_data_download(tmp_path, monkeypatch):
    at = _upload(_choose_upload(run_page("data")), _good_csv(400))
    held, s = at.session_state["gd_upload"], at.session_state["gd_settings"]
    script = _script_of(at)
    # Outside the page's session the upload is not held: stand in for it.
    monkeypatch.setattr(sources, "upload_for", lambda source: held)
    monkeypatch.setattr(results_common, "dataset", lambda key: gdcore.split_data(held.x, held.y, s.seed))
    assert "np.loadtxt(" in script and results_common.data_file_name(s) == "data_upload_seed42_n400.csv"
    assert results_common.data_file_name(s) in script
    (tmp_path / results_common.data_file_name(s)).write_bytes(results_common.data_csv(s))
    printed = _run_clean(script, tmp_path)
    shown = metrics(at)
    for label in ("Training points", "Validation points", "First training point", "Mean of x (train)"):
        assert printed[label] == shown[label], label


def test_a_session_keeps_one_upload_and_never_the_file():
    at = _upload(_choose_upload(run_page("data")), _good_csv(40))
    first = at.session_state["gd_upload"]
    at = _upload(at, _good_csv(60))
    held = at.session_state["gd_upload"]
    assert held.digest != first.digest and held.x.size == 60
    # Only the checked points stay: no Selection but the one in use, and no file bytes in the session.
    kept = [key for key in at.session_state if isinstance(at.session_state[key], csvdata.Selection)]
    assert kept == ["gd_upload"]
    assert at.file_uploader[0].value is None
    assert not any(isinstance(at.session_state[k], bytes | bytearray) for k in at.session_state)


def test_each_real_set_is_the_columns_it_names():
    from sklearn import datasets

    iris = datasets.load_iris()
    diabetes = datasets.load_diabetes(scaled=False)
    linnerud = datasets.load_linnerud()
    expected = {
        "iris": (iris.data[:, iris.feature_names.index("petal length (cm)")], iris.data[:, 3]),
        "diabetes": (diabetes.data[:, diabetes.feature_names.index("bmi")], diabetes.target),
        "linnerud": (linnerud.target[:, linnerud.target_names.index("Weight")], linnerud.target[:, 1]),
    }
    assert iris.feature_names[3] == "petal width (cm)" and linnerud.target_names[1] == "Waist"
    for name, (x, y) in expected.items():
        got_x, got_y = sources.real_points(name)
        np.testing.assert_array_equal(got_x, x)
        np.testing.assert_array_equal(got_y, y)
        assert got_x.size == sources.REAL_SETS[name].size
    # The ranges the sidebar states: BMI about 18 to 42, progression 25 to 346, petal width 0.1 to 2.5.
    x, y = sources.real_points("diabetes")
    assert (x.min(), x.max(), y.min(), y.max()) == (18.0, 42.2, 25.0, 346.0)
    assert sources.real_points("iris")[1].min() == 0.1 and sources.real_points("iris")[1].max() == 2.5


# --- a teacher's link and the data -------------------------------------------------------------


def test_a_teacher_can_fix_the_data_set():
    at = run_page("data", {"data": "iris", "lock": "data"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    selector = at.selectbox(key="gd_widget_data")
    assert selector.disabled and selector.value == "iris"
    assert metrics(at)["Training points"] == "120"
    assert "Data source" in page_text(at)  # "Fixed by this link: Data source."


def test_a_teacher_can_hide_the_choice_of_data():
    at = run_page("loss", {"data": "diabetes", "hide": "data"})
    assert not at.exception and not at.warning
    assert [sb for sb in at.selectbox if sb.key == "gd_widget_data"] == []
    assert metrics(at)["Training points n"] == "353"


def test_hiding_eta_hides_it_on_the_page_too():
    shown = run_page("learning_rate")
    hidden = run_page("learning_rate", {"hide": "lr"})
    boxes = [box.label for box in shown.number_input]
    assert "Learning rate η" in boxes
    assert "Learning rate η" not in [box.label for box in hidden.number_input]
    assert [s for s in hidden.slider if s.key == "gd_widget_lr"] == []
