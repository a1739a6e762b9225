"""Nothing a learner reads is cut off: no text in the main area ends in an ellipsis, on a laptop or a phone."""

from __future__ import annotations

import pytest

from ui.registry import STEPS

pytestmark = pytest.mark.e2e

#: Every element of the main area whose text the browser cuts with an ellipsis.
TRUNCATED_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
  .filter(e => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText.slice(0, 80))"""

PATHS = ["/"] + ["/" + entry.url_path for entry in STEPS]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_no_text_is_cut_off(browser, app_server, open_page, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        cut = {}
        for path in PATHS:
            open_page(page, app_server, path)
            page.wait_for_timeout(1_500)  # metrics and labels settle after the charts
            found = page.evaluate(TRUNCATED_JS)
            if found:
                cut[path] = found
        assert not cut, f"text cut off with an ellipsis at {width} px: {cut}"
    finally:
        context.close()
