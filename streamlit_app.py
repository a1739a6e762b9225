"""Landing page: what the lesson is, the model, and the steps that follow it."""

import streamlit as st

import ui
from ui import sources
from ui.numbers import short
from ui.page import link, setup
from ui.registry import APP_NAME, STEPS
from ui.selfcheck import show_score
from ui.settings import Settings


def show_introduction() -> None:
    """What the app is a companion to, and what it does."""
    st.title(APP_NAME)
    st.markdown(
        "An interactive companion to Chapter 0 of *Deep Learning with PyTorch Step-by-Step*, "
        "“Visualizing Gradient Descent”. We fit the simplest model there is, a straight line, "
        "and watch every step of gradient descent happen on real numbers."
    )


def show_the_model(s: Settings) -> None:
    """The model, with the true parameters the data come from (or, on other data, where they come from)."""
    st.subheader("The model")
    st.latex(r"y = b + w\,x + \varepsilon")
    if not s.is_synthetic:
        about = sources.describe(s.data_key)
        st.markdown(
            f"The pages now run on **{about.title}**: x is {about.x_title}, y is {about.y_title} ({about.origin}). "
            "Nobody knows the true b and w behind real data; gradient descent looks for the best line through "
            "the training points, and the pages check it against the least-squares line."
        )
        return
    st.markdown(
        f"We generate points from a line with intercept **b = {short(s.true_b)}** and slope "
        f"**w = {short(s.true_w)}**, add Gaussian noise ε (σ = {short(s.noise)}), and then pretend "
        "we do not know b and w. Gradient descent has to find them from the data alone."
    )


def show_the_steps() -> None:
    """Every step from the registry, as a link with its one-line summary."""
    st.subheader("The steps")
    st.markdown("Each page is one step of the chapter, in its order. Read them top to bottom, then play:")
    for number, entry in enumerate(STEPS, start=1):
        link(entry.file, f"{number}. {entry.label}")
        st.caption(entry.summary[0].upper() + entry.summary[1:] + ".")


def show_your_self_checks() -> None:
    """How many "predict, then check" questions the learner has answered in this session."""
    st.subheader("Your self-checks")
    show_score()


def show_how_to_use_it() -> None:
    """The sidebar, the book's numbers, links and reset."""
    st.subheader("How to use it")
    st.markdown(
        "- The **sidebar** holds the menu of steps and the settings every page shares: the seed, the number "
        "of points N, the noise, the true b and w, and the learning rate η (plus epochs and batch size where "
        "a page uses them).\n"
        "- With the defaults you see **the book's numbers**, digit for digit. Change anything and every "
        "number, equation and chart is recomputed from your data.\n"
        "- The address bar always holds a **link to the current view**: copy it to share a setting with a class.\n"
        "- **Reset to the book's values** brings the defaults back."
    )


setup()
settings = ui.sidebar()
show_introduction()
show_the_model(settings)
show_the_steps()
show_your_self_checks()
show_how_to_use_it()
