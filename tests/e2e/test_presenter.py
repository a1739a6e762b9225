"""Presenter mode on a projector's screen: at 1280 × 720 each step's key figure and its numbers are
on the first screen, without scrolling, and none of them is cut off, also under a teacher's task
(which sits beside the title in presenter mode).

A page draws them in its lead (``ui.page.lead``): right under the title in presenter mode. The key
figure is the lead's first row of charts (or the player's first row of panels); its numbers are the
lead's metrics (or the player's line of numbers, which follows the frame shown).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from test_layout import TRUNCATED_JS
from test_pages import wait_for_charts

from ui.registry import STEPS

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 1280, 720
LEAD = ".st-key-gd_lead"
PLAYER = f'{LEAD} [data-testid="gd-player"]'
TASK = "Find the largest rate that still converges, then explain why."
QUERY = "present=1&lock=lr&task=" + quote(TASK)

#: Where the lead's first row of charts and its metrics sit (top and bottom, in the viewport).
LEAD_BOXES_JS = """(lead) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; };
  const charts = [...lead.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(box);
  const firstRow = charts.filter(([top]) => charts.length && Math.abs(top - charts[0][0]) < 2);
  return {charts: firstRow, metrics: [...lead.querySelectorAll('[data-testid="stMetric"]')].map(box)};
}"""


def _player_boxes(page) -> dict:
    """The player's first row of panels and its line of numbers (inside its shadow root: by locator)."""
    page.locator(PLAYER).wait_for()
    page.wait_for_function(
        "(e) => Number(e.getAttribute('data-draws') || 0) > 0", arg=page.locator(PLAYER).element_handle()
    )
    canvases = page.locator(f"{PLAYER} canvas")
    panels = [canvases.nth(i).bounding_box() for i in range(2)]
    numbers = page.locator(f"{PLAYER} .numbers").bounding_box()
    return {
        "charts": [[b["y"], b["y"] + b["height"]] for b in panels],
        "metrics": [[numbers["y"], numbers["y"] + numbers["height"]]],
    }


def test_each_steps_key_figure_and_numbers_fit_the_first_screen(browser, app_server, open_page):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page = context.new_page()
        off_screen, cut = {}, {}
        for entry in STEPS:
            open_page(page, app_server, "/" + entry.url_path, QUERY)
            wait_for_charts(page)
            task = page.locator(".st-key-gd_task").bounding_box()
            assert page.locator(".st-key-gd_task").inner_text().count(TASK) == 1
            assert task["y"] + task["height"] <= HEIGHT, f"{entry.url_path}: the task is below the first screen"
            lead = page.locator(LEAD)
            assert lead.count() == 1, f"{entry.url_path}: no lead in presenter mode"
            boxes = _player_boxes(page) if page.locator(PLAYER).count() else lead.evaluate(LEAD_BOXES_JS)
            assert boxes["metrics"], f"{entry.url_path}: the lead holds no numbers"
            if entry.url_path != "Init":  # Init's key picture is its two equations with their numbers
                assert boxes["charts"], f"{entry.url_path}: the lead holds no figure"
            outside = [
                (kind, round(top), round(bottom))
                for kind in ("charts", "metrics")
                for top, bottom in boxes[kind]
                if top < 0 or bottom > HEIGHT
            ]
            if outside:
                off_screen[entry.url_path] = outside
            page.wait_for_timeout(300)  # metric labels settle after the charts
            found = page.evaluate(TRUNCATED_JS)
            if found:
                cut[entry.url_path] = found
        assert not off_screen, f"below the first {HEIGHT} px in presenter mode: {off_screen}"
        assert not cut, f"text cut off in presenter mode: {cut}"
    finally:
        context.close()
