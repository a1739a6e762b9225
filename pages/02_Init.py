"""Step 2 · Init: random starting values for b and w."""

import streamlit as st

import gdcore
from ui import results
from ui.numbers import fmt, numpy_print, short
from ui.page import book_check, finish, lead, metrics, start
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The step's short teaching introduction, under its title.
INTRO = (
    "Gradient descent has to start somewhere. We know nothing about the best line yet, so we "
    "pick b and w at random: two draws from a standard normal distribution. The seed makes the "
    "draw repeatable — the same seed always gives the same start — which is what lets us compare "
    "runs and reproduce the book."
)


def show_random_draw(s: Settings) -> None:
    """The random draw: b and w from a standard normal, seeded, as the book prints them."""
    b_rand, w_rand = gdcore.init_params(s.seed)
    st.latex(
        rf"b \sim \mathcal{{N}}(0, 1) \;\Rightarrow\; b = {fmt(b_rand)} \qquad "
        rf"w \sim \mathcal{{N}}(0, 1) \;\Rightarrow\; w = {fmt(w_rand)}"
    )
    st.markdown(
        f"A fresh random stream seeded with **{s.seed}** gives b first, then w. "
        "(The book re-seeds with the same seed it used for the data, so these are the first two normals "
        "of that stream.) Printed the way numpy shows one-element arrays: "
        f"`{numpy_print(b_rand)} {numpy_print(w_rand)}`."
    )
    metrics(
        [
            ("Random b", fmt(b_rand, 4), "intercept of the starting line"),
            ("Random w", fmt(w_rand, 4), "slope of the starting line"),
            *target_metrics(s),
        ]
    )


def target_metrics(s: Settings) -> list[tuple[str, str, str | None]]:
    """Where descent should end up: the true line on generated data; real data have none, so the least-squares line."""
    if s.is_synthetic:
        return [
            ("True b (unknown to the model)", short(s.true_b), None),
            ("True w (unknown to the model)", short(s.true_w), None),
        ]
    b_star, w_star = results.train_summary(s.data_key).minimum
    why = "Real data have no known true line; this is the best line through the training points."
    return [("Least-squares b*", fmt(b_star), why), ("Least-squares w*", fmt(w_star), why)]


def show_your_own_start(s: Settings) -> None:
    """A note when the learner typed or clicked a start of their own instead of the random one."""
    b0, w0 = s.start
    if (b0, w0) != gdcore.init_params(s.seed):
        st.info(
            f"You chose your own start in the sidebar: b = {fmt(b0)}, w = {fmt(w0)}. "
            "Every page starts from it; clear the two fields to go back to the random start.",
            icon=":material/location_on:",
        )


def show_other_starts() -> None:
    """Where else a start can come from: the sidebar fields or a click on a loss contour."""
    st.markdown(
        "You can also type a starting point in the sidebar (*Start b*, *Start w*) — or click on a loss "
        "contour on the Loss, Learning Rate and Rinse and Repeat pages — to see how the start changes the path."
    )


s = start(2, INTRO, extra=("b0", "w0"))
show_self_check(2, questions_for(2, s))
with lead():
    show_random_draw(s)
show_your_own_start(s)
book_check(s.is_book, "b = 0.4967 and w = −0.1383 (numpy prints `[0.49671415] [-0.1382643]`).")
show_other_starts()
finish(2, s)
