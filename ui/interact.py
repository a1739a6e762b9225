"""Interactions shared by pages: click a contour to choose the starting point; pick a row of a
per-point ledger to choose the point a page highlights."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from . import charts
from .numbers import TABLE_FORMAT, count
from .results import loss as loss_results
from .settings import PARAMS, DataKey, set_settings


def clamp_start(b: float, w: float) -> tuple[float, float]:
    """Round a clicked point and keep it inside the allowed start range."""
    lo_b, hi_b = PARAMS["b0"].low, PARAMS["b0"].high
    lo_w, hi_w = PARAMS["w0"].low, PARAMS["w0"].high
    return round(min(max(b, lo_b), hi_b), 4), round(min(max(w, lo_w), hi_w), 4)


def clickable_contour(chart: alt.TopLevelMixin | charts.Cached, summary: str, key: str) -> None:
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


def sync_table_pick(table_key: str, input_key: str, n_points: int) -> None:
    """Let a row picked in a ledger table (:func:`show_ledger`) drive the point selector.

    :func:`pick_training_point` calls it before drawing the ``input_key`` number input: a newly selected row
    (positional = training index) becomes its value; the value is always kept
    inside 0 … n_points − 1 (N may have changed since).
    """
    state = st.session_state.get(table_key)
    rows: list = []
    try:
        selection = state["selection"] if isinstance(state, dict) else getattr(state, "selection", None)
        rows = list(selection["rows"] if isinstance(selection, dict) else getattr(selection, "rows", []) or [])
    except (KeyError, TypeError, AttributeError):
        rows = []
    seen_key = f"{table_key}_seen"
    if rows and rows != st.session_state.get(seen_key):
        st.session_state[input_key] = int(rows[0])
    st.session_state[seen_key] = rows
    current = st.session_state.get(input_key, 0)
    st.session_state[input_key] = int(min(max(int(current), 0), n_points - 1))


def pick_training_point(
    key: DataKey, n_points: int, widget_key: str, table_key: str, *, help: str
) -> tuple[int, float, float]:
    """The "Training point i to highlight" number input (``widget_key``), which a row picked in the
    ledger ``table_key`` also sets (:func:`sync_table_pick`); returns that point: ``(index, x, y)``."""
    sync_table_pick(table_key, widget_key, n_points)
    index = int(st.number_input("Training point i to highlight", 0, n_points - 1, step=1, key=widget_key, help=help))
    x, y = loss_results.training_point(key, index)
    return index, x, y


def show_ledger(
    frame: pd.DataFrame, columns: Sequence[str], means: dict[str, float], n_train: int, key: str, mean_label: str
) -> None:
    """The ledger table (one selectable row) and, right under it, the column means over all points."""
    fmt4 = {c: st.column_config.NumberColumn(c, format=TABLE_FORMAT) for c in columns}
    st.dataframe(
        frame[list(columns)],
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        column_config=fmt4,
        height=260,
        width="stretch",
    )
    if n_train > len(frame):
        st.caption(
            f"Showing the first {count(len(frame))} of the {count(n_train)} training points; "
            "the means below use all of them."
        )
    means_frame = pd.DataFrame({c: [means[c]] for c in columns}, index=pd.Index([mean_label], name="i"))
    st.dataframe(means_frame, column_config=fmt4, width="stretch")
