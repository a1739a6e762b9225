"""Step 10 · Rinse and Repeat: many epochs of descent, and the three ways to spend an epoch."""

from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

import gdcore
from ui import charts, results
from ui.charts import PALETTE
from ui.charts import descent as descent_charts
from ui.linked import linked_toggle
from ui.numbers import count, fmt, full, num, numpy_print, sci, short, signed, tex_num
from ui.page import book_check, csv_download, figure_note, finish, lead, metrics, section, start
from ui.player import player_frames, player_section
from ui.results import descent as descent_results
from ui.results.descent import VARIANTS, Convergence, Facts
from ui.selfcheck import questions_for, show_self_check
from ui.settings import PARAMS, Settings, lr_control, near_limit

#: The step's short teaching introduction, under its title.
INTRO = (
    "One update moved the line a little closer to the data. Training is nothing more than doing it again "
    "and again: predict, measure the loss, take the gradients, step — and repeat. Each full pass over the "
    "training set is called an **epoch**."
)

#: Epoch indices of the book's intermediate-epochs table (Chapter 1 loop).
BOOK_EPOCHS = (0, 1, 2, 3, 4, 5, 9, 19, 49, 99, 199, 499, 999)
#: Start of the reference Fig 0.19 (PyTorch's nn.Linear(1, 1) under torch.manual_seed(42)).
REFERENCE_START = (0.83, 0.7645)
#: The update rule and loss reduction of the book (and of every framework).
CORRECT = ("simultaneous", "mean")


def plural(n: int, one: str, many: str) -> str:
    """``one`` for a single thing, ``many`` otherwise: ``plural(2, "path", "paths")``."""
    return one if n == 1 else many


def n_epochs(n: int) -> str:
    """``n`` epochs, counted: "1 epoch", "1,000 epochs"."""
    return f"{count(n)} {plural(n, 'epoch', 'epochs')}"


def show_eta_control(f: Facts) -> None:
    """η on the page: the book's 0.1, rates either side of this data's limit, and the largest, 2.5."""
    st.markdown(
        f"**η on this page.** Type it or pick one (the sidebar follows); on this data batch descent diverges "
        f"above {fmt(f.critical[CORRECT])}:"
    )
    lr_control("rinse", [("0.1 (the book's)", 0.1), *near_limit(f.critical[CORRECT]), ("2.5 (the largest)", 2.5)])


def show_what_counts_as_an_epoch(s: Settings, f: Facts, k: int) -> None:
    """What counts as an epoch: updates per epoch for batch, mini-batch (size k) and stochastic descent."""
    n_train = f.n_train
    per_mini = gdcore.updates_per_epoch(n_train, k)
    section("What counts as an epoch")
    st.markdown(
        "An epoch ends once every training point has taken part in a forward pass, a loss, a gradient and an "
        "update. How many updates fit in one epoch depends on how many points each update looks at:\n"
        f"- **Batch** descent uses all n = {count(n_train)} points for every update, so an epoch is a single update.\n"
        f"- **Mini-batch** descent uses k points at a time (here k = {count(k)}), so an epoch holds "
        f"⌈n / k⌉ = ⌈{count(n_train)} / {count(k)}⌉ = {count(per_mini)} updates.\n"
        f"- **Stochastic** descent updates after every single point: {count(n_train)} updates per epoch."
    )
    metrics(
        [
            ("Training points n", count(n_train), None),
            ("Updates per epoch: batch", "1", "one update computed from all n points"),
            (
                f"Updates per epoch: k = {count(k)}",
                count(per_mini),
                "mini-batch descent; k is the sidebar's Mini-batch size, and while that is 0 this page uses 16 "
                "(the reference figure's)",
            ),
            ("Updates per epoch: stochastic", count(n_train), "one update per point"),
        ],
        columns=2,  # two a row: four long labels side by side would be cut off
    )
    st.caption(
        f"For the {n_epochs(s.epochs)} set in the sidebar: {count(s.epochs)} batch "
        f"{plural(s.epochs, 'update', 'updates')}, {count(per_mini * s.epochs)} mini-batch "
        f"{plural(per_mini * s.epochs, 'update', 'updates')} or {count(n_train * s.epochs)} stochastic "
        f"{plural(n_train * s.epochs, 'update', 'updates')}."
    )


def show_epochs_of_batch_descent(s: Settings, f: Facts, h: gdcore.History, conv: Convergence) -> None:
    """N epochs of batch descent: the loop's formulas, where the run ends, and how close that is to the optimum."""
    b_end, w_end = h.final
    b_star, w_star = f.minimum
    start = s.start
    section(f"{n_epochs(s.epochs)} of batch descent", anchor="epochs-of-batch-descent")
    st.markdown(f"From the start (b, w) = ({fmt(start[0])}, {fmt(start[1])}) with η = {short(s.lr)}, every epoch runs:")
    st.latex(r"\hat y_i = b + w x_i,\qquad \mathrm{MSE} = \frac1n\sum_i(\hat y_i - y_i)^2")
    st.latex(
        r"\frac{\partial\mathrm{MSE}}{\partial b} = \frac2n\sum_i(\hat y_i - y_i),\qquad "
        r"\frac{\partial\mathrm{MSE}}{\partial w} = \frac2n\sum_i x_i(\hat y_i - y_i)"
    )
    st.latex(
        rf"b \leftarrow b - {short(s.lr)}\,\frac{{\partial\mathrm{{MSE}}}}{{\partial b}},\qquad "
        rf"w \leftarrow w - {short(s.lr)}\,\frac{{\partial\mathrm{{MSE}}}}{{\partial w}}"
    )
    final_loss = float(h.train_loss[-1])
    metrics(
        [
            (f"b after {n_epochs(h.epochs_run)}", num(b_end), full(b_end)),
            (f"w after {n_epochs(h.epochs_run)}", num(w_end), full(w_end)),
            ("Final training MSE", num(final_loss), full(final_loss)),
            ("Final validation MSE", num(float(h.val_loss[-1])), None),
        ]
    )
    if h.diverged:
        st.error(
            f"The run blew up: the numbers stopped being finite during epoch {count(h.diverged_at)}, so it stopped "
            f"after {count(h.epochs_run)} of the {count(h.epochs_requested)} epochs. The section *When descent "
            "diverges* below shows why.",
            icon=":material/error:",
        )
    else:
        st.markdown(
            f"Printed the way numpy prints one-element arrays, descent ends at "
            f"`{numpy_print(b_end)} {numpy_print(w_end)}`. The normal equations — what scikit-learn's "
            f"`LinearRegression` solves — give `{numpy_print(b_star)} {numpy_print(w_star)}`. "
            f"They are {sci(conv.distance[-1], 1)} apart: gradient descent found the least-squares line without ever "
            "solving an equation."
        )


def epoch_table(h: gdcore.History, epochs: Sequence[int] = BOOK_EPOCHS, digits: int = 10) -> pd.DataFrame:
    """b, w and the loss before that epoch's update, at the book's epochs that
    exist in ``h`` (plus the final state), as text with ``digits`` decimals."""
    wanted = [e for e in epochs if e <= h.epochs_run]
    if h.epochs_run not in wanted:
        wanted.append(h.epochs_run)
    return pd.DataFrame(
        {
            "epoch": [count(e) + (" (final)" if e == h.epochs_run else "") for e in wanted],
            "b": [num(float(h.b[e]), digits, 6) for e in wanted],
            "w": [num(float(h.w[e]), digits, 6) for e in wanted],
            "loss": [num(float(h.train_loss[e]), digits, 6) for e in wanted],
        }
    )


def show_along_the_way(h: gdcore.History) -> None:
    """Along the way: b, w and the loss at the book's intermediate epochs."""
    st.markdown("**Along the way.** b, w and the loss *before* that epoch's update, at a few epochs:")
    st.dataframe(epoch_table(h), hide_index=True, height="content")


def show_the_final_model(s: Settings, f: Facts, h: gdcore.History, conv: Convergence) -> None:
    """The final model (Figure 0.18): the data and the last line, or the best line when the run diverged."""
    b_end, w_end = h.final
    b_star, w_star = f.minimum
    if conv.diverging:
        fig18 = charts.cached(descent_charts.final_model_chart, f, b_star, w_star, label="Best line (normal equations)")
        fig18_text = (
            f"The training data with the best line ŷ = {num(b_star)} {signed(w_star)}·x from "
            "the normal equations; the diverging run has no usable final line."
        )
        fig18_note = (
            "**Figure 0.18.** This run diverged, so instead of its final line the chart shows the best line "
            "from the normal equations — where descent would have ended with a smaller learning rate."
        )
    else:
        fig18 = charts.cached(descent_charts.final_model_chart, f, b_end, w_end)
        fig18_text = (
            f"The training data with the final model's dashed line ŷ = {num(b_end)} "
            f"{signed(w_end)}·x, which runs through the middle of the points."
        )
        reached = (
            f"It has reached the least-squares line and nearly recovers the line the data came from "
            f"(b = {short(s.true_b)}, w = {short(s.true_w)}); the difference is the noise in this particular "
            "sample, which no amount of training removes."
            if s.is_synthetic
            else "It has reached the least-squares line: on real data there is no true line to compare with, "
            "and this is the best a straight line can do on these training points."
        )
        fig18_note = "**Figure 0.18.** The line after the last epoch, annotated along its slope. " + (
            reached
            if conv.distance[-1] < 1e-3
            else f"After {n_epochs(h.epochs_run)} it is still {num(float(conv.distance[-1]))} away from the "
            f"best line (b* = {num(b_star)}, w* = {num(w_star)}): more epochs, or a larger learning rate, would "
            "close the gap."
        )
    left, right = st.columns([3, 2])
    with left:
        charts.show(fig18, fig18_text)
    with right:
        st.markdown(fig18_note)


def _next_update(
    h: gdcore.History, stats: gdcore.SufficientStats, lr: float, e: int
) -> tuple[float, float, float, float]:
    """Gradients at epoch ``e`` and the parameters after that epoch's update."""
    b, w = float(h.b[e]), float(h.w[e])
    with np.errstate(over="ignore", invalid="ignore"):
        gb, gw = (float(g) for g in stats.gradients(b, w))
        return (gb, gw, *gdcore.update(b, w, gb, gw, lr))


def _update_latex(h: gdcore.History, stats: gdcore.SufficientStats, lr: float, e: int) -> str:
    """The update of epoch e + 1 with its numbers substituted."""
    b, w = float(h.b[e]), float(h.w[e])
    gb, gw, b1, w1 = _next_update(h, stats, lr, e)
    rate = short(lr)
    return (
        rf"\begin{{aligned}} b_{{{e + 1}}} &= {tex_num(b)} - {rate} \times {tex_num(gb, paren=True)} = {tex_num(b1)} \\"
        rf" w_{{{e + 1}}} &= {tex_num(w)} - {rate} \times {tex_num(gw, paren=True)} = {tex_num(w1)} \end{{aligned}}"
    )


def show_next_update(h: gdcore.History, f: Facts, lr: float, e: int) -> None:
    """Under the player: the update that follows epoch ``e`` (the epoch the player stopped on)."""
    gb, gw, _, _ = _next_update(h, f.stats, lr, e)
    st.markdown(
        f"**The update of epoch {count(e + 1)}** (b ← b − η·∂MSE/∂b, w ← w − η·∂MSE/∂w) uses the "
        f"gradients at (b, w) after {n_epochs(e)}: ∂MSE/∂b = {num(gb)} and ∂MSE/∂w = {num(gw)}."
    )
    st.latex(_update_latex(h, f.stats, lr, e))


def show_watch_it_happen(s: Settings, f: Facts, h: gdcore.History, conv: Convergence, surface: results.Surface) -> None:
    """Watch it happen, epoch by epoch: the player over the whole run, with the update it stopped before."""
    section("Watch it happen, epoch by epoch")
    figure_note(
        "Every panel of the player shows the same epoch: the line on the data, the path on the loss surface "
        "with the two cuts through the current point (red: w varies with b held; black: b varies with w held), "
        "the loss curves, and the numbers. Press play, step with ← and →, scrub, or pause and click the contour "
        "to start somewhere else."
    )
    frames = player_frames(
        h,
        f.stats,
        surface,
        lr=s.lr,
        loss_window=charts.cross_section_domain(f, s.start, s.is_book),
        sample=(f.x_sample, f.y_sample),
        data_window=descent_charts.data_domains(f),
    )
    # The result first, unless the run diverged (its last epoch is far off every chart).
    player_section(
        "rinse_player",
        frames,
        start=0 if conv.diverging else len(frames["epoch"]) - 1,
        below=partial(show_next_update, h, f, s.lr),
        link="epoch",
    )


def show_closed_form_versus_descent(s: Settings, f: Facts, h: gdcore.History, conv: Convergence) -> None:
    """Closed form versus descent: the normal equations, scikit-learn's answer, and the rate descent closes in."""
    b_star, w_star = f.minimum
    lam_lo, lam_hi = f.curvature.lam_min, f.curvature.lam_max
    section("Closed form versus descent")
    st.markdown(
        "For a straight line the best (b, w) can also be written down directly (the *normal equations*). "
        "Descent is worth studying anyway: it is the method that still works for models with no formula."
    )
    st.latex(
        rf"w^* = \frac{{\operatorname{{cov}}(x, y)}}{{\operatorname{{var}}(x)}} = "
        rf"\frac{{{fmt(f.stats.cov_xy, 6)}}}{{{fmt(f.stats.var_x, 6)}}} = {fmt(w_star, 8)}"
    )
    st.latex(
        rf"b^* = \bar y - w^*\,\bar x = {fmt(f.stats.mean_y, 6)} - {fmt(w_star, 6)} \times {fmt(f.stats.mean_x, 6)} "
        rf"= {fmt(b_star, 8)}"
    )
    metrics(
        [
            ("b* (normal equations)", fmt(b_star, 8), None),
            ("w* (normal equations)", fmt(w_star, 8), None),
            ("Final distance to (b*, w*)", sci(conv.distance[-1], 3), "‖(b, w) − (b*, w*)‖ after the last epoch"),
            ("Final loss gap", sci(conv.gap[-1], 3), "training MSE minus the minimum MSE, after the last epoch"),
        ]
    )
    show_the_books_check(s, f, h)
    rho = conv.predicted_factor
    measured = conv.measured_factor
    st.markdown(
        f"The loss surface is a bowl whose curvature is the Hessian, with eigenvalues λ = {fmt(lam_lo)} and "
        f"{fmt(lam_hi)}. Each batch step multiplies the distance to the optimum along those two directions by "
        f"1 − η·λ, so the worst of the two sets the pace: **predicted factor per epoch** "
        f"max|1 − η·λ| = max(|1 − {short(s.lr)}×{fmt(lam_lo)}|, |1 − {short(s.lr)}×{fmt(lam_hi)}|) = **{fmt(rho)}**; "
        + (
            f"**measured** over the last epochs of the run: **{fmt(measured)}**."
            if measured is not None
            else "too few epochs to measure it."
        )
        + (
            " Above 1 the distance grows instead of shrinking, and the loss gap grows by about the square of that "
            "factor."
            if rho > 1
            else " The loss gap shrinks by about the square of that factor."
        )
    )
    charts.show(
        charts.cached(descent_charts.convergence_chart, conv),
        f"On a log axis the measured distance to the optimum falls along a straight line parallel to the "
        f"predicted {fmt(rho)}ᵉ line, from {num(float(conv.distance[0]))} to {sci(conv.distance[-1], 2)}."
        if not conv.diverging
        else f"On a log axis the distance to the optimum grows by about {num(rho)} per epoch, as predicted.",
    )


def show_the_books_check(s: Settings, f: Facts, h: gdcore.History) -> None:
    """The book's check: scikit-learn's LinearRegression, fitted live, beside the normal equations and descent."""
    fit = descent_results.sklearn_fit(s.data_key)
    b_end, w_end = h.final
    st.markdown(
        "**The book's check.** scikit-learn's `LinearRegression`, fitted here on the same training set, solves "
        "the same least-squares problem; descent should land on its answer:"
    )
    rows = {
        "normal equations (gdcore.closed_form)": f.minimum,
        "scikit-learn LinearRegression": (fit.intercept, fit.coefficient),
        f"gradient descent, {n_epochs(h.epochs_run)}": (b_end, w_end),
    }
    st.table(
        pd.DataFrame(
            {"b": [num(b, 10, 6) for b, _ in rows.values()], "w": [num(w, 10, 6) for _, w in rows.values()]},
            index=pd.Index(list(rows), name="method"),
        )
    )


def show_when_descent_diverges(s: Settings, f: Facts, h: gdcore.History, conv: Convergence) -> None:
    """When descent diverges: the critical learning rate, and the ping-pong of a run above it."""
    lam_hi = f.curvature.lam_max
    measured = conv.measured_factor
    crit = f.critical[CORRECT]
    section("When descent diverges")
    if not conv.diverging:
        st.info(
            f"At η = {short(s.lr)} descent converges: the critical learning rate here is 2/λ_max = {fmt(crit)}. "
            + (
                "Try η just above it, or 2.5, with the buttons at the top of the page to watch it blow up."
                if crit < PARAMS["lr"].high
                else f"No learning rate up to {short(PARAMS['lr'].high)} makes it blow up on this data."
            ),
            icon=":material/science:",
        )
        return
    grow = abs(1 - s.lr * lam_hi)
    when = (
        f"the numbers overflowed during epoch **{count(conv.overflow_epoch)}**"
        if conv.overflow_epoch is not None
        else f"after {n_epochs(h.epochs_run)} the distance to the optimum is already {num(float(conv.distance[-1]))}"
    )
    st.error(
        f"η = {short(s.lr)} is above the critical learning rate 2/λ_max = {fmt(crit)}: every step overshoots the "
        f"valley along the steep direction by more than it corrects, and {when}. Per step the error grows by "
        f"|1 − η·λ_max| = |1 − {short(s.lr)}×{fmt(lam_hi)}| = **{fmt(grow)}** (measured: "
        f"{fmt(measured) if measured is not None else 'not measurable'})."
        + (
            f" The loss first rose above its starting value at epoch {count(conv.rising_from)}."
            if conv.rising_from is not None
            else ""
        ),
        icon=":material/error:",
    )
    osc, first_out, shown = descent_charts.oscillation_chart(h, f.minimum)
    charts.show(
        osc,
        f"Over the first {n_epochs(shown)} b − b* and w − w* flip sign and grow"
        + (
            f"; from epoch {first_out} they leave the view (triangles mark values beyond its edge)."
            if first_out is not None
            else "."
        ),
    )


def variants_table(f: Facts, factors: dict, lr: float) -> pd.DataFrame:
    """Critical learning rate and per-epoch factor at ``lr`` for every update rule."""
    return pd.DataFrame(
        [
            {
                "update": name,
                "critical lr": num(f.critical[variant]),
                f"factor per epoch at lr {short(lr)}": num(factors[variant]),
                "at this lr": "converges" if factors[variant] < 1 else "diverges",
            }
            for variant, name in VARIANTS.items()
        ]
    )


def show_two_classic_mistakes(s: Settings, f: Facts, h: gdcore.History, surface: results.Surface) -> None:
    """Two classic mistakes: the sequential update and the sum instead of the mean, switched on by toggles."""
    crit = f.critical[CORRECT]
    section("Two classic mistakes")
    st.markdown(
        "Both of these still *look* like gradient descent, and both change what happens:\n"
        "- **Sequential update**: updating b first and then computing w's gradient with the new b. It is a "
        "different algorithm (a Gauss–Seidel sweep); it reaches the same minimum but along another path, with "
        "another stability limit. The book — like every framework — computes all gradients at the same point "
        "before changing any parameter.\n"
        "- **Sum instead of mean**: the summed squared error has the same minimum, but every gradient is n times "
        f"larger, so the usable learning rate shrinks with n: {fmt(crit)}/{count(f.n_train)} = "
        f"{fmt(f.critical[('simultaneous', 'sum')])}."
    )
    c1, c2 = st.columns(2)
    with c1:
        sequential = linked_toggle("Sequential update (b first, then w with the new b)", "seq", "rinse_sequential")
    with c2:
        sum_loss = linked_toggle("Sum of squared errors instead of the mean", "sum", "rinse_sum_loss")
    factors = {variant: descent_results.rule_factor(s.data_key, s.lr, *variant) for variant in VARIANTS}
    st.dataframe(variants_table(f, factors, s.lr), hide_index=True)
    if not (sequential or sum_loss):
        st.info("Switch a mistake on to draw its path next to the correct one.", icon=":material/touch_app:")
        return
    mistake = ("sequential" if sequential else "simultaneous", "sum" if sum_loss else "mean")
    hm = results.history_for(s, batch=0, rule=mistake[0], reduction=mistake[1])
    name = VARIANTS[mistake]
    chart = charts.cached(
        descent_charts.compare_paths_chart,
        surface,
        f,
        s.start,
        [(h, VARIANTS[CORRECT], PALETTE["batch"], False), (hm, name, PALETTE["w_varies"], True)],
        "Correct path versus the mistake",
    )
    b_end, w_end = h.final
    end_m = (
        f"diverged during epoch {count(hm.diverged_at)}"
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
            ("Critical lr, mistake", fmt(f.critical[mistake]), None),
            (
                "Factor per epoch, correct",
                num(factors[CORRECT]),
                "how the distance to the optimum is multiplied every epoch at this learning rate",
            ),
            ("Factor per epoch, mistake", num(factors[mistake]), None),
        ]
    )
    if hm.diverged or factors[mistake] >= 1:
        st.warning(
            f"With the mistake, η = {short(s.lr)} is above its critical learning rate {fmt(f.critical[mistake])}: "
            f"the error grows by {num(factors[mistake])} per epoch"
            + (f" and the numbers overflow during epoch {count(hm.diverged_at)}." if hm.diverged else "."),
            icon=":material/warning:",
        )


def show_the_path_of_gradient_descent(s: Settings, f: Facts, k: int) -> tuple[int, tuple[float, float]]:
    """The path of gradient descent (Figure 0.19): batch, mini-batch and stochastic paths from one start.

    Returns the slider's epochs and the paths' start (the reproduce script follows them).
    """
    b_star, w_star = f.minimum
    section("The path of gradient descent: batch, mini-batch, stochastic")
    c1, c2 = st.columns(2)
    path_epochs = c1.slider("Epochs for the paths", 1, 100, 20, key="rinse_path_epochs")
    with c2:
        book_start = linked_toggle(
            "Start at the figure's point",
            "figstart",
            "rinse_paths_book_start",
            help="The start of the reference figure: b = 0.83, w = 0.7645.",
        )
    p_start = REFERENCE_START if book_start else s.start
    runs = descent_results.path_runs(s.data_key, float(p_start[0]), float(p_start[1]), s.lr, int(path_epochs), k)
    named = (("batch", runs.batch), ("mini-batch", runs.minibatch), ("stochastic", runs.stochastic))
    final = {name: run.final for name, run in named}
    dist = {name: float(((b - b_star) ** 2 + (w - w_star) ** 2) ** 0.5) for name, (b, w) in final.items()}
    start_dist = ((p_start[0] - b_star) ** 2 + (p_start[1] - w_star) ** 2) ** 0.5
    gone = [name for name, run in named if run.diverged or dist[name] > 10 * max(start_dist, 1e-3)]
    gone_paths = f"{' and '.join(gone)} {plural(len(gone), 'path', 'paths')}"
    st.markdown(
        f"All three flavours from the same start with η = {short(s.lr)}, one dot per epoch. Batch descent makes one "
        f"careful step per epoch along the smooth curve of the player above; mini-batch "
        f"(k = {count(runs.minibatch_size)}) makes "
        f"{count(gdcore.updates_per_epoch(runs.subset, runs.minibatch_size))} updates per epoch, so it gets much "
        f"further in the same number of epochs; stochastic descent makes {count(runs.subset)} small updates per "
        "epoch, each from a single point, so it arrives fastest but keeps jittering around the minimum instead of "
        "settling on it."
        + (
            f" At η = {short(s.lr)}, though, the {gone_paths} {plural(len(gone), 'diverges', 'diverge')}."
            if gone
            else ""
        )
        + (
            " One point's loss can curve much more steeply than the average over all points, so the stochastic "
            "path is usually the first to blow up."
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
            f"Capped for speed: {path_epochs} stochastic epochs over all {count(runs.n_train)} training points would "
            f"be {count(runs.n_train * path_epochs)} single-point updates. The mini-batch and stochastic paths use a "
            f"random subset of {count(runs.subset)} training points instead (an epoch is one pass over it); the "
            "batch path uses all of them.",
            icon=":material/content_cut:",
        )
    path_surface = results.surface(s.data_key, grid=descent_charts.path_window(runs, f.minimum, p_start))
    charts.show(
        charts.cached(descent_charts.paths_chart, path_surface, runs, f, p_start),
        f"After {n_epochs(path_epochs)} from ({num(p_start[0])}, {num(p_start[1])}) batch descent is at "
        f"({num(final['batch'][0])}, {num(final['batch'][1])}), mini-batch at ({num(final['mini-batch'][0])}, "
        f"{num(final['mini-batch'][1])}) and stochastic at ({num(final['stochastic'][0])}, "
        f"{num(final['stochastic'][1])}); the minimum is ({num(b_star)}, {num(w_star)}).",
    )
    after = f"distance to the minimum after {n_epochs(path_epochs)}"
    metrics(
        [
            ("Batch: final distance", num(dist["batch"]), after),
            ("Mini-batch: final distance", num(dist["mini-batch"]), after),
            ("Stochastic: final distance", num(dist["stochastic"]), after),
        ]
    )
    st.caption(
        f"Updates made: {count(runs.batch.epochs_run)} (batch), "
        f"{count(runs.minibatch.epochs_run * runs.minibatch.updates_per_epoch)} (mini-batch) and "
        f"{count(runs.stochastic.epochs_run * runs.stochastic.updates_per_epoch)} (stochastic)."
    )
    if gone:
        st.warning(
            f"At η = {short(s.lr)} the {gone_paths} diverged: each is drawn until it leaves the window (the dot on "
            "the edge), and its final distance above says how far it went.",
            icon=":material/error:",
        )
    return path_epochs, p_start


def show_take_the_numbers_with_you(s: Settings, h: gdcore.History) -> None:
    """Take the numbers with you: the descent history as CSV."""
    section("Take the numbers with you")
    csv_download(
        "Download the descent history (CSV)",
        results.history_csv,
        h,
        file_name=f"descent_seed{s.seed}_n{s.n}_lr{short(s.lr)}_epochs{s.epochs}.csv",
        key="rinse_download",
    )
    st.caption("One row per epoch: epoch, b, w, training loss and validation loss, at full precision.")


s = start(10, INTRO, extra=("epochs", "batch", "b0", "w0"))
f = descent_results.facts(s.data_key)
show_eta_control(f)
show_self_check(10, questions_for(10, s))
k = gdcore.minibatch_size(s.batch, f.n_train)
show_what_counts_as_an_epoch(s, f, k)
h = results.history_for(s, batch=0)
conv = descent_results.convergence(h, f, s.lr)
show_epochs_of_batch_descent(s, f, h, conv)
book_check(
    s.is_book_run,
    "after 1,000 epochs at η = 0.1, b = 1.0235 and w = 1.9690 (`[1.02354094] [1.96896411]`, "
    "against `[1.02354075] [1.96896447]` from the closed form), with a training MSE of 0.0080.",
)
show_along_the_way(h)
show_the_final_model(s, f, h, conv)
surface = results.surface(s.data_key, extra=(*s.start, *h.final))
with lead():
    show_watch_it_happen(s, f, h, conv, surface)
show_closed_form_versus_descent(s, f, h, conv)
show_when_descent_diverges(s, f, h, conv)
show_two_classic_mistakes(s, f, h, surface)
path_epochs, path_start = show_the_path_of_gradient_descent(s, f, k)
show_take_the_numbers_with_you(s, h)
finish(10, s, path_epochs=path_epochs, path_start=path_start)
