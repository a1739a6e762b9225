"""Synthetic data for the lesson: generation, train/validation split, scaling.

Every random draw comes from a local ``np.random.RandomState(seed)``. The book
seeds numpy's global generator with 42 instead; a local stream with the same
seed reproduces its numbers exactly, while numpy's global random state is never
touched (so concurrent users of one server stay independent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Dataset",
    "Scaler",
    "as_1d",
    "init_params",
    "make_bad_feature_data",
    "make_data",
    "split_data",
    "split_by_mask",
    "standardize",
]

MAX_SEED = 2**32 - 1


def as_1d(values: np.ndarray | list | float, name: str = "array") -> np.ndarray:
    """Return ``values`` as a 1-D float64 array.

    Parameters
    ----------
    values : array_like
        Shape ``(n,)`` or ``(n, 1)`` (the book keeps its arrays 2-D).
    name : str
        Used in the error message.

    Returns
    -------
    ndarray of shape (n,)
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    elif arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1), got {arr.shape}")
    return arr


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")
    return int(seed)


def _check_finite(name: str, value: float) -> float:
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


@dataclass(frozen=True)
class Dataset:
    """A generated data set split into training and validation parts.

    All arrays are read-only and 1-D (``x_train[i]`` is a float, not a
    1-element row as in the book).

    Attributes
    ----------
    x, y : ndarray of shape (n,)
        All points, in generation order.
    train_idx, val_idx : ndarray of int
        Positions of the training and validation points in ``x`` and ``y``.
    x_train, y_train, x_val, y_val : ndarray
        The two parts.
    """

    x: np.ndarray
    y: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray

    @property
    def x_train(self) -> np.ndarray:
        return _frozen(self.x[self.train_idx])

    @property
    def y_train(self) -> np.ndarray:
        return _frozen(self.y[self.train_idx])

    @property
    def x_val(self) -> np.ndarray:
        return _frozen(self.x[self.val_idx])

    @property
    def y_val(self) -> np.ndarray:
        return _frozen(self.y[self.val_idx])

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def with_feature_scaled(self, factor: float) -> Dataset:
        """Return the same data set with every x multiplied by ``factor``."""
        return Dataset(_frozen(self.x * factor), self.y, self.train_idx, self.val_idx)


def split_sizes(n: int, train_frac: float = 0.8) -> tuple[int, int]:
    """Number of training and validation points for ``n`` points.

    Raises
    ------
    ValueError
        When either part would be too small to be useful (fewer than two
        training points or no validation point).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"n must be an integer, got {n!r}")
    train_frac = _check_finite("train_frac", train_frac)
    if not 0.0 < train_frac < 1.0:
        raise ValueError(f"train_frac must be between 0 and 1 (exclusive), got {train_frac}")
    n_train = int(n * train_frac)
    if n_train < 2 or n - n_train < 1:
        raise ValueError(
            f"n = {n} is too small: with train_frac = {train_frac} it gives {n_train} "
            f"training and {n - n_train} validation points (need at least 2 and 1)"
        )
    return n_train, int(n) - n_train


def make_data(
    n: int = 100,
    true_b: float = 1.0,
    true_w: float = 2.0,
    noise: float = 0.1,
    seed: int = 42,
    train_frac: float = 0.8,
) -> Dataset:
    """Generate ``y = true_b + true_w * x + noise * N(0, 1)`` and split it.

    Draw order, from one stream seeded with ``seed``: ``n`` uniform x on
    [0, 1), then ``n`` standard normals for the noise, then a shuffle of
    ``arange(n)``; the first ``int(n * train_frac)`` shuffled indices are the
    training set. With the defaults this reproduces the book's data bit for
    bit.

    Parameters
    ----------
    n : int
        Number of points (train plus validation).
    true_b, true_w : float
        Intercept and slope of the generating line.
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    seed : int
        Seed of the local ``RandomState`` (0 to 2**32 - 1).
    train_frac : float
        Share of the points used for training.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> data = make_data()
    >>> data.train_idx[:5].tolist()
    [76, 83, 80, 98, 2]
    """
    split_sizes(n, train_frac)
    true_b = _check_finite("true_b", true_b)
    true_w = _check_finite("true_w", true_w)
    noise = _check_finite("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.RandomState(_check_seed(seed))
    x = rng.rand(n, 1)
    epsilon = noise * rng.randn(n, 1)
    y = true_b + true_w * x + epsilon
    idx = np.arange(n)
    rng.shuffle(idx)
    n_train = int(n * train_frac)
    train_idx, val_idx = idx[:n_train].copy(), idx[n_train:].copy()
    train_idx.setflags(write=False)
    val_idx.setflags(write=False)
    return Dataset(_frozen(x[:, 0]), _frozen(y[:, 0]), train_idx, val_idx)


def split_data(x: np.ndarray, y: np.ndarray, seed: int = 42, train_frac: float = 0.8) -> Dataset:
    """Split given points into training and validation parts, shuffled with ``seed``.

    The rule is :func:`make_data`'s: shuffle ``arange(n)`` with a local
    ``RandomState(seed)`` and train on the first ``int(n * train_frac)``
    shuffled indices. (:func:`make_data` draws x and the noise from the same
    stream before shuffling; here the points already exist, so the shuffle is
    the stream's first draw.)

    Parameters
    ----------
    x, y : array_like of shape (n,) or (n, 1)
        The points, finite.
    seed : int
        Seed of the shuffle (0 to 2**32 - 1).
    train_frac : float
        Share of the points used for training.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        When x and y differ in length, hold a non-finite value, or are too
        few to split (see :func:`split_sizes`).

    Examples
    --------
    >>> data = split_data([0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 5.0, 7.0, 9.0], seed=0)
    >>> data.train_idx.tolist(), data.val_idx.tolist()
    ([2, 0, 1, 3], [4])
    """
    x, y = _checked_points(x, y)
    n_train, _ = split_sizes(int(x.size), train_frac)
    idx = np.arange(x.size)
    np.random.RandomState(_check_seed(seed)).shuffle(idx)
    return Dataset(_frozen(x), _frozen(y), _frozen_index(idx[:n_train]), _frozen_index(idx[n_train:]))


def split_by_mask(x: np.ndarray, y: np.ndarray, is_val: np.ndarray) -> Dataset:
    """Split given points by a validation mask (a split chosen by whoever made the data).

    Parameters
    ----------
    x, y : array_like of shape (n,) or (n, 1)
        The points, finite.
    is_val : array_like of bool, shape (n,)
        True for the validation points; the rest train, in their given order.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        When the lengths differ, a value is not finite, or the mask leaves
        fewer than two training points or no validation point.

    Examples
    --------
    >>> data = split_by_mask([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], [False, True, False])
    >>> data.train_idx.tolist(), data.val_idx.tolist()
    ([0, 2], [1])
    """
    x, y = _checked_points(x, y)
    mask = np.asarray(is_val, dtype=bool).reshape(-1)
    if mask.shape != x.shape:
        raise ValueError(f"is_val must have one entry per point ({x.size}), got {mask.size}")
    train_idx, val_idx = np.flatnonzero(~mask), np.flatnonzero(mask)
    if train_idx.size < 2 or val_idx.size < 1:
        raise ValueError(
            f"the split gives {train_idx.size} training and {val_idx.size} validation points (need at least 2 and 1)"
        )
    return Dataset(_frozen(x), _frozen(y), _frozen_index(train_idx), _frozen_index(val_idx))


def _checked_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_1d(x, "x"), as_1d(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    return x, y


def _frozen_index(idx: np.ndarray) -> np.ndarray:
    idx = np.array(idx, dtype=np.intp)
    idx.setflags(write=False)
    return idx


def make_bad_feature_data(
    n: int = 100,
    true_b: float = 1.0,
    true_w: float = 2.0,
    noise: float = 0.1,
    seed: int = 42,
    train_frac: float = 0.8,
    factor: float = 10.0,
) -> Dataset:
    """The "bad" feature variant: x multiplied by ``factor``, y unchanged.

    Since ``true_w`` is divided by the same factor, the points and every
    prediction stay the same; only the scale of the feature (and so the shape
    of the loss surface) changes. The book re-draws y for this variant, which
    changes it by float rounding only (at most 4.4e-16); we keep y identical
    so the two data sets differ in x alone.

    Parameters
    ----------
    n, true_b, true_w, noise, seed, train_frac
        As in :func:`make_data`.
    factor : float
        Multiplier of the feature (the book uses 10).

    Returns
    -------
    Dataset
    """
    factor = _check_finite("factor", factor)
    if factor == 0:
        raise ValueError("factor must be non-zero")
    return make_data(n, true_b, true_w, noise, seed, train_frac).with_feature_scaled(factor)


def init_params(seed: int = 42) -> tuple[float, float]:
    """Random starting parameters: two standard normals, b first, then w.

    A fresh stream is used (the book re-seeds with the data seed), so with
    ``seed=42`` this returns (0.4967141530112327, -0.13826430117118466).
    """
    rng = np.random.RandomState(_check_seed(seed))
    b = rng.randn()
    w = rng.randn()
    return float(b), float(w)


@dataclass(frozen=True)
class Scaler:
    """A fitted standardiser: ``(x - mean) / scale``.

    ``scale`` is the population standard deviation (ddof = 0), replaced by 1
    for a constant feature, as scikit-learn's ``StandardScaler`` does.
    """

    mean: float
    scale: float

    @property
    def var(self) -> float:
        return self.scale**2

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Standardise ``x`` (shape (n,) or (n, 1)); returns shape (n,)."""
        return (as_1d(x, "x") - self.mean) / self.scale

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Map standardised values back to original units."""
        return as_1d(z, "z") * self.scale + self.mean

    def params_to_original(self, b: float, w: float) -> tuple[float, float]:
        """Express a line fitted on scaled x in the original units of x.

        ``b + w * (x - mean) / scale`` equals ``(b - w * mean / scale) + (w / scale) * x``.
        """
        return b - w * self.mean / self.scale, w / self.scale


def fit_scaler(x_train: np.ndarray) -> Scaler:
    """Fit a :class:`Scaler` on the training feature only."""
    x_train = as_1d(x_train, "x_train")
    if x_train.size == 0:
        raise ValueError("cannot fit a scaler on an empty array")
    mean = float(x_train.mean())
    scale = float(np.sqrt(np.mean((x_train - mean) ** 2)))
    if x_train.max() == x_train.min():
        # A constant feature: its rounding-level "spread" must not blow it up.
        scale = 1.0
    return Scaler(mean, scale)


def standardize(x_train: np.ndarray, x_val: np.ndarray | None = None) -> tuple[Scaler, np.ndarray, np.ndarray | None]:
    """Fit a scaler on ``x_train`` and transform both parts.

    Fitting on the training set only keeps the validation set unseen, as it
    would be in production.

    Returns
    -------
    scaler : Scaler
    x_train_scaled : ndarray of shape (n_train,)
    x_val_scaled : ndarray of shape (n_val,) or None
    """
    scaler = fit_scaler(x_train)
    val = None if x_val is None else scaler.transform(x_val)
    return scaler, scaler.transform(x_train), val
