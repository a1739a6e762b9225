"""Accessibility audit with axe-core: every page, light and dark, 1400 px and 390 px wide.

A page passes when axe finds no "serious" or "critical" violation, apart from those listed in
:data:`STREAMLIT_CAUSED`: each names the rule, the elements (a CSS selector) and why the app cannot
fix it. Everything else is the app's to fix (ui/page.py's style sheet holds the colour and focus
fixes; ui/charts/common.py hides the charts' marks from screen readers, whose text summaries say
what they show).

One browser context serves the whole module: each page is loaded once, then audited four times,
switching the colour scheme (Streamlit follows the reader's light or dark preference, live) and
the window width in place. The dark theme is audited for colour only (see :data:`AXE_OPTIONS`).
"""

from __future__ import annotations

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from ui.registry import STEPS

#: Every page of the registry, by its path: the landing page first.
PATHS = ["/"] + [f"/{entry.url_path}" for entry in STEPS]
SCHEMES = ("light", "dark")
WIDTHS = (1400, 390)
HEIGHT = 900

#: Violations that Streamlit itself causes and the app cannot fix: (rule, selector, reason).
STREAMLIT_CAUSED = [
    (
        "scrollable-region-focusable",
        ".katex-display",
        "st.latex and $$…$$ display maths: Streamlit sets the KaTeX block to scroll sideways "
        "(overflow-x: auto) without a tabindex, and offers no way to make it focusable; on a phone a "
        "wide equation scrolls (and the app's style sheet shows that it does).",
    ),
    (
        "scrollable-region-focusable",
        '[data-testid="stCode"] pre',
        "st.code with a height (the page's code under 'Reproduce this page in code'): Streamlit "
        "scrolls it inside a pre without a tabindex. Its copy button and the downloads give the "
        "same code by keyboard.",
    ),
]

#: Marks of Vega charts that screen readers would meet without a name: none (ui.charts hides the
#: marks, aria=False; a chart's title keeps its name).
UNNAMED_MARKS_JS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg [role]')]
    .filter((e) => e.getAttribute('role') === 'graphics-symbol' && !e.hasAttribute('aria-label')
                   && !e.closest('[aria-hidden="true"]')).length"""

READY_JS = """() => document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]') !== null
    && document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]') === null
    && document.querySelector('[data-testid="stMain"] h1') !== null"""

#: Charts whose SVG is drawn: what the audit must wait for after a load or a theme switch.
CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .every((c) => c.offsetParent === null || c.querySelector('svg.marks, canvas') !== null)"""

#: Anything not served by this machine (as the e2e conftest's page fixture blocks it).
EXTERNAL_URL = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])[:/])[a-z]+://")

#: Every rule in the light theme; in the dark theme only the colour rules axe runs by default, the
#: only ones whose outcome the theme can change (it changes colours, never the page's elements or
#: layout). The "cat.color" tag would add the AAA rule (7:1), which axe leaves off by default.
AXE_OPTIONS = {
    "light": {"resultTypes": ["violations"]},
    "dark": {
        "resultTypes": ["violations"],
        "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
    },
}
#: The charts' marks are hidden from the accessibility tree (checked by UNNAMED_MARKS_JS), so axe
#: skips their thousands of SVG nodes: the audit of a chart-heavy page takes half the time.
AXE_CONTEXT = {"exclude": [['[data-testid="stVegaLiteChart"] svg']]}

TIMES: dict[str, float] = {}


def _streamlit_caused(page, rule: str, target: list) -> str | None:
    """The reason, when this violation is one of :data:`STREAMLIT_CAUSED` (matched by rule and element).

    ``target`` is axe's path to the element; a longer path goes into a shadow root, which only the
    app's own components have.
    """
    if len(target) != 1:
        return None
    for known_rule, selector, reason in STREAMLIT_CAUSED:
        matches = "([path, known]) => document.querySelector(path)?.matches(known) === true"
        if known_rule == rule and page.evaluate(matches, [target[0], selector]):
            return reason
    return None


@pytest.fixture(scope="module")
def audit_page(browser, app_server):
    """One context and page for the whole module."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT})
    context.set_default_timeout(90_000)
    context.route(EXTERNAL_URL, lambda route: route.abort())  # no internet: fonts and icons from outside fail fast
    page = context.new_page()
    start = time.monotonic()
    yield page
    TIMES["total"] = time.monotonic() - start
    print(f"\naxe audit: {TIMES['total']:.0f} s for {len(PATHS)} pages x {len(SCHEMES)} themes x {len(WIDTHS)} widths")
    context.close()


@pytest.mark.parametrize("path", PATHS)
def test_no_serious_or_critical_violations(audit_page, app_server, path):
    page, axe = audit_page, Axe()
    page.emulate_media(color_scheme=SCHEMES[0])
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    page.goto(app_server + path, wait_until="domcontentloaded")
    page.wait_for_function(READY_JS, polling=100)
    found = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.wait_for_function(CHARTS_DRAWN_JS, polling=100)
            page.wait_for_timeout(300)  # the new theme's colours and the new width's layout settle
            assert page.evaluate(UNNAMED_MARKS_JS) == 0, f"{path} {scheme} {width}: chart marks without a name"
            results = axe.run(page, context=AXE_CONTEXT, options=AXE_OPTIONS[scheme]).response
            for v in results["violations"]:
                if v["impact"] not in ("serious", "critical"):
                    continue
                for node in v["nodes"]:
                    if _streamlit_caused(page, v["id"], node["target"]) is None:
                        found.append(
                            f"{scheme} {width}px {v['id']} ({v['impact']}): {node['target']} {node['html'][:120]}"
                        )
    assert not found, f"{path}:\n" + "\n".join(found)


def test_every_listed_exception_names_a_rule_and_an_element():
    for rule, selector, reason in STREAMLIT_CAUSED:
        assert rule and selector and len(reason) > 40
