"""Step 5 · Gradients: how the loss changes when b or w moves a little."""

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ui import charts, results
from ui.charts import loss as loss_charts
from ui.interact import pick_training_point, show_ledger
from ui.numbers import TABLE_FORMAT, count, fmt, short
from ui.page import book_check, differences_from_the_book, figure_note, finish, lead, metrics, section, start
from ui.results import loss as loss_results
from ui.results.loss import FiniteDifference
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The help of the "training point to highlight" box.
POINT_HELP = "Index in the training set; you can also pick a row of the table below."

#: The step's short teaching introduction, under its title.
INTRO = (
    "The loss tells us how wrong the line is, but not how to fix it. For that we ask: if b (or w) moved a "
    "tiny bit, would the loss go up or down, and how fast? That rate is a partial derivative, and the pair of "
    "them is the gradient. Its sign says which way is downhill; its size says how steep the slope is."
)

#: How this page differs from the book (one bullet each, in an expander at the end).
DIFFERENCES = (
    "Each cross-section carries its tangent line, whose slope is the true partial derivative there.",
    "The triangle's vertical leg stands at the *after* point, so its hypotenuse is the secant whose slope "
    "is the estimate (the book draws that leg at the *before* point).",
    "δ is adjustable down to 0.001, and the estimate is set next to the true slope at the same point "
    "(the book compares it with the gradient at the unsnapped start).",
    "Every point's share of the gradient is listed, and the means over all points are shown.",
)

#: The steps δ the slider offers (the book's 0.12 and smaller ones), and those of the table.
DELTAS = (0.001, 0.005, 0.01, 0.03, 0.06, 0.12)
TABLE_DELTAS = (0.12, 0.06, 0.01, 0.001)


def direction(g: float, name: str) -> str:
    """Which way along ``name`` the loss goes down, from the sign of its partial derivative ``g``."""
    if g < 0:
        return f"increasing {name} lowers the loss"
    if g > 0:
        return f"decreasing {name} lowers the loss"
    return f"{name} is already at the bottom of its cut"


def show_two_partial_derivatives(led: loss_results.Ledger) -> None:
    """Two partial derivatives, by the chain rule: both formulas with the numbers, and what their signs say."""
    mean_err, mean_xerr = led.means["error"], led.means["x·error"]
    section("Two partial derivatives, by the chain rule")
    st.markdown(
        "The loss depends on b and w only through the predictions ŷᵢ = b + w·xᵢ. So we differentiate in two "
        "links: how the loss changes with each prediction (2·errorᵢ / n), times how the prediction changes with "
        "the parameter — by 1 for b, by xᵢ for w."
    )
    st.latex(
        r"\begin{aligned}\frac{\partial\,\text{MSE}}{\partial b} &= \frac{\partial\,\text{MSE}}{\partial \hat{y}_i}\,"
        r"\frac{\partial \hat{y}_i}{\partial b} = \frac{1}{n}\sum_{i=1}^{n} 2\,(b + w\,x_i - y_i)"
        r" = 2\,\frac{1}{n}\sum_{i=1}^{n}(\hat{y}_i - y_i) \\"
        rf" &= 2 \times ({fmt(mean_err)}) = {fmt(led.grad_b)}\end{{aligned}}"
    )
    st.latex(
        r"\begin{aligned}\frac{\partial\,\text{MSE}}{\partial w} &= \frac{\partial\,\text{MSE}}{\partial \hat{y}_i}\,"
        r"\frac{\partial \hat{y}_i}{\partial w} = \frac{1}{n}\sum_{i=1}^{n} 2\,(b + w\,x_i - y_i)\,x_i"
        r" = 2\,\frac{1}{n}\sum_{i=1}^{n}x_i\,(\hat{y}_i - y_i) \\"
        rf" &= 2 \times ({fmt(mean_xerr)}) = {fmt(led.grad_w)}\end{{aligned}}"
    )
    with lead():  # presenter mode: the two gradients head the page
        metrics(
            [
                ("∂MSE/∂b", fmt(led.grad_b), "2 × mean(error), over every training point"),
                ("∂MSE/∂w", fmt(led.grad_w), "2 × mean(x · error), over every training point"),
                ("mean(error)", fmt(mean_err), None),
                ("mean(x · error)", fmt(mean_xerr), None),
            ]
        )
    st.markdown(
        f"In full, as numpy prints them: `{led.grad_b!r} {led.grad_w!r}`. "
        f"Reading the signs: {direction(led.grad_b, 'b')}, and {direction(led.grad_w, 'w')}."
    )


def show_every_points_share(s: Settings, led: loss_results.Ledger) -> None:
    """Where the numbers come from, every point's share: one point's error and x·error among all the
    others', and the ledger whose means, doubled, are the gradient."""
    b, w = s.start
    summary = results.train_summary(s.data_key)
    n_train = summary.n_train
    mean_err, mean_xerr = led.means["error"], led.means["x·error"]
    section("Where the numbers come from: every point's share")
    idx, xi, yi = pick_training_point(s.data_key, n_train, "grad_point", "grad_ledger", help=POINT_HELP)
    err_i = b + w * xi - yi
    share = {"error": f"has error {fmt(err_i)}", "x·error": f"contributes {fmt(xi * err_i)}"}
    for column, which, param in zip(st.columns(2), ("error", "x·error"), ("b", "w")):
        with column:
            charts.show(
                charts.cached(loss_charts.contribution_chart, summary, b, w, idx, (xi, yi), led.means[which], which),
                f"Each point's {which} against its x; their mean {fmt(led.means[which])} (dashed) doubled is "
                f"∂MSE/∂{param} = {fmt(led.grad_b if param == 'b' else led.grad_w)}. Point {idx} {share[which]}.",
                key=f"grad_contrib_{param}",
            )
    st.markdown(
        "Every point pulls on both parameters. Its pull on b is just its error; its pull on w is its error "
        "weighted by x, so points at small x barely move w. Pick a row to see one point's share."
    )
    show_ledger(
        led.frame, ["x", "error", "x·error"], led.means, n_train, "grad_ledger", f"mean over all {count(n_train)}"
    )
    st.markdown(
        f"Doubling the means under the table gives the gradient: 2 × {fmt(mean_err)} = **{fmt(led.grad_b)}** = "
        f"∂MSE/∂b and 2 × {fmt(mean_xerr)} = **{fmt(led.grad_w)}** = ∂MSE/∂w."
    )


@dataclass(frozen=True)
class SnappedStart:
    """What Figs 0.7 and 0.8 share, by parameter ("b", "w"): the start snapped to the surface's grid
    (``at``), the true slopes there, the step estimates at the slider's δ and the zoom windows of
    Fig 0.8; and the estimates at the table's steps (``table``, one (w, b) pair per δ)."""

    surface: results.Surface
    snap: results.Snapped
    at: dict[str, float]
    slope: dict[str, float]
    delta: float
    step: dict[str, FiniteDifference]
    window: dict[str, tuple[tuple[float, float], tuple[float, float]]]
    table: tuple[tuple[FiniteDifference, FiniteDifference], ...]


def snapped_start(s: Settings) -> SnappedStart:
    """The :class:`SnappedStart` of these settings, at the δ of the slider (drawn further down the page,
    read here because Fig 0.7 already shows the windows it zooms into)."""
    b, w = s.start
    stats = results.train_summary(s.data_key).stats
    surface = results.surface(s.data_key, "original", extra=(b, w))
    snap = surface.snap(b, w)
    grad_b, grad_w = (float(v) for v in stats.gradients(snap.b, snap.w))
    st.session_state.setdefault("grad_delta", loss_results.BOOK_DELTA)
    delta = float(st.session_state["grad_delta"])
    fds = loss_results.finite_differences(s.data_key, snap.b, snap.w, (delta, *TABLE_DELTAS))
    fd_w, fd_b = fds[0]
    return SnappedStart(
        surface,
        snap,
        at={"b": snap.b, "w": snap.w},
        slope={"b": grad_b, "w": grad_w},
        delta=delta,
        step={"b": fd_b, "w": fd_w},
        window={
            "w": loss_charts.zoom_box(stats, fd_w, snap.w, snap.b, s.is_book),
            "b": loss_charts.zoom_box(stats, fd_b, snap.b, snap.w, s.is_book),
        },
        table=fds[1:],
    )


def show_slopes_of_the_cross_sections(led: loss_results.Ledger, cut: SnappedStart) -> None:
    """Seeing the gradients, the slopes of the two cross-sections: Fig 0.7, each cut with its tangent."""
    snap = cut.snap
    sb, sw = fmt(snap.b, 2), fmt(snap.w, 2)
    steeper, flatter = ("b", "w") if abs(led.grad_b) > abs(led.grad_w) else ("w", "b")
    section("Seeing the gradients: the slopes of the two cross-sections")
    figure_note(
        "A partial derivative is the slope of a cross-section from the previous page, measured at the start. "
        f"Here are both cuts through the snapped start (b = {sb}, w = {sw}, as in the book), each with "
        "its tangent line: the straight line that touches the curve there and whose slope is the true partial "
        "derivative at that point. The shaded squares are the windows the next figure zooms into."
    )
    y_dom = (-0.1, loss_charts.upper_limit(6.1, snap.loss, factor=1.4))
    for column, param in zip(st.columns(2), ("w", "b")):
        other = "b" if param == "w" else "w"
        values, along = (cut.surface.w_values, snap.along_w) if param == "w" else (cut.surface.b_values, snap.along_b)
        with column:
            charts.show(
                charts.cached(
                    loss_charts.tangent_cross_section,
                    values,
                    along,
                    param,
                    cut.at[param],
                    snap.loss,
                    cut.slope[param],
                    f"Fixed: {other} = {fmt(cut.at[other], 2)}",
                    y_dom,
                    zoom=cut.window[param],
                ),
                f"Loss along {param} with {other} fixed at {fmt(cut.at[other], 2)}; at {param} = "
                f"{fmt(cut.at[param], 2)} (loss {fmt(snap.loss)}) the tangent slopes at {fmt(cut.slope[param])}.",
                key=f"grad_fig7_{param}",
            )
    st.markdown(
        f"The **{steeper}** curve is steeper at the start: "
        f"|∂MSE/∂{steeper}| = {fmt(abs(led.grad_b if steeper == 'b' else led.grad_w), 2)} "
        f"> |∂MSE/∂{flatter}| = {fmt(abs(led.grad_w if steeper == 'b' else led.grad_b), 2)}. A steeper curve means "
        f"a larger gradient, so {steeper} will get the bigger update in the next step. (At the snapped node the "
        f"slopes are {fmt(cut.slope['b'])} for b and {fmt(cut.slope['w'])} for w.)"
    )


def fd_table(rows: Sequence[tuple[FiniteDifference, FiniteDifference]]) -> pd.DataFrame:
    """One row per δ: the two estimates and how far each is from the true slope."""
    return pd.DataFrame(
        {
            "δ": [r[0].delta for r in rows],
            "δMSE/δw": [r[0].slope for r in rows],
            "error (w)": [r[0].error for r in rows],
            "δMSE/δb": [r[1].slope for r in rows],
            "error (b)": [r[1].error for r in rows],
        }
    )


def show_estimating_a_slope_with_a_small_step(s: Settings, cut: SnappedStart) -> None:
    """Estimating a slope with a small step: Fig 0.8's triangles at the slider's δ, and how the
    estimate's error shrinks with δ."""
    stats = results.train_summary(s.data_key).stats
    fd_w, fd_b, delta = cut.step["w"], cut.step["b"], cut.delta
    section("Estimating a slope with a small step")
    st.markdown(
        "Without calculus we can still *measure* a slope: move one parameter by a small step δ, keep the other "
        "fixed, and divide the change in loss by δ. That is rise over run of the triangle below — the slope of the "
        "secant line between *before* and *after*. Make δ smaller and the secant tips towards the tangent: in the "
        "limit it *is* the derivative."
    )
    st.select_slider(
        "Step δ (smaller → closer to the true slope)", options=DELTAS, key="grad_delta", format_func=short
    )  # a module's function, not a lambda: a lambda here would keep this page's namespace alive
    for column, param in zip(st.columns(2), ("w", "b")):
        other, fd = ("b" if param == "w" else "w"), cut.step[param]
        with column:
            charts.show(
                charts.cached(
                    loss_charts.secant_panel, stats, fd, cut.at[param], cut.at[other], other, cut.window[param]
                ),
                f"Zoom on the {param} cut: moving {param} by {short(delta)} from {fmt(cut.at[param], 2)} changes the "
                f"loss by {fmt(fd.delta_loss)}, a slope of about {fmt(fd.slope, 2)} against the tangent's "
                f"{fmt(fd.true_slope, 2)}.",
                key=f"grad_fig8_{param}",
            )
    metrics(
        [
            ("δMSE/δw (step estimate)", fmt(fd_w.slope), f"(loss after − loss before) / {short(delta)}, b fixed"),
            ("∂MSE/∂w at the snapped start", fmt(cut.slope["w"]), "the tangent's slope"),
            ("δMSE/δb (step estimate)", fmt(fd_b.slope), f"(loss after − loss before) / {short(delta)}, w fixed"),
            ("∂MSE/∂b at the snapped start", fmt(cut.slope["b"]), "the tangent's slope"),
        ],
        columns=2,  # two a row, estimate beside formula: four long labels side by side would be cut off
    )
    digits = loss_charts.delta_digits(delta)
    st.markdown(
        f"With δ = {short(delta)}: δMSE/δw ≈ **{fmt(fd_w.slope, 2)}** (δMSE = {fmt(fd_w.delta_loss, digits)}) and "
        f"δMSE/δb ≈ **{fmt(fd_b.slope, 2)}** (δMSE = {fmt(fd_b.delta_loss, digits)})."
    )
    rows = cut.table
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(
            fd_table(rows),
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(c, format=TABLE_FORMAT)
                for c in ("δMSE/δw", "error (w)", "δMSE/δb", "error (b)")
            },
        )
        st.markdown(
            "Halve δ and the error halves. Along each cut the loss is a parabola, so the step estimate overshoots "
            f"the slope by exactly half the curvature times δ: δ × mean(x²) = δ × {fmt(stats.mean_x2)} for w, "
            "and δ × 1 for b."
        )
    with right:
        charts.show(
            charts.cached(loss_charts.fd_error_chart, rows),
            f"The estimation error shrinks in proportion to δ: from {fmt(abs(rows[0][0].error))} for w and "
            f"{fmt(abs(rows[0][1].error))} for b at δ = {short(rows[0][1].delta)} to {fmt(abs(rows[-1][0].error))} "
            f"and {fmt(abs(rows[-1][1].error))} at δ = {short(rows[-1][1].delta)}.",
            key="grad_fd_error",
        )


def show_check(s: Settings, led: loss_results.Ledger, cut: SnappedStart) -> None:
    """Check, the formula agrees with the small steps: at the snapped node, at the exact start, and
    (at the book's settings) beside the book's own comparison."""
    b, w = s.start
    snap, grad_b, grad_w = cut.snap, cut.slope["b"], cut.slope["w"]
    section("Check: the formula agrees with the small steps")
    ((exact_w, exact_b),) = loss_results.finite_differences(s.data_key, b, w, (0.001,))
    small_w, small_b = cut.table[-1]
    book_w, book_b = cut.table[0]
    checks = [
        f"At the snapped node ({fmt(snap.b, 2)}, {fmt(snap.w, 2)}), δ = 0.001 gives {fmt(small_b.slope)} for b and "
        f"{fmt(small_w.slope)} for w; the formula gives {fmt(grad_b)} and {fmt(grad_w)} — they differ by "
        f"only {fmt(abs(small_b.error))} and {fmt(abs(small_w.error))}, and the gap keeps shrinking with δ.",
        f"At the exact start ({fmt(b)}, {fmt(w)}), δ = 0.001 gives {fmt(exact_b.slope)} and {fmt(exact_w.slope)}, "
        f"against the formula's **{fmt(led.grad_b)}** and **{fmt(led.grad_w)}** from the top of the page.",
    ]
    if s.is_book:
        checks.append(
            f"The book sets its estimates at δ = 0.12 ({fmt(book_b.slope, 2)} and {fmt(book_w.slope, 2)}) beside the "
            f"gradients at the exact start ({fmt(led.grad_b, 2)} and {fmt(led.grad_w, 2)}); part of that gap is the "
            "large step and part is the snapping, which is why we also give the slopes at the snapped node."
        )
    st.markdown("\n".join(f"- {line}" for line in checks))


s = start(5, INTRO, extra=("b0", "w0"))
show_self_check(5, questions_for(5, s))
led = loss_results.ledger(s.data_key, *s.start)
show_two_partial_derivatives(led)
show_every_points_share(s, led)
cut = snapped_start(s)
with lead():
    show_slopes_of_the_cross_sections(led, cut)
show_estimating_a_slope_with_a_small_step(s, cut)
show_check(s, led, cut)
book_check(
    s.is_book,
    "∂MSE/∂b = −3.0448 and ∂MSE/∂w = −1.8338 (numpy prints -3.044811379650508 "
    "-1.8337537171510832); with δ = 0.12 from (0.52, −0.16) the step estimates are ≈ −2.90 and ≈ −1.79.",
)
differences_from_the_book(DIFFERENCES)
finish(5, s)
