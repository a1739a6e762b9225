"""Numbers and charts of the Update and Learning Rate pages (steps 6 and 7).

The pages stay thin: everything that computes more than a line or two, and
every chart builder specific to these two steps, lives here. Cached helpers
take primitives only (``st.cache_data`` hashes by content); the ``*_for``
wrappers unpack a :class:`~ui.settings.Settings`.

Fixes of the reference's quirks made here (spec §8):

* Fig 0.9: the updated (green) line is in the legend next to the old one.
* Figs 0.10-0.12: each panel names its own derivative (∂MSE/∂w on the w
  panel, ∂MSE/∂b on the b panel) and the arrow's tip sits exactly on the
  after point instead of 0.1 beyond it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from . import charts, compute
from .charts import PALETTE, fmt
from .compute import Surface
from .settings import Settings

#: The approximate gradients the book reads off Fig 0.8 and hard-codes.
MANUAL_GRAD_B = -2.90
MANUAL_GRAD_W = -1.79
#: The three learning rates of Figs 0.10, 0.11 and 0.12.
BOOK_LRS = (0.2, 0.8, 1.1)
#: What the learner can predict (the radio's options), in zone order.
GUESSES = ("Converges", "Oscillates but converges", "Diverges")
#: Zone names on the learning-rate ruler, in the same order.
ZONES = ("converges smoothly", "oscillates but converges", "diverges")
ZONE_COLORS = ("#bfe3d4", "#f7dca6", "#f3b9a3")
#: Epochs shown by the player, and epochs run to find when a path leaves the window.
PLAYER_EPOCHS = 30
LONG_EPOCHS = 2000
#: Arrowheads whose tip is the symbol's anchor point (Vega custom shapes).
ARROW_RIGHT = "M0,0L-1,-0.55L-1,0.55Z"
ARROW_LEFT = "M0,0L1,-0.55L1,0.55Z"


def num(value: float, digits: int = 4) -> str:
    """A number for text: fixed decimals, or scientific when it is huge."""
    if value is not None and math.isfinite(value) and abs(value) >= 1e5:
        return f"{value:.3e}"
    return fmt(value, digits)


def numpy_print(value: float) -> str:
    """How numpy prints a one-element array, as the book's ``print(b, w)`` does."""
    return str(np.array([float(value)]))


# --- cached data-level quantities ---------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def _stats(seed: int, n: int, noise: float, true_b: float, true_w: float) -> gdcore.SufficientStats:
    d = compute.dataset(seed, n, noise, true_b, true_w)
    return gdcore.sufficient_stats(d.x_train, d.y_train)


def stats_for(s: Settings) -> gdcore.SufficientStats:
    """Means and centred moments of the training set (the whole loss surface in six numbers)."""
    return _stats(s.seed, s.n, s.noise, s.true_b, s.true_w)


@dataclass(frozen=True)
class Update:
    """One update from (b, w) at learning rate ``lr``, computed on the data as the book does.

    The ``seq_*`` fields are the common mistake: w's gradient taken at the
    already-updated b (b itself moves the same way in both rules).
    """

    b: float
    w: float
    lr: float
    db: float
    dw: float
    b_new: float
    w_new: float
    loss_before: float
    loss_after: float
    seq_dw: float
    seq_w_new: float
    seq_loss_after: float
    critical_lr: float
    seq_critical_lr: float


@st.cache_data(max_entries=64, show_spinner=False)
def _one_update(seed: int, n: int, noise: float, true_b: float, true_w: float, b: float, w: float,
                lr: float) -> Update:
    d = compute.dataset(seed, n, noise, true_b, true_w)
    x, y = d.x_train, d.y_train
    db, dw = gdcore.gradients(b, w, x, y)
    b_new, w_new = gdcore.update(b, w, db, dw, lr)
    _, seq_dw = gdcore.gradients(b_new, w, x, y)
    seq_w_new = float(w - lr * seq_dw)
    with np.errstate(over="ignore", invalid="ignore"):
        return Update(
            b=float(b), w=float(w), lr=float(lr), db=db, dw=dw, b_new=b_new, w_new=w_new,
            loss_before=gdcore.mse(b, w, x, y), loss_after=gdcore.mse(b_new, w_new, x, y),
            seq_dw=seq_dw, seq_w_new=seq_w_new, seq_loss_after=gdcore.mse(b_new, seq_w_new, x, y),
            critical_lr=gdcore.critical_lr_for_rule(x, "simultaneous"),
            seq_critical_lr=gdcore.critical_lr_for_rule(x, "sequential"),
        )


def one_update(s: Settings) -> Update:
    """The update of step 4 from the current start at the sidebar's learning rate."""
    b, w = s.start
    return _one_update(s.seed, s.n, s.noise, s.true_b, s.true_w, float(b), float(w), float(s.lr))


@dataclass(frozen=True)
class Curvature:
    """What the bowl's curvature says about the learning rate (batch descent).

    ``limit_b`` and ``limit_w`` are 2 / curvature of the two cross-sections;
    ``critical`` is 2 / λ_max for both parameters moving together. Below half
    of each limit the steps never overshoot ("smooth").
    """

    lam_min: float
    lam_max: float
    critical: float
    limit_b: float
    limit_w: float

    @property
    def smooth(self) -> float:
        """Largest rate at which batch descent never overshoots (1 / λ_max)."""
        return self.critical / 2.0


@st.cache_data(max_entries=32, show_spinner=False)
def _curvature(seed: int, n: int, noise: float, true_b: float, true_w: float) -> Curvature:
    x = compute.dataset(seed, n, noise, true_b, true_w).x_train
    lam_min, lam_max = (float(v) for v in gdcore.hessian_eigenvalues(x))
    limit_b, limit_w = gdcore.axis_lr_limits(x)
    return Curvature(lam_min, lam_max, gdcore.critical_lr(x), limit_b, limit_w)


def curvature_for(s: Settings) -> Curvature:
    return _curvature(s.seed, s.n, s.noise, s.true_b, s.true_w)


@st.cache_data(max_entries=128, show_spinner=False)
def _factor(seed: int, n: int, noise: float, true_b: float, true_w: float, lr: float) -> float:
    x = compute.dataset(seed, n, noise, true_b, true_w).x_train
    return gdcore.convergence_factor(x, lr)


def factor_for(s: Settings) -> float:
    """Per-step factor max |1 − η·λᵢ| of the distance to the minimum (> 1: it grows)."""
    return _factor(s.seed, s.n, s.noise, s.true_b, s.true_w, float(s.lr))


def zone(lr: float, limit: float) -> int:
    """0 smooth (η ≤ limit / 2), 1 oscillating but converging, 2 diverging (η ≥ limit)."""
    if lr <= limit / 2.0:
        return 0
    return 1 if lr < limit else 2


def verdict(lr: float, curv: Curvature) -> str:
    """The right answer to "what will batch descent do?" (one of :data:`GUESSES`)."""
    return GUESSES[zone(lr, curv.critical)]


def check_explanation(guess: str, lr: float, curv: Curvature, factor: float) -> tuple[bool, str]:
    """Compare the learner's guess with the computed behaviour; (correct, explanation)."""
    answer = verdict(lr, curv)
    axis_b, axis_w = ZONES[zone(lr, curv.limit_b)], ZONES[zone(lr, curv.limit_w)]
    lines = [
        f"At η = {lr:g} batch descent **{answer.lower()}**.",
        f"Along b alone (w fixed) the limit is 2 / curvature = {fmt(curv.limit_b)}, so a b-only step "
        f"{axis_b}; along w alone it is {fmt(curv.limit_w)}, so a w-only step {axis_w}.",
        f"Moving both together, the steepest direction of the bowl is a diagonal with curvature "
        f"λ_max = {fmt(curv.lam_max)} — steeper than either axis — so the real limit is "
        f"2 / λ_max = {fmt(curv.critical)}, and steps start to overshoot above 1 / λ_max = {fmt(curv.smooth)}.",
        f"Each step multiplies the distance to the minimum by up to {fmt(factor)} "
        + ("(below 1: it shrinks)." if factor < 1 else "(above 1: it grows)."),
    ]
    return guess == answer, " ".join(lines)


# --- one step along each cross-section (Figs 0.10-0.12) -------------------------


@dataclass(frozen=True)
class AxisStep:
    """One parameter moves by −η·gradient while the other stays fixed.

    ``param`` is the parameter that moves ("w" on the red panel, "b" on the
    black one); ``fixed`` is the other one's value.
    """

    param: str
    fixed: float
    start: float
    grad: float
    lr: float
    after: float
    loss_before: float
    loss_after: float

    @property
    def move(self) -> float:
        """−η·∂MSE/∂param: how far the parameter moves."""
        return self.after - self.start


def axis_steps(stats: gdcore.SufficientStats, b: float, w: float, lr: float) -> tuple[AxisStep, AxisStep]:
    """The w step (b fixed) and the b step (w fixed) from (b, w), with TRUE gradients."""
    with np.errstate(over="ignore", invalid="ignore"):
        db, dw = (float(v) for v in stats.gradients(b, w))
        loss = float(stats.loss(b, w))
        w_after, b_after = w - lr * dw, b - lr * db
        step_w = AxisStep("w", b, w, dw, lr, w_after, loss, float(stats.loss(b, w_after)))
        step_b = AxisStep("b", w, b, db, lr, b_after, loss, float(stats.loss(b_after, w)))
    return step_w, step_b


def section(stats: gdcore.SufficientStats, step: AxisStep, domain: tuple[float, float],
            points: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """The cross-section curve under ``step``: loss along its parameter, the other fixed."""
    values = np.linspace(domain[0], domain[1], points)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = stats.loss(step.fixed, values) if step.param == "w" else stats.loss(values, step.fixed)
    return values, np.asarray(losses, dtype=float)


def step_domains(step: AxisStep, base: tuple[float, float],
                 book_y: tuple[float, float] = (-0.1, 6.1)) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y windows of a step panel: the book's (``base`` and ``book_y``),
    widened when the before or after point falls outside them."""
    x_dom = charts.padded([base[0], base[1], step.start, step.after], pad=0.04, book=base)
    finite = [v for v in (step.loss_before, step.loss_after) if math.isfinite(v)]
    high = max(finite, default=0.0)
    # Beyond the book's window, leave the top quarter free for the panel's text.
    top = book_y[1] if 1.08 * high <= book_y[1] else min(1.4 * high, 1e300)
    return x_dom, (book_y[0], top)


def _scale(domain: tuple[float, float]) -> alt.Scale:
    return alt.Scale(domain=[float(domain[0]), float(domain[1])], zero=False, nice=False)


def _inside(value: float, domain: tuple[float, float]) -> bool:
    return math.isfinite(value) and domain[0] <= value <= domain[1]


def _pin(value: float, domain: tuple[float, float]) -> float:
    """Keep a value on the chart: at the nearest edge if it lies outside (NaN goes to the top)."""
    if math.isnan(value):
        return domain[1]
    return min(max(value, domain[0]), domain[1])


def step_panel(stats: gdcore.SufficientStats, step: AxisStep, x_dom: tuple[float, float],
               y_dom: tuple[float, float], *, title: str) -> alt.LayerChart:
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
    color = PALETTE["w_varies"] if step.param == "w" else PALETTE["b_varies"]
    values, losses = section(stats, step, x_dom)
    xs, ys = _scale(x_dom), _scale(y_dom)
    curve = charts.curve(values, losses, color, name=f"loss along {step.param}", x_domain=x_dom, y_domain=y_dom,
                         x_title=step.param, y_title="MSE (loss)")
    sx, sy = _pin(step.start, x_dom), _pin(step.loss_before, y_dom)
    ax, ay = _pin(step.after, x_dom), _pin(step.loss_after, y_dom)
    rules = pd.DataFrame({"x": [sx, ax], "x2": [ax, ax], "y": [sy, sy], "y2": [sy, ay],
                          "part": ["step", "drop to the curve"]})
    rule_layer = alt.Chart(rules).mark_rule(color=color, clip=True).encode(
        x=alt.X("x:Q", scale=xs), x2=alt.X2("x2"), y=alt.Y("y:Q", scale=ys), y2=alt.Y2("y2"),
        strokeDash=alt.StrokeDash("part:N", scale=alt.Scale(domain=["step", "drop to the curve"],
                                                            range=[[1, 0], [3, 3]]), legend=None),
        size=alt.Size("part:N", scale=alt.Scale(domain=["step", "drop to the curve"], range=[2.5, 1.2]), legend=None))
    arrow = ARROW_RIGHT if step.move > 0 else ARROW_LEFT
    pts = {"x": [sx, ax], "y": [sy, ay], "point": ["before", "after"], "shape": ["circle", "circle"],
           "size": [110, 110], step.param: [step.start, step.after], "loss": [step.loss_before, step.loss_after]}
    if step.move != 0 and _inside(step.after, x_dom) and _inside(step.loss_before, y_dom):
        for key, value in (("x", ax), ("y", sy), ("point", "arrowhead"), ("shape", arrow), ("size", 260),
                           (step.param, step.after), ("loss", step.loss_before)):
            pts[key].append(value)
    dot_layer = alt.Chart(pd.DataFrame(pts)).mark_point(filled=True, color=color, opacity=1, clip=True).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys),
        shape=alt.Shape("shape:N", scale=None), size=alt.Size("size:Q", scale=None),
        tooltip=[alt.Tooltip("point:N"), alt.Tooltip(f"{step.param}:Q", format=".4f"),
                 alt.Tooltip("loss:Q", format=".4f")])
    off = [name for name, value, dom in (("after " + step.param, step.after, x_dom),
                                         ("after loss", step.loss_after, y_dom),
                                         ("start " + step.param, step.start, x_dom),
                                         ("start loss", step.loss_before, y_dom)) if not _inside(value, dom)]
    texts = [f"η = {step.lr:.2f}", f"−η·∂MSE/∂{step.param} ≈ {num(step.move, 2)}"]
    sizes = [16, 15]
    if off:
        texts.append("off the chart: " + ", ".join(off) + " (pinned to the edge)")
        sizes.append(12)
    tx, align = text_anchor(values, losses, x_dom, y_dom)
    y_span = y_dom[1] - y_dom[0]
    text_frame = pd.DataFrame({"x": [tx] * len(texts),
                               "y": [y_dom[1] - (0.07 + 0.1 * i) * y_span for i in range(len(texts))],
                               "text": texts, "size": sizes})
    text_layer = alt.Chart(text_frame).mark_text(color=color, align=align, baseline="middle", clip=True).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys), text=alt.Text("text:N"),
        size=alt.Size("size:Q", scale=None, legend=None))
    return alt.layer(curve, rule_layer, dot_layer, text_layer).properties(title=title, height=charts.HEIGHT)


def text_anchor(values: np.ndarray, losses: np.ndarray, x_dom: tuple[float, float],
                y_dom: tuple[float, float]) -> tuple[float, str]:
    """Where a panel's text goes: the left, middle or right, whichever the curve stays lowest under."""
    span = x_dom[1] - x_dom[0]
    best, best_top = (x_dom[0] + 0.03 * span, "left"), math.inf
    for lo, hi, x, align in ((0.0, 0.45, x_dom[0] + 0.03 * span, "left"),
                             (0.28, 0.72, x_dom[0] + 0.5 * span, "center"),
                             (0.55, 1.0, x_dom[1] - 0.03 * span, "right")):
        sel = (values >= x_dom[0] + lo * span) & (values <= x_dom[0] + hi * span)
        top = float(np.nanmax(np.minimum(losses[sel], y_dom[1]))) if sel.any() else math.inf
        if top < best_top:
            best, best_top = (x, align), top
    return best


def step_summary(step: AxisStep) -> str:
    """One sentence describing a step panel."""
    other = "b" if step.param == "w" else "w"
    change = step.loss_after - step.loss_before
    return (f"With {other} fixed at {fmt(step.fixed)}, {step.param} moves from {num(step.start)} by "
            f"−η·∂MSE/∂{step.param} = {num(step.move)} to {num(step.after)}, and the loss goes from "
            f"{num(step.loss_before)} to {num(step.loss_after)} "
            f"({'down' if change <= 0 else 'UP'} by {num(abs(change))}).")


def step_story(step: AxisStep, stats: gdcore.SufficientStats) -> str:
    """What this step did on its cross-section: safe, overshot, or climbed."""
    if step.param == "w":
        best = (stats.cov_xy + stats.mean_x * (stats.mean_y - step.fixed)) / stats.mean_x2
    else:
        best = stats.mean_y - step.fixed * stats.mean_x
    if step.loss_after > step.loss_before:
        return "overshoots so far that the loss goes **up**"
    if (step.start - best) * (step.after - best) < 0:
        return "lands on the **other side** of the valley (the loss still goes down)"
    return "is a **safe** step that stays on the same side of the valley"


# --- the book's numbers (Figs 0.10-0.12, snapped start, manual gradients) ---------


@dataclass(frozen=True)
class BookRow:
    """What the book's learning-rate figure computes at one rate."""

    lr: float
    w_target: float
    w_after: float
    loss_w: float
    text_w: float
    b_target: float
    b_after: float
    loss_b: float
    text_b: float
    loss_before: float


@st.cache_data(show_spinner=False)
def book_rows() -> tuple[BookRow, ...]:
    """Figs 0.10-0.12 exactly as the book computes them.

    The book's data and grid, its snapped start (0.52, −0.16), its manual
    gradients (−2.90, −1.79) read off Fig 0.8, and after points snapped to the
    0.06 grid; the losses are the cross-section values there.
    """
    d = gdcore.make_data()
    grid = gdcore.book_grid("original")
    b0, w0 = gdcore.init_params(42)
    _, b_before = gdcore.snap_to_grid(b0, grid.b_values)
    _, w_before = gdcore.snap_to_grid(w0, grid.w_values)
    before = float(gdcore.cross_section_w(d.x_train, d.y_train, b_before, [w_before])[0])
    rows = []
    for lr in BOOK_LRS:
        w_target, b_target = w_before - lr * MANUAL_GRAD_W, b_before - lr * MANUAL_GRAD_B
        _, w_after = gdcore.snap_to_grid(w_target, grid.w_values)
        _, b_after = gdcore.snap_to_grid(b_target, grid.b_values)
        rows.append(BookRow(
            lr=lr, w_target=w_target, w_after=w_after,
            loss_w=float(gdcore.cross_section_w(d.x_train, d.y_train, b_before, [w_after])[0]),
            text_w=-lr * MANUAL_GRAD_W, b_target=b_target, b_after=b_after,
            loss_b=float(gdcore.cross_section_b(d.x_train, d.y_train, w_before, [b_after])[0]),
            text_b=-lr * MANUAL_GRAD_B, loss_before=before,
        ))
    return tuple(rows)


def book_table(rows: tuple[BookRow, ...], lr: float) -> str:
    """The book's learning-rate numbers as a Markdown table; the current rate's row in bold."""
    head = ("| η | w after (snapped) | loss at w after | −η·∂MSE/∂w ≈ | b after (snapped) | loss at b after "
            "| −η·∂MSE/∂b ≈ | b loss vs start |\n|---|---|---|---|---|---|---|---|")
    out = [head]
    for r in rows:
        went = "**up**" if r.loss_b > r.loss_before else "down"
        cells = [f"{r.lr:.1f}", f"{r.w_target:.3f} → {r.w_after:.2f}", f"{r.loss_w:.4f}", f"{r.text_w:.2f}",
                 f"{r.b_target:.3f} → {r.b_after:.2f}", f"{r.loss_b:.4f}", f"{r.text_b:.2f}",
                 f"{went} ({r.loss_before:.4f} → {r.loss_b:.4f})"]
        if abs(r.lr - lr) < 1e-9:
            cells = [f"**{c}**" if not c.startswith(("down", "**")) else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


# --- the learning-rate ruler ---------------------------------------------------------


def ruler_extent(curv: Curvature, lr: float) -> float:
    """Right end of the ruler: past every limit worth showing and the current rate."""
    return float(max(2.6, 1.1 * lr, 1.12 * curv.critical, min(1.08 * curv.limit_w, 5.0), min(1.08 * curv.limit_b, 5.0)))


def lr_ruler(curv: Curvature, lr: float) -> alt.LayerChart:
    """A horizontal ruler of learning rates with each row's zones and the current rate.

    Rows: a step along b alone (w fixed), along w alone (b fixed), and both
    together (batch descent, limited by λ_max). Zone edges are limit / 2 and
    the limit (2 / curvature). The book's three rates are dotted grey rules,
    the current rate a thick black one.
    """
    top = ruler_extent(curv, lr)
    rows = (("b alone (w fixed)", curv.limit_b), ("w alone (b fixed)", curv.limit_w),
            ("b and w together", curv.critical))
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
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=200, labelFontSize=12))
    band = alt.Chart(pd.DataFrame(bands)).mark_bar().encode(
        x=alt.X("from:Q", scale=xs, title="learning rate η"), x2=alt.X2("to"), y=y,
        color=alt.Color("zone:N", scale=alt.Scale(domain=list(ZONES), range=list(ZONE_COLORS)), title=None),
        tooltip=[alt.Tooltip("row:N", title="moving"), alt.Tooltip("zone:N"), alt.Tooltip("from:Q", format=".4f"),
                 alt.Tooltip("to:Q", format=".4f")])
    edge_frame = pd.DataFrame(edges)
    edge_text = alt.Chart(edge_frame).mark_text(align="right", dx=-4, dy=-9, fontSize=11, color="#222222").encode(
        x=alt.X("lr:Q", scale=xs), y=y, text=alt.Text("text:N"),
        tooltip=[alt.Tooltip("row:N"), alt.Tooltip("lr:Q", title="limit", format=".4f")])
    marks = pd.DataFrame({"lr": [*BOOK_LRS, min(lr, top)],
                          "what": [f"book preset {v:g}" for v in BOOK_LRS] + [f"your η = {lr:g}"],
                          "kind": ["book"] * len(BOOK_LRS) + ["yours"]})
    rules = alt.Chart(marks).mark_rule().encode(
        x=alt.X("lr:Q", scale=xs),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["book", "yours"], range=[PALETTE["grey"], "#000000"]),
                        legend=None),
        size=alt.Size("kind:N", scale=alt.Scale(domain=["book", "yours"], range=[1.5, 3.5]), legend=None),
        strokeDash=alt.StrokeDash("kind:N", scale=alt.Scale(domain=["book", "yours"], range=[[2, 3], [1, 0]]),
                                  legend=None),
        tooltip=[alt.Tooltip("what:N"), alt.Tooltip("lr:Q", title="η", format=".4f")])
    return alt.layer(band, rules, edge_text).resolve_scale(color="independent", size="independent").properties(
        title=f"Which learning rates work? Black line: your η = {lr:g}; dotted: the book's 0.2, 0.8, 1.1",
        height=200)


def ruler_summary(curv: Curvature, lr: float) -> str:
    """The ruler's one-sentence text summary."""
    return (f"Ruler of learning rates: a b-only step diverges above {fmt(curv.limit_b)}, a w-only step above "
            f"{fmt(curv.limit_w)}, and batch descent on both above {fmt(curv.critical)} (smooth up to "
            f"{fmt(curv.smooth)}); the current η = {lr:g} lies in the '{ZONES[zone(lr, curv.critical)]}' zone.")


# --- windows, exits and the player's panels --------------------------------------------


def window_of(surface: Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """(b range, w range) of a contour's window."""
    bv, wv = surface.b_values, surface.w_values
    return (float(bv[0]), float(bv[-1])), (float(wv[0]), float(wv[-1]))


@dataclass(frozen=True)
class Exit:
    """Where a path first leaves a window: the epoch, and the crossing point on its edge."""

    epoch: int
    b_edge: float
    w_edge: float
    b: float
    w: float


def window_exit(b: np.ndarray, w: np.ndarray, b_dom: tuple[float, float], w_dom: tuple[float, float]) -> Exit | None:
    """The first epoch whose (b, w) lies outside the window (None if it never leaves)."""
    b, w = np.asarray(b, float), np.asarray(w, float)
    inside = (b >= b_dom[0]) & (b <= b_dom[1]) & (w >= w_dom[0]) & (w <= w_dom[1])
    if inside.all() or inside.size == 0 or not inside[0]:
        return None
    k = int(np.argmin(inside))
    b0, w0, b1, w1 = b[k - 1], w[k - 1], b[k], w[k]
    # Largest t in [0, 1] keeping the segment inside the box.
    t = 1.0
    for p0, p1, (lo, hi) in ((b0, b1, b_dom), (w0, w1, w_dom)):
        d = p1 - p0
        if d > 0 and p1 > hi:
            t = min(t, (hi - p0) / d)
        elif d < 0 and p1 < lo:
            t = min(t, (lo - p0) / d)
    return Exit(k, float(b0 + t * (b1 - b0)), float(w0 + t * (w1 - w0)), float(b1), float(w1))


def first_above(values: np.ndarray, threshold: float) -> int | None:
    """First index where ``values`` exceeds ``threshold`` (None if never)."""
    values = np.asarray(values, float)
    hit = np.nonzero(values > threshold)[0]
    return int(hit[0]) if hit.size else None


def loss_so_far(losses: np.ndarray, frame: int, n_frames: int) -> alt.LayerChart:
    """Training loss per epoch up to ``frame`` (log scale, fixed axes for every frame)."""
    losses = np.asarray(losses, float)
    finite = losses[np.isfinite(losses) & (losses > 0)]
    lo = float(finite.min()) if finite.size else 1e-3
    hi = float(finite.max()) if finite.size else 1.0
    if hi <= lo:
        hi = lo * 10
    y_scale = alt.Scale(type="log", domain=[lo / 1.5, hi * 1.5], nice=False)
    x_scale = alt.Scale(domain=[0, max(1, n_frames - 1)], nice=False)
    upto = losses[: frame + 1]
    keep = np.isfinite(upto) & (upto > 0)
    frame_df = pd.DataFrame({"epoch": np.arange(upto.size)[keep], "loss": upto[keep]})
    line = alt.Chart(frame_df).mark_line(color=PALETTE["batch"], strokeWidth=2, point=alt.OverlayMarkDef(size=30),
                                         clip=True).encode(
        x=alt.X("epoch:Q", scale=x_scale, title="epoch"),
        y=alt.Y("loss:Q", scale=y_scale, title="training loss (MSE, log)"),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".6g")])
    now = frame_df.tail(1)
    dot = alt.Chart(now).mark_point(filled=True, size=120, color=PALETTE["updated"], opacity=1).encode(
        x=alt.X("epoch:Q", scale=x_scale), y=alt.Y("loss:Q", scale=y_scale),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".6g")])
    return alt.layer(line, dot).properties(title="Loss so far", height=charts.HEIGHT)


def frame_markers(b: np.ndarray, w: np.ndarray, frame: int, step_w: AxisStep, step_b: AxisStep, surface: Surface,
                  exit_: Exit | None, loss_at) -> list[charts.Marker]:
    """Contour markers for one player frame.

    The minimum, the start, the current epoch's point, where each
    cross-section step lands (red: w moved with b fixed; black: b moved with
    w fixed), the point after the real update of both (green), and the place
    the path left the window once it has.
    """
    b_dom, w_dom = window_of(surface)
    bk, wk = float(b[frame]), float(w[frame])
    markers = [charts.Marker(*surface.minimum, "Minimum", loss=surface.min_loss),
               charts.Marker(float(b[0]), float(w[0]), "Start", loss=float(loss_at(b[0], w[0])))]
    if _inside(bk, b_dom) and _inside(wk, w_dom):
        if frame > 0:
            markers.append(charts.Marker(bk, wk, f"epoch {frame}", loss=float(loss_at(bk, wk))))
        nxt = (step_b.after, step_w.after)
        for pb, pw, text, color in ((bk, step_w.after, "", PALETTE["w_varies"]),
                                    (step_b.after, wk, "", PALETTE["b_varies"]),
                                    (nxt[0], nxt[1], "", PALETTE["updated"])):
            if _inside(pb, b_dom) and _inside(pw, w_dom):
                markers.append(charts.Marker(pb, pw, text, color, loss=float(loss_at(pb, pw))))
    if exit_ is not None and frame >= exit_.epoch:
        markers.append(charts.Marker(exit_.b_edge, exit_.w_edge, f"left the window (epoch {exit_.epoch})",
                                     PALETTE["w_varies"], loss=float(loss_at(exit_.b_edge, exit_.w_edge))))
    return markers


def path_contour(surface: Surface, *, markers: list[charts.Marker], cut_b: float | None, cut_w: float | None,
                 path: tuple[np.ndarray, np.ndarray], step: tuple[tuple[float, float], tuple[float, float]] | None,
                 title: str, clickable: bool = True) -> alt.LayerChart:
    """The player's loss contour: the same look and click target as :func:`ui.charts.contour`,
    drawn with fewer layers and explicit channel objects (about ten times cheaper to build,
    which matters when playback redraws it several times a second).

    Parameters
    ----------
    markers : labelled points (minimum, start, current epoch, landings)
    cut_b, cut_w : the red vertical cut (b fixed) and the black horizontal cut (w fixed); None hides one
    path : b and w of the epochs so far (black dots joined in order; clipped to the window)
    step : ((b, w) now, (b, w) after the next update), drawn in green
    """
    bv, wv = surface.b_values, surface.w_values
    db, dw = (bv[1] - bv[0]) / 2, (wv[1] - wv[0]) / 2
    b_dom = (float(bv[0] - db), float(bv[-1] + db))
    w_dom = (float(wv[0] - dw), float(wv[-1] + dw))
    xs, ys = _scale(b_dom), _scale(w_dom)
    bx, by = alt.X("x:Q", scale=xs, title="b (intercept)"), alt.Y("y:Q", scale=ys, title="w (slope)")
    image = alt.Chart(pd.DataFrame({"x": [b_dom[0]], "x2": [b_dom[1]], "y": [w_dom[0]], "y2": [w_dom[1]]})).mark_image(
        url=surface.png, aspect=False, align="left", baseline="bottom").encode(
        x=bx, y=by, x2=alt.X2("x2"), y2=alt.Y2("y2"))
    step_n = max(1, bv.size // 25)
    cb, cw = np.meshgrid(bv[::step_n], wv[::step_n])
    coarse = pd.DataFrame({"b": cb.ravel(), "w": cw.ravel(), "loss": surface.losses[::step_n, ::step_n].ravel()})
    hb, hw = step_n * db, step_n * dw
    coarse["b1"], coarse["b2"], coarse["w1"], coarse["w2"] = coarse.b - hb, coarse.b + hb, coarse.w - hw, coarse.w + hw
    catcher = alt.Chart(coarse).mark_rect(opacity=0.001).encode(
        x=alt.X("b1:Q", scale=xs), x2=alt.X2("b2"), y=alt.Y("w1:Q", scale=ys), y2=alt.Y2("w2"),
        color=alt.Color("loss:Q", scale=alt.Scale(scheme="viridis", type="sqrt", domain=[surface.low, surface.high]),
                        legend=alt.Legend(title="loss", orient="right", gradientLength=160, gradientOpacity=1)),
        tooltip=[alt.Tooltip("b:Q", format=".2f"), alt.Tooltip("w:Q", format=".2f"),
                 alt.Tooltip("loss:Q", format=".4f")])
    if clickable:
        catcher = catcher.add_params(alt.selection_point(name=charts.CLICK_PARAM, fields=["b", "w"], on="click",
                                                         clear=False, toggle=False))
    layers: list[alt.Chart] = [image, catcher]
    seg = surface.segments
    if len(seg["x"]):
        frame = pd.DataFrame({k: np.asarray(v, np.float32) for k, v in seg.items()})
        layers.append(alt.Chart(frame).mark_rule(color="white", strokeWidth=1, opacity=0.75).encode(
            x=alt.X("x:Q", scale=xs), x2=alt.X2("x2"), y=alt.Y("y:Q", scale=ys), y2=alt.Y2("y2")))
        picks = frame.assign(score=frame.x + frame.y)
        picks = picks.loc[picks.groupby("level")["score"].idxmax()]
        picks = picks.assign(text=[f"{v:g}" for v in picks.level])
        layers.append(alt.Chart(picks).mark_text(color="white", fontSize=11, dx=-6, dy=8, fontWeight="bold").encode(
            x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys), text=alt.Text("text:N")))
    # Cut lines, the path so far and the next step: one rule layer, one line layer.
    rules = []
    if cut_b is not None:
        rules.append({"x": cut_b, "x2": cut_b, "y": w_dom[0], "y2": w_dom[1], "what": "b fixed (w varies)",
                      "color": PALETTE["w_varies"], "dash": "cut"})
    if cut_w is not None:
        rules.append({"x": b_dom[0], "x2": b_dom[1], "y": cut_w, "y2": cut_w, "what": "w fixed (b varies)",
                      "color": PALETTE["b_varies"], "dash": "cut"})
    if step is not None:
        (b_now, w_now), (b_next, w_next) = step
        rules.append({"x": b_now, "x2": b_next, "y": w_now, "y2": w_next, "what": "next update",
                      "color": PALETTE["updated"], "dash": "step"})
    if rules:
        rf = pd.DataFrame(rules)
        for c, dom in (("x", b_dom), ("x2", b_dom), ("y", w_dom), ("y2", w_dom)):
            rf[c] = charts.clip_to(rf[c].to_numpy(), dom)
        layers.append(alt.Chart(rf).mark_rule(clip=True).encode(
            x=alt.X("x:Q", scale=xs), x2=alt.X2("x2"), y=alt.Y("y:Q", scale=ys), y2=alt.Y2("y2"),
            color=alt.Color("color:N", scale=None),
            strokeDash=alt.StrokeDash("dash:N", scale=alt.Scale(domain=["cut", "step"], range=[[5, 3], [1, 0]]),
                                      legend=None),
            size=alt.Size("dash:N", scale=alt.Scale(domain=["cut", "step"], range=[2, 2.5]), legend=None),
            tooltip=[alt.Tooltip("what:N")]))
    pb, pw = np.asarray(path[0], float), np.asarray(path[1], float)
    pf = pd.DataFrame({"b": charts.clip_to(pb, b_dom), "w": charts.clip_to(pw, w_dom), "epoch": np.arange(pb.size),
                       "b_value": np.clip(np.nan_to_num(pb), -1e300, 1e300),
                       "w_value": np.clip(np.nan_to_num(pw), -1e300, 1e300)})
    dots = alt.OverlayMarkDef(color=PALETTE["batch"], size=28, filled=True)
    layers.append(alt.Chart(pf).mark_line(color=PALETTE["batch"], strokeWidth=1.5, clip=True, point=dots).encode(
        x=alt.X("b:Q", scale=xs), y=alt.Y("w:Q", scale=ys), order=alt.Order("epoch:Q"),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("b_value:Q", title="b", format=".4f"),
                 alt.Tooltip("w_value:Q", title="w", format=".4f")]))
    if markers:
        mf = pd.DataFrame({"x": [m.b for m in markers], "y": [m.w for m in markers],
                           "label": [m.label for m in markers],
                           "color": [m.color for m in markers],
                           "loss": [np.nan if m.loss is None else m.loss for m in markers]})
        mf["x"], mf["y"] = charts.clip_to(mf.x.to_numpy(), b_dom), charts.clip_to(mf.y.to_numpy(), w_dom)
        mf["loss"] = np.clip(mf["loss"].to_numpy(), -1e300, 1e300)
        base = alt.Chart(mf).encode(x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys),
                                    color=alt.Color("color:N", scale=None))
        points = base.mark_point(filled=True, size=110, opacity=1, stroke="white", strokeWidth=1, clip=True)
        layers.append(points.encode(
            tooltip=[alt.Tooltip("label:N"), alt.Tooltip("x:Q", title="b", format=".4f"),
                     alt.Tooltip("y:Q", title="w", format=".4f"), alt.Tooltip("loss:Q", format=".4f")]))
        # Labels of points near the right edge go to their left, so they are not cut off.
        right = mf.x > b_dom[0] + 0.7 * (b_dom[1] - b_dom[0])
        for part, align, dx in ((mf[~right], "left", 8), (mf[right], "right", -8)):
            if len(part):
                layers.append(alt.Chart(part).mark_text(align=align, dx=dx, dy=-10, fontSize=13, fontWeight="bold",
                                                        clip=True).encode(
                    x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys), color=alt.Color("color:N", scale=None),
                    text=alt.Text("label:N")))
    return alt.layer(*layers).properties(title=title, height=charts.HEIGHT + 40)


# --- Fig 0.9 --------------------------------------------------------------------------


def update_figure(x: np.ndarray, y: np.ndarray, upd: Update, *, sequential: bool, book_layout: bool,
                  n_train: int) -> tuple[alt.LayerChart, str]:
    """Fig 0.9: the data, the line before (black dashed) and after one update (green dashed).

    Both lines are in the legend (the book's legend misses the green one).
    With ``sequential`` the mistaken update's line is added (grey, dotted).
    Returns the chart and its one-sentence summary.
    """
    lines = [charts.Line(upd.b, upd.w, "Model's predictions (before)", PALETTE["b_varies"]),
             charts.Line(upd.b_new, upd.w_new, "Using parameters after one update", PALETTE["updated"])]
    if sequential:
        lines.append(charts.Line(upd.b_new, upd.seq_w_new, "Sequential update (the mistake)", PALETTE["grey"]))
    ends = [ln.b + ln.w * xv for ln in lines for xv in (0.0, 1.0)]
    x_dom = charts.padded(x, book=(-0.05, 1.05))
    y_dom = charts.padded(np.concatenate([y, np.asarray(ends)]), book=(0, 3))
    span = y_dom[1] - y_dom[0]

    def above(b: float, w: float, xv: float) -> float:
        """Just above a line at x = xv, kept inside the chart."""
        return min(max(b + w * xv + 0.04 * span, y_dom[0] + 0.04 * span), y_dom[1] - 0.08 * span)

    y_old = 0.55 if book_layout else above(upd.b, upd.w, 0.2)
    y_new = 0.95 if book_layout else above(upd.b_new, upd.w_new, 0.2)
    y_seq = y_new if book_layout else above(upd.b_new, upd.seq_w_new, 0.55)
    layers = [
        charts.scatter(x, y, PALETTE["train"], "The model after one update", x_domain=x_dom, y_domain=y_dom,
                       legend="training data"),
        charts.model_lines(lines, (0, 1), y_domain=y_dom),
        charts.label(0.2, y_old, f"b = {fmt(upd.b)}  w = {fmt(upd.w)}", PALETTE["b_varies"], baseline="bottom"),
        charts.label(0.2, y_new, f"b = {fmt(upd.b_new)}  w = {fmt(upd.w_new)}", PALETTE["updated"], baseline="bottom"),
    ]
    if sequential:
        layers.append(charts.label(0.55, y_seq, f"sequential: b = {fmt(upd.b_new)}  w = {fmt(upd.seq_w_new)}",
                                   PALETTE["grey"], baseline="bottom"))
    better = upd.loss_after < upd.loss_before
    summary = (f"The {n_train:,} training points with the starting line ŷ = {fmt(upd.b)} {charts.signed(upd.w)}·x "
               f"(black) and, after one update at η = {upd.lr:g}, ŷ = {fmt(upd.b_new)} {charts.signed(upd.w_new)}·x "
               f"(green), which sits {'closer to' if better else 'further from'} the points: the loss "
               f"{'drops' if better else 'rises'} from {num(upd.loss_before)} to {num(upd.loss_after)}.")
    return charts.overlay(*layers), summary
