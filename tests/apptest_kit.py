"""Helpers for AppTest page tests: run a page, read its numbers and charts."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "landing": ROOT / "streamlit_app.py",
    "data": ROOT / "pages" / "01_Data.py",
    "init": ROOT / "pages" / "02_Init.py",
    "predict": ROOT / "pages" / "03_Predict.py",
    "loss": ROOT / "pages" / "04_Loss.py",
    "gradients": ROOT / "pages" / "05_Gradients.py",
    "update": ROOT / "pages" / "06_Update.py",
    "learning_rate": ROOT / "pages" / "07_Learning_Rate.py",
    "bad_feature": ROOT / "pages" / "08_Bad_Feature.py",
    "scaling": ROOT / "pages" / "09_Scaling.py",
    "rinse": ROOT / "pages" / "10_Rinse_and_Repeat.py",
}


def run_page(name: str, query: dict[str, str] | None = None, timeout: float = 60) -> AppTest:
    """Run one page (it draws its own sidebar) with optional URL parameters."""
    at = AppTest.from_file(str(PAGES[name]), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Every st.metric on the page: label -> displayed value."""
    return {m.label: m.value for m in at.metric}


def page_text(at: AppTest) -> str:
    """All markdown, LaTeX, captions, alerts and metric values of a run, joined."""
    parts: list[str] = []
    for kind in (
        "markdown",
        "latex",
        "caption",
        "success",
        "info",
        "warning",
        "error",
        "title",
        "subheader",
        "header",
        "code",
    ):
        parts.extend(str(el.value) for el in at.get(kind))
    parts.extend(f"{m.label}: {m.value}" for m in at.metric)
    return "\n".join(parts)


def vega_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite specs of every Altair chart."""
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def vega_datasets(at: AppTest) -> list[list]:
    """For each Altair chart, its datasets as pandas frames (sent as Arrow)."""
    out = []
    for el in at.get("vega_lite_chart"):
        frames = []
        for ds in el.proto.datasets:
            reader = pa.ipc.open_stream(io.BytesIO(ds.data.data))
            frames.append(reader.read_all().to_pandas())
        out.append(frames)
    return out


def plotly_charts(at: AppTest) -> list:
    return list(at.get("plotly_chart"))


def chart_title(spec: dict) -> str:
    """A Vega-Lite chart's title text (a layered chart may carry it on its first layer)."""
    title = spec.get("title")
    if title is None and spec.get("layer"):
        title = spec["layer"][0].get("title")
    if isinstance(title, dict):
        return str(title.get("text", ""))
    return "" if title is None else str(title)


def chart_titles(at: AppTest) -> list[str]:
    """The title of every Altair chart, in page order."""
    return [chart_title(spec) for spec in vega_specs(at)]


def _plotly_values(value) -> np.ndarray:
    """A Plotly trace axis as floats (Plotly may send typed arrays as base64)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
    return np.asarray(value if value is not None else [], dtype=float)


def assert_charts_finite(at: AppTest) -> None:
    """No chart of the run carries inf or NaN: every numeric column of every Altair
    dataset, and the x, y and z of every Plotly trace."""
    for i, frames in enumerate(vega_datasets(at)):
        for frame in frames:
            numeric = frame.select_dtypes(include=[np.number])
            assert np.isfinite(numeric.to_numpy(dtype=float)).all(), (i, list(frame.columns), frame.head())
    for chart in plotly_charts(at):
        for trace in json.loads(chart.proto.spec)["data"]:
            for axis in ("x", "y", "z"):
                assert np.isfinite(_plotly_values(trace.get(axis))).all(), (trace["type"], axis)


def player_data(at: AppTest, key: str) -> dict:
    """The frames a page sent to its browser player (ui.player), as the component's JSON data."""
    el = next(e for e in at.get("bidi_component") if e.proto.id.endswith(key))
    return json.loads(el.proto.json)


def stop_player_on(at: AppTest, key: str, frame: int) -> None:
    """What the browser player does when the learner pauses or steps: report the frame shown, then rerun."""
    at.session_state[key] = {"frame": {"ident": player_data(at, key)["ident"], "frame": frame}}
    at.run()
    assert not at.exception, at.exception
