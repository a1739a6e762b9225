"""Page-specific pieces of the Loss (step 4) and Gradients (step 5) pages.

Cached numbers (primitive arguments only, small results) and the chart
builders of Figures 0.3 and 0.7-0.8 plus the per-point ledgers. Everything
that touches the training set is O(n) numpy, computed once per setting and
cached, so a page rerun at N = 1,000,000 only handles small arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from . import charts, results
from .charts import HEIGHT, PALETTE
from .memo import heavy_work
from .numbers import fmt
from .settings import DataKey, Settings

#: Rows of a per-point ledger sent to the browser (the means use every point).
LEDGER_ROWS = 1000
#: The step of the book's finite-difference figure (Fig 0.8) and the smaller ones we offer.
BOOK_DELTA = 0.12
DELTAS = (0.001, 0.005, 0.01, 0.03, 0.06, 0.12)
TABLE_DELTAS = (0.12, 0.06, 0.01, 0.001)
#: The book's zoom windows of Fig 0.8 (x range, y range) around the snapped start.
BOOK_ZOOM = {"w": ((-0.3, 0.2), (2.3, 2.8)), "b": ((0.3, 0.8), (2.3, 2.8))}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(i: int) -> str:
    """An index as Unicode subscript digits (error₀)."""
    return str(int(i)).translate(_SUBSCRIPTS)


def human_bytes(n_bytes: float) -> str:
    """A byte count in binary units (KiB … TiB), 3 significant figures."""
    value = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} TiB"


# --- cached numbers -----------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
def training_point(key: DataKey, index: int) -> tuple[float, float]:
    """(x_i, y_i) of one training point."""
    data = results.dataset(key)
    i = int(data.train_idx[index])  # one point, without copying the training set
    return float(data.x[i]), float(data.y[i])


def point_for(s: Settings, index: int) -> tuple[float, float]:
    return training_point(s.data_key, int(index))


@dataclass(frozen=True)
class Ledger:
    """Per-point quantities at (b, w): the first rows and the means over ALL points.

    ``means`` has the keys of the frame's columns; ``mse`` and ``grad_b``,
    ``grad_w`` come from :func:`gdcore.mse` and :func:`gdcore.gradients` (the
    book's exact printed digits).
    """

    frame: pd.DataFrame
    means: dict[str, float]
    n_train: int
    mse: float
    grad_b: float
    grad_w: float


@st.cache_data(max_entries=64, show_spinner=False)
def ledger(key: DataKey, b: float, w: float, rows: int = LEDGER_ROWS) -> Ledger:
    """x, y, ŷ, error, error², x·error for the first ``rows`` training points,
    and each column's mean over every training point (vectorised, O(n))."""
    data = results.features(key, "original")
    x, y = data.x_train, data.y_train
    with heavy_work():
        yhat = gdcore.predict(b, w, x)
        err = yhat - y
        columns = {"x": x, "y": y, "ŷ": yhat, "error": err, "error²": err * err, "x·error": x * err}
        with np.errstate(over="ignore", invalid="ignore"):
            means = {name: float(values.mean()) for name, values in columns.items()}
        frame = pd.DataFrame({name: values[:rows].copy() for name, values in columns.items()})
        frame.index.name = "i"
        grad_b, grad_w = gdcore.gradients(b, w, x, y)
        loss = gdcore.mse(b, w, x, y)
    return Ledger(frame, means, int(x.size), loss, grad_b, grad_w)


def ledger_for(s: Settings, b: float, w: float) -> Ledger:
    return ledger(s.data_key, float(b), float(w))


@dataclass(frozen=True)
class FiniteDifference:
    """A forward difference along one parameter next to the true slope."""

    wrt: str
    delta: float
    slope: float
    delta_loss: float
    before: float
    after: float
    true_slope: float

    @property
    def error(self) -> float:
        return self.slope - self.true_slope


@st.cache_data(max_entries=128, show_spinner=False)
def finite_differences(
    key: DataKey, b: float, w: float, deltas: tuple[float, ...]
) -> tuple[tuple[FiniteDifference, FiniteDifference], ...]:
    """For each δ, the (w, b) forward differences from (b, w) (:func:`gdcore.finite_difference_slope`)
    with the true partial derivatives at the same point."""
    data = results.features(key, "original")
    x, y = data.x_train, data.y_train
    stats = results.train_summary(key).stats
    grad_b, grad_w = stats.gradients(b, w)
    before = float(stats.loss(b, w))
    out = []
    with heavy_work():
        for delta in deltas:
            pair = []
            for wrt, true in (("w", grad_w), ("b", grad_b)):
                slope, d, dloss = gdcore.finite_difference_slope(x, y, b, w, delta, wrt)
                pair.append(FiniteDifference(wrt, d, slope, dloss, before, before + dloss, float(true)))
            out.append(tuple(pair))
    return tuple(out)


def finite_differences_for(
    s: Settings, b: float, w: float, deltas: Sequence[float]
) -> tuple[tuple[FiniteDifference, FiniteDifference], ...]:
    return finite_differences(s.data_key, float(b), float(w), tuple(float(d) for d in deltas))


def fd_table(rows: Sequence[tuple[FiniteDifference, FiniteDifference]]) -> pd.DataFrame:
    """One row per δ: the two estimates and how far each is from the true slope."""
    return pd.DataFrame(
        {
            "δ": [r[0].delta for r in rows],
            "δMSE/δw": [r[0].slope for r in rows],
            "error (w)": [r[0].error for r in rows],
            "δMSE/δb": [r[1].slope for r in rows],
            "error (b)": [r[1].error for r in rows],
        }
    )


# --- small helpers -------------------------------------------------------------


def upper_limit(book: float, *values: float, factor: float = 1.3) -> float:
    """The book's upper y-limit, raised when a point of interest would sit above it."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return max(book, factor * max(finite)) if finite else book


def delta_digits(delta: float) -> int:
    """Decimals to print a change of size ~δ (2 at the book's 0.12)."""
    return 2 if delta >= 0.1 else int(math.ceil(-math.log10(delta))) + 1


def zoom_box(
    stats: gdcore.SufficientStats, fd: FiniteDifference, p: float, fixed: float, book: bool
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(x range, y range) of Fig 0.8's zoom around the snapped start.

    The book's window at the book's settings and δ; otherwise an x range that
    scales with δ (so the triangle keeps its size as δ shrinks) and a y range
    that holds the curve, the tangent and both dots.
    """
    if book and math.isclose(fd.delta, BOOK_DELTA):
        return BOOK_ZOOM[fd.wrt]
    x0, x1 = p - 1.5 * fd.delta, p + 2.5 * fd.delta
    xs = np.linspace(x0, x1, 121)
    losses = gdcore.cross_section_from_stats(stats, fd.wrt, fixed, xs)
    tangent = fd.before + fd.true_slope * (xs - p)
    lo = float(min(losses.min(), tangent.min(), fd.after))
    hi = float(max(losses.max(), tangent.max(), fd.before))
    pad = 0.08 * ((hi - lo) or 1.0)
    return (x0, x1), (lo - pad, hi + pad)


def grid_text(surface: results.Surface, s: Settings) -> str:
    """How the surface grid was built, in words, with its numbers."""
    bv, wv = surface.b_values, surface.w_values
    step_b, step_w = bv[1] - bv[0], wv[1] - wv[0]
    book = gdcore.book_grid("original", s.true_b, s.true_w)
    same = np.allclose(
        [bv[0], bv[-1], wv[0], wv[-1]], [book.b_values[0], book.b_values[-1], book.w_values[0], book.w_values[-1]]
    )
    base = (
        f"b runs over true b ± 3 = [{bv[0]:g}, {bv[-1]:g}] and w over true w ± 3 = [{wv[0]:g}, {wv[-1]:g}], "
        f"{bv.size} evenly spaced values each (a step of {step_b:.2f}), so the grid holds "
        f"{bv.size} × {wv.size} = {bv.size * wv.size:,} candidate lines (b, w)."
    )
    if same:
        return base
    return (
        f"Your start or minimum lies near the edge of true b ± 3, w ± 3, so the window is widened to "
        f"b in [{bv[0]:.2f}, {bv[-1]:.2f}], w in [{wv[0]:.2f}, {wv[-1]:.2f}], still {bv.size} values each "
        f"(steps {step_b:.3f} and {step_w:.3f}), {bv.size * wv.size:,} candidate lines."
    )


def sync_table_pick(table_key: str, input_key: str, n_points: int) -> None:
    """Let a row picked in a ledger table drive the point selector.

    Call before drawing the ``input_key`` number input: a newly selected row
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


def show_ledger(
    frame: pd.DataFrame, columns: Sequence[str], means: dict[str, float], n_train: int, key: str, mean_label: str
) -> None:
    """The ledger table (one selectable row) and, right under it, the column means over all points."""
    fmt4 = {c: st.column_config.NumberColumn(c, format="%.4f") for c in columns}
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
            f"Showing the first {len(frame):,} of the {n_train:,} training points; the means below use all of them."
        )
    means_frame = pd.DataFrame({c: [means[c]] for c in columns}, index=pd.Index([mean_label], name="i"))
    st.dataframe(means_frame, column_config=fmt4, width="stretch")


# --- Figure 0.3: the error of one point ---------------------------------------------


def error_chart(
    summary: results.TrainSummary, b: float, w: float, index: int, point: tuple[float, float]
) -> alt.LayerChart:
    """Training points, the prediction line and one point's error segment (Fig 0.3)."""
    xi, yi = point
    yhat = b + w * xi
    x_dom = charts.padded(summary.x_range, book=(-0.05, 1.05))
    line_ends = [b + w * x_dom[0], b + w * x_dom[1]]
    y_dom = charts.padded([*summary.y_range, *line_ends], book=(0, 3.1))
    color = PALETTE["w_varies"]
    scatter = charts.scatter(
        summary.sample_x,
        summary.sample_y,
        PALETTE["train"],
        "Prediction error of one training point",
        x_domain=x_dom,
        y_domain=y_dom,
        legend="training data",
    )
    line = charts.model_lines([charts.Line(b, w, "Model's predictions", PALETTE["b_varies"])], x_dom, y_domain=y_dom)
    lo, hi = sorted((yhat, yi))
    seg = charts.segments(
        pd.DataFrame({"x": [xi], "x2": [xi], "y": [yhat], "y2": [yi]}),
        color,
        dashed=True,
        width=2.5,
        x_domain=x_dom,
        y_domain=y_dom,
    )
    heads = pd.DataFrame(
        {"x": [xi, xi], "y": charts.clip_to([hi, lo], y_dom), "shape": ["triangle-up", "triangle-down"]}
    )
    arrows = (
        alt.Chart(heads)
        .mark_point(filled=True, color=color, size=70, opacity=1, clip=True)
        .encode(**charts.xy(), shape=alt.Shape("shape:N", scale=None))
    )
    dot = charts.points(
        pd.DataFrame({"x": [xi], "y": [yi], "ŷ": [yhat], "error": [yhat - yi]}),
        color,
        size=110,
        tooltip=("x", "y", "ŷ", "error"),
    )
    right = xi > x_dom[0] + 0.5 * (x_dom[1] - x_dom[0])
    text = charts.label(
        xi,
        (lo + hi) / 2,
        f"error{sub(index)} = ŷ{sub(index)} − y{sub(index)} = {fmt(yhat - yi)}",
        color,
        align="right" if right else "left",
        dx=-10 if right else 10,
        size=14,
    )
    return charts.overlay(scatter, line, alt.layer(seg, arrows, dot, text))


# --- Gradients page: per-point contributions -----------------------------------------


def contribution_chart(
    summary: results.TrainSummary, b: float, w: float, index: int, point: tuple[float, float], mean: float, which: str
) -> alt.LayerChart:
    """Each sampled point's error (``which="error"``) or x·error against x, the mean
    over all points as a rule (half the gradient) and one point highlighted."""
    xs = summary.sample_x
    err = b + w * xs - summary.sample_y
    values = err if which == "error" else xs * err
    xi, yi = point
    ei = b + w * xi - yi
    vi = ei if which == "error" else xi * ei
    color = PALETTE["b_varies"] if which == "error" else PALETTE["w_varies"]
    param = "b" if which == "error" else "w"
    y_title = "error = ŷ − y" if which == "error" else "x · error"
    x_dom = charts.padded(summary.x_range, book=(-0.05, 1.05))
    y_dom = charts.padded([*values, vi, mean, 0.0])
    dots = charts.scatter(
        xs,
        values,
        PALETTE["train"],
        f"{y_title} of every point (mean × 2 = ∂MSE/∂{param})",
        x_domain=x_dom,
        y_domain=y_dom,
        y_title=y_title,
        size=30,
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=PALETTE["grey"], strokeWidth=1).encode(y=alt.Y("y:Q"))
    rule = (
        alt.Chart(pd.DataFrame({"y": [mean], "label": [f"mean = {fmt(mean)}"]}))
        .mark_rule(color=color, strokeDash=[6, 4], strokeWidth=2)
        .encode(y=alt.Y("y:Q"), tooltip=[alt.Tooltip("label:N")])
    )
    rule_text = charts.label(
        x_dom[0],
        mean,
        f"mean {fmt(mean)} × 2 = ∂MSE/∂{param} = {fmt(2 * mean)}",
        color,
        align="left",
        dx=4,
        dy=12,
        size=12,
    )
    stem = charts.segments(
        pd.DataFrame({"x": [xi], "x2": [xi], "y": [0.0], "y2": [vi]}),
        PALETTE["w_varies"],
        width=2.5,
        x_domain=x_dom,
        y_domain=y_dom,
    )
    dot = charts.points(pd.DataFrame({"x": [xi], "y": [vi]}), PALETTE["w_varies"], size=110, tooltip=("x", "y"))
    right = xi > x_dom[0] + 0.6 * (x_dom[1] - x_dom[0])
    text = charts.label(
        xi,
        vi,
        f"point {index}: {fmt(vi)}",
        PALETTE["w_varies"],
        align="right" if right else "left",
        dx=-10 if right else 10,
        size=12,
    )
    return alt.layer(dots, zero, rule, rule_text, stem, dot, text).properties(height=HEIGHT - 40)


# --- Figure 0.7: cross-sections with their tangents ------------------------------------


def tangent_cross_section(
    values: np.ndarray,
    losses: np.ndarray,
    param: str,
    p: float,
    loss: float,
    slope: float,
    title: str,
    y_domain: tuple[float, float],
    zoom: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> alt.LayerChart:
    """A cross-section (Fig 0.7) with the start dot, the tangent whose slope is the
    true partial derivative, and the translucent square Fig 0.8 zooms into."""
    color = charts.cut_color(param)
    x_dom = (float(values[0]), float(values[-1]))
    base = charts.cross_section(values, losses, param, title, dots=[(p, loss)], y_domain=y_domain, x_domain=x_dom)
    half = 0.12 * (x_dom[1] - x_dom[0])
    tx = np.array([p - half, p + half])
    ty = charts.clip_to(loss + slope * (tx - p), y_domain)
    tangent = (
        alt.Chart(pd.DataFrame({"x": tx, "y": ty, "what": f"tangent, slope {fmt(slope)}"}))
        .mark_line(color=PALETTE["grey"] if param == "b" else color, strokeWidth=2, clip=True)
        .encode(**charts.xy(), tooltip=[alt.Tooltip("what:N")])
    )
    text = charts.label(
        p,
        loss,
        f"slope ∂MSE/∂{param} = {fmt(slope)}",
        color,
        align="left" if slope < 0 else "right",
        dx=10 if slope < 0 else -10,
        dy=-16,
        size=12,
    )
    layers = [base, tangent, text]
    if zoom is not None:
        (x0, x1), (y0, y1) = zoom
        rect = (
            alt.Chart(pd.DataFrame({"x": [x0], "x2": [x1], "y": [y0], "y2": [y1]}))
            .mark_rect(color=color, opacity=0.2, clip=True)
            .encode(**charts.xy(), x2=alt.X2("x2"), y2=alt.Y2("y2"))
        )
        layers.insert(0, rect)
    return alt.layer(*layers).properties(title=title, height=HEIGHT)


# --- Figure 0.8: the finite-difference triangle ----------------------------------------


def secant_panel(
    stats: gdcore.SufficientStats,
    fd: FiniteDifference,
    p: float,
    fixed: float,
    fixed_name: str,
    window: tuple[tuple[float, float], tuple[float, float]],
) -> alt.LayerChart:
    """The zoomed cross-section of Fig 0.8: before and after dots, the right-angle
    triangle (legs δ and δMSE, hypotenuse = the secant, slope δMSE/δ) and the
    tangent (the true slope) for comparison."""
    param = fd.wrt
    color = charts.cut_color(param)
    (x0, x1), y_win = window
    xs = np.linspace(x0, x1, 121)
    losses = gdcore.cross_section_from_stats(stats, param, fixed, xs)
    tangent = fd.before + fd.true_slope * (xs - p)
    q = p + fd.delta
    digits = delta_digits(fd.delta)
    layers = [
        charts.curve(
            xs,
            losses,
            color,
            name=f"loss along {param} ({fixed_name} fixed)",
            x_domain=(x0, x1),
            y_domain=y_win,
            x_title=param,
            y_title="MSE (loss)",
        ),
        alt.Chart(pd.DataFrame({"x": xs, "y": charts.clip_to(tangent, y_win), "what": "tangent (true slope)"}))
        .mark_line(color=PALETTE["grey"], strokeWidth=1.5, strokeDash=[2, 3], clip=True)
        .encode(**charts.xy(), tooltip=[alt.Tooltip("what:N")]),
        charts.segments(
            pd.DataFrame({"x": [p, q], "x2": [q, q], "y": [fd.before, fd.before], "y2": [fd.before, fd.after]}),
            color,
            width=1.8,
        ),
        charts.segments(pd.DataFrame({"x": [p], "x2": [q], "y": [fd.before], "y2": [fd.after]}), color, width=2.5),
        charts.points(pd.DataFrame({"x": [p, q], "y": [fd.before, fd.after]}), color, size=90, tooltip=("x", "y")),
    ]
    heads = pd.DataFrame(
        {
            "x": [q, q],
            "y": [fd.before, fd.after],
            "shape": ["triangle-right", "triangle-down" if fd.delta_loss < 0 else "triangle-up"],
        }
    )
    layers.append(
        alt.Chart(heads)
        .mark_point(filled=True, color=color, size=50, opacity=1, clip=True)
        .encode(**charts.xy(), shape=alt.Shape("shape:N", scale=None))
    )
    down = fd.delta_loss < 0  # the triangle hangs below the horizontal leg
    y_lo, y_hi = y_win
    # The tangent's label goes where the tangent is still inside the window.
    target = y_lo + 0.1 * (y_hi - y_lo) if fd.true_slope < 0 else y_hi - 0.1 * (y_hi - y_lo)
    xt = p + (target - fd.before) / fd.true_slope if fd.true_slope else x1
    xt = float(min(max(xt, p), x1 - 0.05 * (x1 - x0)))
    layers += [
        charts.label(
            (p + q) / 2, fd.before, f"δ{param} = {fd.delta:g}", color, align="center", dy=-12 if down else 14, size=14
        ),
        charts.label(q, (fd.before + fd.after) / 2, f"δMSE = {fd.delta_loss:.{digits}f}", color, dx=8, dy=-10, size=14),
        charts.label(q, (fd.before + fd.after) / 2, f"δMSE/δ{param} ≈ {fd.slope:.2f}", color, dx=8, dy=12, size=14),
        charts.label(
            xt,
            fd.before + fd.true_slope * (xt - p),
            f"tangent: {fd.true_slope:.2f}",
            "#555555",
            align="right",
            dx=-6,
            size=12,
        ),
    ]
    title = f"Fixed: {fixed_name} = {fixed:.2f}"
    return alt.layer(*layers).properties(title=title, height=HEIGHT)


def fd_error_chart(rows: Sequence[tuple[FiniteDifference, FiniteDifference]]) -> alt.Chart:
    """|estimate − true slope| against δ (log-log): both shrink in proportion to δ."""
    frame = pd.DataFrame(
        [{"δ": fd.delta, "abs error": abs(fd.error), "parameter": f"δMSE/δ{fd.wrt}"} for pair in rows for fd in pair]
    )
    d_lo, d_hi = float(frame["δ"].min()), float(frame["δ"].max())
    frame = frame[(frame["abs error"] > 0) & np.isfinite(frame["abs error"])]
    names = ["δMSE/δw", "δMSE/δb"]
    return (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("δ:Q", scale=alt.Scale(type="log", domain=[d_lo / 1.5, d_hi * 1.5], nice=False), title="step δ"),
            y=alt.Y("abs error:Q", scale=alt.Scale(type="log"), title="|estimate − true slope|"),
            color=alt.Color(
                "parameter:N",
                scale=alt.Scale(domain=names, range=[PALETTE["w_varies"], PALETTE["b_varies"]]),
                title=None,
            ),
            tooltip=[alt.Tooltip("parameter:N"), alt.Tooltip("δ:Q"), alt.Tooltip("abs error:Q", format=".6f")],
        )
        .properties(title="Estimate minus true slope", height=HEIGHT - 80)
    )
