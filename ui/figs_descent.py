"""Step 10 (Rinse and Repeat): the numbers and charts of many epochs of descent.

Everything costly is cached on primitive arguments and works on sufficient
statistics or on bounded subsets, so the page stays fast at N = 1,000,000:

- :func:`facts` — closed form, curvature and stability limits of the data;
- :func:`convergence` — distance to the optimum and loss gap per epoch, the
  rate the Hessian predicts and the rate measured;
- :func:`path_runs` — batch, mini-batch and stochastic paths (Fig 0.19), the
  last two on a capped random subset when the data are large;
- chart builders for Fig 0.18, the player's loss window and update text, the convergence and
  oscillation views, the mistakes overlay and Fig 0.19.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from . import charts, results
from .charts import PALETTE, Line, Marker
from .memo import heavy_work
from .numbers import num, tex_num
from .settings import DataKey, Settings

#: Epoch indices of the book's intermediate-epochs table (Chapter 1 loop).
BOOK_EPOCHS = (0, 1, 2, 3, 4, 5, 9, 19, 49, 99, 199, 499, 999)
#: Start of the reference Fig 0.19 (PyTorch's nn.Linear(1, 1) under torch.manual_seed(42)).
REFERENCE_START = (0.83, 0.7645)
#: Mini-batch size of the reference Fig 0.19 (used while the sidebar's batch is 0).
REFERENCE_MINIBATCH = 16
#: Most single-point gradient evaluations (points x epochs) a mini-batch or
#: stochastic path may cost; larger requests run on a random subset.
MAX_PATH_POINT_PASSES = 100_000
#: The update rules and loss reductions of the "teachable mistakes".
VARIANTS = {
    ("simultaneous", "mean"): "Correct: simultaneous update, mean loss",
    ("sequential", "mean"): "Mistake: sequential update",
    ("simultaneous", "sum"): "Mistake: sum instead of mean",
    ("sequential", "sum"): "Both mistakes",
}


# --- small numeric helpers ----------------------------------------------------------


def updates_per_epoch(n_train: int, batch_size: int) -> int:
    """Updates in one epoch: ``ceil(n / k)`` (1 for batch, n for stochastic)."""
    return -(-int(n_train) // max(1, int(batch_size)))


def minibatch_size(sidebar_batch: int, n_train: int) -> int:
    """The page's mini-batch size k: the sidebar's, or the reference's 16 while it is 0.

    Never larger than the training set.
    """
    k = int(sidebar_batch) if sidebar_batch and sidebar_batch > 0 else REFERENCE_MINIBATCH
    return max(1, min(k, int(n_train)))


# --- facts about the data: closed form, curvature, limits -------------------------


@dataclass(frozen=True)
class Facts:
    """What the data alone fix: the optimum, the curvature and the stability limits.

    Attributes
    ----------
    n_train : int
    stats, val_stats : gdcore.SufficientStats
        Training and validation statistics (the MSE anywhere costs O(1)).
    minimum : (b*, w*) from the normal equations (gdcore.closed_form).
    min_loss, min_val_loss : float
        Train and validation MSE at the minimum.
    curvature : results.Curvature
        Hessian, eigenvalues and the per-epoch factor of batch descent.
    critical : dict
        Largest stable learning rate per (rule, reduction), see :data:`VARIANTS`.
    x_sample, y_sample : ndarray
        At most ``results.MAX_SCATTER_POINTS`` training points to draw.
    """

    n_train: int
    stats: gdcore.SufficientStats
    val_stats: gdcore.SufficientStats
    minimum: tuple[float, float]
    min_loss: float
    min_val_loss: float
    curvature: results.Curvature
    critical: dict
    x_sample: np.ndarray
    y_sample: np.ndarray


@st.cache_data(max_entries=16, show_spinner=False)
def facts(key: DataKey) -> Facts:
    """The :class:`Facts` of one data set (one O(n) pass, then cached)."""
    t = results.train_summary(key)
    curvature = results.curvature(key)
    data = results.features(key, "original")
    with heavy_work():
        val = gdcore.sufficient_stats(data.x_val, data.y_val)
        critical = {key: gdcore.critical_lr_for_rule(data.x_train, *key) for key in VARIANTS}
    return Facts(
        n_train=t.n_train,
        stats=t.stats,
        val_stats=val,
        minimum=t.minimum,
        min_loss=t.min_loss,
        min_val_loss=float(val.loss(*t.minimum)),
        curvature=curvature,
        critical=critical,
        x_sample=t.sample_x,
        y_sample=t.sample_y,
    )


def facts_for(s: Settings) -> Facts:
    return facts(s.data_key)


@st.cache_data(max_entries=64, show_spinner=False)
def rule_factor(key: DataKey, lr: float, rule: str, reduction: str) -> float:
    """Per-epoch factor (spectral radius of gdcore.iteration_matrix) of one update rule."""
    x = results.features(key, "original").x_train
    with heavy_work():
        return float(np.max(np.abs(np.linalg.eigvals(gdcore.iteration_matrix(x, lr, rule, reduction)))))


# --- convergence and divergence ------------------------------------------------------


@dataclass(frozen=True)
class Convergence:
    """How a batch run approaches (or leaves) the optimum, epoch by epoch.

    Attributes
    ----------
    distance : ndarray
        ``||(b, w) - (b*, w*)||`` per epoch.
    gap : ndarray
        Loss minus the minimum loss per epoch (exact quadratic form).
    predicted : ndarray
        ``factor ** epoch * distance[0]`` (NaN where it would overflow).
    predicted_factor : float
        ``max |1 - lr λ|`` from the Hessian's eigenvalues.
    measured_factor : float or None
        Geometric-mean ratio of successive distances over the run's last
        epochs (above rounding noise); None when too few epochs.
    diverging : bool
        The run overflowed, or the predicted factor exceeds 1.
    overflow_epoch : int or None
        Epoch during which the values stopped being finite.
    rising_from : int or None
        First epoch whose loss exceeds the starting loss.
    """

    distance: np.ndarray
    gap: np.ndarray
    predicted: np.ndarray
    predicted_factor: float
    measured_factor: float | None
    diverging: bool
    overflow_epoch: int | None
    rising_from: int | None


def convergence(h: gdcore.History, f: Facts, lr: float) -> Convergence:
    """Measured and predicted convergence of the batch run ``h`` (see :class:`Convergence`)."""
    b_star, w_star = f.minimum
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.hypot(h.b - b_star, h.w - w_star)
    gap = gdcore.loss_gap(h.b, h.w, f.minimum, f.curvature.hessian)
    rho = f.curvature.factor(lr)
    epochs = np.arange(h.b.size, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        log_pred = epochs * math.log(rho) + math.log(distance[0]) if rho > 0 and distance[0] > 0 else None
        predicted = (
            np.where(log_pred < 690, np.exp(np.minimum(log_pred, 690)), np.nan)
            if log_pred is not None
            else np.full(h.b.size, np.nan)
        )
    rising = np.flatnonzero(h.train_loss > h.train_loss[0] * (1 + 1e-12))
    return Convergence(
        distance=distance,
        gap=gap,
        predicted=predicted,
        predicted_factor=rho,
        measured_factor=gdcore.measured_factor(distance),
        diverging=bool(h.diverged or rho > 1.0),
        overflow_epoch=h.diverged_at if h.diverged and h.epochs_run < h.epochs_requested else None,
        rising_from=int(rising[0]) if rising.size else None,
    )


def convergence_chart(conv: Convergence) -> alt.LayerChart:
    """Distance to the optimum (measured and predicted) and the loss gap, log axis."""
    epochs = np.arange(conv.distance.size)
    return charts.loss_over_epochs(
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
        "series:N", scale=alt.Scale(domain=names, range=[PALETTE["b_varies"], PALETTE["w_varies"]]), title=None
    )
    y = alt.Y(
        "shown:Q",
        title="distance from the optimum (clipped view)",
        scale=alt.Scale(domain=[-limit * 1.08, limit * 1.08], nice=False),
    )
    x = alt.X("epoch:Q", title="epoch")
    tooltip = [alt.Tooltip("series:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("actual:N", title="actual value")]
    lines = alt.Chart(frame).mark_line(strokeWidth=1.5, clip=True).encode(x=x, y=y, color=colors)
    dots = (
        alt.Chart(frame)
        .mark_point(filled=True, size=70, opacity=1, clip=True)
        .encode(x=x, y=y, color=colors, shape=alt.Shape("shape:N", scale=None), tooltip=tooltip)
    )
    edges = (
        alt.Chart(pd.DataFrame({"y": [-limit, limit]}))
        .mark_rule(color=PALETTE["grey"], strokeDash=[4, 3])
        .encode(y=alt.Y("y:Q"))
    )
    layers = [edges, lines, dots]
    if first_out is not None:
        layers.append(
            alt.Chart(
                pd.DataFrame({"epoch": [first_out], "y": [limit], "text": [f"left the view at epoch {first_out}"]})
            )
            .mark_text(align="left", dx=8, dy=12, fontSize=12, fontWeight="bold", color="#222222")
            .encode(x="epoch:Q", y=alt.Y("y:Q"), text="text:N")
        )
    chart = alt.layer(*layers).properties(title="Ping-pong: each step overshoots further", height=charts.HEIGHT)
    return chart, first_out, last


# --- tables -----------------------------------------------------------------------------


def epoch_table(h: gdcore.History, epochs: Sequence[int] = BOOK_EPOCHS, digits: int = 10) -> pd.DataFrame:
    """b, w and the loss before that epoch's update, at the book's epochs that
    exist in ``h`` (plus the final state), as text with ``digits`` decimals."""
    wanted = [e for e in epochs if e <= h.epochs_run]
    if h.epochs_run not in wanted:
        wanted.append(h.epochs_run)
    return pd.DataFrame(
        {
            "epoch": [f"{e:,}" + (" (final)" if e == h.epochs_run else "") for e in wanted],
            "b": [num(float(h.b[e]), digits, 6) for e in wanted],
            "w": [num(float(h.w[e]), digits, 6) for e in wanted],
            "loss": [num(float(h.train_loss[e]), digits, 6) for e in wanted],
        }
    )


def variants_table(f: Facts, factors: dict, lr: float) -> pd.DataFrame:
    """Critical learning rate and per-epoch factor at ``lr`` for every update rule."""
    rows = []
    for key, name in VARIANTS.items():
        rows.append(
            {
                "update": name,
                "critical lr": num(f.critical[key]),
                f"factor per epoch at lr {lr:g}": num(factors[key]),
                "at this lr": "converges" if factors[key] < 1 else "diverges",
            }
        )
    return pd.DataFrame(rows)


# --- Fig 0.18 and what the player needs ----------------------------------------------


def data_domains(f: Facts) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y domains of the data panels (the book's [0, 3.1] when it fits)."""
    return (charts.padded(f.x_sample, book=(-0.05, 1.05)), charts.padded(f.y_sample, book=(0.0, 3.1)))


def along_line_label(
    b: float, w: float, text: str, x_dom: Sequence[float], y_dom: Sequence[float], color: str = "#000000"
) -> alt.Chart:
    """Text that runs along the line b + w x: rotated by the line's angle on
    screen, computed in the browser from the chart's width and height."""
    x0, x1 = float(x_dom[0]), float(x_dom[1])
    y0, y1 = float(y_dom[0]), float(y_dom[1])
    xt = x0 + 0.4 * (x1 - x0)
    yt = float(np.clip(b + w * xt - 0.1 * (y1 - y0), y0 + 0.05 * (y1 - y0), y1 - 0.05 * (y1 - y0)))
    slope = w * (x1 - x0) / (y1 - y0)  # screen units per screen unit, before the aspect ratio
    angle = alt.expr(f"-atan({slope!r} * height / max(width, 1)) * 180 / PI")
    frame = pd.DataFrame({"x": [xt], "y": [yt], "text": [text]})
    return (
        alt.Chart(frame)
        .mark_text(color=color, angle=angle, fontSize=14, align="left", baseline="middle", clip=True)
        .encode(x="x:Q", y="y:Q", text="text:N")
    )


def final_model_chart(f: Facts, b: float, w: float, label: str = "Final model's predictions") -> alt.LayerChart:
    """Fig 0.18: the training data and the final line, annotated along the line."""
    x_dom, y_dom = data_domains(f)
    line_x = (0.0, 1.0) if x_dom == (-0.05, 1.05) else (float(f.x_sample.min()), float(f.x_sample.max()))
    return charts.overlay(
        charts.scatter(
            f.x_sample,
            f.y_sample,
            PALETTE["train"],
            "The final model",
            x_domain=x_dom,
            y_domain=y_dom,
            legend="training data",
        ),
        charts.model_lines([Line(b, w, label, PALETTE["b_varies"])], line_x, y_domain=y_dom),
        along_line_label(b, w, f"b = {num(b)} w = {num(w)}", x_dom, y_dom),
    )


def cross_section_domain(
    f: Facts | results.TrainSummary, start: tuple[float, float], is_book: bool
) -> tuple[float, float]:
    """Fixed loss axis for the cross-section panels (the book's [-0.1, 6.1] by default)."""
    if is_book:
        return (-0.1, 6.1)
    top = max(2.2 * float(f.stats.loss(*start)), 4.0 * f.min_loss, 1e-6)
    return (-0.02 * top, top)


def next_update(
    h: gdcore.History, stats: gdcore.SufficientStats, lr: float, e: int
) -> tuple[float, float, float, float]:
    """Gradients at epoch ``e`` and the parameters after that epoch's update."""
    b, w = float(h.b[e]), float(h.w[e])
    with np.errstate(over="ignore", invalid="ignore"):
        gb, gw = (float(g) for g in stats.gradients(b, w))
        return gb, gw, b - lr * gb, w - lr * gw


def update_latex(h: gdcore.History, stats: gdcore.SufficientStats, lr: float, e: int) -> str:
    """The update of epoch e + 1 with its numbers substituted."""
    b, w = float(h.b[e]), float(h.w[e])
    gb, gw, b1, w1 = next_update(h, stats, lr, e)
    rate = f"{lr:g}"
    return (
        rf"\begin{{aligned}} b_{{{e + 1}}} &= {tex_num(b)} - {rate} \times {tex_num(gb, paren=True)} = {tex_num(b1)} \\"
        rf" w_{{{e + 1}}} &= {tex_num(w)} - {rate} \times {tex_num(gw, paren=True)} = {tex_num(w1)} \end{{aligned}}"
    )


def update_text(h: gdcore.History, f: Facts, lr: float, e: int) -> None:
    """Under the player: the update that follows epoch ``e`` (the epoch the player stopped on)."""
    gb, gw, _, _ = next_update(h, f.stats, lr, e)
    st.markdown(
        f"**The update of epoch {e + 1:,}** (b ← b − η·∂MSE/∂b, w ← w − η·∂MSE/∂w) uses the "
        f"gradients at (b, w) after {e:,} epochs: ∂MSE/∂b = {num(gb)} and ∂MSE/∂w = {num(gw)}."
    )
    st.latex(update_latex(h, f.stats, lr, e))


# --- teachable mistakes ----------------------------------------------------------------


def compare_paths_chart(
    surface: results.Surface,
    f: Facts,
    start: tuple[float, float],
    runs: Sequence[tuple[gdcore.History, str, str, bool]],
    title: str,
) -> alt.LayerChart:
    """Several batch runs on one contour: (history, name, colour, dashed) each, with a legend."""
    b_dom, w_dom = charts.surface_domains(surface)
    paths = [charts.visible_path(h.b, h.w, b_dom, w_dom) for h, *_ in runs]
    markers = [Marker(*f.minimum, "Minimum", loss=f.min_loss), Marker(*start, "Start", **charts.BELOW_LEFT)]
    return _runs_on_contour(charts.contour(surface, title=title), f, runs, paths, markers, b_dom, w_dom)


def _runs_on_contour(
    base: alt.LayerChart,
    f: Facts,
    runs: Sequence[tuple[gdcore.History, str, str, bool]],
    paths: Sequence[charts.VisiblePath],
    markers: Sequence[Marker],
    b_dom: Sequence[float],
    w_dom: Sequence[float],
    *,
    width: float = 2.0,
    dot_size: int = 26,
    dot_opacity: float = 0.9,
    legend: str = "vertical",
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
            frame["loss"] = charts.clip_to(h.train_loss[path.epoch], (0.0, 1e300))
        frames.append(frame)
        if path.edge is not None:
            markers.append(
                Marker(
                    *path.edge,
                    f"left the view at epoch {path.exit_epoch:,}",
                    color,
                    **charts.label_place(path.edge[0], b_dom, below=True),
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    names = [r[1] for r in runs]
    colors = alt.Scale(domain=names, range=[r[2] for r in runs])
    enc = dict(
        **charts.xy(b_dom, w_dom, x="b", y="w", x_title="b (intercept)", y_title="w (slope)"),
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
                legend=alt.Legend(orient="bottom", direction=legend),
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
        tooltip.append(alt.Tooltip(field="loss", type="quantitative", format=".4f"))
    dots = (
        alt.Chart(frame[frame.epoch >= first_dot])
        .mark_circle(size=dot_size, opacity=dot_opacity, clip=True)
        .encode(**enc, color=alt.Color(field="path", type="nominal", scale=colors, legend=None), tooltip=tooltip)
    )
    return charts.overlay(
        base, alt.layer(lines, dots), charts.marker_layer(markers, b_dom, w_dom, loss_at=f.stats.loss)
    )


# --- Fig 0.19: batch, mini-batch and stochastic paths ----------------------------------------


@dataclass(frozen=True)
class PathRuns:
    """The three paths of Fig 0.19 from one start (one point per epoch).

    ``subset`` is the number of training points the mini-batch and stochastic
    runs used (all ``n_train`` unless capped by :data:`MAX_PATH_POINT_PASSES`);
    the batch run always uses every point.
    """

    batch: gdcore.History
    minibatch: gdcore.History
    stochastic: gdcore.History
    minibatch_size: int
    subset: int
    n_train: int
    epochs: int


def path_subset_size(n_train: int, epochs: int, max_passes: int = MAX_PATH_POINT_PASSES) -> int:
    """Training points the mini-batch and stochastic paths may use: all of
    them unless ``n_train * epochs`` single-point gradients exceed ``max_passes``."""
    return int(max(1, min(n_train, max_passes // max(1, epochs))))


def _per_epoch_only(h: gdcore.History) -> gdcore.History:
    """Drop the per-update arrays (large for stochastic runs) before caching."""
    return replace(h, update_b=h.b, update_w=h.w, update_epoch=np.arange(h.b.size, dtype=float))


@st.cache_data(max_entries=32, show_spinner=False)
def path_runs(
    key: DataKey,
    b0: float,
    w0: float,
    lr: float,
    epochs: int,
    minibatch: int,
    max_passes: int = MAX_PATH_POINT_PASSES,
) -> PathRuns:
    """Batch (all points), mini-batch and stochastic (capped subset) runs from (b0, w0)."""
    data = results.features(key, "original")
    x, y = data.x_train, data.y_train
    n_train = int(x.size)
    with heavy_work():
        batch = gdcore.descend(x, y, b0, w0, lr, epochs)
        m = path_subset_size(n_train, epochs, max_passes)
        if m < n_train:
            pick = np.sort(np.random.RandomState(key.seed).choice(n_train, m, replace=False))
            x, y = x[pick], y[pick]
        k = max(1, min(int(minibatch), m))
        mini = gdcore.descend(x, y, b0, w0, lr, epochs, None if k >= m else k, key.seed)
        sgd = gdcore.descend(x, y, b0, w0, lr, epochs, 1, key.seed)
    return PathRuns(_per_epoch_only(batch), _per_epoch_only(mini), _per_epoch_only(sgd), k, m, n_train, epochs)


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


def paths_chart(surface: results.Surface, runs: PathRuns, f: Facts, start: tuple[float, float]) -> alt.LayerChart:
    """Fig 0.19 on one contour: batch (black, solid), mini-batch (green, dashed)
    and stochastic (vermillion, dashed), one dot per epoch, with the labels
    Minimum, Start (at its true (b, w)) and Epoch 1."""
    k = runs.minibatch_size
    spec = [
        (runs.batch, "Batch (all points per update)", PALETTE["batch"], False),
        (runs.minibatch, f"Mini-batch (size {k})", PALETTE["minibatch"], True),
        (runs.stochastic, "Stochastic (size 1)", PALETTE["stochastic"], True),
    ]
    b_dom, w_dom = charts.surface_domains(surface)
    paths = [charts.visible_path(h.b, h.w, b_dom, w_dom) for h, *_ in spec]
    markers = [Marker(*f.minimum, "Minimum"), Marker(*start, "Start", **charts.BELOW_LEFT)]
    for (h, _name, color, _dashed), path in zip(spec, paths):
        if h.b.size > 1 and (path.exit_epoch is None or path.exit_epoch > 1):
            below = {"dy": 14} if color == PALETTE["minibatch"] else {}  # keep the three labels apart
            markers.append(Marker(float(h.b[1]), float(h.w[1]), "Epoch 1", color, loss=float(h.train_loss[1]), **below))
    base = charts.contour(surface, title="The path of gradient descent (one dot per epoch)", height=charts.HEIGHT + 120)
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
        legend="horizontal",
        first_dot=1,
        loss=True,
    )
