"""The kit's own checks catch what they are meant to catch (a checker that passes everything proves nothing)."""

from __future__ import annotations

import pytest
from kit import (
    assert_charts_finite,
    chart_frames,
    chart_problems,
    chart_texts,
    charts_by_title,
    charts_titled,
    frame_with,
    frames_with,
)
from streamlit.testing.v1 import AppTest

SCRIPT = """
import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

values = {values}
frame = pd.DataFrame({{"x": [0.0, 1.0, 2.0], "y": values, "n": pd.array([1, 2, {count}], dtype="Int64")}})
st.altair_chart(alt.Chart(frame, title="Line").mark_line().encode(x=alt.X(field="x", type="quantitative"),
                y=alt.Y(field="y", type="quantitative")))
st.altair_chart(alt.Chart(frame, title="Twin").mark_point().encode(x=alt.X(field="x", type="quantitative")))
st.altair_chart(alt.Chart(frame[["y", "x"]], title="Twin").mark_point().encode(x=alt.X(field="x", type="quantitative")))
st.plotly_chart(go.Figure(go.Scatter(x=[0.0, 1.0], y={plotly_y})))
"""


def _run(values="[1.0, 2.0, 3.0]", count="3", plotly_y="[1.0, 2.0]") -> AppTest:
    at = AppTest.from_string(SCRIPT.format(values=values, count=count, plotly_y=plotly_y), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_finite_charts_pass():
    at = _run()
    assert chart_problems(at) == []
    assert_charts_finite(at)


@pytest.mark.parametrize(
    "kwargs, found",
    [
        ({"values": "[1.0, np.nan, 3.0]"}, "column 'y'"),
        ({"values": "[1.0, np.inf, 3.0]"}, "column 'y'"),
        ({"count": "None"}, "column 'n'"),  # a missing integer
        ({"plotly_y": "[1.0, np.inf]"}, "Plotly chart 0"),
        ({"plotly_y": "np.array([1.0, np.nan])"}, "Plotly chart 0"),  # sent as a typed array
    ],
)
def test_a_non_finite_or_missing_number_is_caught(kwargs, found):
    at = _run(**kwargs)
    problems = chart_problems(at)
    assert any(found in p for p in problems), problems
    with pytest.raises(AssertionError):
        assert_charts_finite(at)


def test_chart_lookups():
    at = _run()
    line = chart_frames(at, "Line")
    assert list(frame_with(line, "x", "y", "n")["y"]) == [1.0, 2.0, 3.0]
    with pytest.raises(AssertionError):
        frame_with(line, "y", "x", "n")  # the columns, in their order
    twins = charts_titled(at, "Twin")
    assert len(twins) == 2 and list(frame_with(twins[1], "y", "x").columns) == ["y", "x"]
    assert len(frames_with(at, "x", "y")) == 3 and len(frames_with(at, "n")) == 2
    with pytest.raises(AssertionError, match="2 charts titled 'Twin'"):
        chart_frames(at, "Twin")
    with pytest.raises(AssertionError, match="two charts titled 'Twin'"):
        charts_by_title(at)


LABELS = """
import altair as alt
import pandas as pd
import streamlit as st

frame = pd.DataFrame({"x": [0.0, 1.0], "text": ["from data", "2.5"]})
dot = alt.Chart(frame[["x"]]).mark_point().encode(x=alt.X(field="x", type="quantitative"))
label = alt.Chart(frame[["x"]]).mark_text().encode(text=alt.datum("layer label"))
words = alt.Chart(frame).mark_text().encode(text=alt.Text(field="text", type="nominal"))
st.altair_chart(dot + label)
st.altair_chart(alt.Chart(frame[["x"]]).mark_text().encode(text=alt.datum("single label")))
st.altair_chart(words)
"""


def test_chart_texts_reads_datum_labels_and_text_columns():
    at = AppTest.from_string(LABELS, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert chart_texts(at) == ["layer label", "single label", "from data", "2.5"]
