"""The one kit of test helpers: run a page, read its numbers and charts, find a chart by title
or a dataset by its columns, check that charts are finite; hostile links; independent references."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from ui.registry import HOME, STEPS

ROOT = Path(__file__).resolve().parents[1]
#: Every page by name: "landing", then each registered step by its URL path in lower case
#: ("loss", "learning_rate", "rinse_and_repeat"), read from the page registry.
PAGES: dict[str, Path] = {"landing": ROOT / HOME} | {entry.url_path.lower(): ROOT / entry.file for entry in STEPS}


def run_app(path: Path, query: dict[str, str | list[str]] | None = None, timeout: float = 60) -> AppTest:
    """Run one app file with optional URL parameters (a list value repeats its key in the link)."""
    at = AppTest.from_file(str(path), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def run_page(name: str, query: dict[str, str | list[str]] | None = None, timeout: float = 60) -> AppTest:
    """Run one page of PAGES (it draws its own sidebar) with optional URL parameters."""
    return run_app(PAGES[name], query, timeout)


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
    """Every Plotly chart element of the run."""
    return list(at.get("plotly_chart"))


def _title_of(spec: dict):
    """A Vega-Lite chart's title (a string or a title object); a layered chart may carry it on its first layer."""
    title = spec.get("title")
    if title is None and spec.get("layer"):
        title = spec["layer"][0].get("title")
    return title


def chart_title(spec: dict) -> str:
    """A Vega-Lite chart's title text (a layered chart may carry it on its first layer)."""
    title = _title_of(spec)
    if isinstance(title, dict):
        return str(title.get("text", ""))
    return "" if title is None else str(title)


def chart_subtitle(spec: dict) -> str:
    """A Vega-Lite chart's subtitle text ("" when it has none)."""
    title = _title_of(spec)
    subtitle = title.get("subtitle", "") if isinstance(title, dict) else ""
    return "\n".join(subtitle) if isinstance(subtitle, list) else str(subtitle)


def chart_titles(at: AppTest) -> list[str]:
    """The title of every Altair chart, in page order."""
    return [chart_title(spec) for spec in vega_specs(at)]


# --- finding a chart by its title, a dataset by its columns ---------------------------


def charts_titled(at: AppTest, title: str) -> list[list[pd.DataFrame]]:
    """The datasets of every Altair chart with this title, in page order."""
    return [frames for t, frames in zip(chart_titles(at), vega_datasets(at)) if t == title]


def chart_frames(at: AppTest, title: str) -> list[pd.DataFrame]:
    """The datasets of the one Altair chart with this title (fails if none or several carry it)."""
    found = charts_titled(at, title)
    assert len(found) == 1, f"{len(found)} charts titled {title!r}; titles: {chart_titles(at)}"
    return found[0]


def charts_by_title(at: AppTest) -> dict[str, list[pd.DataFrame]]:
    """Title -> datasets of every titled Altair chart (fails if two charts share a title)."""
    out: dict[str, list[pd.DataFrame]] = {}
    for title, frames in zip(chart_titles(at), vega_datasets(at)):
        if title:
            assert title not in out, f"two charts titled {title!r}: use charts_titled"
            out[title] = frames
    return out


def frames_with(at: AppTest, *columns: str) -> list[pd.DataFrame]:
    """Every dataset, of every Altair chart in page order, that has (at least) these columns."""
    return [f for frames in vega_datasets(at) for f in frames if set(columns) <= set(f.columns)]


def frame_with(frames: list[pd.DataFrame], *columns: str) -> pd.DataFrame:
    """The first of a chart's datasets whose columns are exactly these, in this order."""
    for frame in frames:
        if list(frame.columns) == list(columns):
            return frame
    raise AssertionError(f"no dataset with the columns {columns}: {[list(f.columns) for f in frames]}")


def _datum_texts(spec: dict) -> list:
    """Texts drawn from ``alt.datum`` (a single label) anywhere in one chart's Vega-Lite spec, layers first."""
    out = []
    for layer in spec.get("layer", []):
        out.extend(_datum_texts(layer))
    datum = spec.get("encoding", {}).get("text", {}).get("datum")
    return [*out, datum] if datum is not None else out


def chart_texts(at: AppTest) -> list:
    """Every text label of the run's Altair charts: first the single labels drawn from ``alt.datum``
    (chart by chart), then every value of a ``text`` column in their datasets (as str)."""
    labels = [t for spec in vega_specs(at) for t in _datum_texts(spec)]
    return labels + [str(t) for f in frames_with(at, "text") for t in f["text"]]


def altair_frames(chart) -> list[pd.DataFrame]:
    """The pandas datasets of an Altair chart object (each layer's data), before Streamlit sends it."""
    layers = getattr(chart, "layer", [chart])
    return [layer.data for layer in layers if isinstance(getattr(layer, "data", None), pd.DataFrame)]


def _plotly_values(value) -> np.ndarray:
    """A Plotly trace axis as floats (Plotly may send typed arrays as base64)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
    return np.asarray(value if value is not None else [], dtype=float)


def _no_constants(token: str):
    raise ValueError(token)


def chart_problems(at: AppTest) -> list[str]:
    """What makes a chart of the run not finite, as readable lines (none: every chart is finite).

    A chart is finite when no number it carries is inf, NaN or missing: no NaN or Infinity
    in any Vega-Lite spec or Plotly figure JSON; in every Altair dataset, every numeric
    column (position, colour, tooltip alike) holds only finite values and no missing ones;
    the x, y and z of every Plotly trace (also when sent as typed arrays) are finite.
    """
    problems = []
    for i, el in enumerate(at.get("vega_lite_chart")):
        try:
            json.loads(el.proto.spec, parse_constant=_no_constants)
        except ValueError as exc:
            problems.append(f"chart {i}: Vega-Lite spec contains {exc}")
        for j, ds in enumerate(el.proto.datasets):
            table = pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_all()
            for name in table.column_names:
                column = table[name]
                if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
                    continue
                values = column.to_numpy(zero_copy_only=False).astype(float)  # a missing value becomes NaN
                bad = int((~np.isfinite(values)).sum())
                if bad:
                    problems.append(
                        f"chart {i} dataset {j} column {name!r}: {bad} non-finite or missing value(s) of {len(values)}"
                    )
    for i, chart in enumerate(plotly_charts(at)):
        try:
            figure = json.loads(chart.proto.spec, parse_constant=_no_constants)
        except ValueError as exc:
            problems.append(f"Plotly chart {i}: figure JSON contains {exc}")
            figure = json.loads(chart.proto.spec)
        for trace in figure["data"]:
            for axis in ("x", "y", "z"):
                if not np.isfinite(_plotly_values(trace.get(axis))).all():
                    problems.append(f"Plotly chart {i}: {trace['type']} trace has non-finite {axis}")
    return problems


def assert_charts_finite(at: AppTest) -> None:
    """Every chart of the run is finite (see chart_problems)."""
    problems = chart_problems(at)
    assert not problems, "\n".join(problems)


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

#: What must never come back from the app as rendered markup.
FORBIDDEN = ("<img", "javascript:", "<script", "<svg", "<iframe", "onerror", "alert(1)")


# --- independent references for gdcore ----------------------------------------------------


def ref_mse(b: float, w: float, x, y) -> float:
    """The mean squared error written out in numpy, independent of gdcore."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.mean((b + w * x - y) ** 2))
