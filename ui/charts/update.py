"""Charts of the Update (step 6) and Learning Rate (step 7) pages.

Fig 0.9 (the line before and after one update), the step panels of Figs 0.10-0.12
(one parameter moves along its cross-section) with their windows, and the ruler of
learning-rate zones; plus where a descent path leaves the contour's window.

Fixes of the book's quirks made here:

* Fig 0.9: the updated (green) line is in the legend next to the old one.
* Figs 0.10-0.12: each panel names its own derivative (∂MSE/∂w on the w
  panel, ∂MSE/∂b on the b panel) and the arrow's tip sits exactly on the
  after point instead of 0.1 beyond it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

import gdcore

from ..numbers import D3_FORMAT, fmt, num, short
from ..results import Curvature
from ..results.update import BOOK_LRS, AxisStep, Update
from .common import (
    HEIGHT,
    LINE_LABEL_SIZE,
    PALETTE,
    Line,
    clip_to,
    curve,
    cut_color,
    halo,
    ink,
    label,
    label_box,
    line_anchor,
    model_lines,
    overlay,
    padded,
    scatter,
    visible_path,
    xy,
)

#: Zone names on the learning-rate ruler (the order of :func:`gdcore.lr_zone`), and their colours.
ZONES = ("converges smoothly", "oscillates but converges", "diverges")
ZONE_COLORS = ("#bfe3d4", "#f7dca6", "#f3b9a3")
#: Arrowheads whose tip is the symbol's anchor point (Vega custom shapes).
ARROW_RIGHT = "M0,0L-1,-0.55L-1,0.55Z"
ARROW_LEFT = "M0,0L1,-0.55L1,0.55Z"


# --- Fig 0.9 --------------------------------------------------------------------------


#: The sequential update's line: the Okabe-Ito reddish purple, dotted, so it stands apart from the green one.
MISTAKE_DASH = (2, 3)


def update_figure(x: np.ndarray, y: np.ndarray, upd: Update, *, sequential: bool, book_layout: bool) -> alt.LayerChart:
    """Fig 0.9: the data, the line before (black dashed) and after one update (green dashed).

    Both lines are in the legend (the book's legend misses the green one). With ``sequential`` the
    mistaken update's line is added (reddish purple, dotted; :func:`sequential_zoom` shows the gap
    and names its numbers).
    Each line's label sits in the emptiest place beside it (:func:`ui.charts.common.line_label`).
    ``book_layout`` is kept for the callers; the placement no longer depends on it.
    """
    lines = [
        Line(upd.b, upd.w, "Model's predictions (before)", PALETTE["b_varies"]),
        Line(upd.b_new, upd.w_new, "Using parameters after one update", PALETTE["updated"]),
    ]
    texts = [f"b = {fmt(upd.b)}  w = {fmt(upd.w)}", f"b = {fmt(upd.b_new)}  w = {fmt(upd.w_new)}"]
    if sequential:  # named in the legend; its numbers and its gap to the green line in the zoom
        lines.append(_sequential_line(upd))
    ends = [ln.b + ln.w * xv for ln in lines for xv in (0.0, 1.0)]
    x_dom = padded(x, book=(-0.05, 1.05))
    y_dom = padded(np.concatenate([y, np.asarray(ends)]), book=(0, 3))
    # The labels stay data (charts.label), not alt.datum: the page tests read them from the datasets.
    labels, boxes = [], []
    for ln, text in zip(lines, texts):  # one after the other, each clear of those already placed
        a = line_anchor(
            ln,
            text,
            (0.0, 1.0),
            y_dom,
            avoid_x=x,
            avoid_y=y,
            others=[o for o in lines if o is not ln],
            avoid_boxes=boxes,
        )
        boxes.append(label_box(a, text, LINE_LABEL_SIZE, (0.0, 1.0), y_dom, HEIGHT))
        labels.append(label(a.x, a.y, text, ln.color, align=a.align, dx=a.dx, dy=a.dy, size=LINE_LABEL_SIZE))
    layers = [
        scatter(
            x, y, PALETTE["train"], "The model after one update", x_domain=x_dom, y_domain=y_dom, legend="training data"
        ),
        model_lines(lines, (0, 1), y_domain=y_dom),
        *labels,
    ]
    return overlay(*layers)


def _sequential_line(upd: Update) -> Line:
    return Line(upd.b_new, upd.seq_w_new, "Sequential update (the mistake)", PALETTE["mistake"], dash=MISTAKE_DASH)


def sequential_zoom(upd: Update) -> alt.LayerChart:
    """The correct and the sequential line, zoomed in on x from 0.8 to 1 where they are furthest apart.

    Both start from the same b, so they part only as x grows: on Fig 0.9's scale the gap is a pixel
    or two. Here the window is fitted to the two lines, and the gap at x = 1 is drawn and named.
    """
    lines = [
        Line(upd.b_new, upd.w_new, "Using parameters after one update", PALETTE["updated"]),
        _sequential_line(upd),
    ]
    x_dom = (0.8, 1.0)
    ends = [ln.b + ln.w * xv for ln in lines for xv in x_dom]
    y_dom = padded(ends, pad=0.35)
    y_new, y_seq = clip_to(np.array([lines[0].b + lines[0].w, lines[1].b + lines[1].w]), y_dom)
    gap = pd.DataFrame({"x": [1.0], "x2": [1.0], "y": [y_new], "y2": [y_seq]})
    at_one = 0.5 * (y_new + y_seq)
    return overlay(
        model_lines(lines, x_dom, y_domain=y_dom),
        alt.Chart(gap)
        .mark_rule(color="#222222", strokeWidth=1.5)
        .encode(**xy(x_title="x", y_title="y"), x2=alt.X2(field="x2"), y2=alt.Y2(field="y2")),
        label(1.0, at_one, f"gap at x = 1: {fmt(abs(upd.seq_w_new - upd.w_new))}", "#222222", align="right", dx=-8),
        label(
            0.8,
            float(clip_to(np.array([lines[1].b + lines[1].w * 0.8]), y_dom)[0]),
            f"sequential: b = {fmt(upd.b_new)}  w = {fmt(upd.seq_w_new)}",
            PALETTE["mistake"],
            dx=6,
            dy=16 if upd.seq_w_new < upd.w_new else -16,  # on the side away from the green line
        ),
    ).properties(title="Zoomed in: where the two updates part", height=220)


# --- one step along each cross-section (Figs 0.10-0.12) -------------------------


def section(
    stats: gdcore.SufficientStats, step: AxisStep, domain: tuple[float, float], points: int = 201
) -> tuple[np.ndarray, np.ndarray]:
    """The cross-section curve under ``step``: loss along its parameter, the other fixed."""
    values = np.linspace(domain[0], domain[1], points)
    return values, gdcore.cross_section_from_stats(stats, step.param, step.fixed, values)


def step_domains(
    step: AxisStep, base: tuple[float, float], book_y: tuple[float, float] = (-0.1, 6.1)
) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y windows of a step panel: the book's (``base`` and ``book_y``),
    widened when the before or after point falls outside them."""
    x_dom = padded([base[0], base[1], step.start, step.after], pad=0.04, book=base)
    finite = [v for v in (step.loss_before, step.loss_after) if math.isfinite(v)]
    high = max(finite, default=0.0)
    # Beyond the book's window, leave the top quarter free for the panel's text.
    top = book_y[1] if 1.08 * high <= book_y[1] else min(1.4 * high, 1e300)
    return x_dom, (book_y[0], top)


def _inside(value: float, domain: tuple[float, float]) -> bool:
    return math.isfinite(value) and domain[0] <= value <= domain[1]


def _pin(value: float, domain: tuple[float, float]) -> float:
    """Keep a value on the chart: at the nearest edge if it lies outside (NaN goes to the top)."""
    if math.isnan(value):
        return domain[1]
    return min(max(value, domain[0]), domain[1])


def _by_part(values: list) -> alt.Scale:
    """A scale mapping a step panel's two rules ("step", "drop to the curve") to ``values``."""
    return alt.Scale(domain=["step", "drop to the curve"], range=values)


def step_panel(
    stats: gdcore.SufficientStats, step: AxisStep, x_dom: tuple[float, float], y_dom: tuple[float, float], *, title: str
) -> alt.LayerChart:
    """One panel of Figs 0.10-0.12: the cross-section, the step and its label.

    Red (w moves, b fixed) or black (b moves, w fixed): the curve, a dot at
    the start, a dot on the curve at the after point, the horizontal step at
    the starting loss with an arrowhead whose tip is exactly above (or below)
    the after point, a dotted drop to the curve, ``η = …`` and
    ``−η·∂MSE/∂<param> ≈ …`` with the panel's own parameter. Points outside
    the window are pinned to its edge and named in the panel.

    Built from four layers with explicit channel objects (string shorthands
    and extra layers are what make Altair slow).
    """
    color = cut_color(step.param)
    values, losses = section(stats, step, x_dom)
    enc = xy(x_dom, y_dom)
    line = curve(
        values,
        losses,
        color,
        name=f"loss along {step.param}",
        x_domain=x_dom,
        y_domain=y_dom,
        x_title=step.param,
        y_title="MSE (loss)",
    )
    sx, sy = _pin(step.start, x_dom), _pin(step.loss_before, y_dom)
    ax, ay = _pin(step.after, x_dom), _pin(step.loss_after, y_dom)
    rules = pd.DataFrame(
        {"x": [sx, ax], "x2": [ax, ax], "y": [sy, sy], "y2": [sy, ay], "part": ["step", "drop to the curve"]}
    )
    rule_layer = (
        alt.Chart(rules)
        .mark_rule(color=color, clip=True)
        .encode(
            **enc,
            x2=alt.X2(field="x2"),
            y2=alt.Y2(field="y2"),
            strokeDash=alt.StrokeDash(field="part", type="nominal", scale=_by_part([[1, 0], [3, 3]]), legend=None),
            size=alt.Size(field="part", type="nominal", scale=_by_part([2.5, 1.2]), legend=None),
        )
    )
    arrow = ARROW_RIGHT if step.move > 0 else ARROW_LEFT
    pts = {
        "x": [sx, ax],
        "y": [sy, ay],
        "point": ["before", "after"],
        "shape": ["circle", "circle"],
        "size": [110, 110],
        step.param: [step.start, step.after],
        "loss": [step.loss_before, step.loss_after],
    }
    if step.move != 0 and _inside(step.after, x_dom) and _inside(step.loss_before, y_dom):
        for key, value in (
            ("x", ax),
            ("y", sy),
            ("point", "arrowhead"),
            ("shape", arrow),
            ("size", 260),
            (step.param, step.after),
            ("loss", step.loss_before),
        ):
            pts[key].append(value)
    dot_layer = (
        alt.Chart(pd.DataFrame(pts))
        .mark_point(filled=True, color=color, opacity=1, clip=True)
        .encode(
            **enc,
            shape=alt.Shape(field="shape", type="nominal", scale=None),
            size=alt.Size(field="size", type="quantitative", scale=None),
            tooltip=[
                alt.Tooltip(field="point", type="nominal"),
                alt.Tooltip(field=step.param, type="quantitative", format=D3_FORMAT),
                alt.Tooltip(field="loss", type="quantitative", format=D3_FORMAT),
            ],
        )
    )
    off = [
        name
        for name, value, dom in (
            ("after " + step.param, step.after, x_dom),
            ("after loss", step.loss_after, y_dom),
            ("start " + step.param, step.start, x_dom),
            ("start loss", step.loss_before, y_dom),
        )
        if not _inside(value, dom)
    ]
    texts = [f"η = {fmt(step.lr, 2)}", f"−η·∂MSE/∂{step.param} ≈ {num(step.move, 2)}"]
    sizes = [16, 15]
    if off:
        texts.append("off the chart: " + ", ".join(off) + " (pinned to the edge)")
        sizes.append(12)
    tx, align = text_anchor(values, losses, x_dom, y_dom)
    y_span = y_dom[1] - y_dom[0]
    text_frame = pd.DataFrame(
        {
            "x": [tx] * len(texts),
            "y": [y_dom[1] - (0.07 + 0.1 * i) * y_span for i in range(len(texts))],
            "text": texts,
            "size": sizes,
        }
    )
    text_layer = halo(
        alt.Chart(text_frame)
        .mark_text(color=ink(color), align=align, baseline="middle", clip=True)
        .encode(
            **enc,
            text=alt.Text(field="text", type="nominal"),
            size=alt.Size(field="size", type="quantitative", scale=None, legend=None),
        )
    )
    return alt.layer(line, rule_layer, dot_layer, text_layer).properties(title=title, height=HEIGHT)


def text_anchor(
    values: np.ndarray, losses: np.ndarray, x_dom: tuple[float, float], y_dom: tuple[float, float]
) -> tuple[float, str]:
    """Where a panel's text goes: the left, middle or right, whichever the curve stays lowest under."""
    span = x_dom[1] - x_dom[0]
    best, best_top = (x_dom[0] + 0.03 * span, "left"), math.inf
    for lo, hi, x, align in (
        (0.0, 0.45, x_dom[0] + 0.03 * span, "left"),
        (0.28, 0.72, x_dom[0] + 0.5 * span, "center"),
        (0.55, 1.0, x_dom[1] - 0.03 * span, "right"),
    ):
        sel = (values >= x_dom[0] + lo * span) & (values <= x_dom[0] + hi * span)
        top = float(np.nanmax(np.minimum(losses[sel], y_dom[1]))) if sel.any() else math.inf
        if top < best_top:
            best, best_top = (x, align), top
    return best


# --- the learning-rate ruler ---------------------------------------------------------


def ruler_extent(curv: Curvature, lr: float) -> float:
    """Right end of the ruler: past every limit worth showing and the current rate."""
    return float(
        max(2.6, 1.1 * lr, 1.12 * curv.critical_lr, min(1.08 * curv.limit_w, 5.0), min(1.08 * curv.limit_b, 5.0))
    )


def _by_kind(values: list) -> alt.Scale:
    """A scale mapping the ruler's rules ("book" presets, "yours") to ``values``."""
    return alt.Scale(domain=["book", "yours"], range=values)


def lr_ruler(curv: Curvature, lr: float) -> alt.LayerChart:
    """A horizontal ruler of learning rates with each row's zones and the current rate.

    Rows: a step along b alone (w fixed), along w alone (b fixed), and both
    together (batch descent, limited by λ_max). Zone edges are limit / 2 and
    the limit (2 / curvature). The book's three rates are dotted grey rules,
    the current rate a thick black one.
    """
    top = ruler_extent(curv, lr)
    rows = (
        ("b alone (w fixed)", curv.limit_b),
        ("w alone (b fixed)", curv.limit_w),
        ("b and w together", curv.critical_lr),
    )
    order = [r[0] for r in rows]
    bands, edges = [], []
    for name, limit in rows:
        cuts = [0.0, limit / 2.0, limit, max(top, limit)]
        for i, z in enumerate(ZONES):
            lo, hi = min(cuts[i], top), min(cuts[i + 1], top)
            if hi > lo:
                bands.append({"row": name, "zone": z, "from": lo, "to": hi})
        if limit <= top:
            edges.append({"row": name, "lr": limit, "text": f"limit {fmt(limit)}"})
        else:
            edges.append({"row": name, "lr": top, "text": f"limit {fmt(limit)} →"})
    xs = alt.Scale(domain=[0, top], nice=False, zero=True)
    y = alt.Y(field="row", type="nominal", sort=order, title=None, axis=alt.Axis(labelLimit=200, labelFontSize=12))
    band = (
        alt.Chart(pd.DataFrame(bands))
        .mark_bar()
        .encode(
            x=alt.X(field="from", type="quantitative", scale=xs, title="learning rate η"),
            x2=alt.X2(field="to"),
            y=y,
            color=alt.Color(
                field="zone",
                type="nominal",
                scale=alt.Scale(domain=list(ZONES), range=list(ZONE_COLORS)),
                title=None,
            ),
            tooltip=[
                alt.Tooltip(field="row", type="nominal", title="moving"),
                alt.Tooltip(field="zone", type="nominal"),
                alt.Tooltip(field="from", type="quantitative", format=D3_FORMAT),
                alt.Tooltip(field="to", type="quantitative", format=D3_FORMAT),
            ],
        )
    )
    edge_text = halo(
        alt.Chart(pd.DataFrame(edges))
        .mark_text(align="right", dx=-4, dy=-9, fontSize=11, color="#222222")
        .encode(
            x=alt.X(field="lr", type="quantitative", scale=xs),
            y=y,
            text=alt.Text(field="text", type="nominal"),
            tooltip=[
                alt.Tooltip(field="row", type="nominal"),
                alt.Tooltip(field="lr", type="quantitative", title="limit", format=D3_FORMAT),
            ],
        )
    )
    marks = pd.DataFrame(
        {
            "lr": [*BOOK_LRS, min(lr, top)],
            "what": [f"book preset {short(v)}" for v in BOOK_LRS] + [f"your η = {short(lr)}"],
            "kind": ["book"] * len(BOOK_LRS) + ["yours"],
        }
    )
    rules = (
        alt.Chart(marks)
        .mark_rule()
        .encode(
            x=alt.X(field="lr", type="quantitative", scale=xs),
            color=alt.Color(field="kind", type="nominal", scale=_by_kind([PALETTE["grey"], "#000000"]), legend=None),
            size=alt.Size(field="kind", type="nominal", scale=_by_kind([1.5, 3.5]), legend=None),
            strokeDash=alt.StrokeDash(field="kind", type="nominal", scale=_by_kind([[2, 3], [1, 0]]), legend=None),
            tooltip=[
                alt.Tooltip(field="what", type="nominal"),
                alt.Tooltip(field="lr", type="quantitative", title="η", format=D3_FORMAT),
            ],
        )
    )
    return (
        alt.layer(band, rules, edge_text)
        .resolve_scale(color="independent", size="independent")
        .properties(
            # Short lines: a phone's chart is about 330 px wide, and a title runs off its edge rather than wrap.
            title=alt.TitleParams(
                "Which learning rates work?",
                subtitle=[f"Black line: your η = {short(lr)}", "dotted: the book's 0.2, 0.8, 1.1"],
            ),
            height=200,
        )
    )


# --- the contour's window -----------------------------------------------------------


def window_exit(b: np.ndarray, w: np.ndarray, b_dom: Sequence[float], w_dom: Sequence[float]) -> int | None:
    """The first epoch whose (b, w) lies outside the chart's window
    (None if the path never leaves it, or starts outside)."""
    return visible_path(b, w, b_dom, w_dom).exit_epoch or None
