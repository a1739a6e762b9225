"""User flows in a real browser: widgets, deep links, page switches, junk links, clicks (playback: test_player.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

import gdcore

MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'

#: JS: every Vega-Lite chart's drawing, reduced to a short signature (length + hash of
#: the SVG markup, or of the canvas pixels), so two snapshots show whether a chart changed.
CHART_SIGNATURES_JS = """
() => {
  const hash = (s) => { let h = 0; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
                        return s.length + ':' + h; };
  return [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')].map((c) => {
    const svg = c.querySelector('svg.marks, svg');
    if (svg) return hash(svg.outerHTML);
    const canvas = c.querySelector('canvas');
    return canvas ? hash(canvas.toDataURL()) : '';
  });
}
"""

#: JS: true once every Vega-Lite chart in the main area holds a drawing of non-zero size.
CHARTS_DRAWN_JS = """
() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')].every((c) =>
  [...c.querySelectorAll('svg, canvas')].some((e) => { const r = e.getBoundingClientRect();
                                                       return r.width > 0 && r.height > 0; }))
"""


def metrics(page) -> dict[str, str]:
    """Every st.metric in the main area: label -> displayed value."""
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')].map((m) => [
             (m.querySelector('[data-testid="stMetricLabel"]') || m).innerText.trim(),
             (m.querySelector('[data-testid="stMetricValue"]') || m).innerText.trim()])"""
    )
    return dict(pairs)


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


def main_text(page) -> str:
    return page.locator(MAIN).inner_text().replace("\u2212", "-")


def assert_clean(page, where: str) -> None:
    exc = page.locator('[data-testid="stException"]')
    assert exc.count() == 0, f"{where}: exception on the page:\n{exc.first.inner_text()}"
    assert page.console_errors == [], f"{where}: console errors:\n" + "\n".join(page.console_errors)


def wait_charts(page) -> None:
    page.wait_for_function(CHARTS_DRAWN_JS, polling=100)


def sidebar_slider(page, label: str):
    """The range input of the sidebar slider whose label contains ``label``."""
    return page.locator(f'{SIDEBAR} [data-testid="stSlider"]').filter(has_text=label).locator('input[type="range"]')


# --------------------------------------------------------------------------- (a)


def test_learning_rate_slider_changes_the_update(page, app_server, open_page, wait_for_rerun):
    open_page(page, app_server, "/Update")
    wait_charts(page)
    before_metrics = metrics(page)
    before_charts = page.evaluate(CHART_SIGNATURES_JS)
    b_label = next(
        (k for k in before_metrics if re.search(r"\bb\b", k) and re.search(r"after|updated|new", k, re.I)), None
    )
    assert b_label, f"no metric for the updated b on /Update; metrics: {before_metrics}"
    assert before_metrics[b_label].replace("\u2212", "-") == "0.8012", before_metrics

    lr = sidebar_slider(page, "Learning rate")
    assert lr.count() == 1, "the sidebar has no learning-rate slider"
    lr.focus()
    # One key at a time, each followed by its rerun: keys pressed while a rerun is in flight
    # can leave the slider ahead of the value the script last saw.
    for _ in range(5):
        lr.press("ArrowRight")
        wait_for_rerun(page)
    # Keys pressed while a rerun is in flight may be folded together; wait until the URL
    # (written by the script at the end of its run) agrees with the slider, then read it.
    page.wait_for_function(
        """(sel) => { const i = document.querySelector(sel);
                      const lr = new URL(location.href).searchParams.get('lr');
                      return i && lr !== null && Math.abs(parseFloat(lr) - parseFloat(i.value)) < 1e-9
                             && document.querySelector('[data-testid="stApp"]')
                                  .getAttribute('data-test-script-state') === 'notRunning'; }""",
        arg=f'{SIDEBAR} [data-testid="stSlider"] input[type="range"][aria-label^="Learning rate"]',
        polling=100,
    )
    new_lr = float(lr.input_value())
    assert new_lr > 0.1, f"ArrowRight did not raise the learning rate (slider reads {new_lr})"
    assert query(page)["lr"] == [f"{new_lr:g}"], page.url

    # The updated b, computed independently: b - lr * dMSE/db at the book's start.
    d = gdcore.make_data()
    b0, w0 = gdcore.init_params(42)
    db, _ = gdcore.gradients(b0, w0, d.x_train, d.y_train)
    expected = f"{b0 - new_lr * db:.4f}"
    wait_charts(page)
    after_metrics = metrics(page)
    assert after_metrics[b_label].replace("\u2212", "-") == expected, (
        f"lr {new_lr}: {b_label!r} shows {after_metrics[b_label]!r}, expected {expected}"
    )
    after_charts = page.evaluate(CHART_SIGNATURES_JS)
    assert len(after_charts) == len(before_charts) > 0
    assert after_charts != before_charts, "no chart on /Update changed after the learning rate changed"
    assert_clean(page, "/Update after moving the lr slider")


# --------------------------------------------------------------------------- (b)


def _go_by_menu(page, label: str, wait_for_rerun) -> None:
    entries = page.locator('.st-key-menu a[data-testid="stPageLink-NavLink"]')
    link = entries.filter(has_text=re.compile(rf"^\s*(\d+ · )?{re.escape(label)}\s*$"))
    assert link.count() == 1, f"sidebar menu has {link.count()} entries named {label!r}"
    link.click()
    page.wait_for_url(re.compile(rf"/{re.escape(label.replace(' ', '_'))}(\?|$)"))
    wait_for_rerun(page)


def test_deep_link_values_survive_page_switches(page, app_server, open_page, wait_for_rerun):
    open_page(page, app_server, "/Loss", query="seed=7&lr=0.5&n=200")
    wait_charts(page)
    q = query(page)
    assert (q.get("seed"), q.get("lr"), q.get("n")) == (["7"], ["0.5"], ["200"]), page.url
    assert page.locator('[data-testid="stAlert"]').filter(has_text="Link parameter").count() == 0

    b7, w7 = gdcore.init_params(7)
    _go_by_menu(page, "Init", wait_for_rerun)
    q = query(page)
    assert (q.get("seed"), q.get("lr"), q.get("n")) == (["7"], ["0.5"], ["200"]), (
        f"deep-link values lost after switching to Init: {page.url}"
    )
    m = metrics(page)
    b_label = next((k for k in m if re.search(r"\bb\b", k) and "random" in k.lower()), None)
    shown = m.get(b_label, "") if b_label else main_text(page)
    assert f"{b7:.4f}" in shown.replace("\u2212", "-"), f"Init shows {shown!r}, not seed 7's b = {b7:.4f}"
    assert float(sidebar_slider(page, "Learning rate").input_value()) == pytest.approx(0.5)

    _go_by_menu(page, "Data", wait_for_rerun)
    q = query(page)
    assert (q.get("seed"), q.get("lr"), q.get("n")) == (["7"], ["0.5"], ["200"]), (
        f"deep-link values lost after switching to Data: {page.url}"
    )
    d = gdcore.make_data(n=200, seed=7)
    text = main_text(page)
    assert f"{d.x_train[0]:.4f}" in text, f"Data does not show seed 7's first point x = {d.x_train[0]:.4f}"
    assert "160" in metrics(page).get("Training points", text), "Data lost n = 200 (160 training points)"
    assert_clean(page, "deep link then menu")


# --------------------------------------------------------------------------- (c)


def test_junk_link_warns_and_injects_nothing(page, app_server, open_page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, app_server, "/Data", query="lr=abc&seed=-5&n=%3Cscript%3Ealert(1)%3C/script%3E")
    wait_charts(page)

    alerts = page.locator('[data-testid="stAlert"], [data-testid="stAlertContainer"]')
    texts = [t for t in alerts.all_inner_texts() if t.strip()]
    joined = "\n".join(texts)
    for name in ("lr", "seed", "n"):
        assert re.search(rf"(^|\W){name}(\W|$)", joined), f"no warning names {name!r}; alerts: {texts}"
    injected = page.evaluate(
        "() => [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('alert(1)')).length"
    )
    assert injected == 0, "a <script> element from the link's payload was inserted into the page"
    assert dialogs == [], f"the payload ran: dialog(s) {dialogs}"
    q = query(page)
    assert q.get("lr") == ["0.1"] and q.get("seed") == ["0"], f"junk values not replaced in the URL: {page.url}"
    assert "<script" not in q.get("n", [""])[0]
    assert_clean(page, "/Data with junk parameters")


# --------------------------------------------------------------------------- (d)


def test_click_on_loss_contour_sets_the_start(page, app_server, open_page, wait_for_rerun):
    open_page(page, app_server, "/Loss")
    wait_charts(page)
    q = query(page)
    assert "b0" not in q and "w0" not in q, page.url
    before = metrics(page)

    # The clickable contour: the last chart before the caption that says "Click anywhere".
    marked = page.evaluate(
        """() => {
          const cap = [...document.querySelectorAll('[data-testid="stCaptionContainer"], [data-testid="stCaption"]')]
                        .find((c) => c.innerText.includes('Click anywhere'));
          if (!cap) return false;
          const charts = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')]
                           .filter((c) => c.compareDocumentPosition(cap) & Node.DOCUMENT_POSITION_FOLLOWING);
          if (!charts.length) return false;
          charts[charts.length - 1].setAttribute('data-e2e', 'click-contour');
          return true;
        }"""
    )
    assert marked, "no chart with a 'Click anywhere' caption on /Loss"
    chart = page.locator('[data-e2e="click-contour"]')
    chart.scroll_into_view_if_needed()
    # The transparent click-catching cells (a rect mark with one path per cell). Click the
    # cell nearest to 80% across and 20% down the plot area (large b, large w), far from
    # the book's random start (0.50, -0.14).
    target = chart.evaluate(
        """(c) => {
          const cells = [...c.querySelectorAll('g.mark-rect.role-mark path')]
                          .map((p) => p.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
          if (cells.length < 10) return {cells: cells.length};
          const x0 = Math.min(...cells.map((r) => r.left)), x1 = Math.max(...cells.map((r) => r.right));
          const y0 = Math.min(...cells.map((r) => r.top)), y1 = Math.max(...cells.map((r) => r.bottom));
          const tx = x0 + 0.8 * (x1 - x0), ty = y0 + 0.2 * (y1 - y0);
          let best = null, dist = Infinity;
          for (const r of cells) {
            const x = r.x + r.width / 2, y = r.y + r.height / 2, d = (x - tx) ** 2 + (y - ty) ** 2;
            if (d < dist) { dist = d; best = {x, y}; }
          }
          return {cells: cells.length, ...best};
        }"""
    )
    assert target["cells"] > 10, f"the contour has no click layer (found {target['cells']} rect cells)"
    page.mouse.click(target["x"], target["y"])

    page.wait_for_url(re.compile(r"[?&]b0=[^&]+.*&w0=|[?&]w0=[^&]+.*&b0="), timeout=30_000)
    wait_for_rerun(page)
    wait_charts(page)
    q = query(page)
    b0, w0 = float(q["b0"][0]), float(q["w0"][0])
    assert -10 <= b0 <= 10 and -10 <= w0 <= 10, page.url
    assert (b0, w0) != pytest.approx(gdcore.init_params(42)), "the click did not move the start"
    after = metrics(page)
    start_labels = [k for k in before if "start" in k.lower()]
    assert start_labels, f"no start metric on /Loss: {before}"
    changed = [k for k in start_labels if after.get(k) != before[k]]
    assert changed, f"start metrics unchanged after the click: {[(k, before[k], after.get(k)) for k in start_labels]}"
    d = gdcore.make_data()
    loss = gdcore.mse(b0, w0, d.x_train, d.y_train)
    assert any(f"{loss:.4f}" in v for v in after.values()), f"no metric shows the new start's loss {loss:.4f}: {after}"
    assert_clean(page, "/Loss after a click on the contour")


# Playback is tested in test_player.py.
