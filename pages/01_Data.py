"""Step 1 · Data: generate noisy points on a line and split them."""

import numpy as np
import streamlit as st

import ui
from ui import charts, compute
from ui.charts import PALETTE
from ui.numbers import fmt
from ui.page import book_check, csv_download, header, metrics, navigation, setup
from ui.reproduce import show_reproduce

setup("Data", "🎲")
s = ui.sidebar()
header(1, "Data", (
    "Before any learning we need data. We draw N values of x uniformly between 0 and 1, "
    "compute y from a line we choose ourselves, and add Gaussian noise so the points do not sit "
    "exactly on it. Because we know the true line, we can later check what gradient descent finds."
))

data = compute.data_for(s)
n_train, n_val = len(data.train_idx), len(data.val_idx)

st.subheader("How y is generated")
st.latex(rf"y = b + w\,x + \varepsilon = {s.true_b:g} + {s.true_w:g}\,x + \varepsilon,"
         rf"\qquad \varepsilon \sim \mathcal{{N}}(0,\ {s.noise:g}^2)")
st.markdown(
    f"With seed **{s.seed}**, one random stream draws all {s.n:,} x values first, then the {s.n:,} noise "
    f"values, then shuffles the indices 0…{s.n - 1}. The first 80% of the shuffled indices "
    f"(**{n_train:,}** points) form the **training set**; the other **{n_val:,}** form the **validation set**, "
    "which the model never learns from."
)

x_all = np.concatenate([data.x_train, data.x_val])
y_all = np.concatenate([data.y_train, data.y_val])
x_dom = charts.padded(x_all, book=(-0.05, 1.05))
y_dom = charts.padded(y_all, book=(0, 3.1))
left, right = st.columns(2)
with left:
    pick = compute.display_sample(n_train)
    xt, yt = (data.x_train, data.y_train) if pick is None else (data.x_train[pick], data.y_train[pick])
    chart = charts.scatter(xt, yt, PALETTE["train"], "Generated data · train", x_domain=x_dom, y_domain=y_dom)
    charts.show(chart, f"Scatter of the {n_train:,} training points: y rises with x along a line of slope "
                       f"about {s.true_w:g}, with noise of about ±{s.noise:g}."
                       + ("" if pick is None else f" Showing a random {len(pick):,} of them."))
with right:
    pick = compute.display_sample(n_val)
    xv, yv = (data.x_val, data.y_val) if pick is None else (data.x_val[pick], data.y_val[pick])
    chart = charts.scatter(xv, yv, PALETTE["val"], "Generated data · validation", x_domain=x_dom, y_domain=y_dom)
    charts.show(chart, f"Scatter of the {n_val:,} validation points, drawn from the same line as the training points."
                       + ("" if pick is None else f" Showing a random {len(pick):,} of them."))

st.subheader("The numbers")
metrics([
    ("Training points", f"{n_train:,}", None),
    ("Validation points", f"{n_val:,}", None),
    ("First training point", f"({fmt(data.x_train[0])}, {fmt(data.y_train[0])})",
     "x and y of the first point of the shuffled training set"),
    ("Mean of x (train)", fmt(float(data.x_train.mean())), None),
])
head = ", ".join(str(i) for i in data.train_idx[:10])
st.markdown(f"First training indices: `{head}, …`")
book_check(s.is_book, "the split starts with indices 76, 83, 80, 98, 2, and the first training point is "
                      "(0.7713, 2.4745) — the point the Loss page highlights.")

csv_download("Download the data (CSV)", compute.data_csv, s, file_name=f"data_seed{s.seed}_n{s.n}.csv")
show_reproduce(1, s)
navigation(1)
