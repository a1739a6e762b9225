"""Cached adapters between the settings and ``gdcore``.

Two kinds of cache, chosen by what a result holds:

- N-sized results (the generated data set and its features) live in
  :data:`DATA_CACHE`, bounded by bytes (:mod:`ui.memo`): at N = 10⁶ a data set
  is about 23 MiB, so the server keeps only the few most recent ones and
  regenerates the rest (about 0.1 s). Their arrays are read-only and shared.
- Everything else is O(1), O(grid), O(epochs) or O(drawing sample) per
  setting and goes through ``st.cache_data``, whose entry counts keep each
  cache's worst case to tens of MiB (a surface is about 110 KiB, a
  10,000-epoch history about 400 KiB; ``tests/test_memo.py`` checks that
  bound).

Every cached function takes a :class:`~ui.settings.DataKey` first, then
primitives only (ints, floats, strings, tuples), so caches key by value.
:func:`history_for` reads the start, η, epochs
and batch from a :class:`~ui.settings.Settings` as well. O(N) work runs inside
:func:`ui.memo.heavy_work`, which caps how many threads do it at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import streamlit as st

import gdcore

from .. import csvdata, raster, sources
from ..memo import ByteBoundedCache, byte_bounded, heavy_work
from ..settings import DataKey, Settings

#: Most points any scatter sends to the browser; larger sets are subsampled.
MAX_SCATTER_POINTS = 1500
FEATURES = ("original", "bad", "scaled")

#: The N-sized results: one N = 10⁶ data set (23 MiB) with its three features
#: (16 MiB each) fits, and any number of small ones.
DATA_CACHE = ByteBoundedCache(max_bytes=96 * 2**20)


@byte_bounded(DATA_CACHE)
def dataset(key: DataKey) -> gdcore.Dataset:
    """The data set (generated, real or uploaded; train/validation split included)."""
    with heavy_work():
        return sources.load(key)


@dataclass(frozen=True)
class Features:
    """Training and validation x for one version of the feature."""

    kind: str
    x_train: np.ndarray
    x_val: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray
    scaler: gdcore.Scaler | None = None


@byte_bounded(DATA_CACHE)
def features(key: DataKey, kind: str) -> Features:
    """The original, "bad" (x times 10) or standardised feature."""
    if kind not in FEATURES:
        raise ValueError(f"unknown feature kind {kind!r}; use one of {FEATURES}")
    data = dataset(key)
    with heavy_work():
        if kind == "original":
            return Features(kind, data.x_train, data.x_val, data.y_train, data.y_val)
        if kind == "bad":
            bad = data.with_feature_scaled(10.0)
            return Features(kind, bad.x_train, bad.x_val, data.y_train, data.y_val)
        scaler, xt, xv = gdcore.standardize(data.x_train, data.x_val)
        return Features(kind, xt, xv, data.y_train, data.y_val, scaler)
    raise ValueError(f"unknown feature kind {kind!r}; use one of {FEATURES}")


@dataclass(frozen=True)
class TrainSummary:
    """What the pages need from the training set that does not depend on (b, w).

    ``stats`` give the MSE and its gradients anywhere in O(1); ``first_x``, ``first_y`` are the first
    training point; ``sample_x``,
    ``sample_y`` are at most :data:`MAX_SCATTER_POINTS` points to draw.
    """

    n_train: int
    stats: gdcore.SufficientStats
    minimum: tuple[float, float]
    min_loss: float
    sample_x: np.ndarray
    sample_y: np.ndarray
    sampled: bool
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    first_x: float
    first_y: float


@st.cache_data(max_entries=32, show_spinner=False)
def train_summary(key: DataKey) -> TrainSummary:
    """Sufficient statistics, least-squares minimum and a display sample of the training set."""
    f = features(key, "original")
    x, y = f.x_train, f.y_train
    with heavy_work():
        pick = display_sample(x.size)
        sx, sy = (x, y) if pick is None else (x[pick], y[pick])
        stats = gdcore.sufficient_stats(x, y)
        minimum = gdcore.closed_form(x, y)
        x_range = (float(x.min()), float(x.max()))
        y_range = (float(y.min()), float(y.max()))
    return TrainSummary(
        n_train=int(x.size),
        stats=stats,
        minimum=minimum,
        min_loss=float(stats.loss(*minimum)),
        sample_x=np.array(sx),
        sample_y=np.array(sy),
        sampled=pick is not None,
        x_range=x_range,
        y_range=y_range,
        first_x=float(x[0]),
        first_y=float(y[0]),
    )


@dataclass(frozen=True)
class Prediction:
    """What the Predict page shows of the line b + w·x on the training set (O(1) to keep)."""

    first: float
    mean: float
    mean_abs_error: float
    low: float
    high: float


@st.cache_data(max_entries=64, show_spinner=False)
def prediction(key: DataKey, b: float, w: float) -> Prediction:
    """ŷ = b + w·x over the training set, reduced to the numbers the page prints and the y range
    (labels and predictions) its chart spans."""
    f = features(key, "original")
    with heavy_work():
        yhat = gdcore.predict(b, w, f.x_train)
        both = np.concatenate([f.y_train, yhat])
        finite = both[np.isfinite(both)]
        return Prediction(
            first=float(yhat[0]),
            mean=float(yhat.mean()),
            mean_abs_error=float(np.mean(np.abs(yhat - f.y_train))),
            low=float(finite.min()) if finite.size else 0.0,
            high=float(finite.max()) if finite.size else 1.0,
        )


@dataclass(frozen=True)
class Curvature:
    """What the Hessian of one feature's loss surface says about the learning rate (batch descent).

    Attributes
    ----------
    kind : "original", "bad" or "scaled"
    hessian : ndarray (2, 2)
    lam_min, lam_max : float
        Its eigenvalues: the curvature along the flattest and the steepest direction.
    condition : float
        ``lam_max / lam_min`` (1: a round bowl).
    critical_lr : float
        ``2 / lam_max``: batch descent diverges above it.
    limit_b, limit_w : float
        Learning-rate limits of the two cross-sections, ``2 / curvature``: a step
        along b alone (w fixed), or along w alone (b fixed), diverges above them.
    """

    kind: str
    hessian: np.ndarray
    lam_min: float
    lam_max: float
    condition: float
    critical_lr: float
    limit_b: float
    limit_w: float

    @property
    def smooth(self) -> float:
        """Largest rate at which batch descent never overshoots (1 / λ_max)."""
        return self.critical_lr / 2.0

    def factor(self, lr: float) -> float:
        """Per-epoch factor ``max |1 − lr·λ|`` of the distance to the minimum (above 1: it grows)."""
        return gdcore.shrink_factor((self.lam_min, self.lam_max), lr)


@st.cache_data(max_entries=64, show_spinner=False)
def curvature(key: DataKey, kind: str = "original") -> Curvature:
    """The :class:`Curvature` of one feature's training set."""
    x = features(key, kind).x_train
    with heavy_work():
        lo, hi = (float(v) for v in gdcore.hessian_eigenvalues(x))
        limit_b, limit_w = gdcore.axis_lr_limits(x)
        return Curvature(
            kind=kind,
            hessian=gdcore.hessian(x),
            lam_min=lo,
            lam_max=hi,
            condition=gdcore.condition_number(x),
            critical_lr=gdcore.critical_lr(x),
            limit_b=limit_b,
            limit_w=limit_w,
        )


@dataclass(frozen=True)
class Snapped:
    """A point snapped to a surface's grid (the book's ``find_index``) and the two cuts through it."""

    b_idx: int
    w_idx: int
    b: float
    w: float
    loss: float
    along_w: np.ndarray  # loss along w at b fixed (the red, vertical cut): losses[:, b_idx]
    along_b: np.ndarray  # loss along b at w fixed (the black, horizontal cut): losses[w_idx, :]


@dataclass(frozen=True)
class Surface:
    """A loss grid with everything a contour chart needs (small: O(grid))."""

    b_values: np.ndarray
    w_values: np.ndarray
    losses: np.ndarray
    minimum: tuple[float, float]
    min_loss: float
    levels: np.ndarray
    segments: dict
    png: str
    low: float
    high: float

    def snap(self, b: float, w: float) -> Snapped:
        """Snap (b, w) to the nearest grid node and read both cross-sections off the grid,
        with the book's indexing (``losses[w_idx, b_idx]``)."""
        b_idx, b_snap = gdcore.snap_to_grid(b, self.b_values)
        w_idx, w_snap = gdcore.snap_to_grid(w, self.w_values)
        return Snapped(
            b_idx, w_idx, b_snap, w_snap, float(self.losses[w_idx, b_idx]), self.losses[:, b_idx], self.losses[w_idx, :]
        )


def base_grid(key: DataKey, kind: str, stats: gdcore.SufficientStats, minimum: tuple[float, float]) -> gdcore.Grid:
    """The loss window of one feature before any widening.

    On the book's data, the book's windows: the bad and scaled ones are fixed, and when other settings put
    the minimum outside them a window of the same size is centred on it instead. On other data the window
    follows the data's own units (:func:`gdcore.data_grid`), so no contour is empty or clipped.
    """
    if not key.is_synthetic:
        return gdcore.data_grid(stats, minimum)
    base = gdcore.book_grid(kind, key.true_b, key.true_w)
    if kind != "original" and not _book_window_fits(base, *minimum):
        base = gdcore.Grid.around(*minimum)
    return base


@st.cache_data(max_entries=64, show_spinner=False)
def base_window(key: DataKey, kind: str) -> tuple[float, float, float, float]:
    """(b_low, b_high, w_low, w_high) of :func:`base_grid` for one feature."""
    f = features(key, kind)
    with heavy_work():
        stats = gdcore.sufficient_stats(f.x_train, f.y_train)
        minimum = gdcore.closed_form(f.x_train, f.y_train)
    return gdcore.widened_window(base_grid(key, kind, stats, minimum))  # no points: the grid's own bounds


def _grid_window(
    key: DataKey, kind: str, stats: gdcore.SufficientStats, b_star: float, w_star: float, extra: tuple[float, ...]
) -> gdcore.Grid:
    """:func:`base_grid`'s window, widened (never moved) so that the minimum and the extra points
    (b, w, b, w, ...) show with a margin."""
    base = base_grid(key, kind, stats, (b_star, w_star))
    half_b = (base.b_values[-1] - base.b_values[0]) / 2
    half_w = (base.w_values[-1] - base.w_values[0]) / 2
    # Far-away points (a diverging path) are clipped by the chart instead; "far" is in the window's units.
    reach_b, reach_w = (50.0, 50.0) if key.is_synthetic else (10 * half_b, 10 * half_w)
    points = [
        (b, w) for b, w in zip(extra[0::2], extra[1::2]) if abs(b - b_star) <= reach_b and abs(w - w_star) <= reach_w
    ]
    own = gdcore.widened_window(base)  # no points: the base grid's own bounds
    b_lo, b_hi, w_lo, w_hi = gdcore.widened_window(base, [(b_star, w_star), *points], window_margin(key, own))
    if (b_lo, b_hi, w_lo, w_hi) == own:
        return base
    n = base.b_values.size
    return gdcore.Grid(np.linspace(b_lo, b_hi, n), np.linspace(w_lo, w_hi, n))


def window_margin(key: DataKey, window: tuple[float, float, float, float]) -> tuple[float, float]:
    """How far inside a widened loss window a point stays, along b and along w.

    The book's margin, 0.5, on its synthetic data; on other data a twelfth of ``window``
    (b_low, b_high, w_low, w_high) along each axis, whatever the data's units.
    """
    if key.is_synthetic:
        return (0.5, 0.5)
    b_lo, b_hi, w_lo, w_hi = window
    return ((b_hi - b_lo) / 12, (w_hi - w_lo) / 12)


def _book_window_fits(grid: gdcore.Grid, b: float, w: float) -> bool:
    return bool(grid.b_values[0] < b < grid.b_values[-1] and grid.w_values[0] < w < grid.w_values[-1])


@st.cache_data(max_entries=64, show_spinner=False)
def surface(
    key: DataKey,
    kind: str = "original",
    extra: tuple[float, ...] = (),
    grid: tuple[float, float, float, float] | None = None,
) -> Surface:
    """Loss surface of one feature on the book's grid (widened if needed).

    ``extra`` lists points (b0, w0, b1, w1, ...) that must be visible;
    ``grid`` = (b_low, b_high, w_low, w_high) forces a window instead.
    """
    f = features(key, kind)
    with heavy_work():
        stats = gdcore.sufficient_stats(f.x_train, f.y_train)
        b_star, w_star = gdcore.closed_form(f.x_train, f.y_train)
    if grid is None:
        g = _grid_window(key, kind, stats, b_star, w_star, extra)
    else:
        g = gdcore.Grid(np.linspace(grid[0], grid[1], 101), np.linspace(grid[2], grid[3], 101))
    losses = gdcore.loss_grid_from_stats(stats, g.b_values, g.w_values)
    low, high = float(losses.min()), float(losses.max())
    levels = raster.nice_levels(low, high)
    return Surface(
        b_values=g.b_values,
        w_values=g.w_values,
        losses=losses,
        minimum=(b_star, w_star),
        min_loss=float(stats.loss(b_star, w_star)),
        levels=levels,
        segments=raster.contour_segments(losses, g.b_values, g.w_values, levels),
        png=raster.png_data_url(losses, low, high),
        low=low,
        high=high,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def history(
    key: DataKey,
    kind: str,
    b0: float,
    w0: float,
    lr: float,
    epochs: int,
    batch: int,
    rule: str = "simultaneous",
    reduction: str = "mean",
    shuffle_seed: int = 0,
) -> gdcore.History:
    """A descent run on one feature (``batch`` 0 = batch descent)."""
    f = features(key, kind)
    batch_size = gdcore.descent_batch_size(batch, f.x_train.size)
    with heavy_work():
        return gdcore.descend(
            f.x_train,
            f.y_train,
            b0,
            w0,
            lr,
            epochs,
            batch_size,
            shuffle_seed,
            f.x_val,
            f.y_val,
            rule=rule,
            reduction=reduction,
        )


def history_for(
    s: Settings,
    kind: str = "original",
    *,
    batch: int | None = None,
    epochs: int | None = None,
    start: tuple[float, float] | None = None,
    rule: str = "simultaneous",
    reduction: str = "mean",
) -> gdcore.History:
    b0, w0 = s.start if start is None else start
    return history(
        s.data_key,
        kind,
        float(b0),
        float(w0),
        s.lr,
        s.epochs if epochs is None else epochs,
        s.batch if batch is None else batch,
        rule,
        reduction,
        s.seed,
    )


def display_sample(n: int, max_points: int = MAX_SCATTER_POINTS, seed: int = 0) -> np.ndarray | None:
    """Indices of at most ``max_points`` of ``n`` points (None: show all).

    Keeps charts light at large N; the same subset on every chart. Read-only
    and remembered per (n, max_points, seed): drawing it permutes all n
    indices, which pages would otherwise repeat on every rerun.
    """
    if n <= max_points:
        return None
    return _sample_indices(int(n), int(max_points), int(seed))


@functools.lru_cache(maxsize=64)  # 64 × 12 KiB at most
def _sample_indices(n: int, max_points: int, seed: int) -> np.ndarray:
    rng = np.random.RandomState(seed)
    with heavy_work():
        pick = np.sort(rng.choice(n, max_points, replace=False))
    pick.flags.writeable = False
    return pick


def display_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points (x, y) a scatter draws: all of them, or :func:`display_sample`'s subset of at most
    :data:`MAX_SCATTER_POINTS` (fewer than ``x.size`` points came back: say so under the chart)."""
    pick = display_sample(x.size)
    return (x, y) if pick is None else (x[pick], y[pick])


def _csv(header: str, columns: list[np.ndarray], formats: list[str]) -> bytes:
    """CSV text from equal-length columns (numpy does the formatting loop)."""
    import io

    buffer = io.StringIO()
    buffer.write(header + "\n")
    np.savetxt(buffer, np.column_stack(columns), fmt=formats, delimiter=",")
    return buffer.getvalue().encode()


def data_csv(s: Settings) -> bytes:
    """The data set as CSV: set (0 train, 1 validation), index, x, y.

    An upload's own column names head x and y, escaped against formula injection
    (:func:`ui.csvdata.csv_safe`): a name such as ``=cmd|' /C calc'!A0`` never reaches a
    spreadsheet as a formula.
    """
    d = dataset(s.data_key)
    is_val = np.concatenate([np.zeros(d.train_idx.size), np.ones(d.val_idx.size)])
    idx = np.concatenate([d.train_idx, d.val_idx]).astype(float)
    held = sources.upload_for(s.data)
    names = ("x", "y") if held is None else (csvdata.csv_safe(held.x_name), csvdata.csv_safe(held.y_name))
    return _csv(
        f"is_validation,index,{names[0]},{names[1]}",
        [is_val, idx, np.concatenate([d.x_train, d.x_val]), np.concatenate([d.y_train, d.y_val])],
        ["%d", "%d", "%.17g", "%.17g"],
    )


def data_file_name(s: Settings) -> str:
    """The data download's file name: the source, the seed and the size."""
    key = s.data_key
    source = "upload" if sources.is_upload(key.source) else key.source
    return (
        f"data_{source}_seed{key.seed}_n{key.n}.csv"
        if key.source != sources.BOOK
        else f"data_seed{key.seed}_n{key.n}.csv"
    )


def history_csv(h: gdcore.History) -> bytes:
    """A descent history as CSV: epoch, b, w, train loss, validation loss."""
    epochs = np.arange(h.b.size, dtype=float)
    val = h.val_loss if h.val_loss is not None else np.full(h.b.size, np.nan)
    return _csv(
        "epoch,b,w,train_loss,val_loss",
        [epochs, h.b, h.w, h.train_loss, val],
        ["%d", "%.17g", "%.17g", "%.17g", "%.17g"],
    )
