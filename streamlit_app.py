"""Landing page: what the lesson is and how the pages follow it."""

import streamlit as st

import ui
from ui.page import STEPS, setup

setup("Overview", "📉")
settings = ui.sidebar()

st.title("Gradient Descent, Step by Step")
st.markdown(
    "An interactive companion to Chapter 0 of *Deep Learning with PyTorch Step-by-Step*, "
    "“Visualizing Gradient Descent”. We fit the simplest model there is, a straight line, "
    "and watch every step of gradient descent happen on real numbers."
)
st.subheader("The model")
st.latex(r"y = b + w\,x + \varepsilon")
st.markdown(
    f"We generate points from a line with intercept **b = {settings.true_b:g}** and slope "
    f"**w = {settings.true_w:g}**, add Gaussian noise ε (σ = {settings.noise:g}), and then pretend "
    "we do not know b and w. Gradient descent has to find them from the data alone."
)
st.subheader("The steps")
st.markdown("Each page is one step of the chapter, in its order. Read them top to bottom, then play:")
descriptions = {
    "Data": "generate the points and split them into training and validation sets",
    "Init": "pick a random starting b and w",
    "Predict": "draw the line those parameters give (the forward pass)",
    "Loss": "measure how wrong it is (MSE), and see the whole loss surface",
    "Gradients": "find which way is downhill, and how steep it is",
    "Update": "take one step downhill, scaled by the learning rate",
    "Learning Rate": "too small is slow, too large overshoots or diverges",
    "Bad Feature": "a feature on a different scale squeezes the loss surface",
    "Scaling": "standardising the feature makes the bowl round again",
    "Rinse and Repeat": "run many epochs: batch, mini-batch and stochastic descent",
}
for i, (path, name) in enumerate(STEPS, start=1):
    st.page_link(path, label=f"{i}. {name} — {descriptions[name]}")

st.subheader("How to use it")
st.markdown(
    "- The **sidebar** holds the settings every page shares: the seed, the number of points N, the noise, "
    "the true b and w, and the learning rate η (plus epochs and batch size where a page uses them).\n"
    "- With the defaults you see **the book's numbers**, digit for digit. Change anything and every "
    "number, equation and chart is recomputed from your data.\n"
    "- The address bar always holds a **link to the current view**: copy it to share a setting with a class.\n"
    "- **Reset to the book's values** brings the defaults back."
)
