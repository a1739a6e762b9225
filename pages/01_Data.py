"""Step 1 · Data: generate noisy points on a line and split them."""

import numpy as np
import streamlit as st

from ui import charts, results, sources
from ui.charts import PALETTE
from ui.numbers import count, fmt, short
from ui.page import book_check, csv_download, finish, lead, metrics, section, start
from ui.selfcheck import questions_for, show_self_check
from ui.settings import Settings

#: The step's short teaching introduction, under its title.
INTRO = (
    "Before any learning we need data. We draw N values of x uniformly between 0 and 1, "
    "compute y from a line we choose ourselves, and add Gaussian noise so the points do not sit "
    "exactly on it. Because we know the true line, we can later check what gradient descent finds."
)
#: The introduction on data the book did not generate.
INTRO_REAL = (
    "Before any learning we need data. Here they are measurements: nobody chose the line behind them, "
    "so there is no true line to check against. Gradient descent looks for the best straight line "
    "through the training points, and the least-squares line tells us where that is."
)


def intro(s: Settings) -> str:
    """The page's introduction for the data in use."""
    return INTRO if s.is_synthetic else INTRO_REAL


def show_how_y_is_generated(s: Settings) -> None:
    """How y is generated: the line, the noise, and how one seed splits the points into training and validation."""
    data = results.dataset(s.data_key)
    section("How y is generated")
    st.latex(
        rf"y = b + w\,x + \varepsilon = {short(s.true_b)} + {short(s.true_w)}\,x + \varepsilon,"
        rf"\qquad \varepsilon \sim \mathcal{{N}}(0,\ {short(s.noise)}^2)"
    )
    st.markdown(
        f"With seed **{s.seed}**, one random stream draws all {count(s.n)} x values first, then the {count(s.n)} "
        f"noise values, then shuffles the indices 0…{s.n - 1}. The first 80% of the shuffled indices "
        f"(**{count(data.train_idx.size)}** points) form the **training set**; the other "
        f"**{count(data.val_idx.size)}** form the **validation set**, which the model never learns from."
    )


def show_where_the_points_come_from(s: Settings) -> None:
    """For data the book did not generate: what they are, their units and source, and how they are split."""
    data = results.dataset(s.data_key)
    about = sources.describe(s.data_key)
    held = sources.upload_for(s.data)
    section("Where the points come from")
    st.markdown(f"**x**: {about.x_title} · **y**: {about.y_title} · **source**: {about.origin}")
    if held is not None and held.split_name is not None:
        split = "the file's own split column says which points are for validation"
    else:
        split = f"seed **{s.seed}** shuffles the indices 0…{count(s.data_key.n - 1)} and the first 80% train"
    st.markdown(
        f"Nobody knows the true line behind real data: there is no generating equation here, and the pages "
        f"compare with the least-squares line instead. To split, {split}: **{count(data.train_idx.size)}** points "
        f"form the **training set**, the other **{count(data.val_idx.size)}** the **validation set**."
    )
    if held is not None and held.notice:
        st.info(held.notice, icon=":material/info:")


def show_data_scatter(x: np.ndarray, y: np.ndarray, color: str, title: str, summary: str, x_dom, y_dom) -> None:
    """One set's scatter (at most :data:`results.MAX_SCATTER_POINTS` of its points) and its text summary."""
    xs, ys = results.display_points(x, y)
    charts.show(
        charts.cached(charts.scatter, xs, ys, color, title, x_domain=x_dom, y_domain=y_dom),
        summary + ("" if xs.size == x.size else f" Showing a random {count(xs.size)} of them."),
    )


def show_the_two_sets(s: Settings) -> None:
    """The training and the validation points side by side, on the same axes."""
    data = results.dataset(s.data_key)
    name = "Generated data" if s.is_synthetic else sources.describe(s.data_key).title.capitalize()
    if s.is_synthetic:
        trend = f"y rises with x along a line of slope about {short(s.true_w)}, with noise of about ±{short(s.noise)}"
    else:
        trend = f"the least-squares line through them has slope {fmt(results.train_summary(s.data_key).minimum[1])}"
    split = results.features(s.data_key, "original")  # the training and validation arrays, shared: no copy per use
    x_dom = charts.padded(data.x, book=(-0.05, 1.05))  # every point, train and validation
    y_dom = charts.padded(data.y, book=(0, 3.1))
    left, right = st.columns(2)
    with left:
        show_data_scatter(
            split.x_train,
            split.y_train,
            PALETTE["train"],
            f"{name} · train",
            f"Scatter of the {count(split.x_train.size)} training points: {trend}.",
            x_dom,
            y_dom,
        )
    with right:
        show_data_scatter(
            split.x_val,
            split.y_val,
            PALETTE["val"],
            f"{name} · validation",
            f"Scatter of the {count(split.x_val.size)} validation points, from the same source as the training ones.",
            x_dom,
            y_dom,
        )


def show_the_numbers(s: Settings) -> None:
    """The numbers: the sizes of the two sets, the first training point and the first shuffled indices."""
    data = results.dataset(s.data_key)
    split = results.features(s.data_key, "original")
    section("The numbers")
    metrics(
        [
            ("Training points", count(split.x_train.size), None),
            ("Validation points", count(split.x_val.size), None),
            (
                "First training point",
                f"({fmt(split.x_train[0])}, {fmt(split.y_train[0])})",
                "x and y of the first point of the shuffled training set",
            ),
            ("Mean of x (train)", fmt(float(split.x_train.mean())), None),
        ],
        columns=2,  # two a row: the first point's pair of numbers needs the width
    )
    head = ", ".join(str(i) for i in data.train_idx[:10])
    st.markdown(f"First training indices: `{head}, …`")


s = start(1, intro)
show_self_check(1, questions_for(1, s))
if s.is_synthetic:
    show_how_y_is_generated(s)
else:
    show_where_the_points_come_from(s)
with lead():
    show_the_two_sets(s)
    show_the_numbers(s)
book_check(
    s.is_book,
    "the split starts with indices 76, 83, 80, 98, 2, and the first training point is "
    "(0.7713, 2.4745) — the point the Loss page highlights.",
)
csv_download("Download the data (CSV)", results.data_csv, s, file_name=results.data_file_name(s))
finish(1, s)
