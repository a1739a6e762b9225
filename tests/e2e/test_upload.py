"""Bring your own data, in a real browser: a CSV goes through the file dialog and every page runs on it.

The file is chosen with the browser's own file chooser (Playwright's ``expect_file_chooser``), as a learner
would; the numbers read back on three pages are checked against gdcore on the same points.
"""

from __future__ import annotations

import re

import numpy as np

import gdcore

SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'


def _csv(path) -> tuple[np.ndarray, np.ndarray]:
    x = np.round(np.linspace(1.0, 7.0, 60), 4)
    y = np.round(0.4 * x - 0.3 + 0.05 * np.sin(7 * x), 4)
    path.write_text("petal,width\n" + "".join(f"{a},{b}\n" for a, b in zip(x, y)), encoding="utf-8")
    return x, y


def _metrics(page) -> dict[str, str]:
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')].map((m) => [
             (m.querySelector('[data-testid="stMetricLabel"]') || m).innerText.trim(),
             (m.querySelector('[data-testid="stMetricValue"]') || m).innerText.trim().replace('\u2212', '-')])"""
    )
    return dict(pairs)


def _go(page, label: str, wait_for_rerun) -> None:
    link = page.locator('.st-key-menu a[data-testid="stPageLink-NavLink"]').filter(
        has_text=re.compile(rf"^\s*\d+ · {re.escape(label)}\s*$")
    )
    link.click()
    page.wait_for_url(re.compile(rf"/{re.escape(label.replace(' ', '_'))}(\?|$)"))
    wait_for_rerun(page)


def test_a_csv_through_the_file_dialog_drives_three_pages(page, app_server, open_page, wait_for_rerun, tmp_path):
    x, y = _csv(tmp_path / "flowers.csv")
    open_page(page, app_server, "/Data")
    sidebar = page.locator(SIDEBAR)
    sidebar.get_by_text("Data", exact=True).first.click()  # unfold the Data settings
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Data source").click()
    page.get_by_role("option", name="Your own CSV").click()
    wait_for_rerun(page)

    with page.expect_file_chooser() as chooser:
        sidebar.locator('[data-testid="stFileUploaderDropzone"] button').first.click()
    chooser.value.set_files(str(tmp_path / "flowers.csv"))
    sidebar.get_by_role("button", name="Use this data").wait_for(timeout=30_000)
    wait_for_rerun(page)
    sidebar.get_by_role("button", name="Use this data").click()
    wait_for_rerun(page)
    page.wait_for_function("() => new URL(location.href).searchParams.get('data') === 'csv'", timeout=30_000)

    data = gdcore.split_data(x, y, 42)
    shown = _metrics(page)
    assert shown["Training points"] == "48" and shown["Validation points"] == "12", shown
    assert shown["First training point"] == f"({data.x_train[0]:.4f}, {data.y_train[0]:.4f})"

    b_star, w_star = gdcore.closed_form(data.x_train, data.y_train)
    _go(page, "Init", wait_for_rerun)
    shown = _metrics(page)
    assert shown["Least-squares b*"] == f"{b_star:.4f}" and shown["Least-squares w*"] == f"{w_star:.4f}", shown

    _go(page, "Loss", wait_for_rerun)
    shown = _metrics(page)
    assert shown["Training points n"] == "48"
    assert shown["Minimum b*"] == f"{b_star:.4f}" and shown["Minimum w*"] == f"{w_star:.4f}", shown
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_file_over_the_upload_limit_is_refused_by_the_uploader(page, app_server, open_page, wait_for_rerun, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as out:  # 33 MB: over the 32 MB of server.maxUploadSize
        out.write(b"x,y\n")
        out.write(b"1.000000,2.000000\n" * (33 * 2**20 // 18))
    open_page(page, app_server, "/Data", query="data=iris")
    sidebar = page.locator(SIDEBAR)
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Data source").click()
    page.get_by_role("option", name="Your own CSV").click()
    wait_for_rerun(page)
    with page.expect_file_chooser() as chooser:
        sidebar.locator('[data-testid="stFileUploaderDropzone"] button').first.click()
    chooser.value.set_files(str(big))
    refusal = sidebar.get_by_text(re.compile(r"File must be 32(\.0)?\s*MB or smaller"))
    refusal.wait_for(timeout=30_000)
    assert sidebar.get_by_role("button", name="Use this data").count() == 0
    assert _metrics(page)["Training points"] == "120"  # still iris
