"""ui.interact: a click on a contour becomes a start inside the allowed range."""

from __future__ import annotations

from ui import interact


def test_clamp_start_keeps_clicks_in_range():
    assert interact.clamp_start(12.3456789, -0.123456) == (10.0, -0.1235)
