"""Nothing a learner reads is cut off, on a laptop or a phone: no text in the main area ends in an
ellipsis, an equation wider than its column scrolls and shows a scrollbar, no chart runs off the
screen, and no chart text (Streamlit draws Vega charts as SVG) ends in "…" or runs past its chart."""

from __future__ import annotations

import pytest

from ui.registry import STEPS

pytestmark = pytest.mark.e2e

#: Every element of the main area whose text the browser cuts with an ellipsis.
TRUNCATED_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
  .filter(e => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText.slice(0, 80))"""

#: Display equations wider than their column that do not scroll, or scroll without a visible
#: scrollbar; charts that run past the right edge of the screen; chart text that Vega cut with "…"
#: (its labelLimit and titleLimit) or that runs past its chart's edge (a long title).
OVERFLOW_JS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] .katex-display')) {
    if (e.scrollWidth <= e.clientWidth + 1) continue;
    const style = getComputedStyle(e);
    if (!['auto', 'scroll'].includes(style.overflowX) || style.scrollbarWidth === 'none')
      out.push('equation cut off: ' + e.textContent.slice(0, 60));
  }
  const right = document.documentElement.clientWidth;
  for (const svg of document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"] svg')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > right + 1) out.push('chart past the screen edge by ' + Math.round(box.right - right));
    for (const t of svg.querySelectorAll('text')) {
      const text = t.textContent.trim();
      if (!text) continue;
      if (text.endsWith('…')) out.push('chart text cut: ' + text);
      if (t.closest('[transform*="rotate"]')) continue;  // a y axis title: its box is not its ink
      const r = t.getBoundingClientRect();
      if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1))
        out.push('chart text runs off the chart: ' + text);
    }
  }
  return out;
}"""

PATHS = ["/"] + ["/" + entry.url_path for entry in STEPS]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_no_text_is_cut_off(browser, app_server, open_page, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        cut = {}
        for path in PATHS:
            open_page(page, app_server, path)
            page.wait_for_timeout(600)  # metrics and labels settle after the charts
            found = page.evaluate(TRUNCATED_JS) + page.evaluate(OVERFLOW_JS)
            if found:
                cut[path] = found
        assert not cut, f"text cut off at {width} px: {cut}"
    finally:
        context.close()
