"""Shared fixtures: Streamlit's caches are cleared around every test."""

from __future__ import annotations

import os

# Every chart the pages draw is checked against the Vega-Lite schema during the tests
# (the app itself skips that check for speed). Set before ui.charts is imported.
os.environ["GD_VALIDATE_CHARTS"] = "1"

import pytest  # noqa: E402
import streamlit as st  # noqa: E402


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    # st.cache_data outlives AppTest instances within one pytest process.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
