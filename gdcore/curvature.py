"""Curvature of the MSE surface and what it implies for the learning rate.

The MSE of a line is a quadratic bowl whose Hessian does not depend on
(b, w): ``H = 2 * [[1, mean(x)], [mean(x), mean(x**2)]]``. Batch gradient
descent multiplies the distance to the minimum along each eigenvector of H by
``1 - lr * eigenvalue`` per step, so it converges exactly when every such
factor has magnitude below 1, i.e. when ``lr < 2 / largest eigenvalue``.
"""

from __future__ import annotations

import math

import numpy as np

from .data import as_1d

__all__ = [
    "axis_lr_limits",
    "condition_number",
    "smooth_lr",
    "convergence_factor",
    "critical_lr",
    "critical_lr_for_rule",
    "hessian",
    "hessian_eigenvalues",
    "iteration_matrix",
    "loss_gap",
    "lr_zone",
    "predicted_distance",
    "rule_factor",
]


def hessian(x: np.ndarray) -> np.ndarray:
    """Hessian of the MSE with respect to (b, w), shape (2, 2).

    Parameters
    ----------
    x : array_like of shape (n,) or (n, 1)
        The training feature (y does not enter the curvature).
    """
    x = as_1d(x, "x")
    if x.size == 0:
        raise ValueError("x must not be empty")
    mx = float(x.mean())
    mx2 = float(np.mean(x * x))
    return 2.0 * np.array([[1.0, mx], [mx, mx2]])


def hessian_eigenvalues(x: np.ndarray) -> np.ndarray:
    """Eigenvalues of :func:`hessian`, ascending (book data: 0.1511, 2.4829)."""
    return np.linalg.eigvalsh(hessian(x))


def loss_gap(
    b: float | np.ndarray, w: float | np.ndarray, minimum: tuple[float, float], hessian: np.ndarray
) -> np.ndarray:
    """Loss minus the minimum loss, as the exact quadratic form ``0.5 * e @ H @ e``.

    The MSE of a line is a quadratic bowl, so with ``e = (b - b*, w - w*)``
    the gap is exactly half the Hessian's quadratic form. Unlike
    ``loss(b, w) - min_loss`` it does not lose its digits to cancellation
    near the optimum.

    Parameters
    ----------
    b, w : float or array_like
        Points (broadcast against each other).
    minimum : (b*, w*)
        The least-squares line (:func:`gdcore.closed_form`).
    hessian : ndarray of shape (2, 2)
        :func:`hessian` of the same feature.

    Returns
    -------
    ndarray
        The gap at every point (``inf`` where it overflows).
    """
    db = np.asarray(b, float) - minimum[0]
    dw = np.asarray(w, float) - minimum[1]
    h = hessian
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * (h[0, 0] * db * db + 2 * h[0, 1] * db * dw + h[1, 1] * dw * dw)


def critical_lr(x: np.ndarray) -> float:
    """Largest stable learning rate of batch descent: ``2 / lambda_max``.

    Above it the loss grows without bound; at the book's data it is 0.8055.
    """
    return float(2.0 / hessian_eigenvalues(x)[-1])


def axis_lr_limits(x: np.ndarray) -> tuple[float, float]:
    """Learning-rate limits of the two cross-sections, ``2 / curvature``.

    A step along b alone (w fixed) overshoots for good above ``2 / 2 = 1``;
    a step along w alone above ``2 / (2 mean(x**2))`` (book data: 3.155).

    Returns
    -------
    (limit_b, limit_w) : tuple of float
    """
    h = hessian(x)
    return float(2.0 / h[0, 0]), float(2.0 / h[1, 1])


def lr_zone(lr: float, limit: float) -> int:
    """What steps of size ``lr`` do along a direction whose learning-rate limit is ``limit``.

    Along a direction of curvature c (``limit = 2 / c``) a step multiplies the
    distance to the bottom by ``1 - lr * c``: it keeps its sign while
    ``lr <= limit / 2``, flips but shrinks while ``lr < limit``, and no longer
    shrinks from ``limit`` on.

    Parameters
    ----------
    lr : float
        The learning rate.
    limit : float
        ``2 / curvature`` of the direction (:func:`axis_lr_limits`, or :func:`critical_lr`
        for batch descent on both parameters).

    Returns
    -------
    int
        0 converges smoothly, 1 oscillates but converges, 2 diverges.
    """
    if lr <= limit / 2.0:
        return 0
    return 1 if lr < limit else 2


def smooth_lr(x: np.ndarray) -> float:
    """A round learning rate at which batch descent on ``x`` converges without overshooting.

    The largest of 1, 2 and 5 times a power of ten that is at most ``1 / λ_max``,
    half of :func:`critical_lr`: along every direction each step then keeps the
    sign of the distance to the minimum (:func:`lr_zone` 0). A new data set in
    other units starts from this rate instead of a rate that suits the book's
    data and may diverge on it.

    Parameters
    ----------
    x : array_like of shape (n,) or (n, 1)
        The training feature.

    Returns
    -------
    float

    Examples
    --------
    >>> smooth_lr([0.0, 1.0])  # λ_max = 2 + √2, so 1/λ_max ≈ 0.29
    0.2
    """
    limit = critical_lr(x) / 2.0
    if not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"no finite positive learning-rate limit for this feature (1/λ_max = {limit})")
    power = 10.0 ** np.floor(np.log10(limit))
    for mantissa in (5.0, 2.0, 1.0):
        # The tiny tolerance keeps a limit of exactly 0.2 from rounding down to 0.1 through float error.
        if mantissa * power <= limit * (1 + 1e-12):
            return float(f"{mantissa * power:.1g}")
    return float(f"{power:.1g}")  # pragma: no cover - mantissa 1 always fits


def condition_number(x: np.ndarray) -> float:
    """Ratio of the largest to the smallest Hessian eigenvalue.

    1 is a round bowl; large values mean a long narrow valley where the
    usable learning rate is set by the steep direction and progress along
    the flat one is slow. Returns ``inf`` for a constant feature.
    """
    x = as_1d(x, "x")
    if x.size == 0 or x.max() == x.min():
        return float("inf")
    lo, hi = hessian_eigenvalues(x)
    return float(hi / lo) if lo > 0 else float("inf")


def convergence_factor(x: np.ndarray, lr: float) -> float:
    """Predicted per-step shrink factor of the distance to the minimum.

    ``max |1 - lr * lambda_i|`` over the Hessian's eigenvalues: below 1 the
    error shrinks geometrically at this rate, above 1 it grows at it.
    """
    return shrink_factor(hessian_eigenvalues(x), lr)


def shrink_factor(eigenvalues: np.ndarray, lr: float) -> float:
    """Per-step factor ``max |1 - lr * lambda_i|`` from the Hessian's eigenvalues.

    Parameters
    ----------
    eigenvalues : array_like of shape (2,)
        The curvatures along the surface's principal directions.
    lr : float
        The learning rate.

    Returns
    -------
    float
        Below 1 the distance to the minimum shrinks by this factor each batch
        step; above 1 it grows by it.
    """
    return float(np.max(np.abs(1.0 - lr * np.asarray(eigenvalues, dtype=np.float64))))


def iteration_matrix(x: np.ndarray, lr: float, rule: str = "simultaneous", reduction: str = "mean") -> np.ndarray:
    """Linear map taking the error (b - b*, w - w*) of one batch step to the next.

    Parameters
    ----------
    rule : {"simultaneous", "sequential"}
        ``"sequential"`` is the common mistake of updating w with the
        gradient evaluated at the already-updated b.
    reduction : {"mean", "sum"}
        ``"sum"`` uses the summed squared error as loss, which scales every
        gradient (and so the effective learning rate) by n.
    """
    x = as_1d(x, "x")
    return _iteration_matrix(_loss_hessian(x, reduction), lr, rule)


def _loss_hessian(x: np.ndarray, reduction: str) -> np.ndarray:
    """Hessian of the mean (or, with ``"sum"``, the summed) squared error."""
    h = hessian(x)
    if reduction == "sum":
        return h * x.size
    if reduction != "mean":
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    return h


def _iteration_matrix(h: np.ndarray, lr: float, rule: str) -> np.ndarray:
    """:func:`iteration_matrix` from the loss's Hessian ``h`` (no pass over the data)."""
    eye = np.eye(2)
    if rule == "simultaneous":
        return eye - lr * h
    if rule == "sequential":
        # b moves first; w then sees the new b.
        step_b = eye.copy()
        step_b[0] = eye[0] - lr * h[0]
        step_w = eye.copy()
        step_w[1] = eye[1] - lr * h[1]
        return step_w @ step_b
    raise ValueError(f"rule must be 'simultaneous' or 'sequential', got {rule!r}")


def critical_lr_for_rule(x: np.ndarray, rule: str = "simultaneous", reduction: str = "mean") -> float:
    """Largest stable learning rate for an update rule and loss reduction.

    Found by bisection on the spectral radius of :func:`iteration_matrix`
    (for the simultaneous rule with the mean it equals :func:`critical_lr`).
    """
    # The Hessian is computed once: each bisection step is then O(1), not a pass over x.
    h = _loss_hessian(as_1d(x, "x"), reduction)
    _iteration_matrix(h, 0.0, rule)  # reject an unknown rule before the search

    def radius(lr: float) -> float:
        return float(np.max(np.abs(np.linalg.eigvals(_iteration_matrix(h, lr, rule)))))

    lo, hi = 0.0, 1e-6
    while radius(hi) < 1.0:
        lo, hi = hi, hi * 2.0
        if hi > 1e12:
            return float("inf")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if radius(mid) < 1.0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return float(lo)


def rule_factor(x: np.ndarray, lr: float, rule: str = "simultaneous", reduction: str = "mean") -> float:
    """Per-epoch factor of batch descent under an update rule and loss reduction.

    Parameters
    ----------
    x : array_like of shape (n,)
        The training feature.
    lr : float
        The learning rate.
    rule, reduction : str
        As in :func:`iteration_matrix`.

    Returns
    -------
    float
        The spectral radius of :func:`iteration_matrix`: the factor by which the
        distance to the minimum eventually shrinks (below 1) or grows (above 1) each epoch.
    """
    return float(np.max(np.abs(np.linalg.eigvals(iteration_matrix(x, lr, rule, reduction)))))


def predicted_distance(first: float, factor: float, epochs: int) -> np.ndarray:
    """Distance to the minimum that a constant per-epoch factor predicts: ``factor ** e * first``.

    Computed in logarithms, so a growing distance never overflows.

    Parameters
    ----------
    first : float
        The distance at epoch 0.
    factor : float
        The per-epoch factor (:func:`shrink_factor`).
    epochs : int
        Number of epochs after the start.

    Returns
    -------
    ndarray of shape (epochs + 1,)
        Entry ``e`` is ``factor ** e * first``; NaN where that exceeds about 1e300,
        and everywhere when ``first`` or ``factor`` is not positive.
    """
    e = np.arange(int(epochs) + 1, dtype=float)
    if not (factor > 0 and first > 0):
        return np.full(e.size, np.nan)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        log_pred = e * math.log(factor) + math.log(first)
        return np.where(log_pred < 690, np.exp(np.minimum(log_pred, 690)), np.nan)
