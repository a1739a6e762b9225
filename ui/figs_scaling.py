"""Numbers and charts of the "Bad Feature" and "Scaling" pages (book Figs 0.13-0.17).

Three versions of the same feature are compared: the original x, the "bad"
x (times 10) and the standardised x. Their loss surfaces are drawn on one
shared window per figure; :func:`ui.results.curvature` summarises what the
Hessian of each implies for the learning rate, and :func:`fastest_descent`
how many epochs batch descent then needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from . import charts, results
from .charts import PALETTE
from .memo import heavy_work
from .numbers import fmt
from .settings import DataKey, Settings

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


@dataclass(frozen=True)
class FastestDescent:
    """How fast batch descent on one feature gets from the start to (near) the minimum.

    Attributes
    ----------
    kind : "original", "bad" or "scaled"
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
    minimum: tuple[float, float]
    min_loss: float
    start_loss: float
    target: float
    target_rule: str
    best_lr: float | None
    epochs: int | None
    cap: int
    run: gdcore.History | None

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
def fastest_descent(key: DataKey, kind: str, b0: float, w0: float) -> FastestDescent:
    """The fastest of 99 learning rates (1 % … 99 % of the critical one) from (b0, w0), and its run."""
    f = results.features(key, kind)
    critical = results.curvature(key, kind).critical_lr
    with heavy_work():
        stats = gdcore.sufficient_stats(f.x_train, f.y_train)
        b_star, w_star = gdcore.closed_form(f.x_train, f.y_train)
    min_loss = float(stats.loss(b_star, w_star))
    start_loss = float(stats.loss(b0, w0))
    target, rule = convergence_target(min_loss, start_loss)
    lrs = LR_FRACTIONS * critical
    epochs, index = gdcore.first_epoch_within(stats, b0, w0, lrs, target, EPOCH_CAP)
    best = None if index is None else float(lrs[index])
    run = None
    if best is not None:
        with heavy_work():
            run = gdcore.descend(f.x_train, f.y_train, b0, w0, best, max(epochs, 1))
    return FastestDescent(
        kind=kind,
        minimum=(b_star, w_star),
        min_loss=min_loss,
        start_loss=start_loss,
        target=target,
        target_rule=rule,
        best_lr=best,
        epochs=epochs,
        cap=EPOCH_CAP,
        run=run,
    )


def fastest_for(s: Settings, kind: str) -> FastestDescent:
    """:func:`fastest_descent` for the sidebar's data and start."""
    b0, w0 = s.start
    return fastest_descent(s.data_key, kind, float(b0), float(w0))


def window(
    kind: str, s: Settings, points: Sequence[tuple[float, float]], margin: float = 0.5
) -> tuple[float, float, float, float]:
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
    return grid == (
        float(base.b_values[0]),
        float(base.b_values[-1]),
        float(base.w_values[0]),
        float(base.w_values[-1]),
    )


# --- charts ---------------------------------------------------------------------


def feature_scatter(kind: str, x: np.ndarray, y: np.ndarray, *, height: int = charts.HEIGHT) -> alt.Chart:
    """Fig 0.13 / 0.16 panel: the training points of one feature version.

    ``x`` and ``y`` should already be subsampled (:func:`results.display_sample`).
    """
    book_x = {"original": (-0.05, 1.05), "bad": (-0.5, 10.5), "scaled": (-1.8, 1.9)}[kind]
    x_dom = charts.padded(x, book=book_x)
    y_dom = charts.padded(y, book=(0, 3.1))
    x_title = {"original": "x", "bad": "x (bad: 10 × x)", "scaled": "x (scaled)"}[kind]
    chart = charts.scatter(
        x, y, COLORS[kind], f"Train - {LABELS[kind]}", x_domain=x_dom, y_domain=y_dom, x_title=x_title
    )
    return chart.properties(height=height)


def titled(chart: alt.LayerChart, title: str, subtitle: str = "") -> alt.LayerChart:
    """Give a chart a title and a second, smaller line under it."""
    return chart.properties(
        title=alt.TitleParams(
            text=title, subtitle=subtitle or alt.Undefined, subtitleFontSize=12, subtitleColor="#333333"
        )
    )


def before_after_section(
    values: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    param: str,
    title: str,
    at: float,
    dots: tuple[float, float],
    *,
    x_domain: Sequence[float],
    y_domain: Sequence[float],
) -> alt.LayerChart:
    """Fig 0.15 panel: one cross-section before (thin) and after (thick) the bad feature.

    Parameters
    ----------
    values : the parameter that varies (w for the red cut, b for the black one)
    before, after : the losses along it for the original and the bad feature
    at : where the start sits on this axis; ``dots`` are the two losses there
    """
    color = charts.cut_color(param)
    keep = (values >= x_domain[0] - 1e-9) & (values <= x_domain[1] + 1e-9)
    names = ["Before", "After"]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "x": values[keep],
                    "loss": charts.clip_to(curve[keep], y_domain),
                    "curve": name,
                    "true_loss": curve[keep],
                }
            )
            for name, curve in zip(names, (before, after))
        ],
        ignore_index=True,
    )
    xs = alt.Scale(domain=[float(x_domain[0]), float(x_domain[1])], zero=False, nice=False)
    ys = alt.Scale(domain=[float(y_domain[0]), float(y_domain[1])], zero=False, nice=False)
    lines = (
        alt.Chart(frame)
        .mark_line(color=color, strokeDash=[6, 4], clip=True)
        .encode(
            x=alt.X("x:Q", title=param, scale=xs),
            y=alt.Y("loss:Q", title="loss (MSE)", scale=ys),
            strokeWidth=alt.StrokeWidth(
                "curve:N",
                scale=alt.Scale(domain=names, range=[1.2, 3.2]),
                legend=alt.Legend(title=None, symbolStrokeColor=color, symbolType="stroke"),
            ),
            detail="curve:N",
            tooltip=[
                alt.Tooltip("curve:N"),
                alt.Tooltip("x:Q", title=param, format=".2f"),
                alt.Tooltip("true_loss:Q", title="loss", format=".4f"),
            ],
        )
    )
    marks = pd.DataFrame({"x": [at, at], "y": charts.clip_to(list(dots), y_domain), "loss": list(dots), "curve": names})
    dot_layer = (
        alt.Chart(marks)
        .mark_point(filled=True, color=color, size=90, opacity=1, clip=True)
        .encode(
            x=alt.X("x:Q", scale=xs),
            y=alt.Y("y:Q", scale=ys),
            tooltip=[
                alt.Tooltip("curve:N"),
                alt.Tooltip("x:Q", title=param, format=".2f"),
                alt.Tooltip("loss:Q", format=".4f"),
            ],
        )
    )
    return alt.layer(lines, dot_layer).properties(title=title, height=charts.HEIGHT)


def _powers_of_ten(values: np.ndarray) -> list[float]:
    """Tick values 10^k spanning ``values`` (keeps a log axis to one grid line per decade)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return [1.0]
    lo, hi = int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max())))
    step = max(1, (hi - lo) // 8)
    return [float(10.0**k) for k in range(lo, hi + 1, step)]


def excess_loss_chart(runs: Sequence[FastestDescent], *, height: int = charts.HEIGHT) -> alt.LayerChart:
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
            x=alt.X("epoch:Q", title="epoch"),
            y=alt.Y(
                "excess:Q",
                title="loss − minimum loss",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(values=_powers_of_ten(frame["excess"].to_numpy()), format="~g"),
            ),
            color=alt.Color(
                "feature:N", scale=alt.Scale(domain=names or ["none"], range=colors or ["#000000"]), title=None
            ),
            tooltip=[
                alt.Tooltip("feature:N"),
                alt.Tooltip("epoch:Q"),
                alt.Tooltip("true_excess:Q", title="loss − minimum", format=".3g"),
            ],
        )
    )
    layers = [lines]
    first = done[0] if done else None
    if first is not None and first.target - first.min_loss > 0:
        rule = pd.DataFrame({"excess": [first.target - first.min_loss], "what": [first.target_rule]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(color=PALETTE["grey"], strokeDash=[4, 3])
            .encode(
                y="excess:Q", tooltip=[alt.Tooltip("what:N", title="converged"), alt.Tooltip("excess:Q", format=".3g")]
            )
        )
    return alt.layer(*layers).properties(title="How fast batch descent converges", height=height)
