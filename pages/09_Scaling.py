"""Step 9 · Scaling: standardise the feature and the loss surface becomes a round bowl."""

import streamlit as st

from ui import charts, results
from ui.charts import Marker
from ui.charts import scaling as scaling_charts
from ui.numbers import count, fmt, short
from ui.page import book_check, figure_note, figures_and_numbers, finish, lead, metrics, section, start
from ui.results import Curvature
from ui.results import scaling as scaling_results
from ui.results.scaling import FastestDescent
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The step's short teaching introduction, under its title.
INTRO = (
    "The cure for a badly scaled feature is to put it on a standard scale: subtract its mean and divide "
    "by its standard deviation. The standardised feature is centred on 0 with a spread of 1, whatever "
    "units it came in — so the original x and the ten-times-larger x become the very same numbers."
)

#: The three versions of the feature this page compares.
KINDS = ("original", "bad", "scaled")
#: How each version's loss surface looks, for the charts' text summaries.
SHAPES = {
    "original": "an elongated diagonal valley",
    "bad": "a very narrow, nearly horizontal valley",
    "scaled": "round, evenly spaced circles",
}


def show_standardising_on_the_training_set(s: Settings) -> None:
    """Standardising, fitted on the training set only: gdcore's scaler and scikit-learn's, side by side."""
    orig = results.features(s.data_key, "original")
    scaled = results.features(s.data_key, "scaled")
    scaler = scaled.scaler
    x0 = float(orig.x_train[0])
    n_train = orig.x_train.size
    section("Standardising: fitted on the training set only")
    st.latex(
        rf"\overline{{x}} = \frac{{1}}{{{count(n_train)}}}\sum_{{i=1}}^{{{count(n_train)}}} x_i = "
        rf"{fmt(scaler.mean, 6)}"
    )
    st.latex(
        rf"\sigma(x) = \sqrt{{\frac{{1}}{{{count(n_train)}}}\sum_{{i=1}}^{{{count(n_train)}}}"
        rf"(x_i - \overline{{x}})^2}} = {fmt(scaler.scale, 6)}"
    )
    st.latex(
        rf"\text{{scaled }} x_i = \frac{{x_i - \overline{{x}}}}{{\sigma(x)}} = "
        rf"\frac{{x_i - {fmt(scaler.mean)}}}{{{fmt(scaler.scale)}}}"
    )
    st.latex(
        rf"\text{{scaled }} x_0 = \frac{{{fmt(x0)} - {fmt(scaler.mean)}}}{{{fmt(scaler.scale)}}} = "
        rf"{fmt(float(scaled.x_train[0]))}"
    )
    st.markdown(
        f"The mean and the (population) standard deviation come from the **{count(n_train)} training points only**. "
        "The same two numbers are then used to transform the validation points: the validation set stands in "
        "for data the model has never seen, so nothing about it may leak into the preparation. As a "
        "consequence, the scaled validation feature is close to, but not exactly, mean 0 and spread 1."
    )
    metrics(
        [
            ("Mean of x (train)", fmt(scaler.mean), "fitted on the training set"),
            ("σ of x (train)", fmt(scaler.scale), "population standard deviation (divides by N)"),
            ("Mean of x, 6 decimals", fmt(scaler.mean, 6), None),
            ("σ of x, 6 decimals", fmt(scaler.scale, 6), None),
        ]
    )
    sk = scaling_results.sklearn_scaler(s.data_key)
    verdict = "the same as ours" if sk.same_as(scaler) else "**not** the same as ours"
    st.markdown(
        "**The same with scikit-learn**, as the book does it: `sklearn.preprocessing.StandardScaler`, fitted live "
        f"on the same {count(n_train)} training points, gives mean {fmt(sk.mean)}, scale {fmt(sk.scale)} — "
        f"{verdict}. Every digit: scikit-learn `mean_ = {sk.mean!r}`, `scale_ = {sk.scale!r}`; "
        f"gdcore `mean = {scaler.mean!r}`, `scale = {scaler.scale!r}`."
    )
    metrics(
        [
            ("Scaled train: mean", fmt(float(scaled.x_train.mean())), "exactly 0, by construction"),
            ("Scaled train: std", fmt(float(scaled.x_train.std())), "exactly 1, by construction"),
            (
                "Scaled validation: mean",
                fmt(float(scaled.x_val.mean())),
                "near 0 only: the scaler never saw these points",
            ),
            (
                "Scaled validation: std",
                fmt(float(scaled.x_val.std())),
                "near 1 only: the scaler never saw these points",
            ),
        ]
    )


def show_three_versions_of_one_feature(s: Settings) -> None:
    """Three versions of one feature: the same training points, original, "bad" and scaled (Fig 0.16)."""
    section("Three versions of one feature")
    n_train = results.features(s.data_key, "original").x_train.size
    for col, kind in zip(st.columns(3), KINDS):
        f = results.features(s.data_key, kind)
        with col:
            lo, hi = float(f.x_train.min()), float(f.x_train.max())
            charts.show(
                charts.cached(
                    scaling_charts.feature_scatter,
                    kind,
                    *results.display_points(f.x_train, f.y_train),
                    height=scaling_charts.SMALL_HEIGHT,
                ),
                f"{scaling_charts.NAMES[kind]} feature: the same {count(n_train)} training points with x from "
                f"{fmt(lo, 2)} to {fmt(hi, 2)}.",
            )


def show_three_loss_surfaces(s: Settings, curv: dict[str, Curvature], fast: dict[str, FastestDescent]) -> None:
    """Three loss surfaces on one window, each with its minimum and condition number (Fig 0.17)."""
    section("Three loss surfaces")
    grid = scaling_results.surface_window(s.data_key, "scaled", [fast[k].minimum for k in KINDS])
    figure_note(
        f"All three on one window (b from {fmt(grid[0], 2)} to {fmt(grid[1], 2)}, w from {fmt(grid[2], 2)} to "
        f"{fmt(grid[3], 2)}), each with its minimum and its condition number κ (largest over smallest curvature)."
    )
    columns, numbers = figures_and_numbers(3, beside=False)  # the scaled bowl must look round
    for col, kind in zip(columns, KINDS):
        c, m = curv[kind], fast[kind]
        surf = results.surface(s.data_key, kind, grid=grid)
        chart = charts.cached(
            scaling_charts.small_contour,
            surf,
            Marker(m.minimum[0], m.minimum[1], "Minimum", loss=m.min_loss),
            f"Loss Surface - {scaling_charts.LABELS[kind]}",
            f"condition number κ = {fmt(c.condition)}",
        )
        with col:
            charts.show(
                chart,
                f"{scaling_charts.NAMES[kind]} feature: {SHAPES[kind]}, minimum at "
                f"({fmt(m.minimum[0])}, {fmt(m.minimum[1])}), κ = {fmt(c.condition, 2)}.",
            )
    with numbers:
        metrics(
            [
                (
                    f"Minimum, {scaling_charts.NAMES[k].lower()} (b, w)",
                    f"({fmt(fast[k].minimum[0])}, {fmt(fast[k].minimum[1])})",
                    None,
                )
                for k in KINDS
            ]
        )


def show_why_round(s: Settings, sc: Curvature) -> None:
    """Why round? The scaled feature's Hessian is twice the identity."""
    scaled = results.features(s.data_key, "scaled")
    h = sc.hessian
    st.markdown(
        "Why round? The Hessian is 2·[[1, mean(x)], [mean(x), mean(x²)]]. After standardising, the mean of x "
        "is 0 and the mean of x² is 1, so it becomes twice the identity: the bowl curves equally in every "
        "direction, and b and w no longer pull on each other."
    )
    st.latex(
        rf"H_{{\text{{scaled}}}} = 2\begin{{bmatrix}}1 & {fmt(float(scaled.x_train.mean()))} \\ "
        rf"{fmt(float(scaled.x_train.mean()))} & {fmt(h[1, 1] / 2)}\end{{bmatrix}} = "
        rf"\begin{{bmatrix}}{fmt(h[0, 0])} & {fmt(h[0, 1])} \\ {fmt(h[1, 0])} & {fmt(h[1, 1])}\end{{bmatrix}}"
    )
    st.latex(
        rf"\lambda_{{\min}} = {fmt(sc.lam_min)},\quad \lambda_{{\max}} = {fmt(sc.lam_max)},\quad "
        rf"\kappa = {fmt(sc.condition)}"
    )
    st.latex(
        rf"\eta_{{\text{{crit}}}} = \frac{{2}}{{\lambda_{{\max}}}} = \frac{{2}}{{{fmt(sc.lam_max)}}} = "
        rf"{fmt(sc.critical_lr)}"
    )


def show_back_to_the_original_units(s: Settings, sc: Curvature, fast: dict[str, FastestDescent]) -> None:
    """Back to the original units: the scaled minimum, mapped back, is the original one."""
    orig = results.features(s.data_key, "original")
    scaler = results.features(s.data_key, "scaled").scaler
    b_s, w_s = fast["scaled"].minimum
    b_back, w_back = scaler.params_to_original(b_s, w_s)
    b_star, w_star = fast["original"].minimum
    section("Back to the original units")
    st.markdown(
        "Scaling changes the parameters, not the model. The line fitted on the scaled feature, rewritten in "
        "terms of the original x, is exactly the original best line:"
    )
    st.latex(rf"w = \frac{{w_s}}{{\sigma}} = \frac{{{fmt(w_s)}}}{{{fmt(scaler.scale)}}} = {fmt(w_back)}")
    st.latex(
        rf"b = b_s - \frac{{w_s\,\overline{{x}}}}{{\sigma}} = {fmt(b_s)} - \frac{{{fmt(w_s)} \times "
        rf"{fmt(scaler.mean)}}}{{{fmt(scaler.scale)}}} = {fmt(b_back)}"
    )
    st.markdown(
        f"The scaled intercept **{fmt(b_s)}** is the mean of y over the training set "
        f"({fmt(float(orig.y_train.mean()))}): at the centre of the scaled feature (x = 0) the best line passes "
        "through the average point. The scaled slope is the original slope times σ: "
        f"{fmt(w_star)} × {fmt(scaler.scale)} = {fmt(w_star * scaler.scale)}, "
        "the change of y per standard deviation of x."
    )
    metrics(
        [
            ("Scaled minimum (b, w)", f"({fmt(b_s)}, {fmt(w_s)})", None),
            ("Mapped back (b, w)", f"({fmt(b_back)}, {fmt(w_back)})", "Scaler.params_to_original"),
            ("Original minimum (b, w)", f"({fmt(b_star)}, {fmt(w_star)})", None),
        ]
    )
    metrics(
        [
            ("Mean of y (train)", fmt(float(orig.y_train.mean())), "equals the scaled intercept"),
            ("w* × σ", fmt(w_star * scaler.scale), "equals the scaled slope"),
            ("Scaled: smallest eigenvalue", fmt(sc.lam_min), "H = 2·I"),
            ("Scaled: largest eigenvalue", fmt(sc.lam_max), "H = 2·I"),
        ]
    )


def show_what_it_buys(s: Settings, curv: dict[str, Curvature], fast: dict[str, FastestDescent]) -> None:
    """What it buys: learning rates and epochs on the three features, and the sidebar's η on the scaled one."""
    section("What it buys: learning rates and epochs")
    st.markdown(
        f"Batch descent from the start ({fmt(s.start[0])}, {fmt(s.start[1])}), at the fastest of 99 learning rates "
        f"(1%…99% of each critical η), to get {fast['scaled'].target_rule}:"
    )
    for k in KINDS:
        c, m = curv[k], fast[k]
        name = scaling_charts.NAMES[k]
        metrics(
            [
                (f"{name}: condition number", fmt(c.condition), None),
                (f"{name}: critical η", fmt(c.critical_lr), "2 / largest eigenvalue"),
                (f"{name}: fastest η", m.best_lr_text(), None),
                (f"{name}: epochs needed", m.epochs_text(), None),
            ]
        )
    charts.show(
        charts.cached(scaling_charts.excess_loss_chart, [fast[k] for k in KINDS]),
        f"Loss above the minimum per epoch on a log scale: {fast['original'].epochs_text()} epochs for the original "
        f"feature, {fast['bad'].epochs_text()} for the bad one and {fast['scaled'].epochs_text()} for the scaled one.",
    )
    sc = curv["scaled"]
    lr = s.lr
    state = "converges" if lr < sc.critical_lr else "**diverges** (η is at or above the critical rate)"
    st.markdown(
        f"With the scaled feature every learning rate below {fmt(sc.critical_lr)} works; at η = 0.5 the "
        "step lands on the minimum in a single epoch, because every direction has the same curvature 2. "
        f"Your learning rate η = {short(lr)} (sidebar) {state} on the scaled feature."
    )
    st.info(
        "**Takeaway: always standardise your features** before gradient descent — fit the scaler on the "
        "training set, apply it to every set. It costs two numbers per feature and turns a long, narrow valley "
        "into a round bowl, so one learning rate suits every parameter.",
        icon=":material/lightbulb:",
    )


s = start(9, INTRO, extra=("b0", "w0"))
show_self_check(9, questions_for(9, s))
curv = {kind: results.curvature(s.data_key, kind) for kind in KINDS}
fast = {kind: scaling_results.fastest_descent(s.data_key, kind, *s.start) for kind in KINDS}
show_standardising_on_the_training_set(s)
show_three_versions_of_one_feature(s)
with lead():
    show_three_loss_surfaces(s, curv, fast)
show_why_round(s, curv["scaled"])
show_back_to_the_original_units(s, curv["scaled"], fast)
show_what_it_buys(s, curv, fast)
book_check(
    s.is_book,
    "the scaler has mean 0.4725 (0.472459) and σ 0.3062 (0.306225); the scaled validation "
    "feature has mean −0.0372 and std 0.8188; the minima are (1.0235, 1.9690), (1.0235, 0.1969) "
    "and (1.9538, 0.6029); the scaled Hessian is 2·I with eigenvalues [2, 2], so its critical "
    "learning rate is 2/2 = 1.0.",
)
finish(9, s)
