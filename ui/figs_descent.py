"""Step 10 (Rinse and Repeat): the numbers and charts of many epochs of descent.

Everything costly is cached on primitive arguments and works on sufficient
statistics or on bounded subsets, so the page stays fast at N = 1,000,000:

- :func:`facts` — closed form, curvature and stability limits of the data;
- :func:`convergence` — distance to the optimum and loss gap per epoch, the
  rate the Hessian predicts and the rate measured;
- :func:`path_runs` — batch, mini-batch and stochastic paths (Fig 0.19), the
  last two on a capped random subset when the data are large;
- chart builders for Fig 0.18, the player's panels, the convergence and
  oscillation views, the mistakes overlay and Fig 0.19.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from . import charts, compute
from .charts import PALETTE, Line, Marker, fmt
from .settings import Settings

#: Epoch indices of the book's intermediate-epochs table (Chapter 1 loop).
BOOK_EPOCHS = (0, 1, 2, 3, 4, 5, 9, 19, 49, 99, 199, 499, 999)
#: Start of the reference Fig 0.19 (PyTorch's nn.Linear(1, 1) under torch.manual_seed(42)).
REFERENCE_START = (0.83, 0.7645)
#: Mini-batch size of the reference Fig 0.19 (used while the sidebar's batch is 0).
REFERENCE_MINIBATCH = 16
#: Most single-point gradient evaluations (points x epochs) a mini-batch or
#: stochastic path may cost; larger requests run on a random subset.
MAX_PATH_POINT_PASSES = 100_000
#: Most points of one path sent to a chart.
MAX_PATH_DRAWN = 300
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


def numpy_print(value: float) -> str:
    """How numpy prints a one-element array: ``[1.02354094]`` (8 decimals, trimmed)."""
    return np.array2string(np.array([float(value)]))


def num(value: float, digits: int = 4, sci_digits: int = 3) -> str:
    """A number as plain text with ``digits`` decimals; huge values (a diverging
    run) and tiny ones in scientific notation with ``sci_digits`` decimals."""
    if value is not None and math.isfinite(value) and (abs(value) >= 1e6 or 0 < abs(value) < 10.0**-digits):
        return f"{value:.{sci_digits}e}"
    return fmt(value, digits)


def tex_num(value: float, digits: int = 4, *, paren: bool = False) -> str:
    """A number for ``st.latex`` (``1.2346 \\times 10^{152}`` when huge).

    ``paren`` wraps negative values in parentheses (to follow a minus sign).
    """
    if value is None or not math.isfinite(value):
        text = r"\infty" if value and value > 0 else (r"-\infty" if value and value < 0 else r"\text{undefined}")
    elif abs(value) >= 1e6 or 0 < abs(value) < 10.0**-digits:
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    else:
        text = fmt(value, digits)
    return f"({text})" if paren and text.startswith("-") else text


def thin_indices(upto: int, max_points: int = MAX_PATH_DRAWN) -> np.ndarray:
    """Indices 0..upto (inclusive) to draw: all of them when few, else the
    first 60 and then log-spaced ones (descent moves fastest early), ending at ``upto``."""
    upto = max(0, int(upto))
    if upto + 1 <= max_points:
        return np.arange(upto + 1)
    head = np.arange(60)
    tail = np.geomspace(60, upto, max_points - 60).round().astype(int)
    return np.unique(np.concatenate([head, tail, [upto]]))


#: Label placement of the start marker: below-left of the dot, away from the path leaving it.
START_LABEL = {"dx": -8, "dy": 12, "align": "right"}


def inside_label(b: float, b_dom: Sequence[float]) -> dict:
    """Label placement that keeps a marker's text inside the window: below the dot, and to
    its left on the right half (the Minimum's label sits above its dot)."""
    if b > (b_dom[0] + b_dom[1]) / 2:
        return {"dx": -8, "dy": 14, "align": "right"}
    return {"dx": 8, "dy": 14, "align": "left"}


def surface_domains(surface: compute.Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """The b and w extent of a contour chart (grid plus half a cell, as charts.contour draws it)."""
    bv, wv = surface.b_values, surface.w_values
    db, dw = (bv[1] - bv[0]) / 2, (wv[1] - wv[0]) / 2
    return (float(bv[0] - db), float(bv[-1] + db)), (float(wv[0] - dw), float(wv[-1] + dw))


@dataclass(frozen=True)
class VisiblePath:
    """The part of a path a window can show.

    ``b``, ``w`` and ``epoch`` are the (thinned) points up to the first epoch
    outside the window; that last point is moved onto the window's edge, where
    the segment towards it leaves. ``exit_epoch`` is that epoch (None when the
    whole path stays inside).
    """

    b: np.ndarray
    w: np.ndarray
    epoch: np.ndarray
    exit_epoch: int | None


def visible_path(b: np.ndarray, w: np.ndarray, b_dom: Sequence[float], w_dom: Sequence[float],
                 upto: int | None = None, max_points: int = MAX_PATH_DRAWN) -> VisiblePath:
    """Cut a path where it first leaves the window (a diverging run), so no
    line is drawn from far outside back across the chart."""
    b = np.asarray(b, float)[: None if upto is None else upto + 1]
    w = np.asarray(w, float)[: None if upto is None else upto + 1]
    (b_lo, b_hi), (w_lo, w_hi) = b_dom, w_dom
    inside = np.isfinite(b) & np.isfinite(w) & (b >= b_lo) & (b <= b_hi) & (w >= w_lo) & (w <= w_hi)
    exit_epoch = None if inside.all() else int(np.argmin(inside))
    last = b.size - 1 if exit_epoch is None else exit_epoch
    idx = thin_indices(last, max_points)
    bb, ww = b[idx].copy(), w[idx].copy()
    if exit_epoch is not None:
        if exit_epoch == 0:
            bb[-1] = float(np.clip(np.nan_to_num(bb[-1]), b_lo, b_hi))
            ww[-1] = float(np.clip(np.nan_to_num(ww[-1]), w_lo, w_hi))
        else:
            bb[-1], ww[-1] = _edge_point((b[exit_epoch - 1], w[exit_epoch - 1]), (b[exit_epoch], w[exit_epoch]),
                                         b_dom, w_dom)
    return VisiblePath(bb, ww, idx, exit_epoch)


def _edge_point(p: tuple[float, float], q: tuple[float, float], b_dom: Sequence[float],
                w_dom: Sequence[float]) -> tuple[float, float]:
    """Where the segment from p (inside the window) to q (outside) crosses its edge."""
    t = 1.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k, (lo, hi) in enumerate((b_dom, w_dom)):
            d = q[k] - p[k]
            if not math.isfinite(d):
                t = 0.0
            elif q[k] > hi and d > 0:
                t = min(t, (hi - p[k]) / d)
            elif q[k] < lo and d < 0:
                t = min(t, (lo - p[k]) / d)
        t = max(0.0, min(1.0, t))
        out = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
    if not all(math.isfinite(v) for v in out):
        out = p
    return float(np.clip(out[0], *b_dom)), float(np.clip(out[1], *w_dom))


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
    hessian : ndarray (2, 2)
    eigenvalues : ndarray (2,), ascending
    critical : dict
        Largest stable learning rate per (rule, reduction), see :data:`VARIANTS`.
    x_sample, y_sample : ndarray
        At most ``compute.MAX_SCATTER_POINTS`` training points to draw.
    """

    n_train: int
    stats: gdcore.SufficientStats
    val_stats: gdcore.SufficientStats
    minimum: tuple[float, float]
    min_loss: float
    min_val_loss: float
    hessian: np.ndarray
    eigenvalues: np.ndarray
    critical: dict
    x_sample: np.ndarray
    y_sample: np.ndarray

    def factor(self, lr: float) -> float:
        """Predicted per-epoch factor of the distance to the minimum, ``max |1 - lr λ|``."""
        return float(np.max(np.abs(1.0 - lr * self.eigenvalues)))

    def gap(self, b: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Loss minus the minimum loss, as the exact quadratic form ``½ eᵀ H e``.

        Free of the cancellation of ``loss - min_loss`` near the optimum.
        """
        db = np.asarray(b, float) - self.minimum[0]
        dw = np.asarray(w, float) - self.minimum[1]
        h = self.hessian
        with np.errstate(over="ignore", invalid="ignore"):
            return 0.5 * (h[0, 0] * db * db + 2 * h[0, 1] * db * dw + h[1, 1] * dw * dw)


@st.cache_data(max_entries=16, show_spinner=False)
def facts(seed: int, n: int, noise: float, true_b: float, true_w: float) -> Facts:
    """The :class:`Facts` of one data set (one O(n) pass, then cached)."""
    data = compute.dataset(seed, n, noise, true_b, true_w)
    x, y = data.x_train, data.y_train
    stats = gdcore.sufficient_stats(x, y)
    val = gdcore.sufficient_stats(data.x_val, data.y_val)
    b_star, w_star = gdcore.closed_form(x, y)
    pick = compute.display_sample(x.size)
    return Facts(
        n_train=int(x.size),
        stats=stats,
        val_stats=val,
        minimum=(b_star, w_star),
        min_loss=float(stats.loss(b_star, w_star)),
        min_val_loss=float(val.loss(b_star, w_star)),
        hessian=gdcore.hessian(x),
        eigenvalues=gdcore.hessian_eigenvalues(x),
        critical={key: gdcore.critical_lr_for_rule(x, *key) for key in VARIANTS},
        x_sample=np.array(x if pick is None else x[pick]),
        y_sample=np.array(y if pick is None else y[pick]),
    )


def facts_for(s: Settings) -> Facts:
    return facts(s.seed, s.n, s.noise, s.true_b, s.true_w)


@st.cache_data(max_entries=64, show_spinner=False)
def rule_factor(seed: int, n: int, noise: float, true_b: float, true_w: float, lr: float, rule: str,
                reduction: str) -> float:
    """Per-epoch factor (spectral radius of gdcore.iteration_matrix) of one update rule."""
    x = compute.dataset(seed, n, noise, true_b, true_w).x_train
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


def measured_factor(distance: np.ndarray, window: int = 100) -> float | None:
    """Per-epoch shrink (or growth) factor of ``distance``, measured.

    Uses the last ``window`` epochs of the stretch where the distance is
    finite and above rounding noise (1e-12 of where it started).
    """
    d = np.asarray(distance, float)
    if d.size < 2 or not np.isfinite(d[0]) or d[0] <= 0:
        return None
    ok = np.isfinite(d) & (d > 1e-12 * d[0]) & (d > 1e-300)
    end = d.size if ok.all() else int(np.argmin(ok))
    if end < 2:
        return None
    j = end - 1
    i = max(0, j - window)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        value = float(np.exp((np.log(d[j]) - np.log(d[i])) / (j - i)))
    return value if math.isfinite(value) else None


def convergence(h: gdcore.History, f: Facts, lr: float) -> Convergence:
    """Measured and predicted convergence of the batch run ``h`` (see :class:`Convergence`)."""
    b_star, w_star = f.minimum
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.hypot(h.b - b_star, h.w - w_star)
    gap = f.gap(h.b, h.w)
    rho = f.factor(lr)
    epochs = np.arange(h.b.size, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        log_pred = epochs * math.log(rho) + math.log(distance[0]) if rho > 0 and distance[0] > 0 else None
        predicted = (np.where(log_pred < 690, np.exp(np.minimum(log_pred, 690)), np.nan)
                     if log_pred is not None else np.full(h.b.size, np.nan))
    rising = np.flatnonzero(h.train_loss > h.train_loss[0] * (1 + 1e-12))
    return Convergence(
        distance=distance,
        gap=gap,
        predicted=predicted,
        predicted_factor=rho,
        measured_factor=measured_factor(distance),
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
    for name, dev, color in (("b − b*", dev_b, PALETTE["b_varies"]), ("w − w*", dev_w, PALETTE["w_varies"])):
        for e in range(last + 1):
            value = float(dev[e])
            shape = "triangle-up" if value > limit else ("triangle-down" if value < -limit else "circle")
            rows.append({"epoch": e, "shown": float(np.clip(value, -limit, limit)), "actual": num(value),
                         "series": name, "shape": shape})
    frame = pd.DataFrame(rows)
    names = ["b − b*", "w − w*"]
    colors = alt.Color("series:N", scale=alt.Scale(domain=names, range=[PALETTE["b_varies"], PALETTE["w_varies"]]),
                       title=None)
    y = alt.Y("shown:Q", title="distance from the optimum (clipped view)",
              scale=alt.Scale(domain=[-limit * 1.08, limit * 1.08], nice=False))
    x = alt.X("epoch:Q", title="epoch")
    tooltip = [alt.Tooltip("series:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("actual:N", title="actual value")]
    lines = alt.Chart(frame).mark_line(strokeWidth=1.5, clip=True).encode(x=x, y=y, color=colors)
    dots = alt.Chart(frame).mark_point(filled=True, size=70, opacity=1, clip=True).encode(
        x=x, y=y, color=colors, shape=alt.Shape("shape:N", scale=None), tooltip=tooltip)
    edges = alt.Chart(pd.DataFrame({"y": [-limit, limit]})).mark_rule(color=PALETTE["grey"], strokeDash=[4, 3]).encode(
        y=alt.Y("y:Q"))
    layers = [edges, lines, dots]
    if first_out is not None:
        layers.append(alt.Chart(pd.DataFrame({"epoch": [first_out], "y": [limit],
                                              "text": [f"left the view at epoch {first_out}"]})).mark_text(
            align="left", dx=8, dy=12, fontSize=12, fontWeight="bold", color="#222222").encode(
            x="epoch:Q", y=alt.Y("y:Q"), text="text:N"))
    chart = alt.layer(*layers).properties(title="Ping-pong: each step overshoots further", height=charts.HEIGHT)
    return chart, first_out, last


# --- tables -----------------------------------------------------------------------------


def epoch_table(h: gdcore.History, epochs: Sequence[int] = BOOK_EPOCHS, digits: int = 10) -> pd.DataFrame:
    """b, w and the loss before that epoch's update, at the book's epochs that
    exist in ``h`` (plus the final state), as text with ``digits`` decimals."""
    wanted = [e for e in epochs if e <= h.epochs_run]
    if h.epochs_run not in wanted:
        wanted.append(h.epochs_run)
    return pd.DataFrame({
        "epoch": [f"{e:,}" + (" (final)" if e == h.epochs_run else "") for e in wanted],
        "b": [num(float(h.b[e]), digits, 6) for e in wanted],
        "w": [num(float(h.w[e]), digits, 6) for e in wanted],
        "loss": [num(float(h.train_loss[e]), digits, 6) for e in wanted],
    })


def variants_table(f: Facts, factors: dict, lr: float) -> pd.DataFrame:
    """Critical learning rate and per-epoch factor at ``lr`` for every update rule."""
    rows = []
    for key, name in VARIANTS.items():
        rows.append({
            "update": name,
            "critical lr": num(f.critical[key]),
            f"factor per epoch at lr {lr:g}": num(factors[key]),
            "at this lr": "converges" if factors[key] < 1 else "diverges",
        })
    return pd.DataFrame(rows)


# --- Fig 0.18 and the player's panels ------------------------------------------------


def data_domains(f: Facts) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y domains of the data panels (the book's [0, 3.1] when it fits)."""
    return (charts.padded(f.x_sample, book=(-0.05, 1.05)),
            charts.padded(f.y_sample, book=(0.0, 3.1)))


def along_line_label(b: float, w: float, text: str, x_dom: Sequence[float], y_dom: Sequence[float],
                     color: str = "#000000") -> alt.Chart:
    """Text that runs along the line b + w x: rotated by the line's angle on
    screen, computed in the browser from the chart's width and height."""
    x0, x1 = float(x_dom[0]), float(x_dom[1])
    y0, y1 = float(y_dom[0]), float(y_dom[1])
    xt = x0 + 0.4 * (x1 - x0)
    yt = float(np.clip(b + w * xt - 0.1 * (y1 - y0), y0 + 0.05 * (y1 - y0), y1 - 0.05 * (y1 - y0)))
    slope = w * (x1 - x0) / (y1 - y0)  # screen units per screen unit, before the aspect ratio
    angle = alt.expr(f"-atan({slope!r} * height / max(width, 1)) * 180 / PI")
    frame = pd.DataFrame({"x": [xt], "y": [yt], "text": [text]})
    return alt.Chart(frame).mark_text(color=color, angle=angle, fontSize=14, align="left", baseline="middle",
                                      clip=True).encode(x="x:Q", y="y:Q", text="text:N")


def final_model_chart(f: Facts, b: float, w: float, label: str = "Final model's predictions") -> alt.LayerChart:
    """Fig 0.18: the training data and the final line, annotated along the line."""
    x_dom, y_dom = data_domains(f)
    line_x = (0.0, 1.0) if x_dom == (-0.05, 1.05) else (float(f.x_sample.min()), float(f.x_sample.max()))
    return charts.overlay(
        charts.scatter(f.x_sample, f.y_sample, PALETTE["train"], "The final model", x_domain=x_dom, y_domain=y_dom,
                       legend="training data"),
        charts.model_lines([Line(b, w, label, PALETTE["b_varies"])], line_x, y_domain=y_dom),
        along_line_label(b, w, f"b = {num(b)} w = {num(w)}", x_dom, y_dom),
    )


@dataclass(frozen=True)
class FrameView:
    """Everything the player's panels need (computed once per script run)."""

    history: gdcore.History
    facts: Facts
    surface: compute.Surface
    lr: float
    cross_y: tuple[float, float]


def cross_section_domain(f: Facts, start: tuple[float, float], is_book: bool) -> tuple[float, float]:
    """Fixed loss axis for the cross-section panels (the book's [-0.1, 6.1] by default)."""
    if is_book:
        return (-0.1, 6.1)
    top = max(2.2 * float(f.stats.loss(*start)), 4.0 * f.min_loss, 1e-6)
    return (-0.02 * top, top)


def frame_data_chart(v: FrameView, e: int) -> alt.LayerChart:
    """The data with the model line at epoch ``e``."""
    b, w = float(v.history.b[e]), float(v.history.w[e])
    x_dom, y_dom = data_domains(v.facts)
    return charts.overlay(
        charts.scatter(v.facts.x_sample, v.facts.y_sample, PALETTE["train"], f"The model after {e:,} epochs",
                       x_domain=x_dom, y_domain=y_dom, legend="training data"),
        charts.model_lines([Line(b, w, f"model at epoch {e:,}", PALETTE["b_varies"])], x_dom, y_domain=y_dom),
    )


def frame_contour(v: FrameView, e: int, start: tuple[float, float]) -> alt.LayerChart:
    """The contour with the path so far, the current point and the two cuts through it."""
    h = v.history
    b_dom, w_dom = surface_domains(v.surface)
    path = visible_path(h.b, h.w, b_dom, w_dom, upto=e)
    b, w = float(h.b[e]), float(h.w[e])
    markers = [Marker(*v.facts.minimum, "Minimum", loss=v.facts.min_loss),
               Marker(*start, "Start", loss=float(h.train_loss[0]), **START_LABEL)]
    cuts: dict = {"vlines": [(b, PALETTE["w_varies"])], "hlines": [(w, PALETTE["b_varies"])]}
    if path.exit_epoch is not None:
        markers.append(Marker(float(path.b[-1]), float(path.w[-1]), f"left the view at epoch {path.exit_epoch:,}",
                              PALETTE["w_varies"], loss=float(_cut(v.facts.stats, path.b[-1], path.w[-1])),
                              **inside_label(float(path.b[-1]), b_dom)))
        cuts = {"vlines": [c for c in cuts["vlines"] if b_dom[0] <= c[0] <= b_dom[1]],
                "hlines": [c for c in cuts["hlines"] if w_dom[0] <= c[0] <= w_dom[1]]}
    elif e > 0:
        # Near the minimum or the start the two labels would overprint: keep the dot, drop its text.
        span = float(v.surface.b_values[-1] - v.surface.b_values[0])
        crowded = any(math.hypot(b - m.b, w - m.w) < 0.06 * span for m in markers)
        markers.append(Marker(b, w, "" if crowded else f"Epoch {e:,}", PALETTE["updated"],
                              loss=float(h.train_loss[e])))
    return charts.contour(v.surface, markers=markers, **cuts,
                          paths=[(path.b, path.w, "path so far", PALETTE["batch"])],
                          title=f"Loss surface · path after {e:,} epochs", clickable=True)


def _cut(stats: gdcore.SufficientStats, b, w) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(stats.loss(b, w), dtype=float)


def frame_cross_sections(v: FrameView, e: int) -> tuple[alt.LayerChart, alt.LayerChart]:
    """Red: loss along w at the current b. Black: loss along b at the current w."""
    b, w = float(v.history.b[e]), float(v.history.w[e])
    loss = float(v.history.train_loss[e])
    bv, wv = v.surface.b_values, v.surface.w_values
    along_w = charts.cross_section(wv, _cut(v.facts.stats, b, wv), "w", f"Fixed: b = {num(b, 2)}",
                                   dots=[(w, loss)], y_domain=v.cross_y, x_domain=(float(wv[0]), float(wv[-1])))
    along_b = charts.cross_section(bv, _cut(v.facts.stats, bv, w), "b", f"Fixed: w = {num(w, 2)}",
                                   dots=[(b, loss)], y_domain=v.cross_y, x_domain=(float(bv[0]), float(bv[-1])))
    return along_w, along_b


def frame_loss_chart(v: FrameView, e: int) -> alt.LayerChart:
    """Train and validation loss per epoch (log axis) with epoch ``e`` marked."""
    h = v.history
    series = {"train": (h.train_loss, PALETTE["train"])}
    if h.val_loss is not None:
        series["validation"] = (h.val_loss, PALETTE["val"])
    chart = charts.loss_over_epochs(np.arange(h.b.size), series, marker_epoch=e,
                                    title="Train and validation loss over epochs")
    value = float(h.train_loss[e])
    if not (math.isfinite(value) and value > 0):
        return chart
    dot = alt.Chart(pd.DataFrame({"epoch": [e], "loss": [value]})).mark_point(
        filled=True, size=90, color=PALETTE["train"], opacity=1).encode(
        x="epoch:Q", y="loss:Q", tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".6g")])
    return alt.layer(chart, dot)


def next_update(v: FrameView, e: int) -> tuple[float, float, float, float]:
    """Gradients at epoch ``e`` and the parameters after that epoch's update."""
    b, w = float(v.history.b[e]), float(v.history.w[e])
    with np.errstate(over="ignore", invalid="ignore"):
        gb, gw = (float(g) for g in v.facts.stats.gradients(b, w))
        return gb, gw, b - v.lr * gb, w - v.lr * gw


def update_latex(v: FrameView, e: int) -> str:
    """The update of epoch e + 1 with its numbers substituted."""
    b, w = float(v.history.b[e]), float(v.history.w[e])
    gb, gw, b1, w1 = next_update(v, e)
    lr = f"{v.lr:g}"
    return (
        rf"\begin{{aligned}} b_{{{e + 1}}} &= {tex_num(b)} - {lr} \times {tex_num(gb, paren=True)} = {tex_num(b1)} \\"
        rf" w_{{{e + 1}}} &= {tex_num(w)} - {lr} \times {tex_num(gw, paren=True)} = {tex_num(w1)} \end{{aligned}}"
    )


def render_frame(v: FrameView, e: int, start: tuple[float, float]) -> None:
    """Draw every panel of the player for epoch ``e`` (called by ui.player)."""
    from .interact import clickable_contour

    h = v.history
    b, w = float(h.b[e]), float(h.w[e])
    loss = float(h.train_loss[e])
    left, right = st.columns([4, 5])
    with left:
        charts.show(frame_data_chart(v, e),
                    f"After {e:,} epochs the line is ŷ = {num(b)} {_signed(w)}·x; its training loss is {num(loss)}.")
    exit_epoch = visible_path(h.b, h.w, *surface_domains(v.surface), upto=e).exit_epoch
    with right:
        clickable_contour(
            frame_contour(v, e, start),
            f"The path from the start ({num(start[0])}, {num(start[1])}) to epoch {e:,} at ({num(b)}, {num(w)})"
            + (f", which left the view at epoch {exit_epoch:,} (the dot on the edge marks where)"
               if exit_epoch is not None else "")
            + f"; the red cut holds b = {num(b, 2)} fixed, the black one w = {num(w, 2)}.",
            key="rinse_contour")
    gb, gw, _, _ = next_update(v, e)
    st.markdown(f"**The update of epoch {e + 1:,}** (b ← b − η·∂MSE/∂b, w ← w − η·∂MSE/∂w) uses the "
                f"gradients at (b, w) after {e:,} epochs: ∂MSE/∂b = {num(gb)} and ∂MSE/∂w = {num(gw)}.")
    st.latex(update_latex(v, e))
    left, right = st.columns(2)
    along_w, along_b = frame_cross_sections(v, e)
    off = "" if v.cross_y[0] <= loss <= v.cross_y[1] else " The current point's loss is above this view."
    with left:
        charts.show(along_w, f"Loss along w with b fixed at {num(b, 2)}: the red dot is the current w = {num(w)}."
                    + off)
    with right:
        charts.show(along_b, f"Loss along b with w fixed at {num(w, 2)}: the black dot is the current b = {num(b)}."
                    + off)
    val = "" if h.val_loss is None else f" and validation loss {num(float(h.val_loss[e]))}"
    charts.show(frame_loss_chart(v, e),
                f"Training loss goes from {num(float(h.train_loss[0]))} to {num(float(h.train_loss[-1]))} over "
                f"{h.epochs_run:,} epochs; the marker is epoch {e:,} (training loss {num(loss)}{val}).")


def _signed(value: float) -> str:
    return f"{'-' if value < 0 else '+'} {num(abs(value))}"


# --- teachable mistakes ----------------------------------------------------------------


def compare_paths_chart(surface: compute.Surface, f: Facts, start: tuple[float, float],
                        runs: Sequence[tuple[gdcore.History, str, str, bool]], title: str) -> alt.LayerChart:
    """Several batch runs on one contour: (history, name, colour, dashed) each, with a legend."""
    b_dom, w_dom = surface_domains(surface)
    frames = []
    markers = [Marker(*f.minimum, "Minimum", loss=f.min_loss), Marker(*start, "Start", **START_LABEL)]
    for h, name, color, _dashed in runs:
        path = visible_path(h.b, h.w, b_dom, w_dom)
        frames.append(pd.DataFrame({"b": path.b, "w": path.w, "epoch": path.epoch, "path": name,
                                    "actual_b": [num(float(v)) for v in h.b[path.epoch]],
                                    "actual_w": [num(float(v)) for v in h.w[path.epoch]]}))
        if path.exit_epoch is not None:
            markers.append(Marker(float(path.b[-1]), float(path.w[-1]), f"left the view at epoch {path.exit_epoch:,}",
                                  color, **inside_label(float(path.b[-1]), b_dom)))
    frame = pd.concat(frames, ignore_index=True)
    names = [r[1] for r in runs]
    color = alt.Color("path:N", scale=alt.Scale(domain=names, range=[r[2] for r in runs]), title=None,
                      legend=alt.Legend(orient="bottom", direction="vertical"))
    dash = alt.StrokeDash("path:N", scale=alt.Scale(domain=names, range=[[5, 3] if r[3] else [1, 0] for r in runs]),
                          legend=None)
    enc = dict(x=alt.X("b:Q", title="b (intercept)", scale=alt.Scale(domain=list(b_dom), nice=False, zero=False)),
               y=alt.Y("w:Q", title="w (slope)", scale=alt.Scale(domain=list(w_dom), nice=False, zero=False)),
               order="epoch:Q")
    lines = alt.Chart(frame).mark_line(strokeWidth=2, clip=True).encode(**enc, color=color, strokeDash=dash)
    dots = alt.Chart(frame).mark_circle(size=26, opacity=0.9, clip=True).encode(
        **enc, color=alt.Color("path:N", scale=alt.Scale(domain=names, range=[r[2] for r in runs]), legend=None),
        tooltip=[alt.Tooltip("path:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("actual_b:N", title="b"),
                 alt.Tooltip("actual_w:N", title="w")])
    base = charts.contour(surface, title=title)
    return charts.overlay(base, alt.layer(lines, dots), marker_layer(markers, b_dom, w_dom, f.stats))


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
def path_runs(seed: int, n: int, noise: float, true_b: float, true_w: float, b0: float, w0: float, lr: float,
              epochs: int, minibatch: int, max_passes: int = MAX_PATH_POINT_PASSES) -> PathRuns:
    """Batch (all points), mini-batch and stochastic (capped subset) runs from (b0, w0)."""
    data = compute.dataset(seed, n, noise, true_b, true_w)
    x, y = data.x_train, data.y_train
    n_train = int(x.size)
    batch = gdcore.descend(x, y, b0, w0, lr, epochs)
    m = path_subset_size(n_train, epochs, max_passes)
    if m < n_train:
        pick = np.sort(np.random.RandomState(seed).choice(n_train, m, replace=False))
        x, y = x[pick], y[pick]
    k = max(1, min(int(minibatch), m))
    mini = gdcore.descend(x, y, b0, w0, lr, epochs, None if k >= m else k, seed)
    sgd = gdcore.descend(x, y, b0, w0, lr, epochs, 1, seed)
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


def paths_chart(surface: compute.Surface, runs: PathRuns, f: Facts, start: tuple[float, float]) -> alt.LayerChart:
    """Fig 0.19 on one contour: batch (black, solid), mini-batch (green, dashed)
    and stochastic (vermillion, dashed), one dot per epoch, with the labels
    Minimum, Start (at its true (b, w)) and Epoch 1."""
    k = runs.minibatch_size
    spec = [
        (runs.batch, "Batch (all points per update)", PALETTE["batch"], False),
        (runs.minibatch, f"Mini-batch (size {k})", PALETTE["minibatch"], True),
        (runs.stochastic, "Stochastic (size 1)", PALETTE["stochastic"], True),
    ]
    b_dom, w_dom = surface_domains(surface)
    frames = []
    markers = [Marker(*f.minimum, "Minimum"), Marker(*start, "Start", **START_LABEL)]
    for h, name, color, _dashed in spec:
        path = visible_path(h.b, h.w, b_dom, w_dom)
        frames.append(pd.DataFrame({"b": path.b, "w": path.w, "epoch": path.epoch, "path": name,
                                    "loss": charts.clip_to(h.train_loss[path.epoch], (0.0, 1e300))}))
        if h.b.size > 1 and (path.exit_epoch is None or path.exit_epoch > 1):
            below = {"dy": 14} if color == PALETTE["minibatch"] else {}  # keep the three labels apart
            markers.append(Marker(float(h.b[1]), float(h.w[1]), "Epoch 1", color, loss=float(h.train_loss[1]),
                                  **below))
        if path.exit_epoch is not None:
            markers.append(Marker(float(path.b[-1]), float(path.w[-1]), f"left the view at epoch {path.exit_epoch:,}",
                                  color, **inside_label(float(path.b[-1]), b_dom)))
    frame = pd.concat(frames, ignore_index=True)
    names = [s[1] for s in spec]
    colors = [s[2] for s in spec]
    xs = alt.X("b:Q", title="b (intercept)", scale=alt.Scale(domain=list(b_dom), nice=False, zero=False))
    ys = alt.Y("w:Q", title="w (slope)", scale=alt.Scale(domain=list(w_dom), nice=False, zero=False))
    color = alt.Color("path:N", scale=alt.Scale(domain=names, range=colors), title=None,
                      legend=alt.Legend(orient="bottom", direction="horizontal"))
    lines = alt.Chart(frame).mark_line(strokeWidth=1.5, clip=True).encode(
        x=xs, y=ys, order="epoch:Q", color=color,
        strokeDash=alt.StrokeDash("path:N", scale=alt.Scale(domain=names, range=[[5, 3] if s[3] else [1, 0]
                                                                                 for s in spec]), legend=None))
    dots = alt.Chart(frame[frame.epoch > 0]).mark_circle(size=34, opacity=0.95, clip=True).encode(
        x=xs, y=ys, color=alt.Color("path:N", scale=alt.Scale(domain=names, range=colors), legend=None),
        tooltip=[alt.Tooltip("path:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("b:Q", format=".4f"),
                 alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("loss:Q", format=".4f")])
    base = charts.contour(surface, title="The path of gradient descent (one dot per epoch)",
                          height=charts.HEIGHT + 120)
    return charts.overlay(base, alt.layer(lines, dots), marker_layer(markers, b_dom, w_dom, f.stats))


def marker_layer(markers: Sequence[Marker], b_dom: Sequence[float], w_dom: Sequence[float],
                 stats: gdcore.SufficientStats) -> alt.LayerChart:
    """Labelled points drawn above the paths (as charts.contour draws its markers, but on top);
    the tooltip's loss is computed at each drawn position."""
    x = charts.clip_to([m.b for m in markers], b_dom)
    y = charts.clip_to([m.w for m in markers], w_dom)
    frame = pd.DataFrame({"x": x, "y": y, "label": [m.label for m in markers], "color": [m.color for m in markers],
                          "loss": charts.clip_to(_cut(stats, x, y), (0.0, 1e300))})
    enc = dict(x=alt.X("x:Q", title="b (intercept)"), y=alt.Y("y:Q", title="w (slope)"))
    layers = [alt.Chart(frame).mark_point(filled=True, size=110, opacity=1, stroke="white", strokeWidth=1,
                                          clip=True).encode(
        **enc, color=alt.Color("color:N", scale=None),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("x:Q", title="b", format=".4f"),
                 alt.Tooltip("y:Q", title="w", format=".4f"), alt.Tooltip("loss:Q", format=".4f")])]
    places = [(getattr(m, "dx", 8), getattr(m, "dy", -10), getattr(m, "align", "left")) for m in markers]
    for place in dict.fromkeys(places):
        rows = frame[[p == place for p in places]]
        layers.append(alt.Chart(rows).mark_text(align=place[2], dx=place[0], dy=place[1], fontSize=13,
                                                fontWeight="bold", clip=True).encode(
            **enc, text="label:N", color=alt.Color("color:N", scale=None)))
    return alt.layer(*layers)
