"""Shared fixtures: Streamlit's caches and the app's data cache are cleared around every test."""

from __future__ import annotations

import os

# Every chart the pages draw is checked against the Vega-Lite schema during the tests
# (the app itself skips that check for speed). Set before ui.charts is imported.
os.environ["GD_VALIDATE_CHARTS"] = "1"

import functools

import pytest
import streamlit as st
from streamlit.components.v2 import manifest_scanner

from ui.results import DATA_CACHE

# Every new AppTest asks Streamlit to scan the installed packages for components: about 0.25 s
# each, most of a short page's run, and the same answer every time within one test session (no
# package is installed meanwhile). The scan runs once; each AppTest still registers what it found.
# The app's own server (the browser tests) scans as it always does.
_scan_once = functools.cache(manifest_scanner.scan_component_manifests)


def _scanned_component_manifests(max_workers: int | None = None):
    return list(_scan_once())


manifest_scanner.scan_component_manifests = _scanned_component_manifests


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
