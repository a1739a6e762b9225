"""Charts of step 10 (Rinse and Repeat): Fig 0.18, convergence and divergence, the mistakes and Fig 0.19.

- :func:`final_model_chart` — Fig 0.18, the data and the final line, labelled along its slope;
- :func:`convergence_chart` — distance to the optimum (measured and predicted) and the loss gap;
- :func:`oscillation_chart` — b − b* and w − w* of a diverging run, in a clipped view;
- :func:`compare_paths_chart` — the correct path and a mistake's on one contour;
- :func:`paths_chart` — Fig 0.19, batch, mini-batch and stochastic paths on one contour;
- :func:`data_domains` and :func:`path_window` — the windows those charts show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

import gdcore

from ..numbers import D3_FORMAT, count, num
from ..results import Surface
from ..results.descent import Convergence, Facts, PathRuns
from . import common
from .common import BELOW_LEFT, HEIGHT, ONE_ROW, PALETTE, Line, Marker, VisiblePath

# --- windows ---------------------------------------------------------------------------


def data_domains(f: Facts) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y domains of the data panels (the book's [0, 3.1] when it fits)."""
    return (common.padded(f.x_sample, book=(-0.05, 1.05)), common.padded(f.y_sample, book=(0.0, 3.1)))


def path_window(runs: PathRuns, minimum: tuple[float, float], start: tuple[float, float]) -> tuple[float, ...]:
    """A window (b_lo, b_hi, w_lo, w_hi) around the minimum, the start and the
    paths' points near them (far points of a diverging path are clipped)."""
    b_star, w_star = minimum
    reach = max(3.0 * math.hypot(start[0] - b_star, start[1] - w_star), 0.5)
    bs, ws = [b_star, start[0]], [w_star, start[1]]
    for h in (runs.batch, runs.minibatch, runs.stochastic):
        near = np.hypot(h.b - b_star, h.w - w_star) <= reach
        bs.extend(h.b[near].tolist())
        ws.extend(h.w[near].tolist())
    b_lo, b_hi, w_lo, w_hi = min(bs), max(bs), min(ws), max(ws)
    span = max(b_hi - b_lo, w_hi - w_lo, 0.6)
    pad = 0.12 * span
    cb, cw = (b_lo + b_hi) / 2, (w_lo + w_hi) / 2
    half_b = max(b_hi - b_lo, 0.6) / 2 + pad
    half_w = max(w_hi - w_lo, 0.6) / 2 + pad
    return tuple(round(v, 3) for v in (cb - half_b, cb + half_b, cw - half_w, cw + half_w))


# --- Fig 0.18 ----------------------------------------------------------------------------


def along_line_label(
    b: float,
    w: float,
    text: str,
    x_dom: Sequence[float],
    y_dom: Sequence[float],
    color: str = "#000000",
    *,
    avoid_x: Sequence[float] = (),
    avoid_y: Sequence[float] = (),
) -> alt.LayerChart:
    """Text that runs along the line b + w x: rotated by the line's angle on screen, computed in the
    browser from the chart's width and height. It sits parallel to the line, under or over it, at the
    distance where the fewest points (``avoid_x``, ``avoid_y``) lie in its band."""
    x0, x1 = float(x_dom[0]), float(x_dom[1])
    y0, y1 = float(y_dom[0]), float(y_dom[1])
    xt = x0 + 0.4 * (x1 - x0)
    span = y1 - y0
    ax, ay = np.asarray(avoid_x, float), np.asarray(avoid_y, float)
    along = (ax >= xt) & (ax <= xt + 0.5 * (x1 - x0))  # the text's length, about half a phone's chart

    def crowd(offset: float) -> float:
        centre = b + w * xt + offset
        inside = y0 + 0.05 * span <= centre <= y1 - 0.05 * span
        band = np.abs(ay - (centre + w * (ax - xt))) < 0.05 * span
        return float(np.count_nonzero(along & band)) + 1000 * (not inside)

    offset = min((-0.1 * span, 0.1 * span, -0.2 * span, 0.2 * span, -0.3 * span, 0.3 * span), key=crowd)
    yt = float(np.clip(b + w * xt + offset, y0 + 0.05 * span, y1 - 0.05 * span))
    slope = w * (x1 - x0) / (y1 - y0)  # screen units per screen unit, before the aspect ratio
    angle = alt.expr(f"-atan({slope!r} * height / max(width, 1)) * 180 / PI")
    return common.halo(
        alt.Chart(ONE_ROW)
        .mark_text(color=common.ink(color), angle=angle, fontSize=14, align="left", baseline="middle", clip=True)
        .encode(x=alt.datum(xt), y=alt.datum(yt), text=alt.datum(text))
    )


def final_model_chart(f: Facts, b: float, w: float, label: str = "Final model's predictions") -> alt.LayerChart:
    """Fig 0.18: the training data and the final line, annotated along the line."""
    x_dom, y_dom = data_domains(f)
    line_x = (0.0, 1.0) if x_dom == (-0.05, 1.05) else (float(f.x_sample.min()), float(f.x_sample.max()))
    return common.overlay(
        common.scatter(
            f.x_sample,
            f.y_sample,
            PALETTE["train"],
            "The final model",
            x_domain=x_dom,
            y_domain=y_dom,
            legend="training data",
        ),
        common.model_lines([Line(b, w, label, PALETTE["b_varies"])], line_x, y_domain=y_dom),
        along_line_label(b, w, f"b = {num(b)} w = {num(w)}", x_dom, y_dom, avoid_x=f.x_sample, avoid_y=f.y_sample),
    )


# --- convergence and divergence ------------------------------------------------------------


def convergence_chart(conv: Convergence) -> alt.LayerChart:
    """Distance to the optimum (measured and predicted) and the loss gap, log axis."""
    epochs = np.arange(conv.distance.size)
    return common.loss_over_epochs(
        epochs,
        {
            "distance to the optimum (measured)": (conv.distance, PALETTE["b_varies"]),
            "factorᵉ × first distance (predicted)": (conv.predicted, PALETTE["grey"]),
            "loss − minimum loss": (conv.gap, PALETTE["updated"]),
        },
        title="Running away from the optimum" if conv.diverging else "Closing in on the optimum",
        y_title="distance / loss gap (log)",
    )


def oscillation_chart(h: gdcore.History, minimum: tuple[float, float]) -> tuple[alt.LayerChart, int | None, int]:
    """Deviations b − b* and w − w* over the first epochs of a diverging run,
    in a clipped view; values beyond it are drawn as triangles on its edge.

    Returns the chart, the first epoch that left the view (or None) and the
    number of epochs shown.
    """
    dev_b = h.b - minimum[0]
    dev_w = h.w - minimum[1]
    limit = 3.0 * max(abs(dev_b[0]), abs(dev_w[0]), 1e-3)
    outside = (np.abs(dev_b) > limit) | (np.abs(dev_w) > limit)
    first_out = int(np.argmax(outside)) if outside.any() else None
    last = min(h.b.size - 1, max(12, (first_out or 0) + 10), 80)
    rows = []
    for name, dev in (("b − b*", dev_b), ("w − w*", dev_w)):
        for e in range(last + 1):
            value = float(dev[e])
            shape = "triangle-up" if value > limit else ("triangle-down" if value < -limit else "circle")
            rows.append(
                {
                    "epoch": e,
                    "shown": float(np.clip(value, -limit, limit)),
                    "actual": num(value),
                    "series": name,
                    "shape": shape,
                }
            )
    frame = pd.DataFrame(rows)
    names = ["b − b*", "w − w*"]
    colors = alt.Color(
        field="series",
        type="nominal",
        scale=alt.Scale(domain=names, range=[PALETTE["b_varies"], PALETTE["w_varies"]]),
        title=None,
    )
    y = alt.Y(
        field="shown",
        type="quantitative",
        title="distance from the optimum (clipped view)",
        scale=alt.Scale(domain=[-limit * 1.08, limit * 1.08], nice=False),
    )
    x = alt.X(field="epoch", type="quantitative", title="epoch")
    tooltip = [
        alt.Tooltip(field="series", type="nominal"),
        alt.Tooltip(field="epoch", type="quantitative"),
        alt.Tooltip(field="actual", type="nominal", title="actual value"),
    ]
    lines = alt.Chart(frame).mark_line(strokeWidth=1.5, clip=True).encode(x=x, y=y, color=colors)
    dots = (
        alt.Chart(frame)
        .mark_point(filled=True, size=70, opacity=1, clip=True)
        .encode(x=x, y=y, color=colors, shape=alt.Shape(field="shape", type="nominal", scale=None), tooltip=tooltip)
    )
    edges = [
        alt.Chart(ONE_ROW).mark_rule(color=PALETTE["grey"], strokeDash=[4, 3]).encode(y=alt.datum(edge))
        for edge in (-limit, limit)
    ]
    layers = [*edges, lines, dots]
    if first_out is not None:
        layers.append(
            common.halo(
                alt.Chart(ONE_ROW)
                .mark_text(align="left", dx=8, dy=12, fontSize=12, fontWeight="bold", color="#222222")
                .encode(
                    x=alt.datum(first_out), y=alt.datum(limit), text=alt.datum(f"left the view at epoch {first_out}")
                )
            )
        )
    chart = alt.layer(*layers).properties(title="Ping-pong: each step overshoots further", height=HEIGHT)
    return chart, first_out, last


# --- paths on the contour: the mistakes and Fig 0.19 ---------------------------------------


def compare_paths_chart(
    surface: Surface,
    f: Facts,
    start: tuple[float, float],
    runs: Sequence[tuple[gdcore.History, str, str, bool]],
    title: str,
) -> alt.LayerChart:
    """Several batch runs on one contour: (history, name, colour, dashed) each, with a legend."""
    b_dom, w_dom = common.surface_domains(surface)
    paths = [common.visible_path(h.b, h.w, b_dom, w_dom) for h, *_ in runs]
    markers = [Marker(*f.minimum, "Minimum", loss=f.min_loss), Marker(*start, "Start", **BELOW_LEFT)]
    # One legend under the chart, the runs': the loss levels are labelled on the contour lines.
    base = common.contour(surface, title=title, legend=False)
    return _runs_on_contour(base, f, runs, paths, markers, b_dom, w_dom)


def paths_chart(surface: Surface, runs: PathRuns, f: Facts, start: tuple[float, float]) -> alt.LayerChart:
    """Fig 0.19 on one contour: batch (black, solid), mini-batch (green, dashed)
    and stochastic (vermillion, dashed), one dot per epoch, with the labels
    Minimum, Start (at its true (b, w)) and Epoch 1."""
    k = runs.minibatch_size
    spec = [
        (runs.batch, "Batch (all points per update)", PALETTE["batch"], False),
        (runs.minibatch, f"Mini-batch (size {k})", PALETTE["minibatch"], True),
        (runs.stochastic, "Stochastic (size 1)", PALETTE["stochastic"], True),
    ]
    b_dom, w_dom = common.surface_domains(surface)
    paths = [common.visible_path(h.b, h.w, b_dom, w_dom) for h, *_ in spec]
    markers = [Marker(*f.minimum, "Minimum"), Marker(*start, "Start", **BELOW_LEFT)]
    for (h, _name, color, _dashed), path in zip(spec, paths):
        if h.b.size > 1 and (path.exit_epoch is None or path.exit_epoch > 1):
            below = {"dy": 14} if color == PALETTE["minibatch"] else {}  # keep the three labels apart
            markers.append(Marker(float(h.b[1]), float(h.w[1]), "Epoch 1", color, loss=float(h.train_loss[1]), **below))
    base = common.contour(
        surface, title="The path of gradient descent (one dot per epoch)", height=HEIGHT + 120, legend=False
    )
    return _runs_on_contour(
        base,
        f,
        spec,
        paths,
        markers,
        b_dom,
        w_dom,
        width=1.5,
        dot_size=34,
        dot_opacity=0.95,
        first_dot=1,
        loss=True,
    )


def _runs_on_contour(
    base: alt.LayerChart,
    f: Facts,
    runs: Sequence[tuple[gdcore.History, str, str, bool]],
    paths: Sequence[VisiblePath],
    markers: Sequence[Marker],
    b_dom: Sequence[float],
    w_dom: Sequence[float],
    *,
    width: float = 2.0,
    dot_size: int = 26,
    dot_opacity: float = 0.9,
    first_dot: int = 0,
    loss: bool = False,
) -> alt.LayerChart:
    """Runs (history, name, colour, dashed) over a contour ``base``, one line and one dot per epoch
    (from ``first_dot`` on) each, coloured and dashed as the legend says.

    ``paths`` are the runs' :func:`ui.charts.visible_path`; where one leaves the view a labelled
    marker says when. The tooltips give each point's actual b and w (and its loss with ``loss``);
    ``markers`` (plus the exit markers) are drawn on top.
    """
    markers = list(markers)
    frames = []
    for (h, name, color, _dashed), path in zip(runs, paths):
        frame = pd.DataFrame(
            {
                "b": path.b,
                "w": path.w,
                "epoch": path.epoch,
                "path": name,
                "actual_b": [num(float(v)) for v in h.b[path.epoch]],
                "actual_w": [num(float(v)) for v in h.w[path.epoch]],
            }
        )
        if loss:
            frame["loss"] = common.clip_to(h.train_loss[path.epoch], (0.0, 1e300))
        frames.append(frame)
        if path.edge is not None:
            markers.append(
                Marker(
                    *path.edge,
                    f"left the view at epoch {count(path.exit_epoch)}",
                    color,
                    **common.label_place(path.edge[0], b_dom, below=True),
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    names = [r[1] for r in runs]
    colors = alt.Scale(domain=names, range=[r[2] for r in runs])
    enc = dict(
        **common.xy(b_dom, w_dom, x="b", y="w", x_title="b (intercept)", y_title="w (slope)"),
        order=alt.Order(field="epoch", type="quantitative"),
    )
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=width, clip=True)
        .encode(
            **enc,
            color=alt.Color(
                field="path",
                type="nominal",
                scale=colors,
                title=None,
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                field="path",
                type="nominal",
                legend=None,
                scale=alt.Scale(domain=names, range=[[5, 3] if r[3] else [1, 0] for r in runs]),
            ),
        )
    )
    tooltip = [
        alt.Tooltip(field="path", type="nominal"),
        alt.Tooltip(field="epoch", type="quantitative"),
        alt.Tooltip(field="actual_b", type="nominal", title="b"),
        alt.Tooltip(field="actual_w", type="nominal", title="w"),
    ]
    if loss:
        tooltip.append(alt.Tooltip(field="loss", type="quantitative", format=D3_FORMAT))
    dots = (
        alt.Chart(frame[frame.epoch >= first_dot])
        .mark_circle(size=dot_size, opacity=dot_opacity, clip=True)
        .encode(**enc, color=alt.Color(field="path", type="nominal", scale=colors, legend=None), tooltip=tooltip)
    )
    return common.overlay(
        base, alt.layer(lines, dots), common.marker_layer(markers, b_dom, w_dom, loss_at=f.stats.loss)
    )
