"""Cached results of the Loss (step 4) and Gradients (step 5) pages.

One training point, the per-point ledger (its first rows and the means over every
point) and the finite differences of Fig 0.8. Everything that touches the training
set is O(n) numpy, computed once per setting and cached; what is cached is small,
so a page rerun at N = 1,000,000 only handles small arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import gdcore

from ..memo import heavy_work
from ..settings import DataKey
from .common import dataset, features, train_summary

#: Rows of a per-point ledger sent to the browser (the means use every point).
LEDGER_ROWS = 1000
#: The step of the book's finite-difference figure (Fig 0.8).
BOOK_DELTA = 0.12


@st.cache_data(max_entries=256, show_spinner=False)
def training_point(key: DataKey, index: int) -> tuple[float, float]:
    """(x_i, y_i) of one training point."""
    data = dataset(key)
    i = int(data.train_idx[index])  # one point, without copying the training set
    return float(data.x[i]), float(data.y[i])


@dataclass(frozen=True)
class Ledger:
    """Per-point quantities at (b, w): the first rows and the means over ALL points.

    ``means`` has the keys of the frame's columns; ``mse`` and ``grad_b``,
    ``grad_w`` come from :func:`gdcore.mse` and :func:`gdcore.gradients` (the
    book's exact printed digits).
    """

    frame: pd.DataFrame
    means: dict[str, float]
    n_train: int
    mse: float
    grad_b: float
    grad_w: float


@st.cache_data(max_entries=64, show_spinner=False)
def ledger(key: DataKey, b: float, w: float, rows: int = LEDGER_ROWS) -> Ledger:
    """x, y, ŷ, error, error², x·error for the first ``rows`` training points,
    and each column's mean over every training point (vectorised, O(n))."""
    data = features(key, "original")
    x, y = data.x_train, data.y_train
    with heavy_work():
        yhat = gdcore.predict(b, w, x)
        err = yhat - y
        columns = {"x": x, "y": y, "ŷ": yhat, "error": err, "error²": err * err, "x·error": x * err}
        with np.errstate(over="ignore", invalid="ignore"):
            means = {name: float(values.mean()) for name, values in columns.items()}
        frame = pd.DataFrame({name: values[:rows].copy() for name, values in columns.items()})
        frame.index.name = "i"
        grad_b, grad_w = gdcore.gradients(b, w, x, y)
        loss = gdcore.mse(b, w, x, y)
    return Ledger(frame, means, int(x.size), loss, grad_b, grad_w)


@dataclass(frozen=True)
class FiniteDifference:
    """A forward difference along one parameter next to the true slope."""

    wrt: str
    delta: float
    slope: float
    delta_loss: float
    before: float
    after: float
    true_slope: float

    @property
    def error(self) -> float:
        return self.slope - self.true_slope


@st.cache_data(max_entries=128, show_spinner=False)
def finite_differences(
    key: DataKey, b: float, w: float, deltas: tuple[float, ...]
) -> tuple[tuple[FiniteDifference, FiniteDifference], ...]:
    """For each δ, the (w, b) forward differences from (b, w) (:func:`gdcore.finite_difference_slope`)
    with the true partial derivatives at the same point."""
    data = features(key, "original")
    x, y = data.x_train, data.y_train
    stats = train_summary(key).stats
    grad_b, grad_w = stats.gradients(b, w)
    before = float(stats.loss(b, w))
    out = []
    with heavy_work():
        for delta in deltas:
            pair = []
            for wrt, true in (("w", grad_w), ("b", grad_b)):
                slope, d, dloss = gdcore.finite_difference_slope(x, y, b, w, delta, wrt)
                pair.append(FiniteDifference(wrt, d, slope, dloss, before, before + dloss, float(true)))
            out.append(tuple(pair))
    return tuple(out)
