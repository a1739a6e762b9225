"""Step 5 · Gradients: how the loss changes when b or w moves a little."""

import streamlit as st

import ui
from ui import charts, figs_loss, results
from ui.numbers import fmt
from ui.page import book_check, header, metrics, navigation, setup
from ui.reproduce import show_reproduce

setup("Gradients", "⛰️")
s = ui.sidebar(extra=("b0", "w0"))
header(
    5,
    "Compute the gradients",
    (
        "The loss tells us how wrong the line is, but not how to fix it. For that we ask: if b (or w) moved a "
        "tiny bit, would the loss go up or down, and how fast? That rate is a partial derivative, and the pair of "
        "them is the gradient. Its sign says which way is downhill; its size says how steep the slope is."
    ),
)

b, w = s.start
summary = results.train_summary(s.data_key)
n_train = summary.n_train
led = figs_loss.ledger_for(s, b, w)
mean_err, mean_xerr = led.means["error"], led.means["x·error"]

# --- the formulas -------------------------------------------------------------------
st.subheader("Two partial derivatives, by the chain rule")
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
metrics(
    [
        ("∂MSE/∂b", fmt(led.grad_b), "2 × mean(error), over every training point"),
        ("∂MSE/∂w", fmt(led.grad_w), "2 × mean(x · error), over every training point"),
        ("mean(error)", fmt(mean_err), None),
        ("mean(x · error)", fmt(mean_xerr), None),
    ]
)


def _direction(g: float, name: str) -> str:
    if g < 0:
        return f"increasing {name} lowers the loss"
    if g > 0:
        return f"decreasing {name} lowers the loss"
    return f"{name} is already at the bottom of its cut"


st.markdown(
    f"In full, as numpy prints them: `{led.grad_b!r} {led.grad_w!r}`. "
    f"Reading the signs: {_direction(led.grad_b, 'b')}, and {_direction(led.grad_w, 'w')}."
)

# --- the ledger ----------------------------------------------------------------------
st.subheader("Where the numbers come from: every point's share")
figs_loss.sync_table_pick("grad_ledger", "grad_point", n_train)
idx = int(
    st.number_input(
        "Training point i to highlight",
        0,
        n_train - 1,
        step=1,
        key="grad_point",
        help="Index in the training set; you can also pick a row of the table below.",
    )
)
xi, yi = figs_loss.point_for(s, idx)
err_i = b + w * xi - yi
left, right = st.columns(2)
with left:
    charts.show(
        figs_loss.contribution_chart(summary, b, w, idx, (xi, yi), mean_err, "error"),
        f"Each point's error against its x; their mean {fmt(mean_err)} (dashed) doubled is ∂MSE/∂b = "
        f"{fmt(led.grad_b)}. Point {idx} has error {fmt(err_i)}.",
        key="grad_contrib_b",
    )
with right:
    charts.show(
        figs_loss.contribution_chart(summary, b, w, idx, (xi, yi), mean_xerr, "x·error"),
        f"Each point's x·error against its x; their mean {fmt(mean_xerr)} (dashed) doubled is ∂MSE/∂w = "
        f"{fmt(led.grad_w)}. Point {idx} contributes {fmt(xi * err_i)}.",
        key="grad_contrib_w",
    )
st.markdown(
    "Every point pulls on both parameters. Its pull on b is just its error; its pull on w is its error "
    "weighted by x, so points at small x barely move w. Pick a row to see one point's share."
)
figs_loss.show_ledger(
    led.frame, ["x", "error", "x·error"], led.means, n_train, "grad_ledger", f"mean over all {n_train:,}"
)
st.markdown(
    f"Doubling the means under the table gives the gradient: 2 × {fmt(mean_err)} = **{fmt(led.grad_b)}** = ∂MSE/∂b "
    f"and 2 × {fmt(mean_xerr)} = **{fmt(led.grad_w)}** = ∂MSE/∂w."
)

# --- Figure 0.7: the slopes of the cross-sections -------------------------------------------
st.subheader("Seeing the gradients: the slopes of the two cross-sections")
surface = results.surface(s.data_key, "original", extra=(b, w))
snap = surface.snap(b, w)
gb_snap, gw_snap = (float(v) for v in summary.stats.gradients(snap.b, snap.w))
st.session_state.setdefault("grad_delta", figs_loss.BOOK_DELTA)
delta = float(st.session_state["grad_delta"])
fds = figs_loss.finite_differences_for(s, snap.b, snap.w, (delta, *figs_loss.TABLE_DELTAS))
fd_w, fd_b = fds[0]
win_w = figs_loss.zoom_box(summary.stats, fd_w, snap.w, snap.b, s.is_book)
win_b = figs_loss.zoom_box(summary.stats, fd_b, snap.b, snap.w, s.is_book)
steeper, flatter = ("b", "w") if abs(led.grad_b) > abs(led.grad_w) else ("w", "b")
st.markdown(
    "A partial derivative is the slope of a cross-section from the previous page, measured at the start. "
    f"Here are both cuts through the snapped start (b = {snap.b:.2f}, w = {snap.w:.2f}, as in the book), each with "
    "its tangent line: the straight line that touches the curve there and whose slope is the true partial "
    "derivative at that point. The shaded squares are the windows the next figure zooms into."
)
y_dom = (-0.1, figs_loss.upper_limit(6.1, snap.loss, factor=1.4))
wv, bv = surface.w_values, surface.b_values
left, right = st.columns(2)
with left:
    charts.show(
        figs_loss.tangent_cross_section(
            wv, snap.along_w, "w", snap.w, snap.loss, gw_snap, f"Fixed: b = {snap.b:.2f}", y_dom, zoom=win_w
        ),
        f"Loss along w with b fixed at {snap.b:.2f}; at w = {snap.w:.2f} (loss {fmt(snap.loss)}) the tangent "
        f"slopes at {fmt(gw_snap)}.",
        key="grad_fig7_w",
    )
with right:
    charts.show(
        figs_loss.tangent_cross_section(
            bv, snap.along_b, "b", snap.b, snap.loss, gb_snap, f"Fixed: w = {snap.w:.2f}", y_dom, zoom=win_b
        ),
        f"Loss along b with w fixed at {snap.w:.2f}; at b = {snap.b:.2f} (loss {fmt(snap.loss)}) the tangent "
        f"slopes at {fmt(gb_snap)}.",
        key="grad_fig7_b",
    )
st.markdown(
    f"The **{steeper}** curve is steeper at the start: "
    f"|∂MSE/∂{steeper}| = {abs(led.grad_b if steeper == 'b' else led.grad_w):.2f} "
    f"> |∂MSE/∂{flatter}| = {abs(led.grad_w if steeper == 'b' else led.grad_b):.2f}. A steeper curve means a larger "
    f"gradient, so {steeper} will get the bigger update in the next step. (At the snapped node the slopes are "
    f"{fmt(gb_snap)} for b and {fmt(gw_snap)} for w.)"
)

# --- Figure 0.8: finite differences ---------------------------------------------------------
st.subheader("Estimating a slope with a small step")
st.markdown(
    "Without calculus we can still *measure* a slope: move one parameter by a small step δ, keep the other "
    "fixed, and divide the change in loss by δ. That is rise over run of the triangle below — the slope of the "
    "secant line between *before* and *after*. Make δ smaller and the secant tips towards the tangent: in the "
    "limit it *is* the derivative."
)
st.select_slider(
    "Step δ (smaller → closer to the true slope)", options=figs_loss.DELTAS, key="grad_delta", format_func="{:g}".format
)  # a lambda here would keep this page's namespace alive
left, right = st.columns(2)
with left:
    charts.show(
        figs_loss.secant_panel(summary.stats, fd_w, snap.w, snap.b, "b", win_w),
        f"Zoom on the w cut: moving w by {delta:g} from {snap.w:.2f} changes the loss by "
        f"{fmt(fd_w.delta_loss)}, a slope of about {fd_w.slope:.2f} against the tangent's {fd_w.true_slope:.2f}.",
        key="grad_fig8_w",
    )
with right:
    charts.show(
        figs_loss.secant_panel(summary.stats, fd_b, snap.b, snap.w, "w", win_b),
        f"Zoom on the b cut: moving b by {delta:g} from {snap.b:.2f} changes the loss by "
        f"{fmt(fd_b.delta_loss)}, a slope of about {fd_b.slope:.2f} against the tangent's {fd_b.true_slope:.2f}.",
        key="grad_fig8_b",
    )
metrics(
    [
        ("δMSE/δw (step estimate)", fmt(fd_w.slope), f"(loss after − loss before) / {delta:g}, b fixed"),
        ("∂MSE/∂w at the snapped start", fmt(gw_snap), "the tangent's slope"),
        ("δMSE/δb (step estimate)", fmt(fd_b.slope), f"(loss after − loss before) / {delta:g}, w fixed"),
        ("∂MSE/∂b at the snapped start", fmt(gb_snap), "the tangent's slope"),
    ]
)
st.markdown(
    f"With δ = {delta:g}: δMSE/δw ≈ **{fd_w.slope:.2f}** "
    f"(δMSE = {fd_w.delta_loss:.{figs_loss.delta_digits(delta)}f}) and "
    f"δMSE/δb ≈ **{fd_b.slope:.2f}** (δMSE = {fd_b.delta_loss:.{figs_loss.delta_digits(delta)}f})."
)
table_rows = fds[1:]
left, right = st.columns([3, 2])
with left:
    st.dataframe(
        figs_loss.fd_table(table_rows),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(c, format="%.4f") for c in ("δMSE/δw", "error (w)", "δMSE/δb", "error (b)")
        },
    )
    mx2 = summary.stats.mean_x2
    st.markdown(
        "Halve δ and the error halves. Along each cut the loss is a parabola, so the step estimate overshoots "
        f"the slope by exactly half the curvature times δ: δ × mean(x²) = δ × {fmt(mx2)} for w, and δ × 1 for b."
    )
with right:
    charts.show(
        figs_loss.fd_error_chart(table_rows),
        f"The estimation error shrinks in proportion to δ: from {abs(table_rows[0][1].error):.4f} (b) at "
        f"δ = {table_rows[0][1].delta:g} to {abs(table_rows[-1][1].error):.4f} at δ = {table_rows[-1][1].delta:g}.",
        key="grad_fd_error",
    )

# --- the check ------------------------------------------------------------------------------
st.subheader("Check: the formula agrees with the small steps")
((exact_w, exact_b),) = figs_loss.finite_differences_for(s, b, w, (0.001,))
small_w, small_b = table_rows[-1]
book_w, book_b = table_rows[0]
checks = [
    f"At the snapped node ({snap.b:.2f}, {snap.w:.2f}), δ = 0.001 gives {fmt(small_b.slope)} for b and "
    f"{fmt(small_w.slope)} for w; the formula gives {fmt(gb_snap)} and {fmt(gw_snap)} — they differ by only "
    f"{abs(small_b.error):.4f} and {abs(small_w.error):.4f}, and the gap keeps shrinking with δ.",
    f"At the exact start ({fmt(b)}, {fmt(w)}), δ = 0.001 gives {fmt(exact_b.slope)} and {fmt(exact_w.slope)}, "
    f"against the formula's **{fmt(led.grad_b)}** and **{fmt(led.grad_w)}** from the top of the page.",
]
if s.is_book:
    checks.append(
        f"The book sets its estimates at δ = 0.12 ({book_b.slope:.2f} and {book_w.slope:.2f}) beside the gradients "
        f"at the exact start ({led.grad_b:.2f} and {led.grad_w:.2f}); part of that gap is the large step and part "
        "is the snapping, which is why we also give the slopes at the snapped node."
    )
st.markdown("\n".join(f"- {line}" for line in checks))
book_check(
    s.is_book,
    "∂MSE/∂b = −3.0448 and ∂MSE/∂w = −1.8338 (numpy prints -3.044811379650508 "
    "-1.8337537171510832); with δ = 0.12 from (0.52, −0.16) the step estimates are ≈ −2.90 and ≈ −1.79.",
)
with st.expander("How this page differs from the book"):
    st.markdown(
        "- Each cross-section carries its tangent line, whose slope is the true partial derivative there.\n"
        "- The triangle's vertical leg stands at the *after* point, so its hypotenuse is the secant whose slope "
        "is the estimate (the book draws that leg at the *before* point).\n"
        "- δ is adjustable down to 0.001, and the estimate is set next to the true slope at the same point "
        "(the book compares it with the gradient at the unsnapped start).\n"
        "- Every point's share of the gradient is listed, and the means over all points are shown."
    )
show_reproduce(5, s)
navigation(5)
