"""Gradient descent loops: batch, mini-batch and stochastic.

Divergence is a result, not an exception: when the parameters or the loss
stop being finite the loop stops, and the history says at which epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

from .data import MAX_SEED, as_1d
from .surface import SufficientStats, sufficient_stats

__all__ = [
    "History",
    "descend",
    "convergence_target",
    "first_epoch_above",
    "first_epoch_within",
    "measured_factor",
    "MAX_TOTAL_UPDATES",
    "REFERENCE_MINIBATCH",
    "descent_batch_size",
    "minibatch_size",
    "updates_per_epoch",
]

#: Guard against requests that would keep a server busy for minutes.
MAX_TOTAL_UPDATES = 20_000_000


@dataclass(frozen=True)
class History:
    """What happened during :func:`descend`.

    Per-epoch arrays have length ``epochs_run + 1``: entry ``e`` is the state
    after ``e`` epochs (entry 0 is the start), and its loss is measured on the
    whole training set at that state (the book's "loss before the update of
    epoch e").

    Attributes
    ----------
    b, w, train_loss : ndarray of shape (epochs_run + 1,)
    val_loss : ndarray of shape (epochs_run + 1,) or None
    update_b, update_w : ndarray of shape (updates_run + 1,)
        Parameters after every single update (equal to ``b``, ``w`` for batch
        descent).
    update_epoch : ndarray of shape (updates_run + 1,)
        Fractional epoch of each update, for plotting.
    epochs_requested, epochs_run : int
    batch_size : int
        Points per update (``n`` for batch descent).
    updates_per_epoch : int
    lr : float
    diverged : bool
        True if the values stopped being finite.
    diverged_at : int or None
        The epoch during which that happened; the arrays end just before it.
    """

    b: np.ndarray
    w: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray | None
    update_b: np.ndarray
    update_w: np.ndarray
    update_epoch: np.ndarray
    epochs_requested: int
    epochs_run: int
    batch_size: int
    updates_per_epoch: int
    lr: float
    diverged: bool
    diverged_at: int | None
    rule: str = field(default="simultaneous")
    reduction: str = field(default="mean")

    @property
    def final(self) -> tuple[float, float]:
        """(b, w) at the last finite state."""
        return float(self.b[-1]), float(self.w[-1])


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_args(n: int, lr: float, epochs: int, batch_size: int | None, rule: str, reduction: str, seed: int) -> int:
    if isinstance(lr, bool) or not (isinstance(lr, Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive finite number, got {lr!r}")
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer between 0 and 2**32 - 1, got {seed!r}")
    if not _is_int(epochs) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if batch_size is None:
        batch_size = n
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) cannot be larger than the training set ({n} points)")
    if rule not in ("simultaneous", "sequential"):
        raise ValueError(f"rule must be 'simultaneous' or 'sequential', got {rule!r}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    updates = -(-n // batch_size) * epochs
    if updates > MAX_TOTAL_UPDATES:
        raise ValueError(
            f"{updates:,} updates requested (batch size {batch_size}, {epochs} epochs, {n} points); "
            f"the limit is {MAX_TOTAL_UPDATES:,}: use fewer epochs or a larger batch"
        )
    return int(batch_size)


def _finite(*values: float) -> bool:
    return all(np.isfinite(v) for v in values)


def descend(
    x: np.ndarray,
    y: np.ndarray,
    b0: float,
    w0: float,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    rule: str = "simultaneous",
    reduction: str = "mean",
    shuffle: bool = True,
) -> History:
    """Run gradient descent on the MSE of the line ``b + w x``.

    Parameters
    ----------
    x, y : array_like of shape (n,) or (n, 1)
        Training data.
    b0, w0 : float
        Starting point.
    lr : float
        Learning rate (> 0).
    epochs : int
        Passes over the training data (>= 0).
    batch_size : int or None
        ``None`` (or ``n``): batch descent, one update per epoch, run on
        sufficient statistics so an epoch costs O(1) after one O(n) pass.
        ``k``: mini-batch descent, ``ceil(n / k)`` updates per epoch.
        ``1``: stochastic descent.
    seed : int
        Seed of the per-epoch shuffling (mini-batch and stochastic only).
    x_val, y_val : array_like, optional
        Validation data; its loss is then recorded every epoch.
    rule : {"simultaneous", "sequential"}
        ``"sequential"`` reproduces a common mistake: w's gradient is taken at
        the already-updated b.
    reduction : {"mean", "sum"}
        ``"sum"`` differentiates the summed squared error instead of the mean
        (gradients n times larger). The recorded loss is always the MSE.
    shuffle : bool
        Shuffle the training points at the start of every epoch.

    Returns
    -------
    History

    Raises
    ------
    ValueError
        For arguments a learner can fix: a non-positive or non-finite
        learning rate, negative epochs, a batch larger than the data, ...
    """
    x, y = as_1d(x, "x"), as_1d(y, "y")
    if x.shape != y.shape or x.size == 0:
        raise ValueError("x and y must be non-empty and of the same length")
    n = int(x.size)
    batch_size = _check_args(n, lr, epochs, batch_size, rule, reduction, seed)
    b0, w0 = float(b0), float(w0)
    if not _finite(b0, w0):
        raise ValueError(f"the starting point must be finite, got ({b0}, {w0})")
    lr = float(lr)
    train = sufficient_stats(x, y)
    with np.errstate(over="ignore", invalid="ignore"):
        start_loss = train.loss(b0, w0)
    if not np.isfinite(start_loss):
        raise ValueError(f"the loss at the starting point ({b0:g}, {w0:g}) overflows: start closer to the data")
    if (x_val is None) != (y_val is None):
        raise ValueError("give both x_val and y_val, or neither")
    val = None
    if x_val is not None:
        val = sufficient_stats(x_val, y_val)

    if batch_size == n:
        per_update = _batch_loop(train, b0, w0, lr, epochs, rule, n if reduction == "sum" else 1)
        epoch_b, epoch_w = per_update
        upd_b, upd_w = epoch_b, epoch_w
        upd_epoch = np.arange(epoch_b.size, dtype=np.float64)
        updates_per_epoch = 1
    else:
        upd_b, upd_w, epoch_b, epoch_w, upd_epoch = _minibatch_loop(
            x, y, b0, w0, lr, epochs, batch_size, int(seed), rule, reduction, shuffle
        )
        updates_per_epoch = -(-n // batch_size)

    with np.errstate(over="ignore", invalid="ignore"):
        train_loss = train.loss(epoch_b, epoch_w)
        val_loss = None if val is None else val.loss(epoch_b, epoch_w)
    # A state whose loss overflows counts as diverged too: cut it off.
    keep = np.isfinite(train_loss) & np.isfinite(epoch_b) & np.isfinite(epoch_w)
    if val_loss is not None:
        keep &= np.isfinite(val_loss)
    epochs_run = epoch_b.size - 1
    diverged = epochs_run < epochs or not keep.all()
    if not keep.all():
        last = int(np.argmin(keep)) - 1
        epochs_run = last
        epoch_b, epoch_w, train_loss = epoch_b[: last + 1], epoch_w[: last + 1], train_loss[: last + 1]
        if val_loss is not None:
            val_loss = val_loss[: last + 1]
        n_upd = int(np.searchsorted(upd_epoch, last, side="right"))
        upd_b, upd_w, upd_epoch = upd_b[:n_upd], upd_w[:n_upd], upd_epoch[:n_upd]
    return History(
        b=epoch_b,
        w=epoch_w,
        train_loss=np.asarray(train_loss, dtype=np.float64),
        val_loss=None if val_loss is None else np.asarray(val_loss, dtype=np.float64),
        update_b=upd_b,
        update_w=upd_w,
        update_epoch=upd_epoch,
        epochs_requested=int(epochs),
        epochs_run=int(epochs_run),
        batch_size=batch_size,
        updates_per_epoch=updates_per_epoch,
        lr=lr,
        diverged=bool(diverged),
        diverged_at=int(epochs_run + 1) if diverged else None,
        rule=rule,
        reduction=reduction,
    )


def _batch_loop(
    stats: SufficientStats, b: float, w: float, lr: float, epochs: int, rule: str, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch epochs on sufficient statistics; stops at the first non-finite value."""
    bs = np.empty(epochs + 1)
    ws = np.empty(epochs + 1)
    bs[0], ws[0] = b, w
    mx, my, vx, cxy = stats.mean_x, stats.mean_y, stats.var_x, stats.cov_xy
    run = 0
    for epoch in range(1, epochs + 1):
        c = b + w * mx - my
        db = 2.0 * c * scale
        if rule == "sequential":
            b = b - lr * db
            c = b + w * mx - my
            dw = 2.0 * (mx * c + w * vx - cxy) * scale
            w = w - lr * dw
        else:
            dw = 2.0 * (mx * c + w * vx - cxy) * scale
            b, w = b - lr * db, w - lr * dw
        if not (abs(b) < np.inf and abs(w) < np.inf):
            break
        bs[epoch], ws[epoch] = b, w
        run = epoch
    return bs[: run + 1], ws[: run + 1]


def _minibatch_loop(
    x: np.ndarray,
    y: np.ndarray,
    b: float,
    w: float,
    lr: float,
    epochs: int,
    batch_size: int,
    seed: int,
    rule: str,
    reduction: str,
    shuffle: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mini-batch / stochastic epochs; stops at the first non-finite value."""
    n = x.size
    rng = np.random.RandomState(seed)
    per_epoch = -(-n // batch_size)
    upd_b, upd_w, upd_epoch = [b], [w], [0.0]
    epoch_b, epoch_w = [b], [w]
    diverged = False
    for epoch in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        xs, ys = x[order], y[order]
        if batch_size == 1:
            b, w, bs, ws, diverged = _stochastic_epoch(xs.tolist(), ys.tolist(), b, w, lr, rule)
        else:
            b, w, bs, ws, diverged = _minibatch_epoch(xs, ys, b, w, lr, batch_size, rule, reduction)
        upd_b.extend(bs)
        upd_w.extend(ws)
        upd_epoch.extend(epoch + (i + 1) / per_epoch for i in range(len(bs)))
        if diverged:
            break
        epoch_b.append(b)
        epoch_w.append(w)
    return (
        np.asarray(upd_b),
        np.asarray(upd_w),
        np.asarray(epoch_b),
        np.asarray(epoch_w),
        np.asarray(upd_epoch),
    )


def _stochastic_epoch(xs: list, ys: list, b: float, w: float, lr: float, rule: str):
    """One epoch with one point per update, in plain floats (fast in CPython)."""
    bs, ws = [], []
    sequential = rule == "sequential"
    for xi, yi in zip(xs, ys):
        err = b + w * xi - yi
        new_b = b - lr * 2.0 * err
        if sequential:
            err = new_b + w * xi - yi
        w = w - lr * 2.0 * err * xi
        b = new_b
        if not (abs(b) < np.inf and abs(w) < np.inf):
            return b, w, bs, ws, True
        bs.append(b)
        ws.append(w)
    return b, w, bs, ws, False


def _minibatch_epoch(xs, ys, b, w, lr, batch_size, rule, reduction):
    bs, ws = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, xs.size, batch_size):
            xb, yb = xs[start : start + batch_size], ys[start : start + batch_size]
            scale = xb.size if reduction == "sum" else 1
            err = b + w * xb - yb
            new_b = b - lr * 2.0 * float(err.mean()) * scale
            if rule == "sequential":
                err = new_b + w * xb - yb
            w = w - lr * 2.0 * float((xb * err).mean()) * scale
            b = new_b
            if not (abs(b) < np.inf and abs(w) < np.inf):
                return b, w, bs, ws, True
            bs.append(b)
            ws.append(w)
    return b, w, bs, ws, False


def first_epoch_within(
    stats: SufficientStats, b0: float, w0: float, lrs: np.ndarray, target: float, cap: int
) -> tuple[int | None, int | None]:
    """Fewest batch-descent epochs, over several learning rates, to reach ``loss <= target``.

    Runs batch descent from (b0, w0) for every learning rate at once (the
    simultaneous update of :func:`descend` on the mean loss, with its
    gradients from the same sufficient statistics) and stops at the first
    epoch where any of them reaches the target.

    Parameters
    ----------
    stats : SufficientStats
        The training set (:func:`gdcore.sufficient_stats`).
    b0, w0 : float
        The start.
    lrs : array_like of shape (k,)
        Learning rates to try.
    target : float
        The loss that counts as reached.
    cap : int
        Most epochs to run.

    Returns
    -------
    (epochs, index) : tuple of int, or (None, None)
        The epoch count and the index in ``lrs`` of the learning rate that got
        there first (the lowest loss on ties); ``(0, 0)`` when the start
        already meets the target; ``(None, None)`` when no rate does within
        ``cap`` epochs.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    if stats.loss(b0, w0) <= target:
        return 0, 0
    b = np.full(lrs.shape, float(b0))
    w = np.full(lrs.shape, float(w0))
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, cap + 1):
            db, dw = stats.gradients(b, w)
            b, w = b - lrs * db, w - lrs * dw
            loss = stats.loss(b, w)
            hit = loss <= target
            if hit.any():
                return epoch, int(np.argmin(np.where(hit, loss, np.inf)))
    return None, None


def first_epoch_above(values: np.ndarray, threshold: float) -> int | None:
    """First epoch whose value exceeds ``threshold`` (a diverging loss passing a mark).

    Parameters
    ----------
    values : array_like of shape (epochs + 1,)
        One value per epoch (entry 0: the start); NaN never counts as above.
    threshold : float

    Returns
    -------
    int or None
        The index of the first value above ``threshold``; None if there is none.
    """
    hit = np.nonzero(np.asarray(values, dtype=np.float64) > threshold)[0]
    return int(hit[0]) if hit.size else None


def measured_factor(distance: np.ndarray, window: int = 100) -> float | None:
    """Per-epoch shrink (below 1) or growth (above 1) factor of a distance, measured.

    The geometric mean of the ratio of successive distances over the last
    ``window`` epochs of the stretch where the distance is finite and above
    rounding noise (1e-12 of where it started).

    Parameters
    ----------
    distance : array_like of shape (epochs + 1,)
        Distance to the minimum after each epoch (entry 0: the start).
    window : int
        Most epochs to measure over.

    Returns
    -------
    float or None
        None when fewer than two usable epochs exist.
    """
    d = np.asarray(distance, float)
    if d.size < 2 or not np.isfinite(d[0]) or d[0] <= 0:
        return None
    ok = np.isfinite(d) & (d > 1e-12 * d[0]) & (d > 1e-300)
    end = d.size if ok.all() else int(np.argmin(ok))
    if end < 2:
        return None
    j = end - 1
    i = max(0, j - window)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        value = float(np.exp((np.log(d[j]) - np.log(d[i])) / (j - i)))
    return value if np.isfinite(value) else None


#: Mini-batch size of the reference figure of the three paths (Fig 0.19), used while none is set.
REFERENCE_MINIBATCH = 16


def descent_batch_size(batch: int, n_train: int) -> int | None:
    """The ``batch_size`` argument of :func:`descend` for a requested mini-batch size.

    Parameters
    ----------
    batch : int
        Points per update as a learner set it; 0 (or less) means all of them.
    n_train : int
        Size of the training set.

    Returns
    -------
    int or None
        None (batch descent) when ``batch`` is not positive or covers the
        whole training set; ``batch`` otherwise.
    """
    return None if batch <= 0 or batch >= n_train else batch


def updates_per_epoch(n_train: int, batch_size: int) -> int:
    """Updates in one epoch of mini-batch descent: ``ceil(n / k)``.

    Parameters
    ----------
    n_train : int
        Size of the training set.
    batch_size : int
        Points per update ``k`` (values below 1 count as 1).

    Returns
    -------
    int
        1 for batch descent (``k >= n``), ``n`` for stochastic descent (``k = 1``).
    """
    return -(-int(n_train) // max(1, int(batch_size)))


def minibatch_size(requested: int, n_train: int, default: int = REFERENCE_MINIBATCH) -> int:
    """The mini-batch size k to show: the requested one, or ``default`` while none is set.

    Parameters
    ----------
    requested : int
        Points per update as a learner set it; 0 (or less) means none set.
    n_train : int
        Size of the training set.
    default : int
        The size used while none is set (the reference figure's 16).

    Returns
    -------
    int
        Between 1 and ``n_train``.
    """
    k = int(requested) if requested and requested > 0 else int(default)
    return max(1, min(k, int(n_train)))


def convergence_target(min_loss: float, start_loss: float, tolerance: float = 0.01) -> tuple[float, bool]:
    """The loss that counts as converged: within ``tolerance`` of the minimum loss.

    Noise-free data have a minimum loss of (about) zero, where a share of it
    cannot be reached in floating point; the target is then the minimum plus a
    millionth of the starting loss.

    Parameters
    ----------
    min_loss : float
        The loss at the minimum (least squares).
    start_loss : float
        The loss at the start of the descent.
    tolerance : float
        Share of the minimum loss that still counts as converged (0.01: 1 %).

    Returns
    -------
    (target, relative) : tuple of float and bool
        ``relative`` is True when the target is ``min_loss * (1 + tolerance)``,
        False when the minimum loss is (about) zero and the target is
        ``min_loss + 1e-6 * start_loss``.
    """
    if min_loss > 1e-9 * max(start_loss, 1e-300):
        return min_loss * (1.0 + tolerance), True
    return min_loss + 1e-6 * start_loss, False
