"""Interactions shared by pages: click a contour to choose the starting point."""

from __future__ import annotations

import altair as alt
import streamlit as st

from . import charts
from .settings import PARAMS, set_settings


def clamp_start(b: float, w: float) -> tuple[float, float]:
    """Round a clicked point and keep it inside the allowed start range."""
    lo_b, hi_b = PARAMS["b0"].low, PARAMS["b0"].high
    lo_w, hi_w = PARAMS["w0"].low, PARAMS["w0"].high
    return round(min(max(b, lo_b), hi_b), 4), round(min(max(w, lo_w), hi_w), 4)


def clickable_contour(chart: alt.TopLevelMixin, summary: str, key: str) -> None:
    """Show a contour built with ``clickable=True``; a click sets the start.

    The new start goes into the shared settings (and so into the URL as
    ``b0``/``w0``), then the page reruns from it.
    """
    state = charts.show(
        chart,
        summary + " Click anywhere on it to start from there.",
        key=key,
        on_select="rerun",
        selection_mode=charts.CLICK_PARAM,
    )
    picked = charts.clicked_point(state)
    seen_key = f"{key}_seen"
    if picked is not None and picked != st.session_state.get(seen_key):
        st.session_state[seen_key] = picked
        b0, w0 = clamp_start(*picked)
        set_settings(b0=b0, w0=w0)
        st.rerun()
