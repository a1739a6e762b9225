"""gdcore: the numerical core of the gradient-descent lesson (numpy only).

The functions follow the lesson's steps: generate data (:func:`make_data`),
initialise (:func:`init_params`), predict, compute the loss and its
gradients, update, then repeat (:func:`descend`). Around them sit the tools
to look at the loss surface (:func:`loss_grid`, cross-sections) and at its
curvature (:func:`hessian`, :func:`critical_lr`).
"""

from .curvature import (
    axis_lr_limits,
    condition_number,
    convergence_factor,
    critical_lr,
    critical_lr_for_rule,
    hessian,
    hessian_eigenvalues,
    iteration_matrix,
    loss_gap,
    shrink_factor,
)
from .data import (
    MAX_SEED,
    Dataset,
    Scaler,
    as_1d,
    fit_scaler,
    init_params,
    make_bad_feature_data,
    make_data,
    split_sizes,
    standardize,
)
from .descent import MAX_TOTAL_UPDATES, History, descend, first_epoch_within, measured_factor
from .model import closed_form, errors, gradients, mse, predict, update
from .surface import (
    Grid,
    SufficientStats,
    book_grid,
    cross_section_b,
    cross_section_from_stats,
    cross_section_w,
    finite_difference_slope,
    loss_grid,
    loss_grid_from_stats,
    snap_to_grid,
    sufficient_stats,
)

__all__ = [
    "MAX_SEED",
    "MAX_TOTAL_UPDATES",
    "Dataset",
    "Grid",
    "History",
    "Scaler",
    "SufficientStats",
    "as_1d",
    "axis_lr_limits",
    "book_grid",
    "closed_form",
    "condition_number",
    "convergence_factor",
    "shrink_factor",
    "critical_lr",
    "critical_lr_for_rule",
    "cross_section_b",
    "cross_section_from_stats",
    "cross_section_w",
    "descend",
    "errors",
    "finite_difference_slope",
    "first_epoch_within",
    "fit_scaler",
    "gradients",
    "hessian",
    "hessian_eigenvalues",
    "init_params",
    "iteration_matrix",
    "loss_grid",
    "loss_grid_from_stats",
    "loss_gap",
    "measured_factor",
    "make_bad_feature_data",
    "make_data",
    "mse",
    "predict",
    "snap_to_grid",
    "split_sizes",
    "standardize",
    "sufficient_stats",
    "update",
]
