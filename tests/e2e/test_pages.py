"""Every page in a real browser: it loads cleanly, draws every chart and shows its key number.

Parametrized over the landing page plus ``ui.registry.STEPS``, so a step added there is
covered too (without a key number until one is listed in :data:`KEY_NUMBERS`).

Each test leaves ``artifacts/screenshots/NN_<Page>.png`` (the whole page, not just the
first screen). Tests write nothing into the repository: the README's screenshots come
from ``docs/make_screenshots.py``, run on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.registry import STEPS

#: The number each page shows with the default (the book's) settings.
KEY_NUMBERS: dict[str, str] = {
    "landing": "Gradient Descent, Step by Step",
    "Data": "0.7713",  # x of the first training point
    "Init": "0.4967",  # random b
    "Predict": "0.3901",  # prediction for the first training point
    "Loss": "2.7422",  # MSE at the random start
    "Gradients": "-3.0448",  # dMSE/db at the random start
    "Update": "0.8012",  # b after one update with lr = 0.1
    "Learning Rate": "0.8055",
    "Bad Feature": "0.1969",
    "Scaling": "0.6029",
    "Rinse and Repeat": "1.0235",  # b after 1,000 epochs
}

#: Pages that must show a Plotly chart (the 3-D loss surface).
PLOTLY_PAGES = {"Loss"}

#: (test id, menu label, URL path, screenshot number)
PAGES = [("landing", "landing", "/", 0)] + [
    (entry.url_path, entry.label, "/" + entry.url_path, i) for i, entry in enumerate(STEPS, 1)
]

#: JS: the state of every chart in the main area. A Vega-Lite chart is drawn when it holds
#: an <svg> or <canvas> of non-zero size; a Plotly chart when it holds a .main-svg or canvas.
CHART_STATE_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]') || document;
  const sized = (el) => { if (!el) return false; const r = el.getBoundingClientRect();
                          return r.width > 0 && r.height > 0; };
  const vega = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')].map((c) => {
    const el = [...c.querySelectorAll('svg.marks, canvas.marks, svg, canvas')].find(sized);
    return el ? null : (c.getAttribute('aria-label') || c.innerText || 'vega chart').slice(0, 80);
  });
  const plotly = [...main.querySelectorAll('[data-testid="stPlotlyChart"]')].map((c) => {
    const el = [...c.querySelectorAll('.main-svg, canvas')].find(sized);
    return el ? null : 'plotly chart';
  });
  return {vega: vega.length, plotly: plotly.length,
          undrawn: [...vega, ...plotly].filter((x) => x !== null)};
}
"""


def wait_for_charts(page, timeout_ms: int = 60_000) -> dict:
    """Wait until every chart in the main area is drawn; return the counts."""
    try:
        page.wait_for_function(f"() => ({CHART_STATE_JS})().undrawn.length === 0", timeout=timeout_ms, polling=100)
    except Exception as exc:  # playwright TimeoutError: report which charts stayed empty
        if type(exc).__name__ != "TimeoutError":
            raise
        state = page.evaluate(CHART_STATE_JS)
        pytest.fail(f"charts not drawn after {timeout_ms / 1000:.0f} s: {state['undrawn']}")
    return page.evaluate(CHART_STATE_JS)


def normalise(text: str) -> str:
    """Page text with the typographic minus (KaTeX, our formatting) read as a hyphen."""
    return text.replace("\u2212", "-").replace("\u00a0", " ")


def screenshot_whole_page(page, path: Path) -> None:
    """Grow the viewport to the main area's height so one screenshot holds the whole page.

    (``stMain`` is the scrolling element, so ``full_page=True`` alone stops at the first
    screen.)
    """
    height = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return Math.max(m ? m.scrollHeight : 0, document.documentElement.scrollHeight); }"""
    )
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), 12_000))})
    page.wait_for_timeout(300)  # let the layout settle at the new size
    wait_for_charts(page)
    page.screenshot(path=str(path), full_page=True)


@pytest.mark.parametrize(("slug", "label", "path", "number"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_draws_charts_and_shows_key_number(
    page, app_server, open_page, wait_for_rerun, screenshot_dir, slug, label, path, number
):
    open_page(page, app_server, path)
    if label in PLOTLY_PAGES:
        # The 3-D viewer loads on demand: switch it on like a reader would.
        page.get_by_text("Show the rotatable 3-D surface").click()
        wait_for_rerun(page)
    counts = wait_for_charts(page)

    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{path}: exception on the page:\n{exceptions.first.inner_text()}"

    if label in PLOTLY_PAGES:
        assert counts["plotly"] >= 1, f"{path}: no Plotly chart (expected the 3-D loss surface)"

    expected = KEY_NUMBERS.get(label)
    if expected is not None:
        text = normalise(page.locator('[data-testid="stMain"]').inner_text())
        assert normalise(expected) in text, (
            f"{path}: key number {expected!r} not visible with the default settings; page text starts:\n{text[:1500]}"
        )

    shot = screenshot_dir / f"{number:02d}_{slug}.png"
    screenshot_whole_page(page, shot)

    # Checked last, so that errors raised while drawing the charts are caught too.
    assert page.console_errors == [], f"{path}: console errors:\n" + "\n".join(page.console_errors)
    print(f"{path}: {counts['vega']} Vega-Lite and {counts['plotly']} Plotly charts drawn")
