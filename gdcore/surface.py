"""The loss surface MSE(b, w): sufficient statistics, grids and cross-sections.

For a line the MSE over a data set depends on the data only through five
numbers: the means of x and y and the centred second moments. Writing
``c = b + w * mean(x) - mean(y)`` gives

    MSE(b, w) = c**2 + w**2 * var(x) - 2 * w * cov(x, y) + var(y),

so a whole grid costs O(grid) after one O(n) pass over the data, and using
centred moments keeps it accurate when the data sit far from the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import as_1d

__all__ = [
    "Grid",
    "SufficientStats",
    "book_grid",
    "data_grid",
    "cross_section_b",
    "cross_section_from_stats",
    "cross_section_minimum",
    "cross_section_w",
    "finite_difference_slope",
    "loss_grid",
    "snap_to_grid",
    "sufficient_stats",
    "widened_window",
]


@dataclass(frozen=True)
class SufficientStats:
    """Everything the MSE and its gradients need from a data set.

    Attributes
    ----------
    n : int
        Number of points.
    mean_x, mean_y : float
    var_x, cov_xy, var_y : float
        Centred (population) second moments.
    """

    n: int
    mean_x: float
    mean_y: float
    var_x: float
    cov_xy: float
    var_y: float

    @property
    def mean_x2(self) -> float:
        """Mean of x squared (the w-w entry of the Hessian, halved)."""
        return self.var_x + self.mean_x**2

    def loss(self, b, w):
        """MSE at (b, w); broadcasts over arrays."""
        c = b + w * self.mean_x - self.mean_y
        return c * c + w * (w * self.var_x - 2.0 * self.cov_xy) + self.var_y

    def gradients(self, b, w):
        """(dMSE/db, dMSE/dw) at (b, w); broadcasts over arrays."""
        c = b + w * self.mean_x - self.mean_y
        return 2.0 * c, 2.0 * (self.mean_x * c + w * self.var_x - self.cov_xy)


def sufficient_stats(x: np.ndarray, y: np.ndarray) -> SufficientStats:
    """One pass over (x, y): means and centred second moments.

    Parameters
    ----------
    x, y : array_like of shape (n,) or (n, 1)

    Returns
    -------
    SufficientStats
    """
    x, y = as_1d(x, "x"), as_1d(y, "y")
    if x.shape != y.shape or x.size == 0:
        raise ValueError("x and y must be non-empty and of the same length")
    mx, my = float(x.mean()), float(y.mean())
    dx, dy = x - mx, y - my
    n = x.size
    return SufficientStats(
        n=int(n),
        mean_x=mx,
        mean_y=my,
        var_x=float(np.dot(dx, dx) / n),
        cov_xy=float(np.dot(dx, dy) / n),
        var_y=float(np.dot(dy, dy) / n),
    )


@dataclass(frozen=True)
class Grid:
    """Evenly spaced b and w values, as the book's ``meshgrid(b_range, w_range)``."""

    b_values: np.ndarray
    w_values: np.ndarray

    @classmethod
    def around(cls, b_center: float, w_center: float, half_width: float = 3.0, points: int = 101) -> Grid:
        """A square grid ``center ± half_width`` with ``points`` values per axis."""
        if points < 2:
            raise ValueError("a grid needs at least 2 points per axis")
        if not (np.isfinite(half_width) and half_width > 0):
            raise ValueError(f"half_width must be positive and finite, got {half_width}")
        return cls(
            np.linspace(b_center - half_width, b_center + half_width, points),
            np.linspace(w_center - half_width, w_center + half_width, points),
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(number of w values, number of b values): rows are w."""
        return (self.w_values.size, self.b_values.size)


def book_grid(kind: str = "original", true_b: float = 1.0, true_w: float = 2.0) -> Grid:
    """The three 101 x 101 grids of the chapter (step 0.06).

    ``"original"``: b in true_b ± 3, w in true_w ± 3; ``"bad"``: b in [-2, 4],
    w in [-2.8, 3.2]; ``"scaled"``: b in [-1, 5], w in [-2.4, 3.6]. The last two
    are the book's fixed windows, centred near the bad and scaled minima.
    """
    if kind == "original":
        return Grid.around(true_b, true_w)
    if kind == "bad":
        return Grid(np.linspace(-2, 4, 101), np.linspace(-2.8, 3.2, 101))
    if kind == "scaled":
        return Grid(np.linspace(-1, 5, 101), np.linspace(-2.4, 3.6, 101))
    raise ValueError(f"unknown grid kind {kind!r}; use 'original', 'bad' or 'scaled'")


def data_grid(stats: SufficientStats, center: tuple[float, float], rise: float = 10.0, points: int = 101) -> Grid:
    """A grid centred on ``center`` whose size follows the data's own scale.

    :func:`book_grid`'s windows suit the book's data (x in [0, 1), y near
    1 to 3). For data in other units (a BMI of 18 to 42, a disease score of
    25 to 346) a fixed window would be empty or would clip the bowl. Here each
    half-width is where the loss, moving along that axis alone from the
    least-squares minimum, has risen by ``rise`` times the variance of y:

    ``half_b = sqrt(rise * var_y)`` and ``half_w = sqrt(rise * var_y / mean(x**2))``,

    since the MSE rises by ``db**2`` along b and by ``mean(x**2) * dw**2``
    along w. So the same contours show whatever the units.

    Parameters
    ----------
    stats : SufficientStats
        Of the training set.
    center : tuple of float
        (b, w) at the grid's centre, usually the least-squares minimum.
    rise : float
        How far the window reaches, in units of var(y) (> 0).
    points : int
        Values per axis.

    Returns
    -------
    Grid

    Examples
    --------
    >>> stats = sufficient_stats([0.0, 1.0, 2.0], [0.0, 2.0, 4.0])
    >>> grid = data_grid(stats, (0.0, 2.0), rise=1.0, points=3)
    >>> grid.b_values.round(4).tolist(), grid.w_values.round(4).tolist()
    ([-1.633, 0.0, 1.633], [0.7351, 2.0, 3.2649])
    """
    if not (np.isfinite(rise) and rise > 0):
        raise ValueError(f"rise must be positive and finite, got {rise}")
    if points < 2:
        raise ValueError("a grid needs at least 2 points per axis")
    # A constant y has no scale of its own: fall back to unit variance.
    scale = stats.var_y if stats.var_y > 0 else 1.0
    mean_x2 = stats.mean_x2 if stats.mean_x2 > 0 else 1.0
    half_b = float(np.sqrt(rise * scale))
    half_w = float(np.sqrt(rise * scale / mean_x2))
    b, w = (float(v) for v in center)
    return Grid(np.linspace(b - half_b, b + half_b, points), np.linspace(w - half_w, w + half_w, points))


def loss_grid(x: np.ndarray, y: np.ndarray, b_values: np.ndarray, w_values: np.ndarray) -> np.ndarray:
    """MSE over every (b, w) pair, indexed ``[w_index, b_index]`` like the book.

    Parameters
    ----------
    x, y : array_like of shape (n,) or (n, 1)
        Training data.
    b_values, w_values : array_like of shape (nb,) and (nw,)

    Returns
    -------
    ndarray of shape (nw, nb)

    Notes
    -----
    O(n + nb * nw) time and O(nb * nw) memory: never builds the book's
    (n, nw, nb) array of predictions.
    """
    return loss_grid_from_stats(sufficient_stats(x, y), b_values, w_values)


def loss_grid_from_stats(stats: SufficientStats, b_values: np.ndarray, w_values: np.ndarray) -> np.ndarray:
    """:func:`loss_grid` for precomputed statistics."""
    b = np.asarray(b_values, dtype=np.float64).reshape(1, -1)
    w = np.asarray(w_values, dtype=np.float64).reshape(-1, 1)
    grid = stats.loss(b, w)
    # Rounding can make a true zero slightly negative when the fit is exact.
    return np.maximum(grid, 0.0)


def snap_to_grid(value: float, axis_values: np.ndarray) -> tuple[int, float]:
    """Index and value of the grid point nearest to ``value`` (the book's ``find_index``)."""
    axis_values = np.asarray(axis_values, dtype=np.float64)
    idx = int(np.argmin(np.abs(axis_values - value)))
    return idx, float(axis_values[idx])


def cross_section_w(x: np.ndarray, y: np.ndarray, b: float, w_values: np.ndarray) -> np.ndarray:
    """Loss as a function of w with b held fixed (the red, vertical cut)."""
    return loss_grid(x, y, [b], w_values)[:, 0]


def cross_section_b(x: np.ndarray, y: np.ndarray, w: float, b_values: np.ndarray) -> np.ndarray:
    """Loss as a function of b with w held fixed (the black, horizontal cut)."""
    return loss_grid(x, y, b_values, [w])[0, :]


def cross_section_from_stats(stats: SufficientStats, param: str, fixed: float, values: np.ndarray) -> np.ndarray:
    """Loss along one parameter with the other held fixed, from precomputed statistics.

    Parameters
    ----------
    stats : SufficientStats
    param : {"b", "w"}
        The parameter that varies: ``"w"`` is the red, vertical cut (b held
        at ``fixed``), ``"b"`` the black, horizontal one (w held at ``fixed``).
    fixed : float
        The value of the other parameter.
    values : array_like
        Where to evaluate the loss along ``param``.

    Returns
    -------
    ndarray of the shape of ``values``
        The exact MSE (``inf`` where it overflows, never a warning).
    """
    if param not in ("b", "w"):
        raise ValueError(f"param must be 'b' or 'w', got {param!r}")
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(stats.loss(fixed, values) if param == "w" else stats.loss(values, fixed), dtype=np.float64)


def cross_section_minimum(stats: SufficientStats, param: str, fixed: float) -> float:
    """Where a cross-section bottoms out: the best value of one parameter with the other held fixed.

    Each cross-section of the MSE is a parabola; setting its derivative to zero gives
    ``b* = mean(y) - w mean(x)`` along b (w fixed) and
    ``w* = (cov(x, y) + mean(x) (mean(y) - b)) / mean(x**2)`` along w (b fixed).

    Parameters
    ----------
    stats : SufficientStats
    param : {"b", "w"}
        The parameter that varies (as in :func:`cross_section_from_stats`).
    fixed : float
        The value of the other parameter.

    Returns
    -------
    float
        The minimising value of ``param`` (NaN along w when every x is 0: the cut is flat).
    """
    if param not in ("b", "w"):
        raise ValueError(f"param must be 'b' or 'w', got {param!r}")
    if param == "b":
        return float(stats.mean_y - fixed * stats.mean_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(stats.cov_xy + stats.mean_x * (stats.mean_y - fixed)) / np.float64(stats.mean_x2))


def finite_difference_slope(
    x: np.ndarray, y: np.ndarray, b: float, w: float, delta: float, wrt: str
) -> tuple[float, float, float]:
    """Forward-difference estimate of one partial derivative (Fig 0.8).

    Moves one parameter by ``delta`` with the other held fixed and measures
    the change of the loss.

    Parameters
    ----------
    wrt : {"b", "w"}
        The parameter that moves.

    Returns
    -------
    (slope, delta, delta_loss) : tuple of float
        ``slope = delta_loss / delta``.
    """
    if wrt not in ("b", "w"):
        raise ValueError(f"wrt must be 'b' or 'w', got {wrt!r}")
    if not (np.isfinite(delta) and delta != 0):
        raise ValueError(f"delta must be a non-zero finite number, got {delta}")
    stats = sufficient_stats(x, y)
    before = float(stats.loss(b, w))
    after = float(stats.loss(b + delta, w) if wrt == "b" else stats.loss(b, w + delta))
    return (after - before) / delta, float(delta), after - before


def widened_window(
    grid: Grid,
    points: list[tuple[float, float]] | tuple[tuple[float, float], ...] = (),
    margin: float | tuple[float, float] = 0.5,
) -> tuple[float, float, float, float]:
    """The window of ``grid``, widened (never moved or shrunk) to show every point with a margin.

    Parameters
    ----------
    grid : Grid
        The window to start from (its first and last b and w values).
    points : sequence of (b, w)
        Points that must lie inside, at least ``margin`` from each edge.
    margin : float or (float, float)
        Distance kept between a point and the edge it widened: one for both axes, or one for b and
        one for w (for data whose b and w live on different scales).

    Returns
    -------
    (b_low, b_high, w_low, w_high) : tuple of float
        ``grid``'s own bounds when every point already fits.

    Examples
    --------
    >>> grid = Grid(np.linspace(-2, 4, 101), np.linspace(-2, 4, 101))
    >>> widened_window(grid, [(1.0, 5.0)])
    (-2.0, 4.0, -2.0, 5.5)
    >>> widened_window(grid, [(-3.0, 5.0)], margin=(1.0, 0.25))
    (-4.0, 4.0, -2.0, 5.25)
    """
    margin_b, margin_w = (margin, margin) if np.isscalar(margin) else (float(margin[0]), float(margin[1]))
    b_lo, b_hi = float(grid.b_values[0]), float(grid.b_values[-1])
    w_lo, w_hi = float(grid.w_values[0]), float(grid.w_values[-1])
    for b, w in points:
        b_lo, b_hi = min(b_lo, b - margin_b), max(b_hi, b + margin_b)
        w_lo, w_hi = min(w_lo, w - margin_w), max(w_hi, w + margin_w)
    return b_lo, b_hi, w_lo, w_hi
