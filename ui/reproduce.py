""" "Reproduce this page in code": the step as a self-contained NumPy script.

For every step page, :func:`script` writes the chapter's code up to that step
with the learner's own settings, and :func:`show_reproduce` shows it with a
copy button and two downloads (``.py`` and ``.ipynb``). The script imports
numpy only (and scikit-learn's ``StandardScaler`` from the Scaling step on,
as the book does), never this app, and prints the page's key numbers as
``label: value`` lines with the page's own rounding and labels.

What goes into the text: the code below and the validated numbers of a
:class:`~ui.settings.Settings` (written with ``repr`` so they round-trip),
nothing else from the link.

The draws and the loops follow ``gdcore`` operation for operation (one
``RandomState`` per stream, the same shuffling per epoch, the same checks
for divergence), so the script's numbers are the page's numbers.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import streamlit as st

from gdcore import minibatch_size

from .csvdata import Selection
from .registry import STEPS
from .results.common import data_file_name
from .results.descent import MAX_PATH_POINT_PASSES
from .results.update import LONG_EPOCHS
from .settings import Settings
from .sources import INLINE_MAX_ROWS, REAL_SETS, upload_for

__all__ = ["Cell", "PATH_EPOCHS", "cells", "notebook", "script", "show_reproduce"]

#: Epochs of the three paths on the Rinse and Repeat page (its slider's default).
PATH_EPOCHS = 20


@dataclass(frozen=True)
class Cell:
    """One cell of the chapter: a heading and its code."""

    title: str
    code: str


# --- literals: the only way a value gets into the text ---------------------------------


def _int(value: int) -> str:
    """An integer literal (rejects anything that is not a plain int)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {type(value).__name__}")
    return str(int(value))


def _float(value: float) -> str:
    """A float literal that reads back as the very same float (``repr`` round-trips)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return repr(value)


def _fill(template: str, **values: str) -> str:
    """Put literals into a template's ``<<name>>`` slots (every slot must be given)."""

    def put(match: re.Match) -> str:
        return values[match.group(1)]

    text = re.sub(r"<<(\w+)>>", put, template)
    return text.strip("\n") + "\n"


# --- the cells -----------------------------------------------------------------------------

_SETUP = '''
import numpy as np


def fixed(value, digits=4):
    """A number with `digits` decimals, as the page shows it ("-0.0000" reads "0.0000")."""
    value = float(value)
    if not np.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "undefined")
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text.startswith("-") and float(text) == 0 else text


def short(value, digits=4):
    """Like fixed(), but huge (a diverging run) or tiny numbers in scientific notation."""
    value = float(value)
    if np.isfinite(value) and (abs(value) >= 1e6 or 0 < abs(value) < 10.0 ** -digits):
        return f"{value:.3e}"
    return fixed(value, digits)


def report(label, value):
    """Print one of the page's numbers as a "label: value" line."""
    print(f"{label}: {value}")
'''

_DATA = """
# The settings of the page
seed = <<seed>>
N = <<n>>  # points: 80% for training, 20% for validation
true_b = <<true_b>>
true_w = <<true_w>>
noise = <<noise>>  # standard deviation of the noise

# One random stream draws everything, in this order: N uniform x, N normal
# noise values, then the shuffle of the indices. (The book seeds numpy's global
# generator with np.random.seed; a RandomState of its own gives the same numbers.)
rng = np.random.RandomState(seed)
x = rng.rand(N, 1)
epsilon = noise * rng.randn(N, 1)
y = true_b + true_w * x + epsilon

# Shuffle the indices, then split: the first 80% train, the rest validate
idx = np.arange(N)
rng.shuffle(idx)
n_train = int(N * 0.8)
train_idx = idx[:n_train]
val_idx = idx[n_train:]
x_train, y_train = x[train_idx], y[train_idx]
x_val, y_val = x[val_idx], y[val_idx]
"""

_REAL_DATA = """
# The data: one feature against one target of a data set shipped with
# scikit-learn (it loads offline). x is <<x_title>>, y is <<y_title>>.
from sklearn.datasets import <<loader>>

seed = <<seed>>
bunch = <<loader>>(<<loader_args>>)
x = bunch.<<x_from>>[:, <<x_column>>].reshape(-1, 1)
y = bunch.<<y_from>>.reshape(-1, 1)
N = len(x)
<<split>>"""

_GIVEN_DATA = """
# The data: the two columns you picked from your file, exactly as the page
# read them (x first, then y<<with_split>>).
seed = <<seed>>
x = np.array([<<xs>>]).reshape(-1, 1)
y = np.array([<<ys>>]).reshape(-1, 1)
N = len(x)
<<split>>"""

_FILE_DATA = """
# The data: the Data page's download ("Download the data (CSV)"), saved next to
# this script. Its columns are is_validation, index, x, y: training rows first,
# in the order the page uses them, so the split below is the page's.
seed = <<seed>>
table = np.loadtxt("<<file_name>>", delimiter=",", skiprows=1, comments=None, ndmin=2)
is_val = table[:, 0] == 1
train_idx = table[~is_val, 1].astype(int)
val_idx = table[is_val, 1].astype(int)
x_train, y_train = table[~is_val, 2:3], table[~is_val, 3:4]
x_val, y_val = table[is_val, 2:3], table[is_val, 3:4]
"""

_SEEDED_SPLIT = """
# Shuffle the indices with the seed, then split: the first 80% train, the rest validate
idx = np.arange(N)
np.random.RandomState(seed).shuffle(idx)
n_train = int(N * 0.8)
train_idx = idx[:n_train]
val_idx = idx[n_train:]
x_train, y_train = x[train_idx], y[train_idx]
x_val, y_val = x[val_idx], y[val_idx]
"""

_GIVEN_SPLIT = """
# Your file's split column marks the validation rows
is_val = np.array([<<is_val>>], dtype=bool)
train_idx = np.flatnonzero(~is_val)
val_idx = np.flatnonzero(is_val)
x_train, y_train = x[train_idx], y[train_idx]
x_val, y_val = x[val_idx], y[val_idx]
"""

_DATA_REPORT = """
report("Training points", f"{len(x_train):,}")
report("Validation points", f"{len(x_val):,}")
report("First training point", f"({fixed(x_train[0, 0])}, {fixed(y_train[0, 0])})")
report("Mean of x (train)", fixed(x_train.mean()))
report("First training indices", ", ".join(str(i) for i in train_idx[:10]))
"""

_INIT = """
# A random start (the book's step 0): a fresh stream with the same seed draws b, then w.
rng = np.random.RandomState(seed)
b = rng.randn(1)
w = rng.randn(1)
"""

_INIT_REPORT = """
report("Random b", fixed(b[0]))
report("Random w", fixed(w[0]))
<<target>>report("Printed by numpy", f"{b} {w}")
"""

_TRUE_LINE_REPORT = """
report("True b (unknown to the model)", f"{true_b:g}")
report("True w (unknown to the model)", f"{true_w:g}")
"""

# Real data have no true line: the page shows the least-squares one instead.
_LEAST_SQUARES_REPORT = """
features = np.hstack([np.ones_like(x_train), x_train])
b_ls, w_ls = np.linalg.solve(features.T @ features, features.T @ y_train)[:, 0]
report("Least-squares b*", fixed(b_ls))
report("Least-squares w*", fixed(w_ls))
"""

_INIT_CHOSEN_B = """
b = np.array([<<b0>>])  # your start b from the sidebar replaces the random one
"""

_INIT_CHOSEN_W = """
w = np.array([<<w0>>])  # your start w from the sidebar replaces the random one
"""

_INIT_CHOSEN_REPORT = """
report("Your start", f"b = {fixed(b[0])}, w = {fixed(w[0])}")
"""

_INIT_KEEP = """
b_initial, w_initial = b.copy(), w.copy()  # the start, kept for the later steps
"""

_PREDICT = """
# The model's predictions for the training points: the forward pass (the book's step 1)
yhat = b + w * x_train
"""

_PREDICT_REPORT = """
report("b", fixed(b[0]))
report("w", fixed(w[0]))
report("Mean prediction ŷ", fixed(yhat.mean()))
report("Mean of y", fixed(y_train.mean()))
"""

_LOSS = '''
# The loss (the book's step 2). Each error is prediction minus label; the MSE averages
# their squares over ALL training points (that makes it batch descent).
error = yhat - y_train
loss = (error ** 2).mean()


def normal_equations(x, y):
    """The least-squares line (b*, w*): the bottom of the loss surface."""
    x, y = x.ravel(), y.ravel()
    dx = x - x.mean()
    w_star = np.dot(dx, y - y.mean()) / np.dot(dx, dx)
    return y.mean() - w_star * x.mean(), w_star


b_star, w_star = normal_equations(x_train, y_train)
min_loss = ((b_star + w_star * x_train - y_train) ** 2).mean()
'''

_LOSS_REPORT = """
report("MSE (loss)", fixed(loss))
report("error₀", fixed(error[0, 0]))
report("Mean error", fixed(error.mean()))
report("Training points n", f"{len(x_train):,}")
report("MSE in full", repr(float(loss)))
report("Minimum b*", fixed(b_star))
report("Minimum w*", fixed(w_star))
report("Loss at the minimum", fixed(min_loss))
report("Loss at the start", fixed(loss))
"""

_GRADIENTS = """
# The gradients (the book's step 3): the partial derivatives of the MSE
b_grad = 2 * error.mean()
w_grad = 2 * (x_train * error).mean()
"""

_GRADIENTS_REPORT = """
report("∂MSE/∂b", fixed(b_grad))
report("∂MSE/∂w", fixed(w_grad))
report("mean(error)", fixed(error.mean()))
report("mean(x · error)", fixed((x_train * error).mean()))
report("Gradients in full", f"{float(b_grad)!r} {float(w_grad)!r}")
"""

_UPDATE = """
# Update both parameters against their gradients, at learning rate lr (the book's step 4)
lr = <<lr>>
b_before, w_before = b, w
b = b - lr * b_grad
w = w - lr * w_grad
loss_after = ((b + w * x_train - y_train) ** 2).mean()
"""

_UPDATE_REPORT = """
report("b after one update", fixed(b[0]))
report("w after one update", fixed(w[0]))
report("Loss before", short(loss))
report("Loss after", short(loss_after))
report("Printed by numpy, before", f"{b_before} {w_before}")
report("Printed by numpy, after", f"{b} {w}")
"""

_LEARNING_RATE = '''
# How large may lr be? The MSE is a bowl whose curvature (the Hessian) is the
# same everywhere. A step along one axis diverges above 2 / (its curvature);
# moving both at once, above 2 / (the largest eigenvalue).


def hessian(x):
    """Curvature of the MSE surface in (b, w): 2 * [[1, mean(x)], [mean(x), mean(x**2)]]."""
    return 2 * np.array([[1, x.mean()], [x.mean(), (x * x).mean()]])


H = hessian(x_train)
eigenvalues = np.linalg.eigvalsh(H)  # ascending: flattest, then steepest direction
limit_b = 2 / H[0, 0]
limit_w = 2 / H[1, 1]
critical_lr = 2 / eigenvalues[-1]
factor = np.max(np.abs(1 - lr * eigenvalues))  # per epoch, the distance to the minimum is multiplied by this

# The whole recipe as one loop: predict, loss, gradients, update, and again,
# epoch after epoch. Batch descent uses every point for each update; the
# Rinse and Repeat step also walks through shuffled mini-batches.


def summary(x, y):
    """Five numbers of the data that give the MSE of any line (the Loss page's formula)."""
    x, y = x.ravel(), y.ravel()
    dx, dy = x - x.mean(), y - y.mean()
    return x.mean(), y.mean(), np.dot(dx, dx) / len(x), np.dot(dx, dy) / len(x), np.dot(dy, dy) / len(x)


def mse(b, w, stats):
    """The MSE of the line (b, w) from the five numbers. Equal to the mean of the
    squared errors, but it overflows only when the line itself is out of range,
    not as soon as the sum of the squared errors is (as the page measures it)."""
    mean_x, mean_y, var_x, cov_xy, var_y = stats
    c = b + w * mean_x - mean_y
    return c * c + w * (w * var_x - 2.0 * cov_xy) + var_y


def train(x, y, b, w, lr, n_epochs, batch_size, seed, val=None):
    """Gradient descent; returns the (b, w) after every epoch and the epoch
    during which the numbers stopped being finite (None if they never did)."""
    shuffler = np.random.RandomState(seed)  # reshuffles the points every epoch
    checks = [summary(x, y)] + ([summary(*val)] if val is not None else [])
    n = len(x)
    path = [(float(b[0]), float(w[0]))]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: we check below
        for epoch in range(1, n_epochs + 1):
            if batch_size < n:
                order = shuffler.permutation(n)
                x_epoch, y_epoch = x[order], y[order]
            else:
                x_epoch, y_epoch = x, y
            for start in range(0, n, batch_size):
                x_batch = x_epoch[start:start + batch_size]
                y_batch = y_epoch[start:start + batch_size]
                yhat = b + w * x_batch
                error = yhat - y_batch
                b_grad = 2 * error.mean()
                w_grad = 2 * (x_batch * error).mean()
                b = b - lr * b_grad
                w = w - lr * w_grad
            bw = (float(b[0]), float(w[0]))
            if not all(np.isfinite([*bw, *(mse(*bw, stats) for stats in checks)])):
                return path, epoch
            path.append(bw)
    return path, None
'''

_LEARNING_RATE_REPORT = """
report("Limit along b (2/curvature)", fixed(limit_b))
report("Limit along w (2/curvature)", fixed(limit_w))
report("Critical rate 2/λ_max", fixed(critical_lr))
report("Per-step factor max|1 − η·λ|", short(factor))
if lr >= critical_lr:
    report("Batch descent at this η", "Diverges")
    # Watch it blow up: up to <<long_epochs>> epochs of batch descent from the start
    path, diverged_at = train(x_train, y_train, b_initial, w_initial, lr, <<long_epochs>>, len(x_train), seed,
                              val=(x_val, y_val))
    train_stats = summary(x_train, y_train)
    above = [epoch for epoch, (b_e, w_e) in enumerate(path) if mse(b_e, w_e, train_stats) > 1e6]
    if above:
        report("The loss passes 1,000,000 at epoch", f"{above[0]:,}")
    if diverged_at is not None:
        report("Last epoch with finite numbers", f"{len(path) - 1:,}")
elif lr > critical_lr / 2:
    report("Batch descent at this η", "Oscillates but converges")
else:
    report("Batch descent at this η", "Converges smoothly")
"""

_BAD_FEATURE = """
# A "bad" feature: the same x in units ten times smaller, so ten times larger
# numbers. (The book draws it again from the same seed; that gives exactly 10 * x.)
bad_x_train = x_train * 10
bad_x_val = x_val * 10
bad_b_star, bad_w_star = normal_equations(bad_x_train, y_train)
bad_H = hessian(bad_x_train)
bad_eigenvalues = np.linalg.eigvalsh(bad_H)
"""

_BAD_FEATURE_REPORT = """
report("Minimum before (b, w)", f"({fixed(b_star)}, {fixed(w_star)})")
report("Minimum after (b, w)", f"({fixed(bad_b_star)}, {fixed(bad_w_star)})")
report("Loss at the minimum", fixed(min_loss))
report("Curvature along w, before", fixed(H[1, 1]))
report("Curvature along w, after", fixed(bad_H[1, 1]))
for name, h, eig in (("Before", H, eigenvalues), ("After", bad_H, bad_eigenvalues)):
    report(f"{name}: λ min", fixed(eig[0]))
    report(f"{name}: λ max", fixed(eig[-1]))
    report(f"{name}: condition number", fixed(eig[-1] / eig[0]))
    report(f"{name}: critical η", fixed(2 / eig[-1]))
    report(f"{name}: η limit, b alone", fixed(2 / h[0, 0]))
    report(f"{name}: η limit, w alone", fixed(2 / h[1, 1]))
"""

_SCALING = """
# Standardise the feature: fit the scaler on the TRAINING set only, then use
# it to transform both sets (the validation set stays unseen).
from sklearn.preprocessing import StandardScaler

scaler = StandardScaler(with_mean=True, with_std=True)
scaler.fit(x_train)
scaled_x_train = scaler.transform(x_train)
scaled_x_val = scaler.transform(x_val)
scaled_b_star, scaled_w_star = normal_equations(scaled_x_train, y_train)
scaled_H = hessian(scaled_x_train)
scaled_eigenvalues = np.linalg.eigvalsh(scaled_H)
"""

_SCALING_REPORT = """
mean, sigma = scaler.mean_[0], scaler.scale_[0]
report("Mean of x (train)", fixed(mean))
report("σ of x (train)", fixed(sigma))
report("Mean of x, 6 decimals", f"{mean:.6f}")
report("σ of x, 6 decimals", f"{sigma:.6f}")
report("Scaled train: mean", fixed(scaled_x_train.mean()))
report("Scaled train: std", fixed(scaled_x_train.std()))
report("Scaled validation: mean", fixed(scaled_x_val.mean()))
report("Scaled validation: std", fixed(scaled_x_val.std()))
report("Minimum, original (b, w)", f"({fixed(b_star)}, {fixed(w_star)})")
report("Minimum, bad (b, w)", f"({fixed(bad_b_star)}, {fixed(bad_w_star)})")
report("Minimum, scaled (b, w)", f"({fixed(scaled_b_star)}, {fixed(scaled_w_star)})")
# The scaled line, written for the original x, is the original best line
report("Scaled minimum (b, w)", f"({fixed(scaled_b_star)}, {fixed(scaled_w_star)})")
report("Mapped back (b, w)",
       f"({fixed(scaled_b_star - scaled_w_star * mean / sigma)}, {fixed(scaled_w_star / sigma)})")
report("Original minimum (b, w)", f"({fixed(b_star)}, {fixed(w_star)})")
report("Mean of y (train)", fixed(y_train.mean()))
report("w* × σ", fixed(w_star * sigma))
report("Scaled: smallest eigenvalue", fixed(scaled_eigenvalues[0]))
report("Scaled: largest eigenvalue", fixed(scaled_eigenvalues[-1]))
for name, eig in (("Original", eigenvalues), ("Bad", bad_eigenvalues), ("Scaled", scaled_eigenvalues)):
    report(f"{name}: condition number", fixed(eig[-1] / eig[0]))
    report(f"{name}: critical η", fixed(2 / eig[-1]))
"""

_RINSE = """
# Rinse and repeat (the book's step 5). One epoch = every training point has been used
# once; batch descent makes one update per epoch, mini-batch descent one per
# chunk of batch_size points, stochastic descent one per point.
n_epochs = <<epochs>>

# Batch descent from the start, as in the book
path, diverged_at = train(x_train, y_train, b_initial, w_initial, lr, n_epochs, len(x_train), seed,
                          val=(x_val, y_val))
b_end, w_end = path[-1]
epochs_run = len(path) - 1
train_loss = mse(b_end, w_end, summary(x_train, y_train))
val_loss = mse(b_end, w_end, summary(x_val, y_val))

# How far from the least-squares line? Half the Hessian's quadratic form gives
# the loss gap without losing digits to cancellation. (Once a run has fully
# converged, both are rounding noise, around 1e-15 and 1e-30: such digits
# depend on the order of the additions and may differ from the page's.)
e_b, e_w = b_end - b_star, w_end - w_star
distance = np.hypot(e_b, e_w)
loss_gap = 0.5 * (H[0, 0] * e_b * e_b + 2 * H[0, 1] * e_b * e_w + H[1, 1] * e_w * e_w)
"""

_RINSE_REPORT = """
report("Training points n", f"{len(x_train):,}")
report("Updates per epoch: batch", "1")
report(f"Updates per epoch: k = {minibatch_size:,}", f"{-(-len(x_train) // minibatch_size):,}")
report("Updates per epoch: stochastic", f"{len(x_train):,}")
report(f"b after {epochs_run:,} epochs", short(b_end))
report(f"w after {epochs_run:,} epochs", short(w_end))
report("Final training MSE", short(train_loss))
report("Final validation MSE", short(val_loss))
if diverged_at is not None:
    report("Numbers stopped being finite during epoch", f"{diverged_at:,}")
else:
    report("Printed by numpy", f"{np.array([b_end])} {np.array([w_end])}")
report("b* (normal equations)", f"{b_star:.8f}")
report("w* (normal equations)", f"{w_star:.8f}")
report("Final distance to (b*, w*)", f"{distance:.3e}")
report("Final loss gap", f"{loss_gap:.3e}")
"""

_PATHS = """
# The path of gradient descent: batch, mini-batch and stochastic descent from
# one start, for a few epochs. Each run reshuffles with the data's seed.
path_epochs = <<path_epochs>>
minibatch_size = <<minibatch>>  # the sidebar's mini-batch size (16 while it is 0)
b_path, w_path = np.array([<<path_b>>]), np.array([<<path_w>>])

# Stochastic descent costs one update per point: on a large data set the
# page runs the two shuffled flavours on a random subset of the points.
subset = max(1, min(len(x_train), <<max_passes>> // path_epochs))
x_sub, y_sub = x_train, y_train
if subset < len(x_train):
    pick = np.sort(np.random.RandomState(seed).choice(len(x_train), subset, replace=False))
    x_sub, y_sub = x_train[pick], y_train[pick]
k = min(minibatch_size, subset)

runs = {
    "Batch": train(x_train, y_train, b_path, w_path, lr, path_epochs, len(x_train), seed),
    "Mini-batch": train(x_sub, y_sub, b_path, w_path, lr, path_epochs, k, seed),
    "Stochastic": train(x_sub, y_sub, b_path, w_path, lr, path_epochs, 1, seed),
}
"""

_PATHS_REPORT = """
for name, (run, _) in runs.items():
    b_last, w_last = run[-1]
    report(f"{name}: final (b, w)", f"({short(b_last)}, {short(w_last)})")
    report(f"{name}: final distance", short(((b_last - b_star) ** 2 + (w_last - w_star) ** 2) ** 0.5))
"""


def _data(s: Settings) -> str:
    """The data cell: generated as the book does, loaded from scikit-learn, or the learner's own numbers."""
    if s.data in REAL_SETS:
        entry = REAL_SETS[s.data]
        return _fill(
            _REAL_DATA,
            seed=_int(s.seed),
            loader=entry.loader,
            loader_args=", ".join(f"{name}={value!r}" for name, value in entry.loader_kwargs),
            x_from=entry.x_from,
            x_column=_int(entry.x_column),
            y_from=entry.y_from if entry.y_column is None else f"{entry.y_from}[:, {_int(entry.y_column)}]",
            x_title=entry.x_title,
            y_title=entry.y_title,
            split=_fill(_SEEDED_SPLIT),
        )
    held = upload_for(s.data)
    if held is not None:
        return _upload_data(s, held)
    return _fill(
        _DATA, seed=_int(s.seed), n=_int(s.n), true_b=_float(s.true_b), true_w=_float(s.true_w), noise=_float(s.noise)
    )


def _upload_data(s: Settings, held: Selection) -> str:
    """An upload's data cell: its numbers written out when it is small, else read from the Data page's download."""
    if held.x.size > INLINE_MAX_ROWS:
        return _fill(_FILE_DATA, seed=_int(s.seed), file_name=data_file_name(s))
    if held.is_val is None:
        split = _fill(_SEEDED_SPLIT)
    else:
        split = _fill(_GIVEN_SPLIT, is_val=", ".join("True" if v else "False" for v in held.is_val))
    return _fill(
        _GIVEN_DATA,
        seed=_int(s.seed),
        with_split="" if held.is_val is None else ", then which rows validate",
        xs=", ".join(_float(float(v)) for v in held.x),
        ys=", ".join(_float(float(v)) for v in held.y),
        split=split,
    )


def _init(s: Settings, report: bool) -> str:
    target = _TRUE_LINE_REPORT if s.is_synthetic else _LEAST_SQUARES_REPORT
    blocks = [_INIT] + ([_INIT_REPORT.replace("<<target>>", target.lstrip("\n"))] if report else [])
    chosen = ""
    if s.b0 is not None:
        chosen += _fill(_INIT_CHOSEN_B, b0=_float(s.b0))
    if s.w0 is not None:
        chosen += _fill(_INIT_CHOSEN_W, w0=_float(s.w0))
    if chosen:
        blocks.append(chosen + (_INIT_CHOSEN_REPORT.lstrip("\n") if report else ""))
    blocks.append(_INIT_KEEP)
    return _fill("\n".join(block.strip("\n") + "\n" for block in blocks))


def _rinse(s: Settings, path_epochs: int, path_start: tuple[float, float] | None) -> str:
    start = s.start if path_start is None else path_start
    return (
        _fill(_RINSE, epochs=_int(s.epochs))
        + "\n"
        + _fill(
            _PATHS,
            path_epochs=_int(path_epochs),
            minibatch=_int(minibatch_size(s.batch, s.n_train)),
            path_b=_float(start[0]),
            path_w=_float(start[1]),
            max_passes=_int(MAX_PATH_POINT_PASSES),
        )
    )


def cells(
    step: int, s: Settings, *, path_epochs: int = PATH_EPOCHS, path_start: tuple[float, float] | None = None
) -> list[Cell]:
    """The chapter's cells up to ``step`` (1 to 10) with the settings ``s``.

    Only the last step's cell prints (the numbers its page shows).
    ``path_epochs`` and ``path_start`` are the Rinse and Repeat page's
    controls for the three paths (its slider and its start toggle).
    """
    if not 1 <= step <= len(STEPS):
        raise ValueError(f"step must be between 1 and {len(STEPS)}, got {step!r}")
    if isinstance(path_epochs, bool) or not isinstance(path_epochs, int) or path_epochs < 1:
        raise ValueError(f"path_epochs must be a positive integer, got {path_epochs!r}")
    last = step
    built = {
        1: lambda: _data(s) + ("\n" + _fill(_DATA_REPORT) if last == 1 else ""),
        2: lambda: _init(s, last == 2),
        3: lambda: _fill(_PREDICT + (_PREDICT_REPORT if last == 3 else "")),
        4: lambda: _fill(_LOSS + ("\n" + _LOSS_REPORT if last == 4 else "")),
        5: lambda: _fill(_GRADIENTS + (_GRADIENTS_REPORT if last == 5 else "")),
        6: lambda: _fill(_UPDATE, lr=_float(s.lr)) + (_fill(_UPDATE_REPORT) if last == 6 else ""),
        7: lambda: _fill(
            _LEARNING_RATE + ("\n" + _LEARNING_RATE_REPORT if last == 7 else ""), long_epochs=_int(LONG_EPOCHS)
        ),
        8: lambda: _fill(_BAD_FEATURE + ("\n" + _BAD_FEATURE_REPORT if last == 8 else "")),
        9: lambda: _fill(_SCALING + ("\n" + _SCALING_REPORT if last == 9 else "")),
        10: lambda: _rinse(s, path_epochs, path_start) + "\n" + _fill(_RINSE_REPORT + _PATHS_REPORT),
    }
    out = [Cell("Setup: numpy and how the page prints numbers", _fill(_SETUP))]
    for number in range(1, step + 1):
        out.append(Cell(f"Step {number} · {STEPS[number - 1].label}", built[number]()))
    return out


def _header(step: int, s: Settings) -> str:
    name = STEPS[step - 1].label
    sklearn = step >= 9 or s.data in REAL_SETS
    return (
        f'"""Gradient descent, step by step. Step {step} of {len(STEPS)}: {name}.\n\n'
        "The chapter's code up to this page, with the page's settings. It prints\n"
        'the page\'s key numbers as "label: value" lines, rounded as the page shows them.\n'
        "Needs numpy" + (" and scikit-learn" if sklearn else "") + '.\n"""\n'
    )


def script(step: int, s: Settings, **paths) -> str:
    """The whole page as one Python script (cells marked ``# %%``, as editors and jupytext read them)."""
    parts = [_header(step, s)]
    for cell in cells(step, s, **paths):
        parts.append(f"# %% {cell.title}\n{cell.code}")
    return "\n\n".join(parts)


def _lines(text: str) -> list[str]:
    """A notebook cell's ``source``: the text split into lines that keep their newline."""
    return text.rstrip("\n").splitlines(keepends=True)


def notebook(step: int, s: Settings, **paths) -> str:
    """The same code as a Jupyter notebook (nbformat 4.5 JSON): a Markdown heading per cell."""
    nb_cells = [
        {
            "cell_type": "markdown",
            "id": "intro",
            "metadata": {},
            "source": _lines(
                f"# Gradient descent, step by step: {STEPS[step - 1].label}\n\n"
                "The chapter's code up to this page, with the page's settings. "
                "Run the cells in order; the last one prints the page's numbers."
            ),
        }
    ]
    for i, cell in enumerate(cells(step, s, **paths)):
        nb_cells.append(
            {"cell_type": "markdown", "id": f"heading-{i}", "metadata": {}, "source": _lines(f"## {cell.title}")}
        )
        nb_cells.append(
            {
                "cell_type": "code",
                "id": f"code-{i}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": _lines(cell.code),
            }
        )
    document = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "cells": nb_cells,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def show_reproduce(
    step: int, s: Settings, *, path_epochs: int = PATH_EPOCHS, path_start: tuple[float, float] | None = None
) -> None:
    """The "Reproduce this page in code" section: the script, a copy button and two downloads."""
    paths = dict(
        path_epochs=int(path_epochs),
        path_start=None if path_start is None else (float(path_start[0]), float(path_start[1])),
    )
    code = script(step, s, **paths)
    name = STEPS[step - 1].label.lower().replace(" ", "_")
    st.subheader("Reproduce this page in code")
    st.markdown(
        "The chapter's code up to this step, with your settings. It needs only numpy"
        + (" and scikit-learn" if step >= 9 else "")
        + " and prints the numbers of this page, rounded the same way. Copy it (top right of the box) "
        "or download it as a script or a notebook."
    )
    # A fixed height keeps a long script from stretching the page; the copy button copies all of it.
    st.code(code, language="python", line_numbers=True, height=420)
    left, right = st.columns(2)
    # Downloads need no rerun of the page ("ignore").
    left.download_button(
        "Download the script (.py)",
        code,
        file_name=f"step{step:02d}_{name}.py",
        mime="text/x-python",
        key=f"reproduce_py_{step}",
        icon=":material/code:",
        on_click="ignore",
    )
    right.download_button(
        "Download the notebook (.ipynb)",
        notebook(step, s, **paths),
        file_name=f"step{step:02d}_{name}.ipynb",
        mime="application/x-ipynb+json",
        key=f"reproduce_ipynb_{step}",
        icon=":material/description:",
        on_click="ignore",
    )
