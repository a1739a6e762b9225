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


# --- hostile input: URL parameters a link could carry ----------------------------------

XSS_IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[x](javascript:alert(1))"

#: Each set gives every parameter (or most) a malformed value. A value is a str, or a list
#: of str for a key repeated in the link.
FUZZ_SETS: dict[str, dict[str, str | list[str]]] = {
    "not-numbers": dict(
        seed="abc",
        n="ten",
        noise="0.1.2",
        true_b="1,5",
        true_w="two",
        lr="0x1p-3",
        epochs="1e3e",
        batch="--1",
        b0="b",
        w0="null",
    ),
    "nan-inf": dict(
        seed="nan",
        n="inf",
        noise="-inf",
        true_b="NaN",
        true_w="Infinity",
        lr="-Infinity",
        epochs="nan",
        batch="inf",
        b0="nan",
        w0="-inf",
    ),
    "negative": dict(
        seed="-5",
        n="-100",
        noise="-0.5",
        true_b="-6",
        true_w="-5.01",
        lr="-0.1",
        epochs="-1",
        batch="-3",
        b0="-11",
        w0="-1e9",
    ),
    "huge": dict(
        seed="1e309",
        n=str(10**30),
        noise="1e308",
        true_b="1e308",
        true_w="-1e308",
        lr="1e308",
        epochs=str(10**30),
        batch="1e308",
        b0="1e308",
        w0=str(-(10**30)),
    ),
    "empty": dict(seed="", n="", noise=" ", true_b="", true_w="", lr="", epochs="", batch="", b0="", w0=" "),
    "unicode": dict(
        seed="４２", n="١٠٠", noise="½", true_b="−1", true_w="²", lr="0.1\u200b", epochs="🔥", batch="ℵ", b0="π", w0="∞"
    ),
    "html": dict(
        seed=XSS_IMG,
        n="<script>alert(1)</script>",
        noise='"><svg onload=alert(1)>',
        true_b="<!--",
        true_w="</div>",
        lr="<b>bold</b>",
        epochs="javascript:alert(1)",
        batch="<iframe src=javascript:alert(1)>",
        b0=XSS_IMG,
        w0="&lt;img src=x&gt;",
    ),
    "markdown": dict(
        seed=MD_LINK,
        n="![x](javascript:alert(1))",
        noise=f"`{XSS_IMG}`",
        true_b=f"``` {XSS_IMG} ```",
        true_w="**bold** _it_",
        lr="$\\alpha$",
        epochs="[x](http://evil.example)",
        batch=":red[x]",
        b0="<javascript:alert(1)>",
        w0=f"\\`{XSS_IMG}",
    ),
    "repeated": dict(seed=["1", "2"], n=["10", "abc"], lr=["0.5", "0.2", "0.3"], b0=["1", "2"], epochs=["5", XSS_IMG]),
    "valid-edges": dict(
        seed="0", n="10", noise="0", true_b="-5", true_w="5", lr=" 0.001 ", epochs="1.0", batch="1", b0="10", w0="-10"
    ),
}

DIVERGENCE_SETS: dict[str, dict[str, str]] = {
    "lr2.5-10k-epochs": dict(lr="2.5", epochs="10000"),
    "lr2.5-10k-epochs-batch1-n10": dict(lr="2.5", epochs="10000", batch="1", n="10"),
}

#: Element kinds whose text is rendered as Markdown (or shown as plain text) on the page.

#: What must never come back from the app as rendered markup.
FORBIDDEN = ("<img", "javascript:", "<script", "<svg", "<iframe", "onerror", "alert(1)")
