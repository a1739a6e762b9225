"""Step 7 · Learning Rate: small steps are safe, large ones overshoot, too large ones diverge."""

from functools import partial

import streamlit as st

import gdcore
from ui import charts, results
from ui.charts import cross_section_domain
from ui.charts import update as update_charts
from ui.numbers import count, fmt, num, short, tex_num
from ui.page import book_check, figure_note, finish, for_the_curious, lead, metrics, section, start
from ui.player import player_frames, player_section
from ui.results import update as update_results
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings, lr_control, near_limit

#: The step's short teaching introduction, under its title.
INTRO = (
    "The learning rate η scales every step. Too small and descent crawls; larger is faster — until a "
    "step jumps past the bottom of the valley to the other side, and larger still until it lands "
    "*higher* than it started, so every step makes things worse. Where those limits sit is not "
    "a matter of taste: the steepness (curvature) of the loss surface sets them, and we can compute them."
)

ZONES = update_charts.ZONES


# --- prose ------------------------------------------------------------------------------------


def step_summary(step: update_results.AxisStep) -> str:
    """One sentence describing a step panel."""
    other = "b" if step.param == "w" else "w"
    change = step.loss_after - step.loss_before
    return (
        f"With {other} fixed at {fmt(step.fixed)}, {step.param} moves from {num(step.start)} by "
        f"−η·∂MSE/∂{step.param} = {num(step.move)} to {num(step.after)}, and the loss goes from "
        f"{num(step.loss_before)} to {num(step.loss_after)} "
        f"({'down' if change <= 0 else 'UP'} by {num(abs(change))})."
    )


#: What one axis step did on its cross-section: (said of one step, said of both).
STEP_OUTCOMES = {
    "up": ("overshoots so far that the loss goes **up**", "overshoot so far that the loss goes **up**"),
    "across": (
        "lands on the **other side** of the valley (the loss still goes down)",
        "land on the **other side** of the valley (the loss still goes down)",
    ),
    "safe": (
        "is a **safe** step that stays on the same side of the valley",
        "are **safe** steps that stay on the same side of the valley",
    ),
}


def step_outcome(step: update_results.AxisStep, stats: gdcore.SufficientStats) -> str:
    """What this step did on its cross-section: climbed ("up"), overshot ("across") or stayed ("safe")."""
    best = gdcore.cross_section_minimum(stats, step.param, step.fixed)
    if step.loss_after > step.loss_before:
        return "up"
    if (step.start - best) * (step.after - best) < 0:
        return "across"
    return "safe"


def steps_story(w_outcome: str, b_outcome: str) -> str:
    """The two steps' outcomes in words, in one clause when they are the same ("both steps are safe …")."""
    if w_outcome == b_outcome:
        return f"both steps {STEP_OUTCOMES[w_outcome][1]}"
    return f"the w step {STEP_OUTCOMES[w_outcome][0]}; the b step {STEP_OUTCOMES[b_outcome][0]}"


def book_table(rows: tuple[update_results.BookRow, ...], lr: float) -> str:
    """The book's learning-rate numbers as a Markdown table; the current rate's row in bold."""
    head = (
        "| η | w after (snapped) | loss at w after | −η·∂MSE/∂w ≈ | b after (snapped) | loss at b after "
        "| −η·∂MSE/∂b ≈ | b loss vs start |\n|---|---|---|---|---|---|---|---|"
    )
    out = [head]
    for r in rows:
        went = "**up**" if r.loss_b > r.loss_before else "down"
        cells = [
            fmt(r.lr, 1),
            f"{fmt(r.w_target, 3)} → {fmt(r.w_after, 2)}",
            fmt(r.loss_w),
            fmt(r.text_w, 2),
            f"{fmt(r.b_target, 3)} → {fmt(r.b_after, 2)}",
            fmt(r.loss_b),
            fmt(r.text_b, 2),
            f"{went} ({fmt(r.loss_before)} → {fmt(r.loss_b)})",
        ]
        if abs(r.lr - lr) < 1e-9:
            cells = [f"**{c}**" if not c.startswith(("down", "**")) else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def ruler_summary(curv: results.Curvature, lr: float) -> str:
    """The ruler's one-sentence text summary."""
    return (
        f"Ruler of learning rates: a b-only step diverges above {fmt(curv.limit_b)}, a w-only step above "
        f"{fmt(curv.limit_w)}, and batch descent on both above {fmt(curv.critical_lr)} (smooth up to "
        f"{fmt(curv.smooth)}); the current η = {short(lr)} lies in the "
        f"'{ZONES[gdcore.lr_zone(lr, curv.critical_lr)]}' zone."
    )


# --- sections ---------------------------------------------------------------------------------


def show_eta_control(curv: results.Curvature) -> None:
    """η on the page: typed exactly, the book's three rates, and rates either side of this data's limit."""
    st.markdown(
        f"**η on this page.** The book tries three rates; on this data batch descent diverges above "
        f"{fmt(curv.critical_lr)}. Type η or pick one (the sidebar follows):"
    )
    names = ("low", "high", "very high")
    presets = [(f"{short(lr)} ({name})", lr) for lr, name in zip(update_results.BOOK_LRS, names)]
    lr_control("lr", presets + near_limit(curv.critical_lr))


def show_one_step_along_each_cross_section(s: Settings) -> tuple[gdcore.History, int | None]:
    """One step along each cross-section (Figs 0.10-0.12), the player of the next epochs, the book's numbers.

    Returns the long batch-descent run and the epoch it leaves the contour's window (None if it stays).
    """
    lr, (b0, w0) = s.lr, s.start
    stats = results.train_summary(s.data_key).stats
    step_w, step_b = update_results.axis_steps(stats, b0, w0, lr)
    section("One step along each cross-section (Figs 0.10–0.12)", anchor="one-step-along-each-cross-section")
    figure_note(
        "As in the book, each parameter takes its step on its own cross-section: w moves with b held fixed "
        "(red), b moves with w held fixed (black). The flat segment is the step −η·gradient at the starting "
        "loss; the dot at its end, on the curve, is where the loss lands. On the contour, the green segment is the "
        "real update, which moves both at once. Play or step through the next epochs of batch descent: every "
        "panel of the player follows the same epoch, and the step panels below it show the epoch it stops on.",
        caption="We use the **true** gradients at the exact point. The book instead starts from the grid-snapped point "
        "(0.52, −0.16), uses the slopes −2.90 and −1.79 read off Fig 0.8, and snaps the after points to its 0.06 "
        "grid — so its numbers (in the book's table on this page) differ slightly from ours.",
    )
    hist = results.history_for(s, batch=0, epochs=update_results.LONG_EPOCHS)
    surface = results.surface(s.data_key, "original", extra=(b0, w0, step_b.after, step_w.after))
    b_win, w_win = charts.surface_domains(surface, half_cell=False)
    frames = player_frames(
        hist,
        stats,
        surface,
        lr=lr,
        n_frames=min(hist.epochs_run, update_results.PLAYER_EPOCHS) + 1,
        show_next=True,
        loss_window=cross_section_domain(results.train_summary(s.data_key), (b0, w0), s.is_book),
    )
    # New data, rate or start: new frames, and the player replays from epoch 0.
    below = partial(show_step_from_epoch, hist=hist, stats=stats, lr=lr, windows=(w_win, b_win))
    player_section("lr_player", frames, start=0, below=below, link="step")
    show_the_books_numbers(lr)
    return hist, update_charts.window_exit(hist.b, hist.w, b_win, w_win)


def show_step_from_epoch(
    frame: int,
    *,
    hist: gdcore.History,
    stats: gdcore.SufficientStats,
    lr: float,
    windows: tuple[tuple[float, float], tuple[float, float]],
) -> None:
    """The two one-parameter steps from the player's paused epoch, with their numbers.

    ``windows`` are the contour's w and b ranges, the step panels' book windows.
    """
    bk, wk = float(hist.b[frame]), float(hist.w[frame])
    fw, fb = update_results.axis_steps(stats, bk, wk, lr)
    loss_k = float(hist.train_loss[frame])
    st.markdown(f"**The step from epoch {frame}**, one parameter at a time (the player's paused epoch):")
    for col, step, base in zip(st.columns(2), (fw, fb), windows):
        x_dom, y_dom = update_charts.step_domains(step, base)
        other = "b" if step.param == "w" else "w"
        with col:
            charts.show(
                charts.cached(
                    update_charts.step_panel, stats, step, x_dom, y_dom, title=f"Fixed: {other} = {num(step.fixed)}"
                ),
                step_summary(step),
            )
    eta = short(lr)
    st.latex(
        rf"\begin{{aligned}}b &\leftarrow {tex_num(bk)} - {eta}\cdot({tex_num(fb.grad)}) = {tex_num(fb.after)}\\ "
        rf"w &\leftarrow {tex_num(wk)} - {eta}\cdot({tex_num(fw.grad)}) = {tex_num(fw.after)}\end{{aligned}}"
    )
    metrics(
        [
            ("Epoch", str(frame), None),
            ("b at this epoch", num(bk), None),
            ("w at this epoch", num(wk), None),
            ("Loss at this epoch", num(loss_k), "training MSE"),
        ]
    )
    metrics(
        [
            ("w step: −η·∂MSE/∂w", num(fw.move), f"η = {eta} times the true gradient {num(fw.grad)}"),
            ("w after (b fixed)", num(fw.after), None),
            ("Loss after the w step", num(fw.loss_after), f"from {num(fw.loss_before)}"),
            ("b step: −η·∂MSE/∂b", num(fb.move), f"η = {eta} times the true gradient {num(fb.grad)}"),
            ("b after (w fixed)", num(fb.after), None),
            ("Loss after the b step", num(fb.loss_after), f"from {num(fb.loss_before)}"),
        ],
        columns=3,
    )
    st.markdown(f"At η = {eta} {steps_story(step_outcome(fw, stats), step_outcome(fb, stats))}.")


def show_the_books_numbers(lr: float) -> None:
    """The book's numbers for Figs 0.10-0.12 (snapped start, manual gradients), the current rate in bold."""
    st.markdown("**In the book** (its snapped start 0.52, −0.16 and its manual gradients −2.90, −1.79):")
    st.markdown(book_table(update_results.book_rows(), lr))
    st.markdown(
        "At 0.2 both steps are small and safe; at 0.8 the b step lands on the other side of the valley; "
        "at 1.1 it climbs so far up the other side that the loss *rises* (3.2240 > 2.7113), while the "
        "flatter w curve still copes. The b curve is the steeper one: the learning rate is limited by the "
        "**steepest** curve."
    )


def show_where_eta_stops_working(
    lr: float, curv: results.Curvature, hist: gdcore.History, leaves_window: int | None
) -> None:
    """Where does η stop working? The limits from the curvature, the ruler, and what this rate does."""
    factor = curv.factor(lr)
    section("Where does η stop working?", anchor="where-does-eta-stop-working")
    st.markdown(
        "The bowl's **curvature** is how steep it is in a direction. The steeper the direction, the smaller the "
        "step it tolerates: a step that is small for its steepness slides down, a larger one jumps across the "
        "valley, and a step more than twice too large lands higher than it started. With both parameters "
        "moving, the steepest direction of the bowl sets the limit for every step."
    )
    with for_the_curious("the limits in formulas"):
        st.markdown(
            "A cross-section is a parabola. A step of $\\eta$ times the gradient on a parabola of curvature $c$ "
            "multiplies the distance to its bottom by $1 - \\eta c$: it never overshoots while "
            "$\\eta \\le 1/c$, overshoots but still gets closer while $\\eta < 2/c$, and moves away when "
            "$\\eta > 2/c$. With both parameters moving, the steepest direction is a diagonal; its curvature "
            "$\\lambda_{max}$ is the largest eigenvalue of the Hessian (the matrix of second derivatives), "
            "and it sets the limit $2/\\lambda_{max}$."
        )
        st.latex(
            rf"\eta_b = \frac{{2}}{{c_b}} = {fmt(curv.limit_b)},\qquad \eta_w = \frac{{2}}{{c_w}} = {fmt(curv.limit_w)}"
        )
        st.latex(
            rf"\eta_{{\text{{critical}}}} = \frac{{2}}{{\lambda_{{\max}}}} = \frac{{2}}{{{fmt(curv.lam_max)}}} "
            rf"= {fmt(curv.critical_lr)}"
        )
    charts.show(charts.cached(update_charts.lr_ruler, curv, lr), ruler_summary(curv, lr))
    metrics(
        [
            ("Limit along b (2/curvature)", fmt(curv.limit_b), "a step along b alone (w fixed) diverges above this"),
            ("Limit along w (2/curvature)", fmt(curv.limit_w), "a step along w alone (b fixed) diverges above this"),
            ("Critical rate 2/λ_max", fmt(curv.critical_lr), "batch descent on both parameters diverges above this"),
            (
                "Per-step factor max|1 − η·λ|",
                num(factor),
                "the distance to the minimum is multiplied by this each epoch",
            ),
        ]
    )
    eta = short(lr)
    if lr >= curv.critical_lr:
        where = (
            f"From your start the parameters leave the chart's window at **epoch {leaves_window}** "
            f"(b = {num(hist.b[leaves_window])}, w = {num(hist.w[leaves_window])})."
            if leaves_window is not None
            else f"Growth this slow takes more than {count(update_results.LONG_EPOCHS)} epochs to leave the "
            "chart's window."
        )
        blow = gdcore.first_epoch_above(hist.train_loss, 1e6)
        tail = f" The loss passes 1,000,000 at epoch {count(blow)}." if blow is not None else ""
        if hist.diverged:
            tail += f" After epoch {count(hist.epochs_run)} the numbers no longer fit in a float and the run stops."
        st.error(
            f"**Diverges.** η = {eta} is above $2/\\lambda_{{max}}$ = {fmt(curv.critical_lr)}. "
            "Each step multiplies the distance to the minimum along the steepest direction by "
            f"$|1 - \\eta\\lambda_{{max}}|$ = |1 − {eta} × {fmt(curv.lam_max)}| = "
            f"{num(factor)}, "
            f"flipping its sign every time: the path ping-pongs across the valley with growing swings. {where}{tail}",
            icon=":material/error:",
        )
    elif lr > curv.smooth:
        st.warning(
            f"**Oscillates but converges.** η = {eta} is above $1/\\lambda_{{max}}$ = {fmt(curv.smooth)}, so along the "
            "steepest direction every step overshoots to the other side, but below "
            f"{fmt(curv.critical_lr)}, so each swing is smaller than the last (factor {num(factor)}).",
            icon=":material/swap_horiz:",
        )
    else:
        st.info(
            f"**Converges smoothly.** η = {eta} is at most $1/\\lambda_{{max}}$ = {fmt(curv.smooth)}: "
            "no step overshoots. "
            f"The distance to the minimum shrinks by the factor {num(factor)} per epoch — the flat direction "
            f"($\\lambda_{{min}}$ = {fmt(curv.lam_min)}) is what makes it slow.",
            icon=":material/check_circle:",
        )


s = start(7, INTRO, extra=("b0", "w0"))
curv = results.curvature(s.data_key)
show_eta_control(curv)
show_self_check(7, questions_for(7, s))
with lead():
    hist, leaves_window = show_one_step_along_each_cross_section(s)
show_where_eta_stops_working(s.lr, curv, hist, leaves_window)
book_check(
    s.is_book,
    "the limits are 1.0 along b, about 3.155 along w and 0.8055 for both together; the "
    "book's three rates fall in the three zones (0.2 smooth, 0.8 oscillating, 1.1 diverging).",
)
finish(7, s)
