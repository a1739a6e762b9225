"""Step 4 · Loss: how wrong the line is — for one point, for all points, and for every (b, w)."""

import numpy as np
import streamlit as st

import gdcore
from ui import charts, results
from ui.charts import PALETTE, Marker
from ui.charts import loss as loss_charts
from ui.interact import clickable_contour, pick_training_point, show_ledger
from ui.linked import linked_toggle
from ui.numbers import count, fmt, human_bytes, short, signed, subscript, tex_num
from ui.page import (
    book_check,
    differences_from_the_book,
    figure_note,
    finish,
    for_the_curious,
    lead,
    metrics,
    section,
    start,
)
from ui.results import loss as loss_results
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The help of the "training point to highlight" box.
POINT_HELP = "Index in the (shuffled) training set; you can also pick a row of the ledger below."

#: The step's short teaching introduction, under its title.
INTRO = (
    "The predictions miss the points. To improve them we first need to *measure* how far off they are. "
    "Each point has an error — prediction minus label — and averaging the squared errors over the "
    "training set gives one number, the mean squared error (MSE). That number is our loss: gradient "
    "descent will try to make it as small as possible."
)

#: How this page differs from the book (one bullet each, in an expander at the end).
DIFFERENCES = (
    "The 3-D markers sit at their true heights (the book swaps the grid indices for them).",
    "Like the book we snap the start to the grid for the cross-sections (0.52, −0.16); we say so and "
    "show the exact values next to them.",
    "The horizontal cut's x axis is labelled b (a label fixed in the book's own repository in 2020).",
    "The book's text calls −0.16 the initial value of *b*; it is the initial *w*.",
    "The loss surface is computed from five summary numbers instead of an (n, 101, 101) array.",
    "All training points are drawn, and the y axis runs to 3.1, so the highest point is not cut off.",
)


def show_error_of_one_point(s: Settings) -> tuple[int, float]:
    """The error of one point: Fig 0.3 with a point picker, and error_i = ŷ_i − y_i with the numbers.

    Returns the highlighted point's index and its error (the MSE section lists them).
    """
    b, w = s.start
    summary = results.train_summary(s.data_key)
    n_train = summary.n_train
    section("The error of one point")
    left, right = st.columns([3, 2])
    with right:
        idx, xi, yi = pick_training_point(s.data_key, n_train, "loss_point", "loss_ledger", help=POINT_HELP)
        yhat_i = b + w * xi
        err_i = yhat_i - yi
        st.markdown(
            f"Point {idx} sits at x = {fmt(xi)} with label y = {fmt(yi)}; the line predicts {fmt(yhat_i)} there, "
            f"so the error is **{fmt(err_i)}** — negative when the line runs below the point, positive above it."
        )
    with left:
        charts.show(
            charts.cached(loss_charts.error_chart, summary, b, w, idx, (xi, yi)),
            f"The training points with the dashed line ŷ = {fmt(b)} {signed(w)}·x; point {idx} is highlighted, "
            f"with a dashed segment of length {fmt(abs(err_i))} from its prediction {fmt(yhat_i)} to its label "
            f"{fmt(yi)}."
            + (
                f" Showing a random {count(summary.sample_x.size)} of the {count(n_train)} points."
                if summary.sampled
                else ""
            ),
        )
    st.latex(r"\text{error}_i = \hat{y}_i - y_i = (b + w\,x_i) - y_i")
    st.latex(
        rf"\text{{error}}_{{{idx}}} = ({fmt(b)} {signed(w)} \times {fmt(xi)}) - {tex_num(yi, paren=True)}"
        rf" = {fmt(yhat_i)} - {tex_num(yi, paren=True)} = {fmt(err_i)}"
    )
    return idx, err_i


def show_mse(s: Settings, led: loss_results.Ledger, idx: int, err_i: float) -> None:
    """From many errors to one number, the MSE: the formula with the numbers, and the ledger whose
    last column's mean it is."""
    b, w = s.start
    n_train = led.n_train
    section("From many errors to one number: the MSE")
    st.markdown(
        "Positive and negative errors would cancel in a plain average, so we square each error first. "
        "Squaring also punishes big misses more than small ones. We use **every** training point for this "
        "average — which is what makes this *batch* gradient descent."
    )
    sum_sq = led.mse * n_train
    st.latex(
        r"\text{MSE} = \frac{1}{n}\sum_{i=1}^{n}\text{error}_i^2 = \frac{1}{n}\sum_{i=1}^{n}(\hat{y}_i - y_i)^2"
        r" = \frac{1}{n}\sum_{i=1}^{n}(b + w\,x_i - y_i)^2"
    )
    st.latex(
        rf"\text{{MSE}} = \frac{{1}}{{{n_train}}}\sum_{{i=1}}^{{{n_train}}}"
        rf"(\,{fmt(b)} {signed(w)}\,x_i - y_i)^2 = \frac{{{fmt(sum_sq)}}}{{{n_train}}} = {fmt(led.mse)}"
    )
    metrics(
        [
            ("MSE (loss)", fmt(led.mse), "mean of the squared errors over all training points"),
            (f"error{subscript(idx)}", fmt(err_i), "prediction minus label for the highlighted point"),
            ("Mean error", fmt(led.means["error"]), "the plain average: signs cancel"),
            ("Training points n", count(n_train), None),
        ]
    )
    st.markdown(f"In full, as numpy prints it: `{led.mse!r}`.")

    st.markdown("**The ledger.** One row per training point; pick a row to highlight that point in the chart above.")
    show_ledger(
        led.frame,
        ["x", "y", "ŷ", "error", "error²"],
        led.means,
        n_train,
        "loss_ledger",
        f"mean over all {count(n_train)}",
    )
    st.markdown(
        f"The mean of the last column, **{fmt(led.means['error²'])}**, *is* the MSE — nothing more is hidden in it."
    )


def grid_text(surface: results.Surface, s: Settings) -> str:
    """How the surface grid was built, in words, with its numbers."""
    bv, wv = surface.b_values, surface.w_values
    step_b, step_w = bv[1] - bv[0], wv[1] - wv[0]
    if not s.is_synthetic:
        return (
            f"Real data have no true line to centre on, so the window is centred on the least-squares minimum and "
            f"sized by the data's own spread: b in [{fmt(bv[0], 2)}, {fmt(bv[-1], 2)}], w in [{fmt(wv[0], 2)}, "
            f"{fmt(wv[-1], 2)}], {bv.size} values each, {count(bv.size * wv.size)} candidate lines."
        )
    book = gdcore.book_grid("original", s.true_b, s.true_w)
    same = np.allclose(
        [bv[0], bv[-1], wv[0], wv[-1]], [book.b_values[0], book.b_values[-1], book.w_values[0], book.w_values[-1]]
    )
    if same:
        return (
            f"b runs over true b ± 3 = [{short(bv[0])}, {short(bv[-1])}] and w over true w ± 3 = "
            f"[{short(wv[0])}, {short(wv[-1])}], {bv.size} evenly spaced values each (a step of {fmt(step_b, 2)}), "
            f"so the grid holds {bv.size} × {wv.size} = {count(bv.size * wv.size)} candidate lines (b, w)."
        )
    return (
        f"Your start or minimum lies near the edge of true b ± 3, w ± 3, so the window is widened to "
        f"b in [{fmt(bv[0], 2)}, {fmt(bv[-1], 2)}], w in [{fmt(wv[0], 2)}, {fmt(wv[-1], 2)}], still {bv.size} "
        f"values each (steps {fmt(step_b, 3)} and {fmt(step_w, 3)}), {count(bv.size * wv.size)} candidate lines."
    )


def show_surface_arrays(summary: results.TrainSummary, nb: int, nw: int) -> None:
    """The arrays the book's direct method builds, their size, and the five summary numbers we use instead."""
    n_train = summary.n_train
    bytes_needed = n_train * nb * nw * 8
    bigger = (
        "" if n_train >= 800_000 else f", and {human_bytes(800_000 * nb * nw * 8)} for {count(800_000)} training points"
    )
    st.markdown(
        "Done the direct way, as the book does, the arrays have these shapes:\n\n"
        "| what | shape |\n|---|---|\n"
        f"| b and w of every grid node (two arrays) | `({nw}, {nb})` |\n"
        f"| predictions of one point at every node | `({nw}, {nb})` |\n"
        f"| predictions of every training point at every node | `({n_train}, {nw}, {nb})` |\n"
        f"| labels, reshaped so they broadcast | `({n_train}, 1, 1)` |\n"
        f"| errors of every point at every node | `({n_train}, {nw}, {nb})` |\n"
        f"| mean of the squared errors over the points: the loss surface | `({nw}, {nb})` |\n\n"
        f"The big array holds n × {count(nb * nw)} numbers — {human_bytes(bytes_needed)} here{bigger}. "
        "We never build it. The MSE of a line depends on the data only through five summary numbers (the means of "
        "x and y, their variances and their covariance), so one pass over the data followed by one formula per "
        "grid node does the same job in O(n + grid):"
    )
    ss = summary.stats
    st.latex(
        r"\text{MSE}(b, w) = (b + w\,\bar{x} - \bar{y})^2 + w^2\,\operatorname{var}(x) - 2w\,\operatorname{cov}(x, y)"
        r" + \operatorname{var}(y)"
    )
    st.latex(
        rf"\bar{{x}} = {fmt(ss.mean_x)},\quad \bar{{y}} = {fmt(ss.mean_y)},\quad \operatorname{{var}}(x) = "
        rf"{fmt(ss.var_x)},\quad \operatorname{{cov}}(x, y) = {fmt(ss.cov_xy)},\quad "
        rf"\operatorname{{var}}(y) = {fmt(ss.var_y)}"
    )


def show_loss_surface(s: Settings, led: loss_results.Ledger) -> None:
    """The loss surface, the MSE of every possible line: the grid, the array shapes the book builds,
    the five summary numbers we use instead, and the contour map (clickable) with its 3-D view."""
    b, w = s.start
    summary = results.train_summary(s.data_key)
    section("The loss surface: the MSE of every possible line")
    surface = results.surface(s.data_key, "original", extra=(b, w))
    nb, nw = surface.b_values.size, surface.w_values.size
    figure_note(
        "The MSE of the previous section belongs to one line. Nothing stops us from computing it for many "
        "lines at once: take a grid of candidate values for b and for w, and compute the loss of every pair. "
        + grid_text(surface, s)
    )
    b_star, w_star = surface.minimum
    start_name = "Random start" if (s.b0, s.w0) == (None, None) else "Start"
    markers = [Marker(b_star, w_star, "Minimum", loss=surface.min_loss), Marker(b, w, start_name, loss=led.mse)]
    left, right = st.columns(2)
    with left:
        chart = charts.cached(
            charts.contour, surface, markers=markers, title="Loss surface seen from above", clickable=True
        )
        clickable_contour(
            chart,
            (
                f"Contour map of the loss surface: a long diagonal valley whose floor holds the "
                f"minimum ({fmt(b_star)}, {fmt(w_star)}); the start ({fmt(b)}, {fmt(w)}) lies on its slope."
            ),
            key="loss_contour",
        )
    with right:
        metrics(
            [
                ("Minimum b*", fmt(b_star), "least-squares intercept (what gradient descent should find)"),
                ("Minimum w*", fmt(w_star), "least-squares slope"),
            ]
        )
        metrics(
            [
                ("Loss at the minimum", fmt(surface.min_loss), "no line does better on this training set"),
                ("Loss at the start", fmt(led.mse), None),
            ]
        )
        # The 3-D viewer is the heaviest thing in the app (a large script and a software-rendered
        # surface), so it loads on demand and the rest of the page stays quick.
        show_3d = linked_toggle(
            "Show the rotatable 3-D surface",
            "view3d",
            "loss_show_3d",
            help="The same surface as a bowl you can drag to rotate (it takes a moment to load).",
        )
    if show_3d:
        fig = charts.surface_3d(surface, markers, title="Loss surface (drag to rotate)")
        text3d = (
            f"A bowl-shaped surface over b and w, lowest ({fmt(surface.min_loss)}) at b = {fmt(b_star)}, "
            f"w = {fmt(w_star)} and highest ({fmt(surface.high, 2)}) at a corner; the start sits on it at "
            f"loss {fmt(led.mse)}."
        )
        st.plotly_chart(fig, key="loss_surface_3d", alt=text3d, config={"displaylogo": False})
        st.caption(text3d)
    st.caption(
        "Both markers sit at their true heights on the 3-D surface. (The book's 3-D plot reads the two heights with "
        "the grid's row and column swapped, so its start floats above the surface at about 5.77 instead of 2.71.)"
    )
    # After the figure: the arrays behind it are for a second read.
    with for_the_curious("how the whole surface is computed at once"):
        show_surface_arrays(summary, nb, nw)


def show_cut(
    surface: results.Surface, snap: results.Snapped, param: str, markers: list[Marker], y_dom: tuple[float, float]
) -> None:
    """One cut beside the contour map it slices: along w with b fixed (the vertical cut, Fig 0.5) or
    along b with w fixed (the horizontal cut, Fig 0.6)."""
    if param == "w":
        values, losses, fig, direction = surface.w_values, snap.along_w, "fig5", "vertical"
        line, other, fixed, start = {"vlines": [(snap.b, PALETTE["w_varies"])]}, "b", fmt(snap.b, 2), snap.w
    else:
        values, losses, fig, direction = surface.b_values, snap.along_b, "fig6", "horizontal"
        line, other, fixed, start = {"hlines": [(snap.w, PALETTE["b_varies"])]}, "w", fmt(snap.w, 2), snap.b
    low = int(np.argmin(losses))
    first = f"{fmt(losses[0])} at {param} = {short(values[0])}"
    lowest = f"{fmt(losses[low])} at {param} = {fmt(values[low], 2)}"
    shape = (
        f"a parabola from {first} down to {lowest};"
        if param == "w"
        else f"it falls from {first} to {lowest}, then rises;"
    )
    left, right = st.columns(2)
    with left:
        charts.show(
            charts.cached(
                charts.contour,
                surface,
                markers=markers,
                **line,
                title=f"{direction.capitalize()} cut at {other} = {fixed}",
            ),
            f"The contour map with a dashed {direction} line at {other} = {fixed} through the snapped start.",
            key=f"loss_{fig}_contour",
        )
    with right:
        charts.show(
            charts.cached(
                charts.cross_section,
                values,
                losses,
                param,
                f"Fixed: {other} = {fixed}",
                dots=[(start, snap.loss)],
                y_domain=y_dom,
                x_domain=(float(values[0]), float(values[-1])),
            ),
            f"Loss along {param} with {other} fixed at {fixed}: {shape} "
            f"the start is at {param} = {fmt(start, 2)}, loss {fmt(snap.loss)}.",
            key=f"loss_{fig}_cut",
        )


def show_cross_sections(s: Settings, led: loss_results.Ledger) -> None:
    """Cross-sections, fix one parameter and vary the other: Figs 0.5 and 0.6, each cut beside the
    contour map it slices, through the grid node nearest to the start."""
    b, w = s.start
    surface = results.surface(s.data_key, "original", extra=(b, w))
    b_star, w_star = surface.minimum
    section("Cross-sections: fix one parameter, vary the other")
    snap = surface.snap(b, w)
    sb, sw = fmt(snap.b, 2), fmt(snap.w, 2)
    st.markdown(
        "A surface is hard to read; a slice through it is easy. Hold b fixed and let only w change, and the loss "
        "traces a curve — a vertical cut through the map. Hold w fixed instead and you get a horizontal cut. "
        "Each curve shows how the loss responds to **one** parameter, which is exactly what a partial derivative "
        "measures (next page).\n\n"
        f"Like the book, we cut through the grid node nearest to the start: b = {fmt(b)} → **{sb}** and "
        f"w = {fmt(w)} → **{sw}** (grid index {snap.b_idx} and {snap.w_idx}). That is why the titles read "
        f"{sb} and {sw}, and why the loss at this node, **{fmt(snap.loss)}**, differs slightly from "
        f"the {fmt(led.mse)} at the exact start. Every other number on these pages uses the exact start."
    )
    y_dom = (-0.1, loss_charts.upper_limit(15.1, snap.loss))
    minimum = Marker(b_star, w_star, "Minimum", loss=surface.min_loss)
    show_cut(surface, snap, "w", [minimum, Marker(snap.b, snap.w, "Start (snapped)", loss=snap.loss)], y_dom)
    # The start's label goes under its dot here, off the horizontal line.
    show_cut(surface, snap, "b", [minimum, Marker(snap.b, snap.w, "Start (snapped)", loss=snap.loss, dy=14)], y_dom)
    bv = surface.b_values
    b_min_i = int(np.argmin(snap.along_b))
    b_low = float(bv[b_min_i])
    metrics(
        [
            ("Snapped b", fmt(snap.b), "the grid node nearest to the start's b"),
            ("Snapped w", fmt(snap.w), "the grid node nearest to the start's w"),
            ("Loss at the snapped start", fmt(snap.loss), "where both cuts cross"),
            ("Lowest loss along b", fmt(float(snap.along_b[b_min_i])), f"at b = {fmt(b_low, 2)}, with w = {sw}"),
        ]
    )
    if snap.b < b_low:
        trend = f"the loss keeps falling as b grows, up to about b = {fmt(b_low, 2)}"
    elif snap.b > b_low:
        trend = f"the loss keeps falling as b shrinks, down to about b = {fmt(b_low, 2)}"
    else:
        trend = "b already sits at the lowest point of its cut"
    st.markdown(
        f"Keeping w at {sw} (the snapped *initial w*), {trend}. Which of the two curves is steeper at the "
        "start — that is, which parameter changes the loss more for the same small move? The next page answers "
        "with the gradients."
    )


s = start(4, INTRO, extra=("b0", "w0"))
show_self_check(4, questions_for(4, s))
led = loss_results.ledger(s.data_key, *s.start)
point, error = show_error_of_one_point(s)
show_mse(s, led, point, error)
with lead():
    show_loss_surface(s, led)
show_cross_sections(s, led)
book_check(
    s.is_book,
    "the MSE is 2.7422 (numpy prints 2.7421577700550976), error₀ = −2.0845, the minimum is "
    "(1.0235, 1.9690), and the cuts at b = 0.52 and w = −0.16 cross at loss 2.7113.",
)
differences_from_the_book(DIFFERENCES)
finish(4, s)
