"""Numbers and charts of the "Bad Feature" and "Scaling" pages (book Figs 0.13-0.17).

Three versions of the same feature are compared: the original x, the "bad"
x (times 10) and the standardised x. Their loss surfaces are drawn on one
shared window per figure, and :func:`curvature` summarises what the Hessian
of each implies for gradient descent (condition number, usable learning
rate, epochs needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from . import charts, compute
from .charts import PALETTE
from .settings import Settings

#: How each version of the feature is named and coloured (the book's blue, black, green).
LABELS = {"original": "Original", "bad": '"Bad"', "scaled": "Scaled"}
COLORS = {"original": PALETTE["train"], "bad": PALETTE["bad"], "scaled": PALETTE["scaled"]}
#: Most epochs the epoch count looks at before answering "more than ...".
EPOCH_CAP = 5000
#: Learning rates tried when looking for the fastest one: 1 %, 2 %, ..., 99 % of the critical rate.
LR_FRACTIONS = np.round(np.arange(1, 100) / 100.0, 2)
#: "Converged" means a loss within this share of the minimum loss.
TOLERANCE = 0.01
#: Height of the charts drawn three in a row (they stack on narrow screens).
SMALL_HEIGHT = 270


# --- numbers ------------------------------------------------------------------


def term(value: float) -> str:
    """``+ 0.2`` or ``- 0.5``: a short (``:g``) term to append in an equation."""
    return f"{'-' if value < 0 else '+'} {abs(value):g}"


def first_epoch_within(stats: gdcore.SufficientStats, b0: float, w0: float, lrs: np.ndarray,
                       target: float, cap: int) -> tuple[int | None, int | None]:
    """Fewest batch-descent epochs, over several learning rates, to reach ``loss <= target``.

    Runs batch descent from (b0, w0) for every learning rate at once, with
    the same update as :func:`gdcore.descend` (its gradients come from the
    same sufficient statistics), and stops at the first epoch where any of
    them reaches the target.

    Returns
    -------
    (epochs, index) : the epoch count and the index in ``lrs`` of the
        learning rate that got there first (lowest loss on ties);
        ``(None, None)`` when none does within ``cap`` epochs.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    if stats.loss(b0, w0) <= target:
        return 0, 0
    b = np.full(lrs.shape, float(b0))
    w = np.full(lrs.shape, float(w0))
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, cap + 1):
            db, dw = stats.gradients(b, w)
            b, w = b - lrs * db, w - lrs * dw
            loss = stats.loss(b, w)
            hit = loss <= target
            if hit.any():
                return epoch, int(np.argmin(np.where(hit, loss, np.inf)))
    return None, None


@dataclass(frozen=True)
class Curvature:
    """What the shape of one feature's loss surface means for gradient descent.

    Attributes
    ----------
    kind : "original", "bad" or "scaled"
    hessian : ndarray (2, 2)
    eigenvalues : (smallest, largest)
    condition : float
        Largest over smallest eigenvalue.
    critical_lr : float
        ``2 / largest eigenvalue``: batch descent diverges above it.
    axis_limits : (along b, along w)
        Learning-rate limits of the two cross-sections, ``2 / curvature``.
    minimum : (b*, w*)
    min_loss, start_loss : float
        Training MSE at the minimum and at the start.
    target : float
        The loss counted as "converged".
    target_rule : str
        How ``target`` was chosen, in words.
    best_lr : float or None
        The fastest learning rate found (None if none converged).
    epochs : int or None
        Epochs batch descent needs at ``best_lr`` (None: more than ``cap``).
    cap : int
    run : gdcore.History or None
        The run at ``best_lr`` (for the loss chart).
    """

    kind: str
    hessian: np.ndarray
    eigenvalues: tuple[float, float]
    condition: float
    critical_lr: float
    axis_limits: tuple[float, float]
    minimum: tuple[float, float]
    min_loss: float
    start_loss: float
    target: float
    target_rule: str
    best_lr: float | None
    epochs: int | None
    cap: int
    run: gdcore.History | None

    def factor(self, lr: float) -> float:
        """Per-epoch shrink (below 1) or growth (above 1) of the distance to the minimum at ``lr``."""
        return float(max(abs(1.0 - lr * lam) for lam in self.eigenvalues))

    def epochs_text(self) -> str:
        """``"34"`` or ``"more than 5,000"``."""
        return f"{self.epochs:,}" if self.epochs is not None else f"more than {self.cap:,}"


def convergence_target(min_loss: float, start_loss: float) -> tuple[float, str]:
    """The loss that counts as converged: within 1 % of the minimum loss.

    Noise-free data have a minimum loss of (about) zero, where 1 % of it
    cannot be reached; the target is then a millionth of the starting loss.
    """
    if min_loss > 1e-9 * max(start_loss, 1e-300):
        return min_loss * (1.0 + TOLERANCE), "within 1% of the minimum loss"
    return min_loss + 1e-6 * start_loss, "below a millionth of the starting loss (the minimum loss is 0)"


@st.cache_data(max_entries=64, show_spinner=False)
def curvature(seed: int, n: int, noise: float, true_b: float, true_w: float, kind: str,
              b0: float, w0: float) -> Curvature:
    """Curvature summary of one feature, with the epoch count from (b0, w0)."""
    f = compute.features(seed, n, noise, true_b, true_w, kind)
    h = gdcore.hessian(f.x_train)
    lo, hi = (float(v) for v in gdcore.hessian_eigenvalues(f.x_train))
    critical = gdcore.critical_lr(f.x_train)
    stats = gdcore.sufficient_stats(f.x_train, f.y_train)
    b_star, w_star = gdcore.closed_form(f.x_train, f.y_train)
    min_loss = float(stats.loss(b_star, w_star))
    start_loss = float(stats.loss(b0, w0))
    target, rule = convergence_target(min_loss, start_loss)
    lrs = LR_FRACTIONS * critical
    epochs, index = first_epoch_within(stats, b0, w0, lrs, target, EPOCH_CAP)
    best = None if index is None else float(lrs[index])
    run = None
    if best is not None:
        run = gdcore.descend(f.x_train, f.y_train, b0, w0, best, max(epochs, 1))
    return Curvature(
        kind=kind, hessian=h, eigenvalues=(lo, hi), condition=gdcore.condition_number(f.x_train),
        critical_lr=critical, axis_limits=gdcore.axis_lr_limits(f.x_train), minimum=(b_star, w_star),
        min_loss=min_loss, start_loss=start_loss, target=target, target_rule=rule, best_lr=best,
        epochs=epochs, cap=EPOCH_CAP, run=run,
    )


def curvature_for(s: Settings, kind: str) -> Curvature:
    """:func:`curvature` for the sidebar's data and start."""
    b0, w0 = s.start
    return curvature(s.seed, s.n, s.noise, s.true_b, s.true_w, kind, float(b0), float(w0))


def window(kind: str, s: Settings, points: Sequence[tuple[float, float]],
           margin: float = 0.5) -> tuple[float, float, float, float]:
    """(b_low, b_high, w_low, w_high): the book's ``kind`` grid, widened to show ``points``.

    At the book's settings every point is inside, so the window is the
    book's exactly; other data may move a minimum outside it.
    """
    base = gdcore.book_grid(kind, s.true_b, s.true_w)
    b_lo, b_hi = float(base.b_values[0]), float(base.b_values[-1])
    w_lo, w_hi = float(base.w_values[0]), float(base.w_values[-1])
    for b, w in points:
        b_lo, b_hi = min(b_lo, b - margin), max(b_hi, b + margin)
        w_lo, w_hi = min(w_lo, w - margin), max(w_hi, w + margin)
    return b_lo, b_hi, w_lo, w_hi


def is_book_window(kind: str, grid: tuple[float, float, float, float]) -> bool:
    """True when ``grid`` is the book's window for ``kind``."""
    base = gdcore.book_grid(kind)
    return grid == (float(base.b_values[0]), float(base.b_values[-1]),
                    float(base.w_values[0]), float(base.w_values[-1]))


@dataclass(frozen=True)
class Snapped:
    """The start snapped to a surface's grid, and the two cuts through it."""

    b_idx: int
    w_idx: int
    b: float
    w: float
    loss: float
    along_w: np.ndarray
    along_b: np.ndarray


def snap(surface: compute.Surface, b: float, w: float) -> Snapped:
    """The book's ``find_index``: nearest grid point, its loss and cross-sections."""
    b_idx, b_snap = gdcore.snap_to_grid(b, surface.b_values)
    w_idx, w_snap = gdcore.snap_to_grid(w, surface.w_values)
    return Snapped(b_idx, w_idx, b_snap, w_snap, float(surface.losses[w_idx, b_idx]),
                   surface.losses[:, b_idx], surface.losses[w_idx, :])


# --- charts ---------------------------------------------------------------------


def feature_scatter(kind: str, x: np.ndarray, y: np.ndarray, *, height: int = charts.HEIGHT) -> alt.Chart:
    """Fig 0.13 / 0.16 panel: the training points of one feature version.

    ``x`` and ``y`` should already be subsampled (:func:`compute.display_sample`).
    """
    book_x = {"original": (-0.05, 1.05), "bad": (-0.5, 10.5), "scaled": (-1.8, 1.9)}[kind]
    x_dom = charts.padded(x, book=book_x)
    y_dom = charts.padded(y, book=(0, 3.1))
    x_title = {"original": "x", "bad": "x (bad: 10 × x)", "scaled": "x (scaled)"}[kind]
    chart = charts.scatter(x, y, COLORS[kind], f"Train - {LABELS[kind]}", x_domain=x_dom, y_domain=y_dom,
                           x_title=x_title)
    return chart.properties(height=height)


def vertical_legend(chart: alt.LayerChart, length: int = 140) -> alt.LayerChart:
    """Turn a :func:`charts.contour`'s colour legend upright.

    The shared contour asks for its loss legend on the right, but the common
    style's ``orient="top"`` makes the gradient horizontal, 160 px wide, which
    leaves half-width charts with a narrow plot. A vertical bar is ~50 px;
    ``length=0`` drops the legend (the levels stay labelled on the lines).
    """
    for layer in chart.layer:
        enc = getattr(layer, "encoding", alt.Undefined)
        color = getattr(enc, "color", alt.Undefined) if enc is not alt.Undefined else alt.Undefined
        if color is not alt.Undefined and getattr(color, "legend", alt.Undefined) not in (alt.Undefined, None):
            color.legend = None if length <= 0 else alt.Legend(
                title="loss", orient="right", direction="vertical", gradientLength=length, gradientOpacity=1,
                gradientThickness=10)
    return chart


def with_start(chart: alt.LayerChart, surface: compute.Surface, b: float, w: float, label: str,
               loss: float) -> alt.LayerChart:
    """Add the start to a :func:`charts.contour`, its label *under* the dot.

    The shared markers put every label above-right of its dot, where the
    start's label runs into the minimum's when the two are close (the
    "after" surface of Fig 0.14); the book also writes it below the start.
    """
    bv, wv = surface.b_values, surface.w_values
    db, dw = (bv[1] - bv[0]) / 2, (wv[1] - wv[0]) / 2
    xs = alt.Scale(domain=[float(bv[0] - db), float(bv[-1] + db)], zero=False, nice=False)
    ys = alt.Scale(domain=[float(wv[0] - dw), float(wv[-1] + dw)], zero=False, nice=False)
    frame = pd.DataFrame({"x": [float(b)], "y": [float(w)], "label": [label], "loss": [float(loss)]})
    base = alt.Chart(frame).encode(x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys))
    dot = base.mark_point(filled=True, size=110, opacity=1, color=PALETTE["marker"], stroke="white",
                          strokeWidth=1, clip=True).encode(
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("x:Q", title="b", format=".4f"),
                 alt.Tooltip("y:Q", title="w", format=".4f"), alt.Tooltip("loss:Q", format=".4f")])
    text = base.mark_text(align="right", baseline="top", dx=-4, dy=6, fontSize=13, fontWeight="bold",
                          color=PALETTE["marker"], clip=True).encode(text="label:N")
    chart.layer = [*chart.layer, dot, text]
    return chart


def titled(chart: alt.LayerChart, title: str, subtitle: str = "") -> alt.LayerChart:
    """Give a chart a title and a second, smaller line under it."""
    return chart.properties(title=alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined,
                                                  subtitleFontSize=12, subtitleColor="#333333"))


def before_after_section(values: np.ndarray, before: np.ndarray, after: np.ndarray, param: str,
                         title: str, at: float, dots: tuple[float, float], *,
                         x_domain: Sequence[float], y_domain: Sequence[float]) -> alt.LayerChart:
    """Fig 0.15 panel: one cross-section before (thin) and after (thick) the bad feature.

    Parameters
    ----------
    values : the parameter that varies (w for the red cut, b for the black one)
    before, after : the losses along it for the original and the bad feature
    at : where the start sits on this axis; ``dots`` are the two losses there
    """
    color = PALETTE["w_varies"] if param == "w" else PALETTE["b_varies"]
    keep = (values >= x_domain[0] - 1e-9) & (values <= x_domain[1] + 1e-9)
    names = ["Before", "After"]
    frame = pd.concat([
        pd.DataFrame({"x": values[keep], "loss": charts.clip_to(curve[keep], y_domain), "curve": name,
                      "true_loss": curve[keep]})
        for name, curve in zip(names, (before, after))
    ], ignore_index=True)
    xs = alt.Scale(domain=[float(x_domain[0]), float(x_domain[1])], zero=False, nice=False)
    ys = alt.Scale(domain=[float(y_domain[0]), float(y_domain[1])], zero=False, nice=False)
    lines = alt.Chart(frame).mark_line(color=color, strokeDash=[6, 4], clip=True).encode(
        x=alt.X("x:Q", title=param, scale=xs),
        y=alt.Y("loss:Q", title="loss (MSE)", scale=ys),
        strokeWidth=alt.StrokeWidth("curve:N", scale=alt.Scale(domain=names, range=[1.2, 3.2]),
                                    legend=alt.Legend(title=None, symbolStrokeColor=color, symbolType="stroke")),
        detail="curve:N",
        tooltip=[alt.Tooltip("curve:N"), alt.Tooltip("x:Q", title=param, format=".2f"),
                 alt.Tooltip("true_loss:Q", title="loss", format=".4f")],
    )
    marks = pd.DataFrame({"x": [at, at], "y": charts.clip_to(list(dots), y_domain), "loss": list(dots),
                          "curve": names})
    dot_layer = alt.Chart(marks).mark_point(filled=True, color=color, size=90, opacity=1, clip=True).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys),
        tooltip=[alt.Tooltip("curve:N"), alt.Tooltip("x:Q", title=param, format=".2f"),
                 alt.Tooltip("loss:Q", format=".4f")])
    return alt.layer(lines, dot_layer).properties(title=title, height=charts.HEIGHT)


def _powers_of_ten(values: np.ndarray) -> list[float]:
    """Tick values 10^k spanning ``values`` (keeps a log axis to one grid line per decade)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return [1.0]
    lo, hi = int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max())))
    step = max(1, (hi - lo) // 8)
    return [float(10.0**k) for k in range(lo, hi + 1, step)]


def excess_loss_chart(runs: Sequence[Curvature], *, height: int = charts.HEIGHT) -> alt.LayerChart:
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
        name = f"{LABELS[c.kind]} (η = {charts.fmt(c.best_lr)})"
        names.append(name)
        colors.append(COLORS[c.kind])
        frames.append(pd.DataFrame({"epoch": epochs[keep], "excess": np.maximum(excess[keep], floor),
                                    "true_excess": excess[keep], "feature": name}))
    if not frames:
        frames = [pd.DataFrame({"epoch": [0], "excess": [1.0], "true_excess": [1.0], "feature": ["none"]})]
    frame = pd.concat(frames, ignore_index=True)
    lines = alt.Chart(frame).mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=18), clip=True).encode(
        x=alt.X("epoch:Q", title="epoch"),
        y=alt.Y("excess:Q", title="loss − minimum loss", scale=alt.Scale(type="log"),
                axis=alt.Axis(values=_powers_of_ten(frame["excess"].to_numpy()), format="~g")),
        color=alt.Color("feature:N", scale=alt.Scale(domain=names or ["none"], range=colors or ["#000000"]),
                        title=None),
        tooltip=[alt.Tooltip("feature:N"), alt.Tooltip("epoch:Q"),
                 alt.Tooltip("true_excess:Q", title="loss − minimum", format=".3g")],
    )
    layers = [lines]
    first = done[0] if done else None
    if first is not None and first.target - first.min_loss > 0:
        rule = pd.DataFrame({"excess": [first.target - first.min_loss], "what": [first.target_rule]})
        layers.append(alt.Chart(rule).mark_rule(color=PALETTE["grey"], strokeDash=[4, 3]).encode(
            y="excess:Q", tooltip=[alt.Tooltip("what:N", title="converged"),
                                   alt.Tooltip("excess:Q", format=".3g")]))
    return alt.layer(*layers).properties(title="How fast batch descent converges", height=height)
