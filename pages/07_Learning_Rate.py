"""Step 7 · Learning Rate: small steps are safe, large ones overshoot, too large ones diverge."""

import streamlit as st

import ui
from ui import charts, figs_lr, results
from ui.figs_descent import cross_section_domain
from ui.numbers import fmt, num, tex_num
from ui.page import book_check, header, metrics, navigation, setup
from ui.player import player_frames, player_section
from ui.reproduce import show_reproduce
from ui.settings import set_settings

setup("Learning Rate", "🎚️")
s = ui.sidebar(extra=("b0", "w0"))
header(
    7,
    "The learning rate",
    (
        "The learning rate η scales every step. Too small and descent crawls; larger is faster — until a "
        "step jumps past the bottom of the valley to the other side, and larger still until it lands "
        "*higher* than it started, so every step makes things worse. Where those limits sit is not "
        "a matter of taste: the steepness (curvature) of the loss surface sets them, and we can compute them."
    ),
)

lr = s.lr
b0, w0 = s.start
stats = results.train_summary(s.data_key).stats
curv = results.curvature(s.data_key)
factor = curv.factor(lr)
step_w, step_b = figs_lr.axis_steps(stats, b0, w0, lr)

st.markdown("The book tries three rates. One click sets the shared η (the sidebar follows):")
cols = st.columns(len(figs_lr.BOOK_LRS) + 1)
for col, (preset, name) in zip(cols, zip(figs_lr.BOOK_LRS, ("low", "high", "very high"))):
    if col.button(
        f"η = {preset:g} ({name})",
        key=f"lr_preset_{preset:g}",
        width="stretch",
        type="primary" if abs(lr - preset) < 1e-12 else "secondary",
    ):
        set_settings(lr=preset)
        st.rerun()

st.subheader("Predict, then check")
st.markdown(
    f"Starting from b = {fmt(b0)}, w = {fmt(w0)} with **η = {lr:g}**, what will batch gradient "
    "descent do? Decide before you scroll down."
)
guess = st.radio("Your prediction", figs_lr.GUESSES, index=None, key="lr_guess", horizontal=True)
if st.button("Check", key="lr_check", disabled=guess is None):
    st.session_state["lr_checked"] = (lr, guess, b0, w0, s.data_key)
if guess is not None and st.session_state.get("lr_checked") == (lr, guess, b0, w0, s.data_key):
    correct, why = figs_lr.check_explanation(guess, lr, curv, factor)
    (st.success if correct else st.error)(
        ("Right. " if correct else f"Not quite — you said “{guess}”. ") + why, icon="✅" if correct else "❌"
    )

# --- Figs 0.10-0.12, then the following epochs ----------------------------------------------
st.subheader("One step along each cross-section (Figs 0.10–0.12)")
st.markdown(
    "As in the book, each parameter takes its step on its own cross-section: w moves with b held fixed "
    "(red), b moves with w held fixed (black). The flat segment is the step −η·gradient at the starting "
    "loss; the dot at its end, on the curve, is where the loss lands. On the contour, the green segment is the "
    "real update, which moves both at once. Play or step through the next epochs of batch descent: every "
    "panel of the player follows the same epoch, and the step panels below it show the epoch it stops on."
)
st.caption(
    "We use the **true** gradients at the exact point. The book instead starts from the grid-snapped point "
    "(0.52, −0.16), uses the slopes −2.90 and −1.79 read off Fig 0.8, and snaps the after points to its 0.06 "
    "grid — so its numbers (in the table below the figures) differ slightly from ours."
)
hist = results.history_for(s, batch=0, epochs=figs_lr.LONG_EPOCHS)
surface = results.surface(s.data_key, "original", extra=(b0, w0, step_b.after, step_w.after))
b_win, w_win = charts.surface_domains(surface, half_cell=False)
exit_ = figs_lr.window_exit(hist.b, hist.w, b_win, w_win)
n_frames = min(hist.epochs_run, figs_lr.PLAYER_EPOCHS) + 1
frames = player_frames(
    hist,
    stats,
    surface,
    lr=lr,
    n_frames=n_frames,
    show_next=True,
    loss_window=cross_section_domain(results.train_summary(s.data_key), (b0, w0), s.is_book),
)


def show_step_from(frame: int) -> None:
    """The two one-parameter steps from the player's paused epoch, with their numbers."""
    bk, wk = float(hist.b[frame]), float(hist.w[frame])
    fw, fb = figs_lr.axis_steps(stats, bk, wk, lr)
    loss_k = float(hist.train_loss[frame])
    st.markdown(f"**The step from epoch {frame}**, one parameter at a time (the player's paused epoch):")
    c1, c2 = st.columns(2)
    for col, step, base in ((c1, fw, w_win), (c2, fb, b_win)):
        x_dom, y_dom = figs_lr.step_domains(step, base)
        other = "b" if step.param == "w" else "w"
        with col:
            charts.show(
                figs_lr.step_panel(stats, step, x_dom, y_dom, title=f"Fixed: {other} = {num(step.fixed)}"),
                figs_lr.step_summary(step),
            )
    st.latex(
        rf"\begin{{aligned}}b &\leftarrow {tex_num(bk)} - {lr:g}\cdot({tex_num(fb.grad)}) = {tex_num(fb.after)}\\ "
        rf"w &\leftarrow {tex_num(wk)} - {lr:g}\cdot({tex_num(fw.grad)}) = {tex_num(fw.after)}\end{{aligned}}"
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
            ("w step: −η·∂MSE/∂w", num(fw.move), f"η = {lr:g} times the true gradient {num(fw.grad)}"),
            ("w after (b fixed)", num(fw.after), None),
            ("Loss after the w step", num(fw.loss_after), f"from {num(fw.loss_before)}"),
            ("b step: −η·∂MSE/∂b", num(fb.move), f"η = {lr:g} times the true gradient {num(fb.grad)}"),
            ("b after (w fixed)", num(fb.after), None),
            ("Loss after the b step", num(fb.loss_after), f"from {num(fb.loss_before)}"),
        ],
        columns=3,
    )
    st.markdown(
        f"At η = {lr:g} the w step {figs_lr.step_story(fw, stats)}; the b step {figs_lr.step_story(fb, stats)}."
    )


# New data, rate or start: new frames, and the player replays from epoch 0.
player_section("lr_player", frames, start=0, below=show_step_from)

st.markdown("**In the book** (its snapped start 0.52, −0.16 and its manual gradients −2.90, −1.79):")
st.markdown(figs_lr.book_table(figs_lr.book_rows(), lr))
st.markdown(
    "At 0.2 both steps are small and safe; at 0.8 the b step lands on the other side of the valley; "
    "at 1.1 it climbs so far up the other side that the loss *rises* (3.2240 > 2.7113), while the "
    "flatter w curve still copes. The b curve is the steeper one: the learning rate is limited by the "
    "**steepest** curve."
)

# --- zones ----------------------------------------------------------------------------------
st.subheader("Where does η stop working?")
st.markdown(
    "A cross-section is a parabola. A step of η·gradient on a parabola of curvature c shrinks the distance "
    "to its bottom by the factor 1 − η·c: it never overshoots while η ≤ 1/c, overshoots but still gets "
    "closer while η < 2/c, and moves away when η > 2/c. With both parameters moving, the bowl's steepest "
    "direction — curvature λ_max, the largest eigenvalue of the Hessian — sets the limit 2/λ_max."
)
st.latex(
    rf"\eta_b = \frac{{2}}{{c_b}} = {fmt(curv.limit_b)},\qquad \eta_w = \frac{{2}}{{c_w}} = {fmt(curv.limit_w)},"
    rf"\qquad \eta_{{\text{{critical}}}} = \frac{{2}}{{\lambda_{{\max}}}} = \frac{{2}}{{{fmt(curv.lam_max)}}} "
    rf"= {fmt(curv.critical_lr)}"
)
charts.show(figs_lr.lr_ruler(curv, lr), figs_lr.ruler_summary(curv, lr))
metrics(
    [
        ("Limit along b (2/curvature)", fmt(curv.limit_b), "a step along b alone (w fixed) diverges above this"),
        ("Limit along w (2/curvature)", fmt(curv.limit_w), "a step along w alone (b fixed) diverges above this"),
        ("Critical rate 2/λ_max", fmt(curv.critical_lr), "batch descent on both parameters diverges above this"),
        ("Per-step factor max|1 − η·λ|", num(factor), "the distance to the minimum is multiplied by this each epoch"),
    ]
)

if lr >= curv.critical_lr:
    where = (
        f"From your start the parameters leave the chart's window at **epoch {exit_.epoch}** "
        f"(b = {num(exit_.b)}, w = {num(exit_.w)})."
        if exit_ is not None
        else f"Growth this slow takes more than {figs_lr.LONG_EPOCHS:,} epochs to leave the chart's window."
    )
    blow = figs_lr.first_above(hist.train_loss, 1e6)
    tail = f" The loss passes 1,000,000 at epoch {blow:,}." if blow is not None else ""
    if hist.diverged:
        tail += f" After epoch {hist.epochs_run:,} the numbers no longer fit in a float and the run stops."
    st.error(
        f"**Diverges.** η = {lr:g} is above 2/λ_max = {fmt(curv.critical_lr)}. "
        "Each step multiplies the distance to the "
        f"minimum along the steepest direction by |1 − η·λ_max| = |1 − {lr:g} × {fmt(curv.lam_max)}| = "
        f"{num(factor)}, "
        f"flipping its sign every time: the path ping-pongs across the valley with growing swings. {where}{tail}",
        icon="💥",
    )
elif lr > curv.smooth:
    st.warning(
        f"**Oscillates but converges.** η = {lr:g} is above 1/λ_max = {fmt(curv.smooth)}, so along the "
        "steepest direction every step overshoots to the other side, but below "
        f"{fmt(curv.critical_lr)}, so each swing is smaller than the last (factor {num(factor)}).",
        icon="↔️",
    )
else:
    st.info(
        f"**Converges smoothly.** η = {lr:g} is at most 1/λ_max = {fmt(curv.smooth)}: no step overshoots. "
        f"The distance to the minimum shrinks by the factor {num(factor)} per epoch — the flat direction "
        f"(λ_min = {fmt(curv.lam_min)}) is what makes it slow.",
        icon="✅",
    )

book_check(
    s.is_book,
    "the limits are 1.0 along b, about 3.155 along w and 0.8055 for both together; the "
    "book's three rates fall in the three zones (0.2 smooth, 0.8 oscillating, 1.1 diverging).",
)
show_reproduce(7, s)
navigation(7)
