"""Results of the "Bad Feature" and "Scaling" pages: how fast descent is on each feature, and the scaler.

Three versions of the same feature are compared: the original x, the "bad" x (times 10) and
the standardised x. Their loss surfaces are drawn on one shared window per figure
(:func:`surface_window`); :func:`ui.results.curvature` summarises what the Hessian of each
implies for the learning rate, :func:`fastest_descent` how many epochs batch descent then
needs, and :func:`sklearn_scaler` what scikit-learn's ``StandardScaler`` makes of the
training feature (the book's way of standardising).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

import gdcore

from ..memo import heavy_work
from ..numbers import count, fmt
from ..settings import DataKey
from .common import base_window, curvature, features, window_margin

#: Most epochs the epoch count looks at before answering "more than ...".
EPOCH_CAP = 5000
#: Learning rates tried when looking for the fastest one: 1 %, 2 %, ..., 99 % of the critical rate.
LR_FRACTIONS = np.round(np.arange(1, 100) / 100.0, 2)
#: "Converged" means a loss within this share of the minimum loss.
TOLERANCE = 0.01
#: How the "converged" loss was chosen (:func:`gdcore.convergence_target`), in words.
TARGET_RULES = {
    True: "within 1% of the minimum loss",
    False: "below a millionth of the starting loss (the minimum loss is 0)",
}


@dataclass(frozen=True)
class FastestDescent:
    """How fast batch descent on one feature gets from the start to (near) the minimum.

    Attributes
    ----------
    kind : "original", "bad" or "scaled"
    minimum : (b*, w*)
    min_loss, start_loss : float
        Training MSE at the minimum and at the start.
    target : float
        The loss counted as "converged".
    target_rule : str
        How ``target`` was chosen, in words.
    best_lr : float or None
        The fastest learning rate found (None if none converged).
    epochs : int or None
        Epochs batch descent needs at ``best_lr`` (None: more than ``cap``).
    cap : int
    run : gdcore.History or None
        The run at ``best_lr`` (for the loss chart).
    """

    kind: str
    minimum: tuple[float, float]
    min_loss: float
    start_loss: float
    target: float
    target_rule: str
    best_lr: float | None
    epochs: int | None
    cap: int
    run: gdcore.History | None

    def epochs_text(self) -> str:
        """``"34"`` or ``"more than 5,000"``."""
        return count(self.epochs) if self.epochs is not None else f"more than {count(self.cap)}"

    def best_lr_text(self) -> str:
        """``"0.7250"``, or ``"none"`` when no learning rate converged."""
        return fmt(self.best_lr) if self.best_lr else "none"


@st.cache_data(max_entries=64, show_spinner=False)
def fastest_descent(key: DataKey, kind: str, b0: float, w0: float) -> FastestDescent:
    """The fastest of 99 learning rates (1 % … 99 % of the critical one) from (b0, w0), and its run."""
    f = features(key, kind)
    critical = curvature(key, kind).critical_lr
    with heavy_work():
        stats = gdcore.sufficient_stats(f.x_train, f.y_train)
        b_star, w_star = gdcore.closed_form(f.x_train, f.y_train)
    min_loss = float(stats.loss(b_star, w_star))
    start_loss = float(stats.loss(b0, w0))
    target, relative = gdcore.convergence_target(min_loss, start_loss, TOLERANCE)
    lrs = LR_FRACTIONS * critical
    epochs, index = gdcore.first_epoch_within(stats, b0, w0, lrs, target, EPOCH_CAP)
    best = None if index is None else float(lrs[index])
    run = None
    if best is not None:
        with heavy_work():
            run = gdcore.descend(f.x_train, f.y_train, b0, w0, best, max(epochs, 1))
    return FastestDescent(
        kind=kind,
        minimum=(b_star, w_star),
        min_loss=min_loss,
        start_loss=start_loss,
        target=target,
        target_rule=TARGET_RULES[relative],
        best_lr=best,
        epochs=epochs,
        cap=EPOCH_CAP,
        run=run,
    )


def surface_window(key: DataKey, kind: str, points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(b_low, b_high, w_low, w_high): the ``kind`` grid (:func:`~ui.results.common.base_window`), widened
    to show ``points``.

    At the book's settings every point is inside, so the window is the
    book's exactly; other data may move a minimum outside it.
    """
    b_lo, b_hi, w_lo, w_hi = base_window(key, kind)
    base = gdcore.Grid(np.array([b_lo, b_hi]), np.array([w_lo, w_hi]))
    # A share of the window that holds every point, so no minimum sits on an edge (on other data one
    # feature's minimum can lie far outside another feature's window).
    margin = window_margin(key, gdcore.widened_window(base, points, margin=0.0))
    return gdcore.widened_window(base, points, margin)


def is_book_window(kind: str, window: tuple[float, float, float, float]) -> bool:
    """True when ``window`` is the book's window for ``kind``."""
    return window == gdcore.widened_window(gdcore.book_grid(kind))


@dataclass(frozen=True)
class SklearnScaler:
    """What scikit-learn's ``StandardScaler``, fitted on the training feature, learned (O(1) to keep)."""

    mean: float
    scale: float

    def same_as(self, scaler: gdcore.Scaler, rel: float = 1e-12) -> bool:
        """True when both numbers agree with ``scaler``'s to ``rel`` (relative)."""
        return math.isclose(self.mean, scaler.mean, rel_tol=rel, abs_tol=rel) and math.isclose(
            self.scale, scaler.scale, rel_tol=rel
        )


@st.cache_data(max_entries=64, show_spinner=False)
def sklearn_scaler(key: DataKey) -> SklearnScaler:
    """``StandardScaler().fit(x_train)`` as the book runs it: its ``mean_`` and ``scale_``."""
    from sklearn.preprocessing import StandardScaler  # here: only the Scaling page needs it (~1 s import)

    x_train = features(key, "original").x_train
    with heavy_work():
        fitted = StandardScaler(with_mean=True, with_std=True).fit(x_train.reshape(-1, 1))
    return SklearnScaler(mean=float(fitted.mean_[0]), scale=float(fitted.scale_[0]))
