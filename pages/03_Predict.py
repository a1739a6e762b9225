"""Step 3 · Predict: the line the current parameters draw (the forward pass)."""

import streamlit as st

from ui import charts, results
from ui.charts import PALETTE, Line
from ui.numbers import count, fmt, signed
from ui.page import book_check, finish, lead, metrics, section, start
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The step's short teaching introduction, under its title.
INTRO = (
    "With a b and a w in hand, the model can already predict: for every training point it "
    "returns b + w·x. This is the *forward pass*. With random parameters the predictions are poor, "
    "and that is fine — the next steps measure how poor and fix it."
)


def show_forward_pass(s: Settings) -> None:
    """The forward pass as a formula: ŷ = b + w·x, and the prediction for the first training point."""
    data = results.train_summary(s.data_key)  # statistics and a drawing sample, never all N points
    pred = results.prediction(s.data_key, *s.start)
    b, w = s.start
    st.latex(rf"\hat{{y}}_i = b + w\,x_i = {fmt(b)} {signed(w)}\,x_i")
    st.latex(
        rf"\hat{{y}}_0 = {fmt(b)} {signed(w)} \times {fmt(data.first_x)} = {fmt(pred.first)}"
        rf"\quad(\text{{true }} y_0 = {fmt(data.first_y)})"
    )


def show_predictions(s: Settings) -> None:
    """The prediction line over the training points, and the numbers beside it."""
    data = results.train_summary(s.data_key)
    pred = results.prediction(s.data_key, *s.start)
    b, w = s.start
    x_dom = charts.padded(data.x_range, book=(-0.05, 1.05))
    y_dom = charts.padded((pred.low, pred.high), book=(0, 3))
    line = Line(b, w, "Model's predictions", PALETTE["b_varies"])
    chart = charts.overlay(
        charts.scatter(
            data.sample_x,
            data.sample_y,
            PALETTE["train"],
            "Model's predictions with random parameters",
            x_domain=x_dom,
            y_domain=y_dom,
        ),
        charts.model_lines([line], (0, 1), y_domain=y_dom),
        charts.line_label(
            line, f"b = {fmt(b)}  w = {fmt(w)}", (0, 1), y_dom, avoid_x=data.sample_x, avoid_y=data.sample_y
        ),
    )
    left, right = st.columns([3, 2])
    with left:
        charts.show(
            chart,
            f"The {count(data.n_train)} training points with the dashed prediction line "
            f"ŷ = {fmt(b)} {signed(w)}·x, which misses them by {fmt(pred.mean_abs_error, 2)} "
            "on average.",
        )
    with right:
        section("The numbers")
        metrics([("b", fmt(b), None), ("w", fmt(w), None)])
        metrics([("Mean prediction ŷ", fmt(pred.mean), None), ("Mean of y", fmt(data.stats.mean_y), None)])
        st.markdown("Only the **training** points are used to predict here: the validation set stays unseen.")


s = start(3, INTRO, extra=("b0", "w0"))
show_self_check(3, questions_for(3, s))
show_forward_pass(s)
with lead():
    show_predictions(s)
book_check(s.is_book, "the line reads b = 0.4967, w = −0.1383, far below the points.")
finish(3, s)
