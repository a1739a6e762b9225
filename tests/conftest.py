"""Shared fixtures: Streamlit's caches and the app's data cache are cleared around every test."""

from __future__ import annotations

import os

# Every chart the pages draw is checked against the Vega-Lite schema during the tests
# (the app itself skips that check for speed). Set before ui.charts is imported.
os.environ["GD_VALIDATE_CHARTS"] = "1"

import pytest
import streamlit as st

from ui.results import DATA_CACHE


def _clear() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    DATA_CACHE.clear()


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    # Caches outlive AppTest instances within one pytest process.
    _clear()
    yield
    _clear()
