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

from . import charts, results
from .charts import PALETTE
from .memo import heavy_work
from .numbers import fmt, num, signed
from .settings import DataKey, Settings

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


# --- cached data-level quantities ---------------------------------------------


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
def _one_update(key: DataKey, b: float, w: float, lr: float) -> Update:
    d = results.features(key, "original")
    x, y = d.x_train, d.y_train
    with heavy_work(), np.errstate(over="ignore", invalid="ignore"):
        db, dw = gdcore.gradients(b, w, x, y)
        b_new, w_new = gdcore.update(b, w, db, dw, lr)
        _, seq_dw = gdcore.gradients(b_new, w, x, y)
        seq_w_new = float(w - lr * seq_dw)
        return Update(
            b=float(b),
            w=float(w),
            lr=float(lr),
            db=db,
            dw=dw,
            b_new=b_new,
            w_new=w_new,
            loss_before=gdcore.mse(b, w, x, y),
            loss_after=gdcore.mse(b_new, w_new, x, y),
            seq_dw=seq_dw,
            seq_w_new=seq_w_new,
            seq_loss_after=gdcore.mse(b_new, seq_w_new, x, y),
            critical_lr=gdcore.critical_lr_for_rule(x, "simultaneous"),
            seq_critical_lr=gdcore.critical_lr_for_rule(x, "sequential"),
        )


def one_update(s: Settings) -> Update:
    """The update of step 4 from the current start at the sidebar's learning rate."""
    b, w = s.start
    return _one_update(s.data_key, float(b), float(w), float(s.lr))


def zone(lr: float, limit: float) -> int:
    """0 smooth (η ≤ limit / 2), 1 oscillating but converging, 2 diverging (η ≥ limit)."""
    if lr <= limit / 2.0:
        return 0
    return 1 if lr < limit else 2


def verdict(lr: float, curv: results.Curvature) -> str:
    """The right answer to "what will batch descent do?" (one of :data:`GUESSES`)."""
    return GUESSES[zone(lr, curv.critical_lr)]


def check_explanation(guess: str, lr: float, curv: results.Curvature, factor: float) -> tuple[bool, str]:
    """Compare the learner's guess with the computed behaviour; (correct, explanation)."""
    answer = verdict(lr, curv)
    axis_b, axis_w = ZONES[zone(lr, curv.limit_b)], ZONES[zone(lr, curv.limit_w)]
    lines = [
        f"At η = {lr:g} batch descent **{answer.lower()}**.",
        f"Along b alone (w fixed) the limit is 2 / curvature = {fmt(curv.limit_b)}, so a b-only step "
        f"{axis_b}; along w alone it is {fmt(curv.limit_w)}, so a w-only step {axis_w}.",
        f"Moving both together, the steepest direction of the bowl is a diagonal with curvature "
        f"λ_max = {fmt(curv.lam_max)} — steeper than either axis — so the real limit is "
        f"2 / λ_max = {fmt(curv.critical_lr)}, and steps start to overshoot above 1 / λ_max = {fmt(curv.smooth)}.",
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
    x_dom = charts.padded([base[0], base[1], step.start, step.after], pad=0.04, book=base)
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
    color = charts.cut_color(step.param)
    values, losses = section(stats, step, x_dom)
    enc = charts.xy(x_dom, y_dom)
    curve = charts.curve(
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
            strokeDash=alt.StrokeDash(
                "part:N", scale=alt.Scale(domain=["step", "drop to the curve"], range=[[1, 0], [3, 3]]), legend=None
            ),
            size=alt.Size(
                "part:N", scale=alt.Scale(domain=["step", "drop to the curve"], range=[2.5, 1.2]), legend=None
            ),
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
            shape=alt.Shape("shape:N", scale=None),
            size=alt.Size("size:Q", scale=None),
            tooltip=[
                alt.Tooltip("point:N"),
                alt.Tooltip(f"{step.param}:Q", format=".4f"),
                alt.Tooltip("loss:Q", format=".4f"),
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
    texts = [f"η = {step.lr:.2f}", f"−η·∂MSE/∂{step.param} ≈ {num(step.move, 2)}"]
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
    text_layer = (
        alt.Chart(text_frame)
        .mark_text(color=color, align=align, baseline="middle", clip=True)
        .encode(**enc, text=alt.Text("text:N"), size=alt.Size("size:Q", scale=None, legend=None))
    )
    return alt.layer(curve, rule_layer, dot_layer, text_layer).properties(title=title, height=charts.HEIGHT)


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


def step_summary(step: AxisStep) -> str:
    """One sentence describing a step panel."""
    other = "b" if step.param == "w" else "w"
    change = step.loss_after - step.loss_before
    return (
        f"With {other} fixed at {fmt(step.fixed)}, {step.param} moves from {num(step.start)} by "
        f"−η·∂MSE/∂{step.param} = {num(step.move)} to {num(step.after)}, and the loss goes from "
        f"{num(step.loss_before)} to {num(step.loss_after)} "
        f"({'down' if change <= 0 else 'UP'} by {num(abs(change))})."
    )


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
        rows.append(
            BookRow(
                lr=lr,
                w_target=w_target,
                w_after=w_after,
                loss_w=float(gdcore.cross_section_w(d.x_train, d.y_train, b_before, [w_after])[0]),
                text_w=-lr * MANUAL_GRAD_W,
                b_target=b_target,
                b_after=b_after,
                loss_b=float(gdcore.cross_section_b(d.x_train, d.y_train, w_before, [b_after])[0]),
                text_b=-lr * MANUAL_GRAD_B,
                loss_before=before,
            )
        )
    return tuple(rows)


def book_table(rows: tuple[BookRow, ...], lr: float) -> str:
    """The book's learning-rate numbers as a Markdown table; the current rate's row in bold."""
    head = (
        "| η | w after (snapped) | loss at w after | −η·∂MSE/∂w ≈ | b after (snapped) | loss at b after "
        "| −η·∂MSE/∂b ≈ | b loss vs start |\n|---|---|---|---|---|---|---|---|"
    )
    out = [head]
    for r in rows:
        went = "**up**" if r.loss_b > r.loss_before else "down"
        cells = [
            f"{r.lr:.1f}",
            f"{r.w_target:.3f} → {r.w_after:.2f}",
            f"{r.loss_w:.4f}",
            f"{r.text_w:.2f}",
            f"{r.b_target:.3f} → {r.b_after:.2f}",
            f"{r.loss_b:.4f}",
            f"{r.text_b:.2f}",
            f"{went} ({r.loss_before:.4f} → {r.loss_b:.4f})",
        ]
        if abs(r.lr - lr) < 1e-9:
            cells = [f"**{c}**" if not c.startswith(("down", "**")) else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


# --- the learning-rate ruler ---------------------------------------------------------


def ruler_extent(curv: results.Curvature, lr: float) -> float:
    """Right end of the ruler: past every limit worth showing and the current rate."""
    return float(
        max(2.6, 1.1 * lr, 1.12 * curv.critical_lr, min(1.08 * curv.limit_w, 5.0), min(1.08 * curv.limit_b, 5.0))
    )


def lr_ruler(curv: results.Curvature, lr: float) -> alt.LayerChart:
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
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=200, labelFontSize=12))
    band = (
        alt.Chart(pd.DataFrame(bands))
        .mark_bar()
        .encode(
            x=alt.X("from:Q", scale=xs, title="learning rate η"),
            x2=alt.X2("to"),
            y=y,
            color=alt.Color("zone:N", scale=alt.Scale(domain=list(ZONES), range=list(ZONE_COLORS)), title=None),
            tooltip=[
                alt.Tooltip("row:N", title="moving"),
                alt.Tooltip("zone:N"),
                alt.Tooltip("from:Q", format=".4f"),
                alt.Tooltip("to:Q", format=".4f"),
            ],
        )
    )
    edge_frame = pd.DataFrame(edges)
    edge_text = (
        alt.Chart(edge_frame)
        .mark_text(align="right", dx=-4, dy=-9, fontSize=11, color="#222222")
        .encode(
            x=alt.X("lr:Q", scale=xs),
            y=y,
            text=alt.Text("text:N"),
            tooltip=[alt.Tooltip("row:N"), alt.Tooltip("lr:Q", title="limit", format=".4f")],
        )
    )
    marks = pd.DataFrame(
        {
            "lr": [*BOOK_LRS, min(lr, top)],
            "what": [f"book preset {v:g}" for v in BOOK_LRS] + [f"your η = {lr:g}"],
            "kind": ["book"] * len(BOOK_LRS) + ["yours"],
        }
    )
    rules = (
        alt.Chart(marks)
        .mark_rule()
        .encode(
            x=alt.X("lr:Q", scale=xs),
            color=alt.Color(
                "kind:N", scale=alt.Scale(domain=["book", "yours"], range=[PALETTE["grey"], "#000000"]), legend=None
            ),
            size=alt.Size("kind:N", scale=alt.Scale(domain=["book", "yours"], range=[1.5, 3.5]), legend=None),
            strokeDash=alt.StrokeDash(
                "kind:N", scale=alt.Scale(domain=["book", "yours"], range=[[2, 3], [1, 0]]), legend=None
            ),
            tooltip=[alt.Tooltip("what:N"), alt.Tooltip("lr:Q", title="η", format=".4f")],
        )
    )
    return (
        alt.layer(band, rules, edge_text)
        .resolve_scale(color="independent", size="independent")
        .properties(
            title=f"Which learning rates work? Black line: your η = {lr:g}; dotted: the book's 0.2, 0.8, 1.1",
            height=200,
        )
    )


def ruler_summary(curv: results.Curvature, lr: float) -> str:
    """The ruler's one-sentence text summary."""
    return (
        f"Ruler of learning rates: a b-only step diverges above {fmt(curv.limit_b)}, a w-only step above "
        f"{fmt(curv.limit_w)}, and batch descent on both above {fmt(curv.critical_lr)} (smooth up to "
        f"{fmt(curv.smooth)}); the current η = {lr:g} lies in the '{ZONES[zone(lr, curv.critical_lr)]}' zone."
    )


# --- windows and exits ------------------------------------------------------------------


@dataclass(frozen=True)
class Exit:
    """Where a path first leaves a window: the epoch, and the crossing point on its edge."""

    epoch: int
    b_edge: float
    w_edge: float
    b: float
    w: float


def window_exit(b: np.ndarray, w: np.ndarray, b_dom: tuple[float, float], w_dom: tuple[float, float]) -> Exit | None:
    """The first epoch whose (b, w) lies outside the window, and where the path crosses its edge
    (None if it never leaves, or starts outside)."""
    path = charts.visible_path(b, w, b_dom, w_dom)
    if not path.exit_epoch:
        return None
    k = path.exit_epoch
    return Exit(k, *path.edge, float(b[k]), float(w[k]))


def first_above(values: np.ndarray, threshold: float) -> int | None:
    """First index where ``values`` exceeds ``threshold`` (None if never)."""
    values = np.asarray(values, float)
    hit = np.nonzero(values > threshold)[0]
    return int(hit[0]) if hit.size else None


# --- Fig 0.9 --------------------------------------------------------------------------


def update_figure(
    x: np.ndarray, y: np.ndarray, upd: Update, *, sequential: bool, book_layout: bool, n_train: int
) -> tuple[alt.LayerChart, str]:
    """Fig 0.9: the data, the line before (black dashed) and after one update (green dashed).

    Both lines are in the legend (the book's legend misses the green one).
    With ``sequential`` the mistaken update's line is added (grey, dotted).
    Returns the chart and its one-sentence summary.
    """
    lines = [
        charts.Line(upd.b, upd.w, "Model's predictions (before)", PALETTE["b_varies"]),
        charts.Line(upd.b_new, upd.w_new, "Using parameters after one update", PALETTE["updated"]),
    ]
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
        charts.scatter(
            x, y, PALETTE["train"], "The model after one update", x_domain=x_dom, y_domain=y_dom, legend="training data"
        ),
        charts.model_lines(lines, (0, 1), y_domain=y_dom),
        charts.label(0.2, y_old, f"b = {fmt(upd.b)}  w = {fmt(upd.w)}", PALETTE["b_varies"], baseline="bottom"),
        charts.label(0.2, y_new, f"b = {fmt(upd.b_new)}  w = {fmt(upd.w_new)}", PALETTE["updated"], baseline="bottom"),
    ]
    if sequential:
        layers.append(
            charts.label(
                0.55,
                y_seq,
                f"sequential: b = {fmt(upd.b_new)}  w = {fmt(upd.seq_w_new)}",
                PALETTE["grey"],
                baseline="bottom",
            )
        )
    better = upd.loss_after < upd.loss_before
    summary = (
        f"The {n_train:,} training points with the starting line ŷ = {fmt(upd.b)} {signed(upd.w)}·x "
        f"(black) and, after one update at η = {upd.lr:g}, ŷ = {fmt(upd.b_new)} {signed(upd.w_new)}·x "
        f"(green), which sits {'closer to' if better else 'further from'} the points: the loss "
        f"{'drops' if better else 'rises'} from {num(upd.loss_before)} to {num(upd.loss_after)}."
    )
    return charts.overlay(*layers), summary
