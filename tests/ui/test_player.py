"""ui.player: the frame index the browser player reports is kept in range."""

from __future__ import annotations

import pytest

from ui import player


@pytest.mark.parametrize("frame, n, expected", [(-3, 10, 0), (4, 10, 4), (10, 10, 9), (99, 1, 0)])
def test_clamp_frame(frame, n, expected):
    assert player.clamp_frame(frame, n) == expected
