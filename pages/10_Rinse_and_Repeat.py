"""Step 10 · Rinse and Repeat: many epochs of descent, and the three ways to spend an epoch."""

from functools import partial

import streamlit as st

import ui
from ui import charts, results
from ui import figs_descent as figs
from ui.charts import PALETTE
from ui.numbers import fmt, num, numpy_print, signed
from ui.page import book_check, csv_download, header, metrics, navigation, setup
from ui.player import player_frames, player_section
from ui.reproduce import show_reproduce

setup("Rinse and Repeat", "🔁")
s = ui.sidebar(extra=("epochs", "batch", "b0", "w0"))
header(
    10,
    "Rinse and repeat",
    (
        "One update moved the line a little closer to the data. Training is nothing more than doing it again "
        "and again: predict, measure the loss, take the gradients, step — and repeat. Each full pass over the "
        "training set is called an **epoch**."
    ),
)

f = figs.facts_for(s)
start = s.start
n_train = f.n_train
k = figs.minibatch_size(s.batch, n_train)
per_mini = figs.updates_per_epoch(n_train, k)

# --- epochs and the three flavours -----------------------------------------------------
st.subheader("What counts as an epoch")
st.markdown(
    "An epoch ends once every training point has taken part in a forward pass, a loss, a gradient and an "
    "update. How many updates fit in one epoch depends on how many points each update looks at:\n"
    f"- **Batch** descent uses all n = {n_train:,} points for every update, so an epoch is a single update.\n"
    f"- **Mini-batch** descent uses k points at a time (here k = {k:,}), so an epoch holds "
    f"⌈n / k⌉ = ⌈{n_train:,} / {k:,}⌉ = {per_mini:,} updates.\n"
    f"- **Stochastic** descent updates after every single point: {n_train:,} updates per epoch."
)
metrics(
    [
        ("Training points n", f"{n_train:,}", None),
        ("Updates per epoch: batch", "1", "one update computed from all n points"),
        (
            f"Updates per epoch: k = {k:,}",
            f"{per_mini:,}",
            "mini-batch descent; k is the sidebar's Mini-batch size, and while that is 0 this page uses 16 "
            "(the reference figure's)",
        ),
        ("Updates per epoch: stochastic", f"{n_train:,}", "one update per point"),
    ]
)
st.caption(
    f"For the {s.epochs:,} epochs set in the sidebar: {s.epochs:,} batch updates, "
    f"{per_mini * s.epochs:,} mini-batch updates or {n_train * s.epochs:,} stochastic updates."
)

# --- batch descent for the sidebar's epochs -----------------------------------------------
h = results.history_for(s, batch=0)
conv = figs.convergence(h, f, s.lr)
b_end, w_end = h.final
b_star, w_star = f.minimum
st.subheader(f"{s.epochs:,} epochs of batch descent")
st.markdown(f"From the start (b, w) = ({fmt(start[0])}, {fmt(start[1])}) with η = {s.lr:g}, every epoch runs:")
st.latex(r"\hat y_i = b + w x_i,\qquad \mathrm{MSE} = \frac1n\sum_i(\hat y_i - y_i)^2")
st.latex(
    r"\frac{\partial\mathrm{MSE}}{\partial b} = \frac2n\sum_i(\hat y_i - y_i),\qquad "
    r"\frac{\partial\mathrm{MSE}}{\partial w} = \frac2n\sum_i x_i(\hat y_i - y_i)"
)
st.latex(
    rf"b \leftarrow b - {s.lr:g}\,\frac{{\partial\mathrm{{MSE}}}}{{\partial b}},\qquad "
    rf"w \leftarrow w - {s.lr:g}\,\frac{{\partial\mathrm{{MSE}}}}{{\partial w}}"
)
metrics(
    [
        (f"b after {h.epochs_run:,} epochs", num(b_end), f"{b_end:.16g}"),
        (f"w after {h.epochs_run:,} epochs", num(w_end), f"{w_end:.16g}"),
        ("Final training MSE", num(float(h.train_loss[-1])), f"{float(h.train_loss[-1]):.16g}"),
        ("Final validation MSE", num(float(h.val_loss[-1])), None),
    ]
)
if h.diverged:
    st.error(
        f"The run blew up: the numbers stopped being finite during epoch {h.diverged_at:,}, so it stopped "
        f"after {h.epochs_run:,} of the {h.epochs_requested:,} epochs. The section *When descent diverges* "
        "below shows why.",
        icon="💥",
    )
else:
    st.markdown(
        f"Printed the way numpy prints one-element arrays, descent ends at "
        f"`{numpy_print(b_end)} {numpy_print(w_end)}`. The normal equations — what scikit-learn's "
        f"`LinearRegression` solves — give `{numpy_print(b_star)} {numpy_print(w_star)}`. "
        f"They are {conv.distance[-1]:.1e} apart: gradient descent found the least-squares line without ever "
        "solving an equation."
    )
book_check(
    s.is_book,
    "after 1,000 epochs at η = 0.1, b = 1.0235 and w = 1.9690 (`[1.02354094] [1.96896411]`, "
    "against `[1.02354075] [1.96896447]` from the closed form), with a training MSE of 0.0080.",
)

st.markdown("**Along the way.** b, w and the loss *before* that epoch's update, at a few epochs:")
st.dataframe(figs.epoch_table(h), hide_index=True, height="content")

if conv.diverging:
    fig18 = figs.final_model_chart(f, b_star, w_star, label="Best line (normal equations)")
    fig18_text = (
        f"The training data with the best line ŷ = {num(b_star)} {signed(w_star)}·x from "
        "the normal equations; the diverging run has no usable final line."
    )
    fig18_note = (
        "**Figure 0.18.** This run diverged, so instead of its final line the chart shows the best line "
        "from the normal equations — where descent would have ended with a smaller learning rate."
    )
else:
    fig18 = figs.final_model_chart(f, b_end, w_end)
    fig18_text = (
        f"The training data with the final model's dashed line ŷ = {num(b_end)} "
        f"{signed(w_end)}·x, which runs through the middle of the points."
    )
    fig18_note = "**Figure 0.18.** The line after the last epoch, annotated along its slope. " + (
        f"It has reached the least-squares line and nearly recovers the line the data came from (b = {s.true_b:g}, "
        f"w = {s.true_w:g}); the difference is the noise in this particular sample, which no amount of training "
        "removes."
        if conv.distance[-1] < 1e-3
        else f"After {h.epochs_run:,} epochs it is still {num(float(conv.distance[-1]))} away from the best line "
        f"(b* = {num(b_star)}, w* = {num(w_star)}): more epochs, or a larger learning rate, would close the gap."
    )
left, right = st.columns([3, 2])
with left:
    charts.show(fig18, fig18_text)
with right:
    st.markdown(fig18_note)

# --- the player ----------------------------------------------------------------------------
st.subheader("Watch it happen, epoch by epoch")
st.markdown(
    "Every panel below shows the same epoch: the line on the data, the path on the loss surface with the two "
    "cuts through the current point (red: w varies with b held; black: b varies with w held), the loss curves, "
    "and the numbers. Press play, step with ← and →, scrub, or pause and click the contour to start somewhere else."
)
surface = results.surface(s.data_key, extra=(*start, b_end, w_end))
frames = player_frames(
    h,
    f.stats,
    surface,
    lr=s.lr,
    loss_window=figs.cross_section_domain(f, start, s.is_book),
    sample=(f.x_sample, f.y_sample),
    data_window=figs.data_domains(f),
)
# The result first, unless the run diverged (its last epoch is far off every chart).
player_section(
    "rinse_player",
    frames,
    start=0 if conv.diverging else len(frames["epoch"]) - 1,
    below=partial(figs.update_text, h, f, s.lr),
)

# --- closed form vs descent -------------------------------------------------------------------
st.subheader("Closed form versus descent")
lam_lo, lam_hi = f.curvature.lam_min, f.curvature.lam_max
st.markdown(
    "For a straight line the best (b, w) can also be written down directly (the *normal equations*). "
    "Descent is worth studying anyway: it is the method that still works for models with no formula."
)
st.latex(
    rf"w^* = \frac{{\operatorname{{cov}}(x, y)}}{{\operatorname{{var}}(x)}} = "
    rf"\frac{{{f.stats.cov_xy:.6f}}}{{{f.stats.var_x:.6f}}} = {w_star:.8f}"
)
st.latex(
    rf"b^* = \bar y - w^*\,\bar x = {f.stats.mean_y:.6f} - {w_star:.6f} \times {f.stats.mean_x:.6f} "
    rf"= {b_star:.8f}"
)
metrics(
    [
        ("b* (normal equations)", f"{b_star:.8f}", None),
        ("w* (normal equations)", f"{w_star:.8f}", None),
        ("Final distance to (b*, w*)", f"{conv.distance[-1]:.3e}", "‖(b, w) − (b*, w*)‖ after the last epoch"),
        ("Final loss gap", f"{conv.gap[-1]:.3e}", "training MSE minus the minimum MSE, after the last epoch"),
    ]
)
rho = conv.predicted_factor
measured = conv.measured_factor
st.markdown(
    f"The loss surface is a bowl whose curvature is the Hessian, with eigenvalues λ = {fmt(lam_lo)} and "
    f"{fmt(lam_hi)}. Each batch step multiplies the distance to the optimum along those two directions by "
    f"1 − η·λ, so the worst of the two sets the pace: **predicted factor per epoch** "
    f"max|1 − η·λ| = max(|1 − {s.lr:g}×{fmt(lam_lo)}|, |1 − {s.lr:g}×{fmt(lam_hi)}|) = **{fmt(rho)}**; "
    + (
        f"**measured** over the last epochs of the run: **{fmt(measured)}**."
        if measured is not None
        else "too few epochs to measure it."
    )
    + (
        " Above 1 the distance grows instead of shrinking, and the loss gap grows by about the square of that factor."
        if rho > 1
        else " The loss gap shrinks by about the square of that factor."
    )
)
charts.show(
    figs.convergence_chart(conv),
    f"On a log axis the measured distance to the optimum falls along a straight line parallel to the "
    f"predicted {fmt(rho)}ᵉ line, from {num(float(conv.distance[0]))} to {conv.distance[-1]:.2e}."
    if not conv.diverging
    else f"On a log axis the distance to the optimum grows by about {num(rho)} per epoch, as predicted.",
)

# --- divergence -----------------------------------------------------------------------------
st.subheader("When descent diverges")
crit = f.critical[("simultaneous", "mean")]
if conv.diverging:
    grow = abs(1 - s.lr * lam_hi)
    when = (
        f"the numbers overflowed during epoch **{conv.overflow_epoch:,}**"
        if conv.overflow_epoch is not None
        else f"after {h.epochs_run:,} epochs the distance to the optimum is already {num(float(conv.distance[-1]))}"
    )
    st.error(
        f"η = {s.lr:g} is above the critical learning rate 2/λ_max = {fmt(crit)}: every step overshoots the "
        f"valley along the steep direction by more than it corrects, and {when}. Per step the error grows by "
        f"|1 − η·λ_max| = |1 − {s.lr:g}×{fmt(lam_hi)}| = **{fmt(grow)}** (measured: "
        f"{fmt(measured) if measured is not None else 'not measurable'})."
        + (
            f" The loss first rose above its starting value at epoch {conv.rising_from:,}."
            if conv.rising_from is not None
            else ""
        ),
        icon="💥",
    )
    osc, first_out, shown = figs.oscillation_chart(h, f.minimum)
    charts.show(
        osc,
        f"Over the first {shown} epochs b − b* and w − w* flip sign and grow"
        + (
            f"; from epoch {first_out} they leave the view (triangles mark values beyond its edge)."
            if first_out is not None
            else "."
        ),
    )
else:
    st.info(
        f"At η = {s.lr:g} descent converges: the critical learning rate here is 2/λ_max = {fmt(crit)}. "
        "Try η = 2.5 with 10,000 epochs in the sidebar to watch it blow up.",
        icon="🧪",
    )

# --- teachable mistakes -------------------------------------------------------------------------
st.subheader("Two classic mistakes")
st.markdown(
    "Both of these still *look* like gradient descent, and both change what happens:\n"
    "- **Sequential update**: updating b first and then computing w's gradient with the new b. It is a "
    "different algorithm (a Gauss–Seidel sweep); it reaches the same minimum but along another path, with "
    "another stability limit. The book — like every framework — computes all gradients at the same point "
    "before changing any parameter.\n"
    "- **Sum instead of mean**: the summed squared error has the same minimum, but every gradient is n times "
    f"larger, so the usable learning rate shrinks with n: {fmt(crit)}/{n_train:,} = "
    f"{fmt(f.critical[('simultaneous', 'sum')])}."
)
c1, c2 = st.columns(2)
sequential = c1.toggle("Sequential update (b first, then w with the new b)", key="rinse_sequential")
sum_loss = c2.toggle("Sum of squared errors instead of the mean", key="rinse_sum_loss")
factors = {key: figs.rule_factor(s.data_key, s.lr, *key) for key in figs.VARIANTS}
st.dataframe(figs.variants_table(f, factors, s.lr), hide_index=True)
if sequential or sum_loss:
    key = ("sequential" if sequential else "simultaneous", "sum" if sum_loss else "mean")
    hm = results.history_for(s, batch=0, rule=key[0], reduction=key[1])
    name = figs.VARIANTS[key]
    chart = figs.compare_paths_chart(
        surface,
        f,
        start,
        [(h, figs.VARIANTS[("simultaneous", "mean")], PALETTE["batch"], False), (hm, name, PALETTE["w_varies"], True)],
        "Correct path versus the mistake",
    )
    end_m = (
        f"diverged during epoch {hm.diverged_at:,}"
        if hm.diverged
        else f"ended at ({num(hm.final[0])}, {num(hm.final[1])})"
    )
    charts.show(
        chart,
        f"The correct path ends at ({num(b_end)}, {num(w_end)}); with the mistake "
        f"({name.split(': ')[-1].lower()}) the path {end_m}.",
    )
    metrics(
        [
            ("Critical lr, correct", fmt(crit), None),
            ("Critical lr, mistake", fmt(f.critical[key]), None),
            (
                "Factor per epoch, correct",
                num(factors[("simultaneous", "mean")]),
                "how the distance to the optimum is multiplied every epoch at this learning rate",
            ),
            ("Factor per epoch, mistake", num(factors[key]), None),
        ]
    )
    if hm.diverged or factors[key] >= 1:
        st.warning(
            f"With the mistake, η = {s.lr:g} is above its critical learning rate {fmt(f.critical[key])}: "
            f"the error grows by {num(factors[key])} per epoch"
            + (f" and the numbers overflow during epoch {hm.diverged_at:,}." if hm.diverged else "."),
            icon="⚠️",
        )
else:
    st.info("Switch a mistake on to draw its path next to the correct one.", icon="👆")

# --- Fig 0.19: the path of gradient descent -------------------------------------------------------
st.subheader("The path of gradient descent: batch, mini-batch, stochastic")
c1, c2 = st.columns(2)
path_epochs = c1.slider("Epochs for the paths", 1, 100, 20, key="rinse_path_epochs")
book_start = c2.toggle("Start from the reference figure's point (b = 0.83, w = 0.7645)", key="rinse_paths_book_start")
p_start = figs.REFERENCE_START if book_start else start
runs = figs.path_runs(s.data_key, float(p_start[0]), float(p_start[1]), s.lr, int(path_epochs), k)
final = {
    name: run.final
    for name, run in (("batch", runs.batch), ("mini-batch", runs.minibatch), ("stochastic", runs.stochastic))
}
dist = {name: float(((b - b_star) ** 2 + (w - w_star) ** 2) ** 0.5) for name, (b, w) in final.items()}
start_dist = ((p_start[0] - b_star) ** 2 + (p_start[1] - w_star) ** 2) ** 0.5
gone = [
    name
    for name, run in (("batch", runs.batch), ("mini-batch", runs.minibatch), ("stochastic", runs.stochastic))
    if run.diverged or dist[name] > 10 * max(start_dist, 1e-3)
]
st.markdown(
    f"All three flavours from the same start with η = {s.lr:g}, one dot per epoch. Batch descent makes one "
    f"careful step per epoch along the smooth curve of the player above; mini-batch (k = {runs.minibatch_size:,}) "
    f"makes {figs.updates_per_epoch(runs.subset, runs.minibatch_size):,} updates per epoch, so it gets much "
    f"further in the same number of epochs; stochastic descent makes {runs.subset:,} small updates per epoch, each "
    "from a single point, so it arrives fastest but keeps jittering around the minimum instead of settling on it."
    + (
        f" At η = {s.lr:g}, though, the {' and '.join(gone)} path{'s' if len(gone) > 1 else ''} "
        f"diverge{'' if len(gone) > 1 else 's'}."
        if gone
        else ""
    )
    + (
        " One point's loss can curve much more steeply than the average over all points, so the stochastic path is "
        "usually the first to blow up."
        if "stochastic" in gone
        else ""
    )
)
if book_start:
    st.caption(
        "The book's figure is not produced by code in the chapter: it starts at b = 0.83, w = 0.7645, the "
        "values PyTorch's `nn.Linear(1, 1)` draws after `torch.manual_seed(42)` (Chapter 1), and it draws "
        "that start with b and w swapped. Here the start sits at its true (b, w)."
    )
else:
    st.caption(
        "The paths start from this chapter's own start (the random one, or the one you chose). The "
        "toggle switches to the reference figure's start, b = 0.83, w = 0.7645."
    )
if runs.subset < runs.n_train:
    st.info(
        f"Capped for speed: {path_epochs} stochastic epochs over all {runs.n_train:,} training points would be "
        f"{runs.n_train * path_epochs:,} single-point updates. The mini-batch and stochastic paths use a random "
        f"subset of {runs.subset:,} training points instead (an epoch is one pass over it); the batch path uses "
        "all of them.",
        icon="✂️",
    )
win = figs.path_window(runs, f.minimum, p_start)
path_surface = results.surface(s.data_key, grid=win)
charts.show(
    figs.paths_chart(path_surface, runs, f, p_start),
    f"After {path_epochs} epochs from ({num(p_start[0])}, {num(p_start[1])}) batch descent is at "
    f"({num(final['batch'][0])}, {num(final['batch'][1])}), mini-batch at ({num(final['mini-batch'][0])}, "
    f"{num(final['mini-batch'][1])}) and stochastic at ({num(final['stochastic'][0])}, "
    f"{num(final['stochastic'][1])}); the minimum is ({num(b_star)}, {num(w_star)}).",
)
metrics(
    [
        ("Batch: final distance", num(dist["batch"]), f"distance to the minimum after {path_epochs} epochs"),
        ("Mini-batch: final distance", num(dist["mini-batch"]), f"distance to the minimum after {path_epochs} epochs"),
        ("Stochastic: final distance", num(dist["stochastic"]), f"distance to the minimum after {path_epochs} epochs"),
    ]
)
st.caption(
    f"Updates made: {runs.batch.epochs_run:,} (batch), "
    f"{runs.minibatch.epochs_run * runs.minibatch.updates_per_epoch:,} (mini-batch) and "
    f"{runs.stochastic.epochs_run * runs.stochastic.updates_per_epoch:,} (stochastic)."
)
if gone:
    st.warning(
        f"At η = {s.lr:g} the {' and '.join(gone)} path{'s' if len(gone) > 1 else ''} diverged: each is drawn "
        "until it leaves the window (the dot on the edge), and its final distance above says how far it went.",
        icon="💥",
    )

# --- export ---------------------------------------------------------------------------------------
st.subheader("Take the numbers with you")
csv_download(
    "Download the descent history (CSV)",
    results.history_csv,
    h,
    file_name=f"descent_seed{s.seed}_n{s.n}_lr{s.lr:g}_epochs{s.epochs}.csv",
    key="rinse_download",
)
st.caption("One row per epoch: epoch, b, w, training loss and validation loss, at full precision.")
show_reproduce(10, s, path_epochs=path_epochs, path_start=p_start)
navigation(10)
