"""Cached results of the Update (step 6) and Learning Rate (step 7) pages.

One update of both parameters as the book computes it (and the sequential mistake),
the one-parameter steps of Figs 0.10-0.12 and the book's own numbers for those figures
(its snapped start, its manual gradients read off Fig 0.8, its snapped after points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import gdcore

from ..memo import heavy_work
from ..settings import DataKey
from .common import features

#: The approximate gradients the book reads off Fig 0.8 and hard-codes.
MANUAL_GRAD_B = -2.90
MANUAL_GRAD_W = -1.79
#: The three learning rates of Figs 0.10, 0.11 and 0.12.
BOOK_LRS = (0.2, 0.8, 1.1)
#: Epochs shown by the Learning Rate page's player, and epochs run to find when a path leaves the window.
PLAYER_EPOCHS = 30
LONG_EPOCHS = 2000


@dataclass(frozen=True)
class Update:
    """One update from (b, w) at learning rate ``lr``, computed on the data as the book does.

    The ``seq_*`` fields are the common mistake: w's gradient taken at the
    already-updated b (b itself moves the same way in both rules).
    """

    b: float
    w: float
    lr: float
    db: float
    dw: float
    b_new: float
    w_new: float
    loss_before: float
    loss_after: float
    seq_dw: float
    seq_w_new: float
    seq_loss_after: float
    critical_lr: float
    seq_critical_lr: float


@st.cache_data(max_entries=64, show_spinner=False)
def one_update(key: DataKey, b: float, w: float, lr: float) -> Update:
    """The update of step 4 from (b, w) at learning rate ``lr`` on the training set, both rules."""
    d = features(key, "original")
    x, y = d.x_train, d.y_train
    with heavy_work(), np.errstate(over="ignore", invalid="ignore"):
        db, dw = gdcore.gradients(b, w, x, y)
        b_new, w_new = gdcore.update(b, w, db, dw, lr)
        _, seq_dw = gdcore.gradients(b_new, w, x, y)
        seq_w_new = float(w - lr * seq_dw)
        return Update(
            b=float(b),
            w=float(w),
            lr=float(lr),
            db=db,
            dw=dw,
            b_new=b_new,
            w_new=w_new,
            loss_before=gdcore.mse(b, w, x, y),
            loss_after=gdcore.mse(b_new, w_new, x, y),
            seq_dw=seq_dw,
            seq_w_new=seq_w_new,
            seq_loss_after=gdcore.mse(b_new, seq_w_new, x, y),
            critical_lr=gdcore.critical_lr_for_rule(x, "simultaneous"),
            seq_critical_lr=gdcore.critical_lr_for_rule(x, "sequential"),
        )


# --- one step along each cross-section (Figs 0.10-0.12) -------------------------


@dataclass(frozen=True)
class AxisStep:
    """One parameter moves by −η·gradient while the other stays fixed.

    ``param`` is the parameter that moves ("w" on the red panel, "b" on the
    black one); ``fixed`` is the other one's value.
    """

    param: str
    fixed: float
    start: float
    grad: float
    lr: float
    after: float
    loss_before: float
    loss_after: float

    @property
    def move(self) -> float:
        """−η·∂MSE/∂param: how far the parameter moves."""
        return self.after - self.start


def axis_steps(stats: gdcore.SufficientStats, b: float, w: float, lr: float) -> tuple[AxisStep, AxisStep]:
    """The w step (b fixed) and the b step (w fixed) from (b, w), with TRUE gradients (O(1), not cached)."""
    with np.errstate(over="ignore", invalid="ignore"):
        db, dw = (float(v) for v in stats.gradients(b, w))
        loss = float(stats.loss(b, w))
        w_after, b_after = w - lr * dw, b - lr * db
        step_w = AxisStep("w", b, w, dw, lr, w_after, loss, float(stats.loss(b, w_after)))
        step_b = AxisStep("b", w, b, db, lr, b_after, loss, float(stats.loss(b_after, w)))
    return step_w, step_b


# --- the book's numbers (Figs 0.10-0.12, snapped start, manual gradients) ---------


@dataclass(frozen=True)
class BookRow:
    """What the book's learning-rate figure computes at one rate."""

    lr: float
    w_target: float
    w_after: float
    loss_w: float
    text_w: float
    b_target: float
    b_after: float
    loss_b: float
    text_b: float
    loss_before: float


@st.cache_data(show_spinner=False)
def book_rows() -> tuple[BookRow, ...]:
    """Figs 0.10-0.12 exactly as the book computes them (on the book's data, whatever the settings).

    The book's data and grid, its snapped start (0.52, −0.16), its manual
    gradients (−2.90, −1.79) read off Fig 0.8, and after points snapped to the
    0.06 grid; the losses are the cross-section values there.
    """
    d = gdcore.make_data()
    grid = gdcore.book_grid("original")
    b0, w0 = gdcore.init_params(42)
    _, b_before = gdcore.snap_to_grid(b0, grid.b_values)
    _, w_before = gdcore.snap_to_grid(w0, grid.w_values)
    before = float(gdcore.cross_section_w(d.x_train, d.y_train, b_before, [w_before])[0])
    rows = []
    for lr in BOOK_LRS:
        w_target, b_target = w_before - lr * MANUAL_GRAD_W, b_before - lr * MANUAL_GRAD_B
        _, w_after = gdcore.snap_to_grid(w_target, grid.w_values)
        _, b_after = gdcore.snap_to_grid(b_target, grid.b_values)
        rows.append(
            BookRow(
                lr=lr,
                w_target=w_target,
                w_after=w_after,
                loss_w=float(gdcore.cross_section_w(d.x_train, d.y_train, b_before, [w_after])[0]),
                text_w=-lr * MANUAL_GRAD_W,
                b_target=b_target,
                b_after=b_after,
                loss_b=float(gdcore.cross_section_b(d.x_train, d.y_train, w_before, [b_after])[0]),
                text_b=-lr * MANUAL_GRAD_B,
                loss_before=before,
            )
        )
    return tuple(rows)
