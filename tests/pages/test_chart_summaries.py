"""Every chart has its text summary right under it, and a chart drawn from other numbers says so.

The summary (``charts.show(chart, summary)``) is what a screen reader gets of a chart: the charts'
marks are hidden from it (ui/charts/common.py), so a summary that kept the book's numbers on other
data would tell a blind learner something false.
"""

from __future__ import annotations

import json

import pytest
from kit import PAGES, run_page

from ui.registry import STEPS

STEP_PAGES = [entry.url_path.lower() for entry in STEPS]
#: Other data, start and rate; every page draws the same charts as at the book's settings.
OTHER = {"seed": "7", "n": "50", "noise": "0.3", "lr": "0.3", "b0": "1.5", "w0": "0.5"}


def _elements(node):
    """The page's elements in the order they are drawn."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _elements(child)


def charts_and_summaries(at) -> list[tuple[str, str]]:
    """(the chart's spec and data, the caption drawn right after it) for every Vega-Lite chart of the page."""
    out, elements = [], list(_elements(at.main))
    for i, element in enumerate(elements):
        if element.type != "vega_lite_chart":
            continue
        proto = element.proto
        data = tuple(bytes(d.data.data) for d in proto.datasets)
        after = elements[i + 1] if i + 1 < len(elements) else None
        summary = after.value if after is not None and after.type == "caption" else ""
        out.append((json.dumps(json.loads(proto.spec), sort_keys=True) + repr(data), summary))
    return out


@pytest.mark.parametrize("name", STEP_PAGES)
def test_every_chart_has_a_summary_that_follows_its_numbers(name):
    assert name in PAGES
    book, other = run_page(name), run_page(name, OTHER)
    assert not book.exception and not other.exception
    drawn_book, drawn_other = charts_and_summaries(book), charts_and_summaries(other)
    assert len(drawn_book) == len(drawn_other)  # Init draws none
    for (chart, summary), (chart2, summary2) in zip(drawn_book, drawn_other, strict=True):
        assert len(summary) > 20 and len(summary2) > 20, "a chart without its text summary"
        if chart != chart2:
            assert summary != summary2, f"the chart changed with the numbers, its summary did not: {summary!r}"
