"""Step 1 · Data: generate noisy points on a line and split them."""

import streamlit as st

import ui
from ui import charts, results
from ui.charts import PALETTE
from ui.numbers import fmt
from ui.page import book_check, csv_download, header, metrics, navigation, setup
from ui.reproduce import show_reproduce

setup("Data", "🎲")
s = ui.sidebar()
header(
    1,
    "Data",
    (
        "Before any learning we need data. We draw N values of x uniformly between 0 and 1, "
        "compute y from a line we choose ourselves, and add Gaussian noise so the points do not sit "
        "exactly on it. Because we know the true line, we can later check what gradient descent finds."
    ),
)

data = results.dataset(s.data_key)
split = results.features(s.data_key, "original")  # the training and validation arrays, shared: no copy per use
n_train, n_val = len(data.train_idx), len(data.val_idx)

st.subheader("How y is generated")
st.latex(
    rf"y = b + w\,x + \varepsilon = {s.true_b:g} + {s.true_w:g}\,x + \varepsilon,"
    rf"\qquad \varepsilon \sim \mathcal{{N}}(0,\ {s.noise:g}^2)"
)
st.markdown(
    f"With seed **{s.seed}**, one random stream draws all {s.n:,} x values first, then the {s.n:,} noise "
    f"values, then shuffles the indices 0…{s.n - 1}. The first 80% of the shuffled indices "
    f"(**{n_train:,}** points) form the **training set**; the other **{n_val:,}** form the **validation set**, "
    "which the model never learns from."
)

x_dom = charts.padded(data.x, book=(-0.05, 1.05))  # every point, train and validation
y_dom = charts.padded(data.y, book=(0, 3.1))
left, right = st.columns(2)
with left:
    pick = results.display_sample(n_train)
    xt, yt = (split.x_train, split.y_train) if pick is None else (split.x_train[pick], split.y_train[pick])
    chart = charts.scatter(xt, yt, PALETTE["train"], "Generated data · train", x_domain=x_dom, y_domain=y_dom)
    charts.show(
        chart,
        f"Scatter of the {n_train:,} training points: y rises with x along a line of slope "
        f"about {s.true_w:g}, with noise of about ±{s.noise:g}."
        + ("" if pick is None else f" Showing a random {len(pick):,} of them."),
    )
with right:
    pick = results.display_sample(n_val)
    xv, yv = (split.x_val, split.y_val) if pick is None else (split.x_val[pick], split.y_val[pick])
    chart = charts.scatter(xv, yv, PALETTE["val"], "Generated data · validation", x_domain=x_dom, y_domain=y_dom)
    charts.show(
        chart,
        f"Scatter of the {n_val:,} validation points, drawn from the same line as the training points."
        + ("" if pick is None else f" Showing a random {len(pick):,} of them."),
    )

st.subheader("The numbers")
metrics(
    [
        ("Training points", f"{n_train:,}", None),
        ("Validation points", f"{n_val:,}", None),
        (
            "First training point",
            f"({fmt(split.x_train[0])}, {fmt(split.y_train[0])})",
            "x and y of the first point of the shuffled training set",
        ),
        ("Mean of x (train)", fmt(float(split.x_train.mean())), None),
    ]
)
head = ", ".join(str(i) for i in data.train_idx[:10])
st.markdown(f"First training indices: `{head}, …`")
book_check(
    s.is_book,
    "the split starts with indices 76, 83, 80, 98, 2, and the first training point is "
    "(0.7713, 2.4745) — the point the Loss page highlights.",
)

csv_download("Download the data (CSV)", results.data_csv, s, file_name=f"data_seed{s.seed}_n{s.n}.csv")
show_reproduce(1, s)
navigation(1)
