"""Results of step 10 (Rinse and Repeat): many epochs of descent, and the three ways to spend an epoch.

Everything costly is cached on a :class:`~ui.settings.DataKey` and primitives and works on
sufficient statistics or on bounded subsets, so the page stays fast at N = 1,000,000:

- :func:`facts` — closed form, curvature and stability limits of the data;
- :func:`sklearn_fit` — the book's check: scikit-learn's ``LinearRegression`` on the training set;
- :func:`rule_factor` — the per-epoch factor of one update rule (:data:`VARIANTS`);
- :func:`convergence` — distance to the optimum and loss gap per epoch of a run, the rate the
  Hessian predicts and the rate measured (not cached: O(epochs) from a cached run);
- :func:`path_runs` — batch, mini-batch and stochastic paths (Fig 0.19), the last two on a
  capped random subset when the data are large.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

import gdcore

from ..memo import heavy_work
from ..settings import DataKey
from .common import Curvature, curvature, features, train_summary

#: Most single-point gradient evaluations (points x epochs) a mini-batch or
#: stochastic path may cost; larger requests run on a random subset.
MAX_PATH_POINT_PASSES = 100_000
#: The update rules and loss reductions of the "teachable mistakes".
VARIANTS = {
    ("simultaneous", "mean"): "Correct: simultaneous update, mean loss",
    ("sequential", "mean"): "Mistake: sequential update",
    ("simultaneous", "sum"): "Mistake: sum instead of mean",
    ("sequential", "sum"): "Both mistakes",
}


# --- facts about the data: closed form, curvature, limits -------------------------


@dataclass(frozen=True)
class Facts:
    """What the data alone fix: the optimum, the curvature and the stability limits.

    Attributes
    ----------
    n_train : int
    stats, val_stats : gdcore.SufficientStats
        Training and validation statistics (the MSE anywhere costs O(1)).
    minimum : (b*, w*) from the normal equations (gdcore.closed_form).
    min_loss, min_val_loss : float
        Train and validation MSE at the minimum.
    curvature : ui.results.Curvature
        Hessian, eigenvalues and the per-epoch factor of batch descent.
    critical : dict
        Largest stable learning rate per (rule, reduction), see :data:`VARIANTS`.
    x_sample, y_sample : ndarray
        At most ``ui.results.MAX_SCATTER_POINTS`` training points to draw.
    """

    n_train: int
    stats: gdcore.SufficientStats
    val_stats: gdcore.SufficientStats
    minimum: tuple[float, float]
    min_loss: float
    min_val_loss: float
    curvature: Curvature
    critical: dict
    x_sample: np.ndarray
    y_sample: np.ndarray


@st.cache_data(max_entries=16, show_spinner=False)
def facts(key: DataKey) -> Facts:
    """The :class:`Facts` of one data set (one O(n) pass, then cached)."""
    t = train_summary(key)
    bowl = curvature(key)
    data = features(key, "original")
    with heavy_work():
        val = gdcore.sufficient_stats(data.x_val, data.y_val)
        critical = {variant: gdcore.critical_lr_for_rule(data.x_train, *variant) for variant in VARIANTS}
    return Facts(
        n_train=t.n_train,
        stats=t.stats,
        val_stats=val,
        minimum=t.minimum,
        min_loss=t.min_loss,
        min_val_loss=float(val.loss(*t.minimum)),
        curvature=bowl,
        critical=critical,
        x_sample=t.sample_x,
        y_sample=t.sample_y,
    )


@dataclass(frozen=True)
class SklearnFit:
    """scikit-learn's ``LinearRegression`` fitted on the training set: the book's check on the final (b, w).

    Attributes
    ----------
    intercept : float
        ``intercept_``: its b.
    coefficient : float
        ``coef_[0]``: its w.
    """

    intercept: float
    coefficient: float


@st.cache_data(max_entries=16, show_spinner=False)
def sklearn_fit(key: DataKey) -> SklearnFit:
    """Fit ``sklearn.linear_model.LinearRegression`` on the training set, live (only b and w are kept)."""
    from sklearn.linear_model import LinearRegression  # imported on first use: the other pages never need it

    data = features(key, "original")
    with heavy_work():
        model = LinearRegression().fit(data.x_train.reshape(-1, 1), data.y_train)
    return SklearnFit(intercept=float(model.intercept_), coefficient=float(model.coef_[0]))


@st.cache_data(max_entries=64, show_spinner=False)
def rule_factor(key: DataKey, lr: float, rule: str, reduction: str) -> float:
    """Per-epoch factor of one update rule and loss reduction (:func:`gdcore.rule_factor`)."""
    x = features(key, "original").x_train
    with heavy_work():
        return gdcore.rule_factor(x, lr, rule, reduction)


# --- convergence and divergence ------------------------------------------------------


@dataclass(frozen=True)
class Convergence:
    """How a batch run approaches (or leaves) the optimum, epoch by epoch.

    Attributes
    ----------
    distance : ndarray
        ``||(b, w) - (b*, w*)||`` per epoch.
    gap : ndarray
        Loss minus the minimum loss per epoch (exact quadratic form).
    predicted : ndarray
        ``factor ** epoch * distance[0]`` (NaN where it would overflow).
    predicted_factor : float
        ``max |1 - lr λ|`` from the Hessian's eigenvalues.
    measured_factor : float or None
        Geometric-mean ratio of successive distances over the run's last
        epochs (above rounding noise); None when too few epochs.
    diverging : bool
        The run overflowed, or the predicted factor exceeds 1.
    overflow_epoch : int or None
        Epoch during which the values stopped being finite.
    rising_from : int or None
        First epoch whose loss exceeds the starting loss.
    """

    distance: np.ndarray
    gap: np.ndarray
    predicted: np.ndarray
    predicted_factor: float
    measured_factor: float | None
    diverging: bool
    overflow_epoch: int | None
    rising_from: int | None


def convergence(h: gdcore.History, f: Facts, lr: float) -> Convergence:
    """Measured and predicted convergence of the batch run ``h`` (see :class:`Convergence`)."""
    b_star, w_star = f.minimum
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.hypot(h.b - b_star, h.w - w_star)
    rho = f.curvature.factor(lr)
    rising = np.flatnonzero(h.train_loss > h.train_loss[0] * (1 + 1e-12))
    return Convergence(
        distance=distance,
        gap=gdcore.loss_gap(h.b, h.w, f.minimum, f.curvature.hessian),
        predicted=gdcore.predicted_distance(float(distance[0]), rho, h.b.size - 1),
        predicted_factor=rho,
        measured_factor=gdcore.measured_factor(distance),
        diverging=bool(h.diverged or rho > 1.0),
        overflow_epoch=h.diverged_at if h.diverged and h.epochs_run < h.epochs_requested else None,
        rising_from=int(rising[0]) if rising.size else None,
    )


# --- Fig 0.19: batch, mini-batch and stochastic paths ----------------------------------------


@dataclass(frozen=True)
class PathRuns:
    """The three paths of Fig 0.19 from one start (one point per epoch).

    ``subset`` is the number of training points the mini-batch and stochastic
    runs used (all ``n_train`` unless capped by :data:`MAX_PATH_POINT_PASSES`);
    the batch run always uses every point.
    """

    batch: gdcore.History
    minibatch: gdcore.History
    stochastic: gdcore.History
    minibatch_size: int
    subset: int
    n_train: int
    epochs: int


def path_subset_size(n_train: int, epochs: int, max_passes: int = MAX_PATH_POINT_PASSES) -> int:
    """Training points the mini-batch and stochastic paths may use: all of
    them unless ``n_train * epochs`` single-point gradients exceed ``max_passes``."""
    return int(max(1, min(n_train, max_passes // max(1, epochs))))


def _per_epoch_only(h: gdcore.History) -> gdcore.History:
    """Drop the per-update arrays (large for stochastic runs) before caching."""
    return replace(h, update_b=h.b, update_w=h.w, update_epoch=np.arange(h.b.size, dtype=float))


@st.cache_data(max_entries=32, show_spinner=False)
def path_runs(
    key: DataKey,
    b0: float,
    w0: float,
    lr: float,
    epochs: int,
    minibatch: int,
    max_passes: int = MAX_PATH_POINT_PASSES,
) -> PathRuns:
    """Batch (all points), mini-batch and stochastic (capped subset) runs from (b0, w0)."""
    data = features(key, "original")
    x, y = data.x_train, data.y_train
    n_train = int(x.size)
    with heavy_work():
        batch = gdcore.descend(x, y, b0, w0, lr, epochs)
        m = path_subset_size(n_train, epochs, max_passes)
        if m < n_train:
            pick = np.sort(np.random.RandomState(key.seed).choice(n_train, m, replace=False))
            x, y = x[pick], y[pick]
        k = max(1, min(int(minibatch), m))
        mini = gdcore.descend(x, y, b0, w0, lr, epochs, gdcore.descent_batch_size(k, m), key.seed)
        sgd = gdcore.descend(x, y, b0, w0, lr, epochs, 1, key.seed)
    return PathRuns(_per_epoch_only(batch), _per_epoch_only(mini), _per_epoch_only(sgd), k, m, n_train, epochs)
