"""Charts of the Loss (step 4) and Gradients (step 5) pages.

Fig 0.3 (the error of one point), the per-point contributions to the gradient,
Fig 0.7 (the cross-sections with their tangents) and Fig 0.8 (the finite-difference
triangle), plus the windows and y limits these figures share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

import gdcore

from ..numbers import D3_FORMAT_6, fmt, short, subscript
from ..results import TrainSummary
from ..results.loss import BOOK_DELTA, FiniteDifference
from . import common

#: The book's zoom windows of Fig 0.8 (x range, y range) around the snapped start.
BOOK_ZOOM = {"w": ((-0.3, 0.2), (2.3, 2.8)), "b": ((0.3, 0.8), (2.3, 2.8))}


# --- windows and limits -------------------------------------------------------------


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


def _arrow_heads(frame: pd.DataFrame, color: str, size: int) -> alt.Chart:
    """Filled triangles at columns x, y, pointing as column ``shape`` says."""
    return (
        alt.Chart(frame)
        .mark_point(filled=True, color=color, size=size, opacity=1, clip=True)
        .encode(**common.xy(), shape=alt.Shape(field="shape", type="nominal", scale=None))
    )


# --- Figure 0.3: the error of one point ---------------------------------------------


def error_chart(summary: TrainSummary, b: float, w: float, index: int, point: tuple[float, float]) -> alt.LayerChart:
    """Training points, the prediction line and one point's error segment (Fig 0.3)."""
    xi, yi = point
    yhat = b + w * xi
    x_dom = common.padded(summary.x_range, book=(-0.05, 1.05))
    line_ends = [b + w * x_dom[0], b + w * x_dom[1]]
    y_dom = common.padded([*summary.y_range, *line_ends], book=(0, 3.1))
    color = common.PALETTE["w_varies"]
    dots = common.scatter(
        summary.sample_x,
        summary.sample_y,
        common.PALETTE["train"],
        "Prediction error of one training point",
        x_domain=x_dom,
        y_domain=y_dom,
        legend="training data",
    )
    line = common.model_lines(
        [common.Line(b, w, "Model's predictions", common.PALETTE["b_varies"])], x_dom, y_domain=y_dom
    )
    lo, hi = sorted((yhat, yi))
    seg = common.segments(
        pd.DataFrame({"x": [xi], "x2": [xi], "y": [yhat], "y2": [yi]}),
        color,
        dashed=True,
        width=2.5,
        x_domain=x_dom,
        y_domain=y_dom,
    )
    heads = pd.DataFrame(
        {"x": [xi, xi], "y": common.clip_to([hi, lo], y_dom), "shape": ["triangle-up", "triangle-down"]}
    )
    dot = common.points(
        pd.DataFrame({"x": [xi], "y": [yi], "ŷ": [yhat], "error": [yhat - yi]}),
        color,
        size=110,
        tooltip=("x", "y", "ŷ", "error"),
    )
    i = subscript(index)
    # Beside the segment, the side with room first, at the height along it where no point is.
    right = xi > x_dom[0] + 0.5 * (x_dom[1] - x_dom[0])
    sides = [("right", -10), ("left", 10)] if right else [("left", 10), ("right", -10)]
    text = common.free_label(
        [
            common.Anchor(xi, lo + share * (hi - lo), align, dx)
            for share in (0.5, 0.3, 0.7, 0.15, 0.85)
            for align, dx in sides
        ],
        f"error{i} = ŷ{i} − y{i} = {fmt(yhat - yi)}",
        color,
        x_dom,
        y_dom,
        size=14,
        avoid_x=summary.sample_x,
        avoid_y=summary.sample_y,
    )
    return common.overlay(dots, line, alt.layer(seg, _arrow_heads(heads, color, 70), dot, text))


# --- Gradients page: per-point contributions -----------------------------------------


def contribution_chart(
    summary: TrainSummary, b: float, w: float, index: int, point: tuple[float, float], mean: float, which: str
) -> alt.LayerChart:
    """Each sampled point's error (``which="error"``) or x·error against x, the mean
    over all points as a rule (half the gradient) and one point highlighted."""
    xs = summary.sample_x
    err = gdcore.errors(b, w, xs, summary.sample_y)
    values = err if which == "error" else xs * err
    xi, yi = point
    ei = b + w * xi - yi
    vi = ei if which == "error" else xi * ei
    color = common.PALETTE["b_varies"] if which == "error" else common.PALETTE["w_varies"]
    param = "b" if which == "error" else "w"
    y_title = "error = ŷ − y" if which == "error" else "x · error"
    x_dom = common.padded(summary.x_range, book=(-0.05, 1.05))
    y_dom = common.padded([*values, vi, mean, 0.0])
    dots = common.scatter(
        xs,
        values,
        common.PALETTE["train"],
        f"{y_title} of every point (mean × 2 = ∂MSE/∂{param})",
        x_domain=x_dom,
        y_domain=y_dom,
        y_title=y_title,
        size=30,
    )
    zero = alt.Chart(common.ONE_ROW).mark_rule(color=common.PALETTE["grey"], strokeWidth=1).encode(y=alt.datum(0.0))
    rule = (
        alt.Chart(pd.DataFrame({"label": [f"mean = {fmt(mean)}"]}))
        .mark_rule(color=color, strokeDash=[6, 4], strokeWidth=2)
        .encode(y=alt.datum(mean), tooltip=[alt.Tooltip(field="label", type="nominal")])
    )
    height = common.HEIGHT - 40
    # The title already says "mean × 2 = ∂MSE/∂…": the label gives the two numbers, where no dot is.
    rule_text = common.free_label(
        [
            common.Anchor(x_dom[0], mean, "left", 4, 12),
            common.Anchor(x_dom[0], mean, "left", 4, -12),
            common.Anchor(x_dom[1], mean, "right", -4, -12),
            common.Anchor(x_dom[1], mean, "right", -4, 12),
        ],
        f"mean {fmt(mean)}, × 2 = {fmt(2 * mean)}",
        color,
        x_dom,
        y_dom,
        avoid_x=np.append(xs, xi),
        avoid_y=np.append(values, vi),
        height=height,
    )
    stem = common.segments(
        pd.DataFrame({"x": [xi], "x2": [xi], "y": [0.0], "y2": [vi]}),
        common.PALETTE["w_varies"],
        width=2.5,
        x_domain=x_dom,
        y_domain=y_dom,
    )
    dot = common.points(pd.DataFrame({"x": [xi], "y": [vi]}), common.PALETTE["w_varies"], size=110, tooltip=("x", "y"))
    text = common.free_label(
        [common.Anchor(xi, vi, align, dx, dy) for dy in (0, -14, 14) for align, dx in (("right", -10), ("left", 10))],
        f"point {index}: {fmt(vi)}",
        common.PALETTE["w_varies"],
        x_dom,
        y_dom,
        avoid_x=xs,
        avoid_y=values,
        avoid_levels=(mean,),
        height=height,
    )
    return alt.layer(dots, zero, rule, rule_text, stem, dot, text).properties(height=height)


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
    color = common.cut_color(param)
    x_dom = (float(values[0]), float(values[-1]))
    base = common.cross_section(values, losses, param, title, dots=[(p, loss)], y_domain=y_domain, x_domain=x_dom)
    half = 0.12 * (x_dom[1] - x_dom[0])
    tx = np.array([p - half, p + half])
    ty = common.clip_to(loss + slope * (tx - p), y_domain)
    tangent = (
        alt.Chart(pd.DataFrame({"x": tx, "y": ty, "what": f"tangent, slope {fmt(slope)}"}))
        .mark_line(color=common.PALETTE["grey"] if param == "b" else color, strokeWidth=2, clip=True)
        .encode(**common.xy(), tooltip=[alt.Tooltip(field="what", type="nominal")])
    )
    text = common.label(
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
            alt.Chart(common.ONE_ROW)
            .mark_rect(color=color, opacity=0.2, clip=True)
            .encode(x=alt.datum(x0), x2=alt.datum(x1), y=alt.datum(y0), y2=alt.datum(y1))
        )
        layers.insert(0, rect)
    return alt.layer(*layers).properties(title=title, height=common.HEIGHT)


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
    color = common.cut_color(param)
    (x0, x1), y_win = window
    xs = np.linspace(x0, x1, 121)
    losses = gdcore.cross_section_from_stats(stats, param, fixed, xs)
    tangent = fd.before + fd.true_slope * (xs - p)
    q = p + fd.delta
    digits = delta_digits(fd.delta)
    layers = [
        common.curve(
            xs,
            losses,
            color,
            name=f"loss along {param} ({fixed_name} fixed)",
            x_domain=(x0, x1),
            y_domain=y_win,
            x_title=param,
            y_title="MSE (loss)",
        ),
        alt.Chart(pd.DataFrame({"x": xs, "y": common.clip_to(tangent, y_win), "what": "tangent (true slope)"}))
        .mark_line(color=common.PALETTE["grey"], strokeWidth=1.5, strokeDash=[2, 3], clip=True)
        .encode(**common.xy(), tooltip=[alt.Tooltip(field="what", type="nominal")]),
        common.segments(
            pd.DataFrame({"x": [p, q], "x2": [q, q], "y": [fd.before, fd.before], "y2": [fd.before, fd.after]}),
            color,
            width=1.8,
        ),
        common.segments(pd.DataFrame({"x": [p], "x2": [q], "y": [fd.before], "y2": [fd.after]}), color, width=2.5),
        common.points(pd.DataFrame({"x": [p, q], "y": [fd.before, fd.after]}), color, size=90, tooltip=("x", "y")),
    ]
    heads = pd.DataFrame(
        {
            "x": [q, q],
            "y": [fd.before, fd.after],
            "shape": ["triangle-right", "triangle-down" if fd.delta_loss < 0 else "triangle-up"],
        }
    )
    layers.append(_arrow_heads(heads, color, 50))
    down = fd.delta_loss < 0  # the triangle hangs below the horizontal leg
    y_lo, y_hi = y_win
    # The tangent's label goes where the tangent is still inside the window.
    target = y_lo + 0.1 * (y_hi - y_lo) if fd.true_slope < 0 else y_hi - 0.1 * (y_hi - y_lo)
    xt = p + (target - fd.before) / fd.true_slope if fd.true_slope else x1
    xt = float(min(max(xt, p), x1 - 0.05 * (x1 - x0)))
    middle = (fd.before + fd.after) / 2
    delta_text, tangent_text = f"δ{param} = {short(fd.delta)}", f"tangent: {fmt(fd.true_slope, 2)}"
    tangent_y = fd.before + fd.true_slope * (xt - p)
    layers += [
        common.label(
            (p + q) / 2,
            fd.before,
            delta_text,
            color,
            align="center",
            dy=-12 if down else 14,
            size=14,
        ),
        *_secant_labels(
            fd,
            q,
            middle,
            color,
            digits,
            (x0, x1),
            y_win,
            curve=(xs, losses, tangent),
            taken=[
                common.label_box(
                    common.Anchor((p + q) / 2, fd.before, "center", 0, -12 if down else 14),
                    delta_text,
                    14,
                    (x0, x1),
                    y_win,
                    common.HEIGHT,
                ),
                common.label_box(
                    common.Anchor(xt, tangent_y, "right", -6, 0), tangent_text, 12, (x0, x1), y_win, common.HEIGHT
                ),
            ],
        ),
        common.label(
            xt,
            tangent_y,
            tangent_text,
            "#555555",
            align="right",
            dx=-6,
            size=12,
        ),
    ]
    return alt.layer(*layers).properties(title=f"Fixed: {fixed_name} = {fmt(fixed, 2)}", height=common.HEIGHT)


def _secant_labels(
    fd: FiniteDifference,
    q: float,
    middle: float,
    color: str,
    digits: int,
    x_dom: tuple[float, float],
    y_dom: tuple[float, float],
    *,
    curve: tuple[np.ndarray, np.ndarray, np.ndarray],
    taken: Sequence[tuple[float, float, float, float]] = (),
) -> list[alt.LayerChart]:
    """δMSE and the slope δMSE/δ, two lines beside the triangle's vertical leg, or, where that would run
    off the window (a phone's narrow chart), in the emptiest corner or side, away from the curve, the
    tangent and the labels already ``taken`` (their boxes)."""
    lines = (f"δMSE = {fmt(fd.delta_loss, digits)}", f"δMSE/δ{fd.wrt} ≈ {fmt(fd.slope, 2)}")
    xs, losses, tangent = curve
    anchors = [
        common.Anchor(q, middle, "left", 8, -10),
        common.Anchor(x_dom[0], y_dom[1], "left", 6, 16),
        common.Anchor(x_dom[1], y_dom[1], "right", -6, 16),
        common.Anchor(x_dom[0], y_dom[0], "left", 6, -36),
        common.Anchor(x_dom[1], y_dom[0], "right", -6, -36),
        common.Anchor(x_dom[1], 0.5 * (y_dom[0] + y_dom[1]), "right", -6, -10),
        common.Anchor(x_dom[0], 0.5 * (y_dom[0] + y_dom[1]), "left", 6, -10),
    ]
    a = common.best_anchor(
        anchors,
        max(lines, key=len),
        x_dom,
        y_dom,
        avoid_x=np.concatenate([xs, xs, [q, q]]),
        avoid_y=np.concatenate([losses, tangent, [fd.before, fd.after]]),
        avoid_boxes=taken,
        size=14,
        rows=2,
    )
    return [
        common.label(a.x, a.y, text, color, align=a.align, dx=a.dx, dy=a.dy + row * common.ROW_PX, size=14)
        for row, text in enumerate(lines)
    ]


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
            x=alt.X(
                field="δ",
                type="quantitative",
                scale=alt.Scale(type="log", domain=[d_lo / 1.5, d_hi * 1.5], nice=False),
                title="step δ",
            ),
            y=alt.Y(
                field="abs error", type="quantitative", scale=alt.Scale(type="log"), title="|estimate − true slope|"
            ),
            color=alt.Color(
                field="parameter",
                type="nominal",
                scale=alt.Scale(domain=names, range=[common.PALETTE["w_varies"], common.PALETTE["b_varies"]]),
                title=None,
            ),
            tooltip=[
                alt.Tooltip(field="parameter", type="nominal"),
                alt.Tooltip(field="δ", type="quantitative"),
                alt.Tooltip(field="abs error", type="quantitative", format=D3_FORMAT_6),
            ],
        )
        .properties(title="Estimate minus true slope", height=common.HEIGHT - 80)
    )
