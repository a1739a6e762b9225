"""Step 4 · Loss: how wrong the line is — for one point, for all points, and for every (b, w)."""

import numpy as np
import streamlit as st

import ui
from ui import charts, figs_loss, results
from ui.charts import PALETTE, Marker
from ui.figs_loss import human_bytes, sub
from ui.interact import clickable_contour
from ui.numbers import fmt, signed, tex_num
from ui.page import book_check, header, metrics, navigation, setup
from ui.reproduce import show_reproduce

setup("Loss", "📉")
s = ui.sidebar(extra=("b0", "w0"))
header(
    4,
    "Compute the loss",
    (
        "The predictions miss the points. To improve them we first need to *measure* how far off they are. "
        "Each point has an error — prediction minus label — and averaging the squared errors over the "
        "training set gives one number, the mean squared error (MSE). That number is our loss: gradient "
        "descent will try to make it as small as possible."
    ),
)

b, w = s.start
summary = results.train_summary(s.data_key)
n_train = summary.n_train
led = figs_loss.ledger_for(s, b, w)
start_name = "Random start" if (s.b0, s.w0) == (None, None) else "Start"

# --- one point -------------------------------------------------------------------
st.subheader("The error of one point")
figs_loss.sync_table_pick("loss_ledger", "loss_point", n_train)
left, right = st.columns([3, 2])
with right:
    idx = int(
        st.number_input(
            "Training point i to highlight",
            0,
            n_train - 1,
            step=1,
            key="loss_point",
            help="Index in the (shuffled) training set; you can also pick a row of the ledger below.",
        )
    )
    xi, yi = figs_loss.point_for(s, idx)
    yhat_i = b + w * xi
    err_i = yhat_i - yi
    st.markdown(
        f"Point {idx} sits at x = {fmt(xi)} with label y = {fmt(yi)}; the line predicts {fmt(yhat_i)} there, "
        f"so the error is **{fmt(err_i)}** — negative when the line runs below the point, positive above it."
    )
with left:
    charts.show(
        figs_loss.error_chart(summary, b, w, idx, (xi, yi)),
        f"The training points with the dashed line ŷ = {fmt(b)} {signed(w)}·x; point {idx} is highlighted, "
        f"with a dashed segment of length {fmt(abs(err_i))} from its prediction {fmt(yhat_i)} to its label {fmt(yi)}."
        + (f" Showing a random {summary.sample_x.size:,} of the {n_train:,} points." if summary.sampled else ""),
    )
st.latex(r"\text{error}_i = \hat{y}_i - y_i = (b + w\,x_i) - y_i")
st.latex(
    rf"\text{{error}}_{{{idx}}} = ({fmt(b)} {signed(w)} \times {fmt(xi)}) - {tex_num(yi, paren=True)}"
    rf" = {fmt(yhat_i)} - {tex_num(yi, paren=True)} = {fmt(err_i)}"
)

# --- all points: the MSE -------------------------------------------------------------
st.subheader("From many errors to one number: the MSE")
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
        (f"error{sub(idx)}", fmt(err_i), "prediction minus label for the highlighted point"),
        ("Mean error", fmt(led.means["error"]), "the plain average: signs cancel"),
        ("Training points n", f"{n_train:,}", None),
    ]
)
st.markdown(f"In full, as numpy prints it: `{led.mse!r}`.")

st.markdown("**The ledger.** One row per training point; pick a row to highlight that point in the chart above.")
figs_loss.show_ledger(
    led.frame, ["x", "y", "ŷ", "error", "error²"], led.means, n_train, "loss_ledger", f"mean over all {n_train:,}"
)
st.markdown(
    f"The mean of the last column, **{fmt(led.means['error²'])}**, *is* the MSE — nothing more is hidden in it."
)

# --- the loss surface -----------------------------------------------------------------
st.subheader("The loss surface: the MSE of every possible line")
surface = results.surface(s.data_key, "original", extra=(b, w))
nb, nw = surface.b_values.size, surface.w_values.size
st.markdown(
    "The MSE above belongs to one line. Nothing stops us from computing it for many lines at once: "
    "take a grid of candidate values for b and for w, and compute the loss of every pair. "
    + figs_loss.grid_text(surface, s)
)
bytes_needed = n_train * nb * nw * 8
bigger = "" if n_train >= 800_000 else f", and {human_bytes(800_000 * nb * nw * 8)} for 800,000 training points"
st.markdown(
    "Done the direct way, as the book does, the arrays have these shapes:\n\n"
    "| what | shape |\n|---|---|\n"
    f"| b and w of every grid node (two arrays) | `({nw}, {nb})` |\n"
    f"| predictions of one point at every node | `({nw}, {nb})` |\n"
    f"| predictions of every training point at every node | `({n_train}, {nw}, {nb})` |\n"
    f"| labels, reshaped so they broadcast | `({n_train}, 1, 1)` |\n"
    f"| errors of every point at every node | `({n_train}, {nw}, {nb})` |\n"
    f"| mean of the squared errors over the points: the loss surface | `({nw}, {nb})` |\n\n"
    f"The big array holds n × {nb * nw:,} numbers — {human_bytes(bytes_needed)} here{bigger}. We never build it. "
    "The MSE of a line depends on the data only through five summary numbers (the means of x and y, their "
    "variances and their covariance), so one pass over the data followed by one formula per grid node does the "
    "same job in O(n + grid):"
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

b_star, w_star = surface.minimum
markers = [Marker(b_star, w_star, "Minimum", loss=surface.min_loss), Marker(b, w, start_name, loss=led.mse)]
left, right = st.columns(2)
with left:
    chart = charts.contour(surface, markers=markers, title="Loss surface seen from above", clickable=True)
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
    show_3d = st.toggle(
        "Show the rotatable 3-D surface",
        key="loss_show_3d",
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

# --- cross-sections ------------------------------------------------------------------
st.subheader("Cross-sections: fix one parameter, vary the other")
snap = surface.snap(b, w)
st.markdown(
    "A surface is hard to read; a slice through it is easy. Hold b fixed and let only w change, and the loss "
    "traces a curve — a vertical cut through the map. Hold w fixed instead and you get a horizontal cut. "
    "Each curve shows how the loss responds to **one** parameter, which is exactly what a partial derivative "
    "measures (next page).\n\n"
    f"Like the book, we cut through the grid node nearest to the start: b = {fmt(b)} → **{snap.b:.2f}** and "
    f"w = {fmt(w)} → **{snap.w:.2f}** (grid index {snap.b_idx} and {snap.w_idx}). That is why the titles read "
    f"{snap.b:.2f} and {snap.w:.2f}, and why the loss at this node, **{fmt(snap.loss)}**, differs slightly from "
    f"the {fmt(led.mse)} at the exact start. Every other number on these pages uses the exact start."
)
y_dom = (-0.1, figs_loss.upper_limit(15.1, snap.loss))
cut_markers = [
    Marker(b_star, w_star, "Minimum", loss=surface.min_loss),
    Marker(snap.b, snap.w, "Start (snapped)", loss=snap.loss),
]
wv, bv = surface.w_values, surface.b_values
w_min_i, b_min_i = int(np.argmin(snap.along_w)), int(np.argmin(snap.along_b))

left, right = st.columns(2)
with left:
    charts.show(
        charts.contour(
            surface,
            markers=cut_markers,
            vlines=[(snap.b, PALETTE["w_varies"])],
            title=f"Vertical cut at b = {snap.b:.2f}",
        ),
        f"The contour map with a dashed vertical line at b = {snap.b:.2f} through the snapped start.",
        key="loss_fig5_contour",
    )
with right:
    charts.show(
        charts.cross_section(
            wv,
            snap.along_w,
            "w",
            f"Fixed: b = {snap.b:.2f}",
            dots=[(snap.w, snap.loss)],
            y_domain=y_dom,
            x_domain=(float(wv[0]), float(wv[-1])),
        ),
        f"Loss along w with b fixed at {snap.b:.2f}: a parabola from {fmt(snap.along_w[0])} at w = {wv[0]:g} "
        f"down to {fmt(snap.along_w[w_min_i])} at w = {wv[w_min_i]:.2f}; the start is at w = {snap.w:.2f}, "
        f"loss {fmt(snap.loss)}.",
        key="loss_fig5_cut",
    )
left, right = st.columns(2)
with left:
    # The start's label goes under its dot here, off the horizontal line.
    below = [cut_markers[0], Marker(snap.b, snap.w, "Start (snapped)", loss=snap.loss, dy=14)]
    charts.show(
        charts.contour(
            surface, markers=below, hlines=[(snap.w, PALETTE["b_varies"])], title=f"Horizontal cut at w = {snap.w:.2f}"
        ),
        f"The contour map with a dashed horizontal line at w = {snap.w:.2f} through the snapped start.",
        key="loss_fig6_contour",
    )
with right:
    charts.show(
        charts.cross_section(
            bv,
            snap.along_b,
            "b",
            f"Fixed: w = {snap.w:.2f}",
            dots=[(snap.b, snap.loss)],
            y_domain=y_dom,
            x_domain=(float(bv[0]), float(bv[-1])),
        ),
        f"Loss along b with w fixed at {snap.w:.2f}: it falls from {fmt(snap.along_b[0])} at b = {bv[0]:g} "
        f"to {fmt(snap.along_b[b_min_i])} at b = {bv[b_min_i]:.2f}, then rises; the start is at "
        f"b = {snap.b:.2f}, loss {fmt(snap.loss)}.",
        key="loss_fig6_cut",
    )
metrics(
    [
        ("Snapped b", fmt(snap.b), "the grid node nearest to the start's b"),
        ("Snapped w", fmt(snap.w), "the grid node nearest to the start's w"),
        ("Loss at the snapped start", fmt(snap.loss), "where both cuts cross"),
        ("Lowest loss along b", fmt(float(snap.along_b[b_min_i])), f"at b = {bv[b_min_i]:.2f}, with w = {snap.w:.2f}"),
    ]
)
b_low = float(bv[b_min_i])
if snap.b < b_low:
    trend = f"the loss keeps falling as b grows, up to about b = {b_low:.2f}"
elif snap.b > b_low:
    trend = f"the loss keeps falling as b shrinks, down to about b = {b_low:.2f}"
else:
    trend = "b already sits at the lowest point of its cut"
st.markdown(
    f"Keeping w at {snap.w:.2f} (the snapped *initial w*), {trend}. Which of the two curves is steeper at the "
    "start — that is, which parameter changes the loss more for the same small move? The next page answers "
    "with the gradients."
)
book_check(
    s.is_book,
    "the MSE is 2.7422 (numpy prints 2.7421577700550976), error₀ = −2.0845, the minimum is "
    "(1.0235, 1.9690), and the cuts at b = 0.52 and w = −0.16 cross at loss 2.7113.",
)
with st.expander("How this page differs from the book"):
    st.markdown(
        "- The 3-D markers sit at their true heights (the book swaps the grid indices for them).\n"
        "- Like the book we snap the start to the grid for the cross-sections (0.52, −0.16); we say so and "
        "show the exact values next to them.\n"
        "- The horizontal cut's x axis is labelled b (a label fixed in the book's own repository in 2020).\n"
        "- The book's text calls −0.16 the initial value of *b*; it is the initial *w*.\n"
        "- The loss surface is computed from five summary numbers instead of an (n, 101, 101) array.\n"
        "- All training points are drawn, and the y axis runs to 3.1, so the highest point is not cut off."
    )
show_reproduce(4, s)
navigation(4)
