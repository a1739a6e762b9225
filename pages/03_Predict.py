"""Step 3 · Predict: the line the current parameters draw (the forward pass)."""

import numpy as np
import streamlit as st

import gdcore
import ui
from ui import charts, compute
from ui.charts import PALETTE, Line
from ui.numbers import fmt, signed
from ui.page import book_check, header, metrics, navigation, setup
from ui.reproduce import show_reproduce

setup("Predict", "📈")
s = ui.sidebar(extra=("b0", "w0"))
header(3, "Compute the model's predictions", (
    "With a b and a w in hand, the model can already predict: for every training point it "
    "returns b + w·x. This is the *forward pass*. With random parameters the predictions are poor, "
    "and that is fine — the next steps measure how poor and fix it."
))

data = compute.features_for(s)  # x_train, y_train shared, not copied
b, w = s.start
yhat = gdcore.predict(b, w, data.x_train)
x0, y0 = float(data.x_train[0]), float(data.y_train[0])

st.latex(rf"\hat{{y}}_i = b + w\,x_i = {fmt(b)} {signed(w)}\,x_i")
st.latex(rf"\hat{{y}}_0 = {fmt(b)} {signed(w)} \times {fmt(x0)} = {fmt(float(yhat[0]))}"
         rf"\quad(\text{{true }} y_0 = {fmt(y0)})")

pick = compute.display_sample(data.x_train.size)
xt, yt = (data.x_train, data.y_train) if pick is None else (data.x_train[pick], data.y_train[pick])
x_dom = charts.padded(data.x_train, book=(-0.05, 1.05))
y_dom = charts.padded(np.concatenate([data.y_train, yhat]), book=(0, 3))
chart = charts.overlay(
    charts.scatter(xt, yt, PALETTE["train"], "Model's predictions with random parameters", x_domain=x_dom,
                   y_domain=y_dom),
    charts.model_lines([Line(b, w, "Model's predictions", PALETTE["b_varies"])], (0, 1), y_domain=y_dom),
    charts.label(0.2, 0.55 if s.is_book else y_dom[0] + 0.15 * (y_dom[1] - y_dom[0]),
                   f"b = {fmt(b)}  w = {fmt(w)}")
)
left, right = st.columns([3, 2])
with left:
    charts.show(chart, f"The {data.x_train.size:,} training points with the dashed prediction line "
                       f"ŷ = {fmt(b)} {signed(w)}·x, which misses them by {fmt(float(np.mean(np.abs(yhat - data.y_train))), 2)} "
                       "on average.")
with right:
    st.subheader("The numbers")
    metrics([("b", fmt(b), None), ("w", fmt(w), None)])
    metrics([("Mean prediction ŷ", fmt(float(yhat.mean())), None),
             ("Mean of y", fmt(float(data.y_train.mean())), None)])
    st.markdown("Only the **training** points are used to predict here: the validation set stays unseen.")
book_check(s.is_book, "the line reads b = 0.4967, w = −0.1383, far below the points.")
show_reproduce(3, s)
navigation(3)
