"""A descent player that plays in the learner's browser.

The page computes the whole history once; :func:`player_frames` packs it with
what every panel needs (the five sufficient statistics, the contour's PNG,
domains and contour lines, an optional data sample) into one compact,
JSON-ready dict, and :func:`player` sends it once to a canvas component
(``ui/player_component``). Play, pause, step, scrub and speed then run in the
browser with no server work per frame: the cross-sections are parabolas the
browser computes from the statistics.

Python learns the frame only when the learner stops on one (pause, a step,
first/last, the end of a scrub or of playback); :func:`player` returns that
epoch so the page can render its own numbers and formulas for it below.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

import gdcore

from . import charts
from .interact import clamp_start
from .linked import linked_frame, remember_frame
from .numbers import short
from .results import Surface
from .settings import set_settings

#: Most frames sent; longer runs send every k-th epoch (always the first and the last).
MAX_FRAMES = 2001
#: Significant digits of the numbers sent to the browser; drawing-only ones (contour
#: lines, data points) need no more than a pixel's precision.
DIGITS = 6
DRAW_DIGITS = 4

_HERE = Path(__file__).parent / "player_component"
_mount = st.components.v2.component(
    "gd_descent_player",
    html='<div class="gdp" data-testid="gd-player" tabindex="0"></div>',
    css=(_HERE / "player.css").read_text(encoding="utf-8"),
    js=(_HERE / "player.js").read_text(encoding="utf-8"),
    isolate_styles=True,
)


def clamp_frame(frame: int, n_frames: int) -> int:
    """Keep a frame index inside 0 … n_frames - 1."""
    return max(0, min(int(frame), n_frames - 1))


def frame_epochs(epochs_run: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The epochs shown as frames: all of 0 … epochs_run, or every k-th one (ending on the last)."""
    last = max(0, int(epochs_run))
    if last + 1 <= max_frames:
        return np.arange(last + 1)
    stride = math.ceil(last / (max_frames - 1))
    picked = np.arange(0, last + 1, stride)
    return picked if picked[-1] == last else np.append(picked, last)


def _rounded(values: Any, digits: int = DIGITS) -> list:
    """Floats at ``digits`` significant digits; non-finite values as None (never drawn)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    return [float(f"{v:.{digits}g}") if math.isfinite(v) else None for v in arr.tolist()]


def _pair(domain: Sequence[float]) -> list[float]:
    return [float(f"{float(domain[0]):.{DIGITS}g}"), float(f"{float(domain[1]):.{DIGITS}g}")]


def _log_domain(*series: np.ndarray | None) -> list[float]:
    """A fixed log-axis domain covering the finite, positive losses of every series."""
    values = np.concatenate([np.asarray(s, float) for s in series if s is not None])
    values = values[np.isfinite(values) & (values > 0)]
    lo = float(values.min()) if values.size else 1e-3
    hi = float(values.max()) if values.size else 1.0
    if hi <= lo:
        hi = lo * 10
    return _pair((lo / 1.5, hi * 1.5))


def _level_labels(surface: Surface) -> list[list]:
    """One (b, w, text) per contour level, at its segment end nearest the top-right
    corner but off the outer 8% of the window (as the Altair contour places them)."""
    seg = surface.segments
    if not len(seg["x"]):
        return []
    x, y, level = np.asarray(seg["x"]), np.asarray(seg["y"]), np.asarray(seg["level"])
    (b_lo, b_hi), (w_lo, w_hi) = charts.surface_domains(surface)
    mx, my = 0.08 * (b_hi - b_lo), 0.08 * (w_hi - w_lo)
    inner = (x > b_lo + mx) & (x < b_hi - mx) & (y > w_lo + my) & (y < w_hi - my)
    out = []
    for value in np.unique(level):
        pick = (level == value) & inner
        if not pick.any():
            pick = level == value
        idx = np.flatnonzero(pick)[np.argmax((x + y)[pick])]
        out.append([*_rounded([x[idx], y[idx]]), short(value)])
    return out


def player_frames(
    history: gdcore.History,
    stats: gdcore.SufficientStats,
    surface: Surface,
    *,
    lr: float,
    loss_window: Sequence[float],
    n_frames: int | None = None,
    sample: tuple[np.ndarray, np.ndarray] | None = None,
    data_window: tuple[Sequence[float], Sequence[float]] | None = None,
    show_next: bool = False,
) -> dict:
    """Everything the browser needs to draw every frame, as a compact JSON-ready dict.

    Parameters
    ----------
    history : batch descent run (b, w, train loss and, if present, validation loss per epoch)
    stats : training statistics; the browser computes both cross-sections and gradients from them
    surface : the contour (its PNG, window, contour segments and minimum)
    lr : learning rate (the next update drawn with ``show_next``)
    loss_window : fixed loss axis of the cross-section panels
    n_frames : play only epochs 0 … n_frames - 1 (default: the whole run)
    sample, data_window : data points (x, y) and their (x, y) domains: adds the data panel with the model line
    show_next : draw the next update (green) on the contour

    Returns
    -------
    dict
        Keys ``epoch`` (the epoch of each frame), ``b``, ``w``, ``loss``, ``val`` (or None), ``stats``,
        ``surface``, ``cuts``, ``loss_domain``, ``data`` (or None), ``lr``, ``show_next``, ``panels``
        and ``ident`` (a digest of the rest: a new one means new frames).
    """
    last = history.b.size - 1 if n_frames is None else min(history.b.size, int(n_frames)) - 1
    epochs = frame_epochs(last)
    val = None if history.val_loss is None else history.val_loss[epochs]
    b_dom, w_dom = charts.surface_domains(surface)
    seg = surface.segments
    flat = np.column_stack([seg["x"], seg["y"], seg["x2"], seg["y2"]]).ravel() if len(seg["x"]) else []
    payload: dict[str, Any] = {
        "epoch": [int(e) for e in epochs],
        "b": _rounded(history.b[epochs]),
        "w": _rounded(history.w[epochs]),
        "loss": _rounded(history.train_loss[epochs]),
        "val": None if val is None else _rounded(val),
        "stats": {name: float(getattr(stats, name)) for name in ("mean_x", "mean_y", "var_x", "cov_xy", "var_y")},
        "surface": {
            "png": surface.png,
            "b": _pair(b_dom),
            "w": _pair(w_dom),
            "seg": _rounded(flat, DRAW_DIGITS),
            "labels": _level_labels(surface),
            "minimum": _rounded(surface.minimum),
        },
        "cuts": {"b": _pair(b_dom), "w": _pair(w_dom), "loss": _pair(loss_window)},
        "loss_domain": _log_domain(
            history.train_loss[: last + 1], None if history.val_loss is None else history.val_loss[: last + 1]
        ),
        "data": None,
        "lr": float(lr),
        "show_next": bool(show_next),
        "panels": ["contour", "loss", "along_w", "along_b"],
    }
    if sample is not None and data_window is not None:
        payload["data"] = {
            "x": _rounded(sample[0], DRAW_DIGITS),
            "y": _rounded(sample[1], DRAW_DIGITS),
            "x_dom": _pair(data_window[0]),
            "y_dom": _pair(data_window[1]),
        }
        payload["panels"] = ["data", "contour", "along_w", "along_b", "loss"]
    payload["ident"] = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return payload


def _shown_frame(state: Any, ident: str, start: int, n_frames: int) -> int:
    """The frame the browser last reported for these frames, or ``start`` (new frames, or none yet)."""
    if isinstance(state, dict) and state.get("ident") == ident:
        try:
            return clamp_frame(int(state.get("frame")), n_frames)
        except (TypeError, ValueError):
            pass
    return clamp_frame(start, n_frames)


def start_from_click(click: Any) -> tuple[float, float] | None:
    """The (b0, w0) a click on the contour asks for, clamped to the allowed range (None if unusable)."""
    try:
        b, w = float(click["b"]), float(click["w"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return clamp_start(b, w) if math.isfinite(b) and math.isfinite(w) else None


def _noop() -> None:
    """The component needs a callback per state and trigger; the page reads the result instead."""


def player_section(
    key: str, frames: dict, *, start: int = 0, below: Callable[[int], None], link: str | None = None
) -> None:
    """The player, and ``below(epoch)`` for the epoch it stops on, as one fragment.

    When the browser reports a frame (pause, step, the end of a scrub), only
    this fragment reruns: the player and what ``below`` draws, in tens of
    milliseconds, instead of the whole page. A class of learners pausing and
    scrubbing then costs the server little. ``below`` must draw everything
    that depends on the epoch, and nothing else. ``link`` names the URL
    parameter that holds the epoch (see :func:`player`).
    """

    @st.fragment
    def _section() -> None:
        below(player(key, frames, start=start, link=link))

    _section()


def player(key: str, frames: dict, *, start: int = 0, link: str | None = None) -> int:
    """Mount the player and return the epoch the page should render its numbers for.

    Parameters
    ----------
    key : unique per page
    frames : from :func:`player_frames`
    start : frame shown first, and again whenever the frames change (a new ``ident``)
    link : URL parameter (short, unique across pages) holding the epoch the learner stopped on,
        so a link opens the player there (:func:`ui.linked.linked_frame`: validated, clamped to
        the run, dropped when the frames change)

    A click on the contour while paused sets the start (b0, w0) in the shared
    settings and reruns the page from it.
    """
    n_frames = len(frames["epoch"])
    start = clamp_frame(start, n_frames)
    opening = start if link is None else linked_frame(link, frames["epoch"], frames["ident"], start)
    result = _mount(key=key, data={**frames, "start": opening}, on_frame_change=_noop, on_click_change=_noop)
    picked = start_from_click(result.get("click"))
    if picked is not None:
        set_settings(b0=picked[0], w0=picked[1])
        st.rerun()
    state = result.get("frame")
    shown = _shown_frame(state, frames["ident"], opening, n_frames)
    if link is not None and isinstance(state, dict) and state.get("ident") == frames["ident"]:
        remember_frame(link, frames["epoch"], frames["ident"], shown, start)  # the learner stopped here
    return int(frames["epoch"][shown])
