"""The model y = b + w x, its loss (MSE), gradients and the update step.

These functions work on the data points directly, exactly as the lesson
computes them, so the numbers match the book to the last digit.
"""

from __future__ import annotations

import numpy as np

from .data import as_1d

__all__ = ["closed_form", "errors", "gradients", "mse", "predict", "update"]


def _check_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_1d(x, "x"), as_1d(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size == 0:
        raise ValueError("x and y must not be empty")
    return x, y


def predict(b: float, w: float, x: np.ndarray) -> np.ndarray:
    """Predictions ``b + w * x`` (step 1, the forward pass).

    Parameters
    ----------
    b, w : float
        Intercept and slope.
    x : array_like of shape (n,) or (n, 1)

    Returns
    -------
    ndarray of shape (n,)
    """
    return float(b) + float(w) * as_1d(x, "x")


def errors(b: float, w: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Signed errors ``yhat - y`` of every point, shape (n,)."""
    x, y = _check_xy(x, y)
    return predict(b, w, x) - y


def mse(b: float, w: float, x: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the line (b, w) on (x, y) (step 2).

    Examples
    --------
    >>> from gdcore import make_data, init_params
    >>> d = make_data(); b, w = init_params()
    >>> mse(b, w, d.x_train, d.y_train)
    2.7421577700550976
    """
    err = errors(b, w, x, y)
    return float((err**2).mean())


def gradients(b: float, w: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Partial derivatives of the MSE with respect to b and w (step 3).

    ``dMSE/db = 2 * mean(yhat - y)`` and ``dMSE/dw = 2 * mean(x * (yhat - y))``.

    Returns
    -------
    (db, dw) : tuple of float
    """
    x, y = _check_xy(x, y)
    err = predict(b, w, x) - y
    return float(2 * err.mean()), float(2 * (x * err).mean())


def update(b: float, w: float, db: float, dw: float, lr: float) -> tuple[float, float]:
    """One simultaneous gradient-descent step (step 4): ``p - lr * dp``."""
    return float(b - lr * db), float(w - lr * dw)


def closed_form(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line (b*, w*) from the normal equations.

    Uses centred sums (``w* = cov(x, y) / var(x)``, ``b* = mean(y) - w* mean(x)``),
    which is accurate for data far from the origin and equals scikit-learn's
    ``LinearRegression`` to rounding.

    Raises
    ------
    ValueError
        If every x is the same (the slope is then undetermined).
    """
    x, y = _check_xy(x, y)
    # Compare extremes, not the variance: x - mean(x) of a constant x is not
    # exactly zero in floating point.
    if x.max() == x.min():
        raise ValueError("all x are equal: the slope of the best line is undetermined")
    mx, my = x.mean(), y.mean()
    dx = x - mx
    sxx = float(np.dot(dx, dx))
    w = float(np.dot(dx, y - my)) / sxx
    return float(my - w * mx), w
