"""Charts of the "Bad Feature" and "Scaling" pages (book Figs 0.13-0.17).

Three versions of the same feature are compared: the original x, the "bad" x (times 10) and
the standardised x. This module names and colours them, draws their training points, the
before/after cross-sections of Fig 0.15 and how fast batch descent converges on each.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..numbers import D3_FORMAT, D3_FORMAT_2, D3_SHORT, D3_SIG3, fmt, num
from ..results import Snapped, Surface
from ..results.scaling import FastestDescent
from .common import (
    HEIGHT,
    ONE_ROW,
    PALETTE,
    Marker,
    clip_to,
    contour,
    cut_color,
    marker_layer,
    padded,
    scatter,
    surface_domains,
)

#: Each version of the feature by name, for sentences and metric labels.
NAMES = {"original": "Original", "bad": "Bad", "scaled": "Scaled"}
#: The same names as chart titles and legends write them (the book puts "bad" in quotes).
LABELS = {kind: f'"{name}"' if kind == "bad" else name for kind, name in NAMES.items()}
#: The book's colours: blue, black, green.
COLORS = {"original": PALETTE["train"], "bad": PALETTE["bad"], "scaled": PALETTE["scaled"]}
#: Height of the charts drawn three in a row (they stack on narrow screens).
SMALL_HEIGHT = 270


def feature_scatter(kind: str, x: np.ndarray, y: np.ndarray, *, height: int = HEIGHT) -> alt.Chart:
    """Fig 0.13 / 0.16 panel: the training points of one feature version.

    ``x`` and ``y`` should already be subsampled (:func:`ui.results.display_points`).
    """
    book_x = {"original": (-0.05, 1.05), "bad": (-0.5, 10.5), "scaled": (-1.8, 1.9)}[kind]
    x_dom = padded(x, book=book_x)
    y_dom = padded(y, book=(0, 3.1))
    x_title = {"original": "x", "bad": "x (bad: 10 × x)", "scaled": "x (scaled)"}[kind]
    chart = scatter(x, y, COLORS[kind], f"Train - {LABELS[kind]}", x_domain=x_dom, y_domain=y_dom, x_title=x_title)
    return chart.properties(height=height)


def titled(chart: alt.LayerChart, title: str, subtitle: str = "") -> alt.LayerChart:
    """Give a chart a title and a second, smaller line under it."""
    return chart.properties(
        title=alt.TitleParams(
            text=title, subtitle=subtitle or alt.Undefined, subtitleFontSize=12, subtitleColor="#333333"
        )
    )


def cut_contour(surface: Surface, minimum: Marker, start: Marker, *, title: str) -> alt.LayerChart:
    """A contour map with its minimum, and the start (labelled under its dot) with the two cuts
    through it: b fixed (vermillion, vertical) and w fixed (black, horizontal)."""
    start_layer = marker_layer([start], *surface_domains(surface), color=PALETTE["marker"])
    return contour(
        surface,
        markers=[minimum],
        vlines=[(start.b, PALETTE["w_varies"])],
        hlines=[(start.w, PALETTE["b_varies"])],
        extra=[start_layer],
        title=title,
    )


def small_contour(surface: Surface, minimum: Marker, title: str, subtitle: str) -> alt.LayerChart:
    """A small contour map without a legend, with its minimum, a title and a subtitle (three side by side)."""
    chart = contour(surface, markers=[minimum], height=SMALL_HEIGHT + 30, legend=False)
    return titled(chart, title, subtitle)


def before_after_cross_section(
    param: str,
    values: np.ndarray,
    before: Snapped,
    after: Snapped,
    *,
    x_domain: Sequence[float],
    y_domain: Sequence[float],
) -> alt.LayerChart:
    """Fig 0.15 panel: the cut along ``param`` through the snapped start, before (thin) and after (thick).

    Parameters
    ----------
    param : "w" for the red cut (b fixed), "b" for the black one (w fixed)
    values : the values of ``param`` along the cut
    before, after : the start snapped to the original and to the bad feature's surface (same window)
    """
    if param == "w":
        curves, at, title = (before.along_w, after.along_w), before.w, f"Fixed: b = {fmt(before.b, 2)}"
    else:
        curves, at, title = (before.along_b, after.along_b), before.b, f"Fixed: w = {fmt(before.w, 2)}"
    dots = (before.loss, after.loss)
    color = cut_color(param)
    keep = (values >= x_domain[0] - 1e-9) & (values <= x_domain[1] + 1e-9)
    names = ["Before", "After"]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "x": values[keep],
                    "loss": clip_to(curve[keep], y_domain),
                    "curve": name,
                    "true_loss": curve[keep],
                }
            )
            for name, curve in zip(names, curves)
        ],
        ignore_index=True,
    )
    xs = alt.Scale(domain=[float(x_domain[0]), float(x_domain[1])], zero=False, nice=False)
    ys = alt.Scale(domain=[float(y_domain[0]), float(y_domain[1])], zero=False, nice=False)
    lines = (
        alt.Chart(frame)
        .mark_line(color=color, strokeDash=[6, 4], clip=True)
        .encode(
            x=alt.X(field="x", type="quantitative", title=param, scale=xs),
            y=alt.Y(field="loss", type="quantitative", title="loss (MSE)", scale=ys),
            strokeWidth=alt.StrokeWidth(
                field="curve",
                type="nominal",
                scale=alt.Scale(domain=names, range=[1.2, 3.2]),
                legend=alt.Legend(title=None, symbolStrokeColor=color, symbolType="stroke"),
            ),
            detail=alt.Detail(field="curve", type="nominal"),
            tooltip=[
                alt.Tooltip(field="curve", type="nominal"),
                alt.Tooltip(field="x", type="quantitative", title=param, format=D3_FORMAT_2),
                alt.Tooltip(field="true_loss", type="quantitative", title="loss", format=D3_FORMAT),
            ],
        )
    )
    marks = pd.DataFrame({"x": [at, at], "y": clip_to(list(dots), y_domain), "loss": list(dots), "curve": names})
    dot_layer = (
        alt.Chart(marks)
        .mark_point(filled=True, color=color, size=90, opacity=1, clip=True)
        .encode(
            x=alt.X(field="x", type="quantitative", scale=xs),
            y=alt.Y(field="y", type="quantitative", scale=ys),
            tooltip=[
                alt.Tooltip(field="curve", type="nominal"),
                alt.Tooltip(field="x", type="quantitative", title=param, format=D3_FORMAT_2),
                alt.Tooltip(field="loss", type="quantitative", format=D3_FORMAT),
            ],
        )
    )
    return alt.layer(lines, dot_layer).properties(title=title, height=HEIGHT)


def _powers_of_ten(values: np.ndarray) -> list[float]:
    """Tick values 10^k spanning ``values`` (keeps a log axis to one grid line per decade)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return [1.0]
    lo, hi = int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max())))
    step = max(1, (hi - lo) // 8)
    return [float(10.0**k) for k in range(lo, hi + 1, step)]


def excess_loss_chart(runs: Sequence[FastestDescent], *, height: int = HEIGHT) -> alt.LayerChart:
    """Loss above the minimum per epoch, each feature at its own fastest learning rate (log scale).

    A grey rule marks the "converged" level of the first run.
    """
    frames = []
    names, colors = [], []
    done = [c for c in runs if c.run is not None]
    # Excess losses below the floor (exactly 0 once a round bowl is solved) sit on it.
    floor = min((c.target - c.min_loss for c in done), default=1.0) / 100.0
    floor = floor if floor > 0 else 1e-12
    for c in done:
        excess = np.asarray(c.run.train_loss, float) - c.min_loss
        epochs = np.arange(excess.size)
        keep = np.isfinite(excess)
        name = f"{LABELS[c.kind]} (η = {fmt(c.best_lr)})"
        names.append(name)
        colors.append(COLORS[c.kind])
        frames.append(
            pd.DataFrame(
                {
                    "epoch": epochs[keep],
                    "excess": np.maximum(excess[keep], floor),
                    "true_excess": excess[keep],
                    "feature": name,
                }
            )
        )
    if not frames:
        frames = [pd.DataFrame({"epoch": [0], "excess": [1.0], "true_excess": [1.0], "feature": ["none"]})]
    frame = pd.concat(frames, ignore_index=True)
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=18), clip=True)
        .encode(
            x=alt.X(field="epoch", type="quantitative", title="epoch"),
            y=alt.Y(
                field="excess",
                type="quantitative",
                title="loss − minimum loss",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(values=_powers_of_ten(frame["excess"].to_numpy()), format=D3_SHORT),
            ),
            color=alt.Color(
                field="feature",
                type="nominal",
                scale=alt.Scale(domain=names or ["none"], range=colors or ["#000000"]),
                title=None,
            ),
            tooltip=[
                alt.Tooltip(field="feature", type="nominal"),
                alt.Tooltip(field="epoch", type="quantitative"),
                alt.Tooltip(field="true_excess", type="quantitative", title="loss − minimum", format=D3_SIG3),
            ],
        )
    )
    layers = [lines]
    first = done[0] if done else None
    if first is not None and first.target - first.min_loss > 0:
        level = first.target - first.min_loss
        layers.append(
            alt.Chart(ONE_ROW)
            .mark_rule(color=PALETTE["grey"], strokeDash=[4, 3])
            .encode(
                y=alt.datum(level), tooltip=alt.value(f"converged: {first.target_rule}; loss − minimum = {num(level)}")
            )
        )
    return alt.layer(*layers).properties(title="How fast batch descent converges", height=height)
