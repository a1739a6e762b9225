"""Step 6 · Update: move b and w one step against their gradients (the book's step 4)."""

import streamlit as st

from ui import charts, results
from ui.charts import update as update_charts
from ui.linked import linked_toggle
from ui.numbers import count, fmt, num, numpy_print, short, signed
from ui.page import book_check, finish, lead, metrics, section, start
from ui.results import update as update_results
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The step's short teaching introduction, under its title.
INTRO = (
    "The gradients told us, for each parameter, which way the loss rises and how fast. To improve "
    "the line we move each parameter a little in the *opposite* direction. How little is set by the "
    "**learning rate** η (eta): the step is η times the gradient. One such move of both parameters "
    "is one **update**."
)


def show_the_update_rule(upd: update_results.Update) -> None:
    """The update rule, with your numbers: both equations, the numbers before and after, the loss."""
    eta = short(upd.lr)
    section("The update rule, with your numbers")
    st.latex(
        r"b \leftarrow b - \eta\,\frac{\partial \mathrm{MSE}}{\partial b} = "
        rf"{fmt(upd.b)} - {eta}\cdot({fmt(upd.db)}) = {fmt(upd.b_new)}"
    )
    st.latex(
        r"w \leftarrow w - \eta\,\frac{\partial \mathrm{MSE}}{\partial w} = "
        rf"{fmt(upd.w)} - {eta}\cdot({fmt(upd.dw)}) = {fmt(upd.w_new)}"
    )
    st.markdown(
        f"Both gradients are negative — the loss falls as b and w grow — so subtracting η times them "
        f"*raises* both parameters. b moves further ({fmt(abs(upd.b_new - upd.b))} against "
        f"{fmt(abs(upd.w_new - upd.w))}) because its gradient is steeper."
        if upd.db < 0 and upd.dw < 0
        else "Each parameter moves against the sign of its own gradient, by η times its size: the steeper "
        "gradient gets the bigger move."
    )
    st.markdown(
        f"Printed the way numpy shows the book's one-element arrays, before and after: "
        f"`{numpy_print(upd.b)} {numpy_print(upd.w)}` → "
        f"`{numpy_print(upd.b_new)} {numpy_print(upd.w_new)}`"
    )
    with lead():  # presenter mode: the updated numbers head the page, above the figure
        metrics(
            [
                ("b after one update", fmt(upd.b_new), f"was {fmt(upd.b)}"),
                ("w after one update", fmt(upd.w_new), f"was {fmt(upd.w)}"),
                ("Loss before", num(upd.loss_before), "training MSE at the starting b, w"),
                ("Loss after", num(upd.loss_after), "training MSE at the updated b, w"),
            ]
        )
    if upd.loss_after < upd.loss_before:
        st.markdown(
            f"One step took the loss from **{num(upd.loss_before)}** to "
            f"**{num(upd.loss_after)}** ({fmt(100 * (1 - upd.loss_after / upd.loss_before), 1)}% lower)."
        )
    else:
        st.warning(
            f"At η = {eta} this step made the loss **worse** ({num(upd.loss_before)} → "
            f"{num(upd.loss_after)}): the step overshot the valley. The Learning Rate page shows why.",
            icon=":material/warning:",
        )


def update_summary(upd: update_results.Update, n_train: int) -> str:
    """Fig 0.9's one-sentence text summary."""
    better = upd.loss_after < upd.loss_before
    return (
        f"The {count(n_train)} training points with the starting line ŷ = {fmt(upd.b)} {signed(upd.w)}·x "
        f"(black) and, after one update at η = {short(upd.lr)}, ŷ = {fmt(upd.b_new)} {signed(upd.w_new)}·x "
        f"(green), which sits {'closer to' if better else 'further from'} the points: the loss "
        f"{'drops' if better else 'rises'} from {num(upd.loss_before)} to {num(upd.loss_after)}."
    )


def show_the_line_after_one_update(s: Settings, upd: update_results.Update) -> None:
    """The line after one update (Fig 0.9), and on request the sequential update beside it."""
    section("The line after one update")
    figure = st.container()  # the toggle sits under the figure it changes: the figure comes up the screen
    sequential = linked_toggle(
        "Show a common mistake: the sequential update",
        "mistake",
        "update_sequential",
        help="Update b first, then compute w's gradient at the new b.",
    )
    data = results.features(s.data_key, "original")  # x_train, y_train shared, not copied
    xt, yt = results.display_points(data.x_train, data.y_train)
    chart = update_charts.update_figure(xt, yt, upd, sequential=sequential, book_layout=s.is_book)
    shown = "" if xt.size == data.x_train.size else f" Showing a random {count(xt.size)} of the points."
    with figure:
        charts.show(chart, update_summary(upd, data.x_train.size) + shown)
    if sequential:
        charts.show(
            charts.cached(update_charts.sequential_zoom, upd),
            f"Zoomed in on x from 0.8 to 1: the correct line (green, dashed) and the sequential one "
            f"(purple, dotted) start from the same b = {fmt(upd.b_new)} and part as x grows; at x = 1 they "
            f"are {fmt(abs(upd.seq_w_new - upd.w_new))} apart, the difference between their w.",
        )
        show_the_sequential_update(upd)


def show_the_sequential_update(upd: update_results.Update) -> None:
    """The common mistake: w's gradient taken at the already-updated b, beside the correct update."""
    eta = short(upd.lr)
    st.markdown(
        "Both gradients must be measured **at the same point** — the current (b, w) — and only then "
        "applied. A tempting shortcut updates b first and then computes w's gradient with the *new* b. "
        "The two versions side by side:"
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Simultaneous (correct)**: both gradients at the old point")
        st.latex(rf"w \leftarrow {fmt(upd.w)} - {eta}\cdot({fmt(upd.dw)}) = {fmt(upd.w_new)}")
        metrics([("Simultaneous: w", fmt(upd.w_new), None), ("Simultaneous: loss after", num(upd.loss_after), None)])
    with right:
        st.markdown("**Sequential (the mistake)**: w's gradient at the new b")
        st.latex(rf"w \leftarrow {fmt(upd.w)} - {eta}\cdot({fmt(upd.seq_dw)}) = {fmt(upd.seq_w_new)}")
        metrics(
            [("Sequential: w", fmt(upd.seq_w_new), None), ("Sequential: loss after", num(upd.seq_loss_after), None)]
        )
    st.markdown(
        f"b is the same in both ({fmt(upd.b_new)}); w differs by {fmt(abs(upd.seq_w_new - upd.w_new))}. "
        f"The sequential rule is a different algorithm, not gradient descent: its w step uses a gradient "
        f"from a point the model never occupied, so its results no longer match the book (or PyTorch's "
        f"optimizers, which update all parameters at once), and even its stable learning rates differ "
        f"(up to {fmt(upd.seq_critical_lr)} here, against {fmt(upd.critical_lr)} for real batch descent). "
        "Compute every gradient first, then update everything."
    )


s = start(6, INTRO, extra=("b0", "w0"))
show_self_check(6, questions_for(6, s))
upd = update_results.one_update(s.data_key, *s.start, s.lr)
show_the_update_rule(upd)
with lead():
    show_the_line_after_one_update(s, upd)
book_check(
    s.is_book,
    "with η = 0.1, b and w go from 0.4967, −0.1383 to 0.8012, 0.0451 "
    "(numpy prints `[0.80119529] [0.04511107]`), and the loss from 2.7422 to 1.6349."
    if abs(s.lr - 0.1) < 1e-12
    else "the data and start are the book's; set η = 0.1 to see its update (0.8012, 0.0451).",
)
finish(6, s)
