"""Step 8 · Bad Feature: the same data with x in other units squeezes the loss surface."""

import numpy as np
import streamlit as st

from ui import charts, results
from ui.charts import Marker
from ui.charts import scaling as scaling_charts
from ui.numbers import count, fmt, short, signed
from ui.page import (
    book_check,
    figure_note,
    figures_and_numbers,
    finish,
    for_the_curious,
    lead,
    metrics,
    section,
    start,
)
from ui.results import Curvature, Surface
from ui.results import scaling as scaling_results
from ui.results.scaling import FastestDescent
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The step's short teaching introduction, under its title.
INTRO = (
    "Suppose x had been recorded in other units, ten times larger: millimetres instead of centimetres. "
    "Multiply every x by 10 and divide the slope by 10, and nothing you can see changes: the same points, "
    "the same line, the same predictions, the same loss at the best line. The loss *surface*, though, is "
    "a different landscape, and gradient descent walks on the surface."
)

#: The two versions of the feature this page compares.
KINDS = ("original", "bad")
Window = tuple[float, float, float, float]


def show_same_points_same_predictions(s: Settings, fast: dict[str, FastestDescent]) -> None:
    """Same points, same predictions: the best line written both ways, and the two scatters (Fig 0.13)."""
    orig = results.features(s.data_key, "original")
    bad = results.features(s.data_key, "bad")
    (b_star, w_star), (b_bad, w_bad) = fast["original"].minimum, fast["bad"].minimum
    x0, y0 = float(orig.x_train[0]), float(orig.y_train[0])
    section("Same points, same predictions")
    # The line behind the data: the true one on generated data, the least-squares one on real data.
    b_line, w_line = (s.true_b, s.true_w) if s.is_synthetic else (b_star, w_star)
    write = short if s.is_synthetic else fmt
    st.latex(
        rf"y = b + w\,x = b + \frac{{w}}{{10}}\,(10\,x) \;\Rightarrow\; "
        rf"{write(b_line)} {signed(w_line, None)}\,x = {write(b_line)} {signed(w_line / 10, None)}\,(10\,x)"
    )
    st.latex(
        rf"\hat y_0 = {fmt(b_star)} {signed(w_star)} \times {fmt(x0)} = "
        rf"{fmt(b_bad)} {signed(w_bad)} \times {fmt(10 * x0)} = {fmt(b_star + w_star * x0)}"
        rf"\quad (y_0 = {fmt(y0)})"
    )
    st.markdown(
        f"The best line for the first training point, written both ways: the intercept stays at **{fmt(b_star)}**, "
        f"the slope drops from **{fmt(w_star)}** to **{fmt(w_bad)}** and x grows from {fmt(x0)} to {fmt(10 * x0)}. "
        "The prediction is the same number."
    )

    left, right = st.columns(2)
    with left:
        charts.show(
            charts.cached(
                scaling_charts.feature_scatter, "original", *results.display_points(orig.x_train, orig.y_train)
            ),
            f"The {count(orig.x_train.size)} training points with x between {fmt(float(orig.x_train.min()), 2)} "
            f"and {fmt(float(orig.x_train.max()), 2)}.",
        )
    with right:
        charts.show(
            charts.cached(scaling_charts.feature_scatter, "bad", *results.display_points(bad.x_train, bad.y_train)),
            f"The same points with x ten times larger, between {fmt(float(bad.x_train.min()), 2)} and "
            f"{fmt(float(bad.x_train.max()), 2)}: only the numbers on the x axis change.",
        )
    st.caption(
        'A note on y: the book draws the "bad" data again from the same seed, and computing y as '
        "1 + 0.2·(10x) instead of 1 + 2x rounds a few values differently (by at most 4.4·10⁻¹⁶). "
        "We keep y exactly the same, so the two data sets differ in x alone."
    )


def show_before_and_after_the_loss_surface(
    s: Settings, fast: dict[str, FastestDescent]
) -> tuple[Window, Surface, Surface]:
    """Before and after: both loss surfaces on one window, cut through the snapped start (Fig 0.14).

    Returns the window and the two surfaces, for the cross-sections.
    """
    b0, w0 = s.start
    grid = scaling_results.surface_window(s.data_key, "bad", [fast["original"].minimum, fast["bad"].minimum, (b0, w0)])
    before = results.surface(s.data_key, "original", grid=grid)
    after = results.surface(s.data_key, "bad", grid=grid)
    snap_before, snap_after = before.snap(b0, w0), after.snap(b0, w0)
    sb, sw = snap_before.b, snap_before.w
    start_name = "Random Start" if s.b0 is None and s.w0 is None else "Start"
    section("Before and after: the loss surface")
    figure_note(
        f"Both surfaces on the same window (b from {fmt(grid[0], 2)} to {fmt(grid[1], 2)}, w from "
        f"{fmt(grid[2], 2)} to {fmt(grid[3], 2)}), each with its own minimum. Like the book we snap the start "
        f"({fmt(b0)}, {fmt(w0)}) to the nearest grid point, **({fmt(sb, 2)}, {fmt(sw, 2)})**, and cut through it: "
        "the vermillion line holds b fixed, the black one holds w fixed."
    )
    cols, numbers = figures_and_numbers(2)
    for col, surf, c, snapped, name in (
        (cols[0], before, fast["original"], snap_before, "Before"),
        (cols[1], after, fast["bad"], snap_after, "After"),
    ):
        mb, mw = c.minimum
        chart = charts.cached(
            scaling_charts.cut_contour,
            surf,
            Marker(mb, mw, "Minimum", loss=c.min_loss),
            Marker(sb, sw, start_name, loss=snapped.loss, **charts.BELOW_LEFT),
            title=f"Loss Surface - {name}",
        )
        shape = (
            "a long diagonal valley" if name == "Before" else "a valley squeezed into narrow, almost horizontal bands"
        )
        with col:
            charts.show(
                chart,
                f"Loss surface {name.lower()} the change of units: {shape}, minimum "
                f"({fmt(mb)}, {fmt(mw)}), loss from {fmt(surf.low)} to {fmt(surf.high, 2)} on this window.",
            )
    (b_star, w_star), (b_bad, w_bad) = fast["original"].minimum, fast["bad"].minimum
    with numbers:
        metrics(
            [
                ("Minimum before (b, w)", f"({fmt(b_star)}, {fmt(w_star)})", "least-squares line with the original x"),
                ("Minimum after (b, w)", f"({fmt(b_bad)}, {fmt(w_bad)})", "least-squares line with x times 10"),
            ]
        )
        metrics(
            [
                (
                    "Loss at the minimum",
                    fmt(fast["original"].min_loss),
                    "the same for both: the predictions are the same",
                ),
                ("Largest loss on the window, before", fmt(before.high, 2), None),
                ("Largest loss on the window, after", fmt(after.high, 2), None),
            ]
        )
    return grid, before, after


def show_cross_sections_through_the_start(
    s: Settings, grid: Window, before: Surface, after: Surface, curv: dict[str, Curvature]
) -> None:
    """Cross-sections through the start: the same two cuts of both surfaces, before and after (Fig 0.15)."""
    b0, w0 = s.start
    snap_before, snap_after = before.snap(b0, w0), after.snap(b0, w0)
    sb, sw = snap_before.b, snap_before.w
    section("Cross-sections through the start")
    st.markdown(
        "Cut both surfaces along the same two lines. Holding w fixed (black), the curve along b barely "
        "changes shape. Holding b fixed (vermillion), the curve along w becomes far steeper: a small change "
        "of w now moves every prediction ten times as much."
    )
    y_dom = (-0.1, max(15.1, 1.1 * max(snap_before.loss, snap_after.loss)))
    w_dom = (-1.0, 3.2) if scaling_results.is_book_window("bad", grid) else (grid[2], grid[3])
    cols = st.columns(2)
    with cols[0]:
        chart = charts.cached(
            scaling_charts.before_after_cross_section,
            "w",
            before.w_values,
            snap_before,
            snap_after,
            x_domain=w_dom,
            y_domain=y_dom,
        )
        i_b, i_a = int(np.argmin(snap_before.along_w)), int(np.argmin(snap_after.along_w))
        charts.show(
            chart,
            f"Loss along w with b fixed at {fmt(sb, 2)}: the thin curve (before) is a wide bowl with its "
            f"lowest point at w = {fmt(before.w_values[i_b], 2)}, the thick one (after) a narrow, steep bowl "
            f"at w = {fmt(after.w_values[i_a], 2)}; at the start the loss is {fmt(snap_before.loss)} before "
            f"and {fmt(snap_after.loss)} after.",
        )
    with cols[1]:
        chart = charts.cached(
            scaling_charts.before_after_cross_section,
            "b",
            before.b_values,
            snap_before,
            snap_after,
            x_domain=(grid[0], grid[1]),
            y_domain=y_dom,
        )
        i_b, i_a = int(np.argmin(snap_before.along_b)), int(np.argmin(snap_after.along_b))
        charts.show(
            chart,
            f"Loss along b with w fixed at {fmt(sw, 2)}: both curves are parabolas of the same width, "
            f"lowest at b = {fmt(before.b_values[i_b], 2)} before and b = {fmt(after.b_values[i_a], 2)} after.",
        )
    c_orig, c_bad = curv["original"], curv["bad"]
    metrics(
        [
            ("Loss at the start, before", fmt(snap_before.loss), f"original x at ({fmt(sb, 2)}, {fmt(sw, 2)})"),
            ("Loss at the start, after", fmt(snap_after.loss), f"x times 10 at ({fmt(sb, 2)}, {fmt(sw, 2)})"),
            (
                "Curvature along w, before",
                fmt(float(c_orig.hessian[1, 1])),
                "2·mean(x²): how fast the w-parabola bends",
            ),
            ("Curvature along w, after", fmt(float(c_bad.hessian[1, 1])), "100 times larger: x² grew a hundredfold"),
        ]
    )


def show_the_hessians(c_orig: Curvature, c_bad: Curvature) -> None:
    """The technical side of the curvature: both Hessians, their eigenvalues and every limit they set."""
    h_o, h_b = c_orig.hessian, c_bad.hessian
    st.markdown(
        "The **Hessian** $H$ collects the loss's second derivatives: the curvature of the bowl. Its two "
        "eigenvalues are the curvatures along the bowl's own axes, the steepest ($\\lambda_{max}$) and the "
        "flattest ($\\lambda_{min}$); the condition number is $\\lambda_{max} / \\lambda_{min}$, and batch "
        "descent is stable only while $\\eta < 2 / \\lambda_{max}$."
    )
    st.latex(r"H = 2\begin{bmatrix}1 & \overline{x} \\ \overline{x} & \overline{x^2}\end{bmatrix}")
    st.latex(
        rf"H_{{\text{{before}}}} = \begin{{bmatrix}}{fmt(h_o[0, 0])} & {fmt(h_o[0, 1])} \\ {fmt(h_o[1, 0])} & "
        rf"{fmt(h_o[1, 1])}\end{{bmatrix}},\quad H_{{\text{{after}}}} = \begin{{bmatrix}}{fmt(h_b[0, 0])} & "
        rf"{fmt(h_b[0, 1])} \\ {fmt(h_b[1, 0])} & {fmt(h_b[1, 1])}\end{{bmatrix}}"
    )
    st.latex(
        rf"\eta_{{\text{{crit}}}} = \frac{{2}}{{\lambda_{{\max}}}}:\qquad "
        rf"\text{{before}}\ \frac{{2}}{{{fmt(c_orig.lam_max)}}} = {fmt(c_orig.critical_lr)},\qquad "
        rf"\text{{after}}\ \frac{{2}}{{{fmt(c_bad.lam_max)}}} = {fmt(c_bad.critical_lr)}"
    )
    for c in (c_orig, c_bad):
        name = "Before" if c.kind == "original" else "After"
        st.markdown(f"**{name}** ({'original x' if c.kind == 'original' else 'x times 10'})")
        metrics(
            [
                (f"{name}: λ min", fmt(c.lam_min), "smallest eigenvalue: curvature along the flattest direction"),
                (f"{name}: λ max", fmt(c.lam_max), "largest eigenvalue: curvature along the steepest direction"),
                (f"{name}: η limit, b alone", fmt(c.limit_b), "a step along b alone overshoots for good above it"),
                (f"{name}: η limit, w alone", fmt(c.limit_w), "a step along w alone overshoots for good above it"),
            ],
            columns=2,
        )


def show_what_it_does_to_the_learning_rate(curv: dict[str, Curvature]) -> None:
    """What it does to the learning rate: both Hessians, their eigenvalues and critical rates."""
    c_orig, c_bad = curv["original"], curv["bad"]
    section("What it does to the learning rate")
    st.markdown(
        "The bowl's **curvature** is how steep its walls are in each direction. Stretching x ten times makes "
        "the walls along w far steeper, while along the valley's floor the bowl stays flat. A step that suits "
        "the steep walls crawls along the flat floor, and a step that suits the floor flies off the walls: "
        "the steepest direction sets the largest learning rate that works, for every direction. The "
        "**condition number** (steepest over flattest curvature) says how stretched the valley is; 1 is a "
        "round bowl."
    )
    metrics(
        [
            ("Before: critical η", fmt(c_orig.critical_lr), "batch descent diverges above it (original x)"),
            ("After: critical η", fmt(c_bad.critical_lr), "batch descent diverges above it (x times 10)"),
            ("Before: condition number", fmt(c_orig.condition), "steepest / flattest curvature (original x)"),
            ("After: condition number", fmt(c_bad.condition), "steepest / flattest curvature (x times 10)"),
        ],
        columns=2,
    )
    with for_the_curious("the curvature in numbers: the Hessian and its eigenvalues"):
        show_the_hessians(c_orig, c_bad)
    ratio = c_orig.critical_lr / c_bad.critical_lr
    st.markdown(
        f"The condition number grows from **{fmt(c_orig.condition, 2)}** to **{fmt(c_bad.condition, 2)}**, and the "
        f"largest usable learning rate shrinks **{fmt(ratio, 1)} times**, from {fmt(c_orig.critical_lr)} to "
        f"{fmt(c_bad.critical_lr)}. A step along b alone still tolerates η up to {fmt(c_bad.limit_b)}, but "
        f"along w only up to {fmt(c_bad.limit_w)} (before: {fmt(c_orig.limit_w)}). With such a small "
        "η, the flat direction of the valley is crossed at a crawl."
    )


def show_how_many_epochs(s: Settings, fast: dict[str, FastestDescent]) -> None:
    """How many epochs? The fastest of 99 learning rates on each feature, and its loss per epoch."""
    fast_orig, fast_bad = fast["original"], fast["bad"]
    b0, w0 = s.start
    st.markdown(
        f"**How many epochs?** We ran batch descent from the start ({fmt(b0)}, {fmt(w0)}) with 99 learning rates "
        "(1%, 2%, …, 99% of each critical η) and kept the fastest one to get "
        f"{fast_orig.target_rule}:"
    )
    metrics(
        [
            ("Epochs needed, before", fast_orig.epochs_text(), "batch descent at the fastest learning rate found"),
            ("Fastest η, before", fast_orig.best_lr_text(), None),
            ("Epochs needed, after", fast_bad.epochs_text(), "batch descent at the fastest learning rate found"),
            ("Fastest η, after", fast_bad.best_lr_text(), None),
        ]
    )
    charts.show(
        charts.cached(scaling_charts.excess_loss_chart, [fast_orig, fast_bad]),
        f"Loss above the minimum per epoch on a log scale: the original feature gets {fast_orig.target_rule} "
        f"after {fast_orig.epochs_text()} epochs, the bad one after {fast_bad.epochs_text()}.",
    )


def show_your_learning_rate(s: Settings, curv: dict[str, Curvature]) -> None:
    """Your learning rate: does the sidebar's η converge or diverge on each feature?"""
    lr = s.lr
    orig, bad = curv["original"], curv["bad"]
    r_orig, r_bad = orig.factor(lr), bad.factor(lr)
    if lr < bad.critical_lr:  # below both limits (the bad feature's is the lower one)
        verdict = (
            "with the original x descent converges, and with the bad x too (the distance to the minimum shrinks, "
            f"every epoch at worst, to {fmt(r_orig)} of itself with the original x and to {fmt(r_bad)} with the bad x)"
        )
    elif lr >= orig.critical_lr:
        verdict = (
            f"with either feature descent **diverges**: η is above both limits, {fmt(orig.critical_lr)} for the "
            f"original x and {fmt(bad.critical_lr)} for the bad x, and the distance to the minimum grows "
            f"{fmt(r_orig)} and {fmt(r_bad)} times every epoch"
        )
    else:
        verdict = (
            "with the original x descent converges (the distance to the minimum shrinks to "
            f"{fmt(r_orig)} of itself every epoch at worst); with the bad x descent **diverges**: η is above "
            f"{fmt(bad.critical_lr)}, and the distance to the minimum grows {fmt(r_bad)} times every epoch"
        )
    st.markdown(f"**Your learning rate η = {short(lr)}** (sidebar): {verdict}.")


def show_the_fix_comes_next() -> None:
    """The closing line: the next page fixes the bad feature."""
    st.markdown("The fix is on the next page: put every feature on the same, standard scale.")


s = start(8, INTRO, extra=("b0", "w0"))
show_self_check(8, questions_for(8, s))
curv = {kind: results.curvature(s.data_key, kind) for kind in KINDS}
fast = {kind: scaling_results.fastest_descent(s.data_key, kind, *s.start) for kind in KINDS}
show_same_points_same_predictions(s, fast)
with lead():
    grid, before, after = show_before_and_after_the_loss_surface(s, fast)
show_cross_sections_through_the_start(s, grid, before, after, curv)
show_what_it_does_to_the_learning_rate(curv)
show_how_many_epochs(s, fast)
show_your_learning_rate(s, curv)
book_check(
    s.is_book,
    "the minima are (1.0235, 1.9690) before and (1.0235, 0.1969) after; the cross-sections "
    "through the snapped start (0.52, −0.16) read 2.7113 before and 5.9974 after; the Hessian "
    "eigenvalues are [0.1511, 2.4829] before and [0.5787, 64.8196] after, so the critical "
    "learning rate falls from 0.8055 to 0.0309. The book's η = 0.1 would diverge on the bad feature.",
)
show_the_fix_comes_next()
finish(8, s)
