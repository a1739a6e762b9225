"""Altair chart builders shared by the pages (Plotly only for the 3-D surface).

Every builder returns an unconfigured chart; :func:`show` applies the common
look (the book's light grey panels, which read the same in the light and the
dark theme), draws it across the container and writes its one-sentence text
summary under it (also passed as ``alt`` text for screen readers).

Colours follow the book's meaning in the colour-blind-safe Okabe-Ito palette:
vermillion for "w varies, b fixed" (the book's red), black for "b varies,
w fixed", bluish green for the updated / scaled model.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec  # what st.altair_chart does

from ..numbers import D3_FORMAT, D3_FORMAT_2, D3_FORMAT_3, D3_SIG6, short
from ..results import Surface, TrainSummary

PALETTE = {
    "train": "#0072B2",
    "val": "#E69F00",
    "w_varies": "#D55E00",
    "b_varies": "#000000",
    "updated": "#009E73",
    "marker": "#000000",
    "batch": "#000000",
    "minibatch": "#009E73",
    "stochastic": "#D55E00",
    "bad": "#000000",
    "scaled": "#009E73",
    "grey": "#7f7f7f",
    "mistake": "#CC79A7",
}
BACKGROUND = "#f0f0f0"
GRID = "#cbcbcb"
#: What a chart label is read against: a halo of this colour (:func:`halo`) drawn under its glyphs.
HALO = BACKGROUND
#: The halo's width in pixels (half of it on each side of a glyph's outline).
HALO_WIDTH = 4
#: WCAG 2 AA contrast for normal text.
MIN_CONTRAST = 4.5
#: The contour's level labels: white on a dark halo, over any colour of the viridis raster.
LEVEL_TEXT, LEVEL_HALO = "#ffffff", "#222222"
HEIGHT = 320
#: A value this far outside a chart's domain is clipped (never sent as is).
CLIP_FACTOR = 50.0
#: Data for a layer whose marks are all placed by ``alt.datum`` (Vega-Lite draws one mark per row).
ONE_ROW = pd.DataFrame({"_": [0]})


def cut_color(param: str) -> str:
    """The colour of a cross-section along ``param``: vermillion when w varies (b fixed), black when b varies."""
    return PALETTE["w_varies"] if param == "w" else PALETTE["b_varies"]


def _luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@functools.cache
def ink(color: str, against: str = HALO) -> str:
    """``color`` darkened just enough to be read as text on ``against`` (at least :data:`MIN_CONTRAST`).

    Labels keep their line's hue (vermillion names the red w cut) but not its lightness: the
    palette's orange, green and vermillion are made for lines and dots, and are too light for
    text on the light-grey panel.
    """
    rgb = [int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    for k in range(101):
        shade = "#" + "".join(f"{round(c * (1 - k / 100)):02x}" for c in rgb)
        if contrast(shade, against) >= MIN_CONTRAST:
            return shade
    return "#000000"


def halo(text: alt.Chart, color: str = HALO) -> alt.LayerChart:
    """A text layer drawn over a copy of itself outlined in ``color``, so the label reads on any line,
    dot or colour it crosses (Vega text marks have no halo of their own)."""
    under = text.copy(deep=True)
    mark = under.mark.to_dict() if isinstance(under.mark, alt.MarkDef) else {"type": under.mark}
    mark.update(color=color, stroke=color, strokeWidth=HALO_WIDTH, strokeJoin="round", tooltip=None)
    under.mark = alt.MarkDef(**mark)
    if under.encoding is not alt.Undefined:
        under.encoding.color = alt.Undefined
        under.encoding.tooltip = alt.Undefined
    return alt.layer(under, text)


def overlay(*layers: alt.TopLevelMixin) -> alt.LayerChart:
    """Layer charts whose colour legends must stay separate (data + lines)."""
    return alt.layer(*layers).resolve_scale(color="independent", strokeDash="independent")


#: The common look, built once: a chart's ``configure_*`` calls each deep-copy it.
_CONFIG = alt.Config(
    # The marks and axes are hidden from screen readers: the text summary under every chart
    # (show's ``summary``) says what it shows, with the current numbers.
    aria=False,
    mark=alt.MarkConfig(aria=False),
    background=BACKGROUND,
    font="sans-serif",
    view=alt.ViewConfig(stroke=None, fill=BACKGROUND),
    axis=alt.AxisConfig(
        gridColor=GRID,
        domain=False,
        tickColor=GRID,
        labelFontSize=12,
        titleFontSize=13,
        labelColor="#333333",
        titleColor="#222222",
        # 0: no limit. Vega cuts longer text with "…", and a cut label says nothing.
        labelLimit=0,
        titleLimit=0,
        labelOverlap=True,  # on a narrow chart, every other tick label rather than labels run together
    ),
    # Legends under the chart, one entry a line: they never squeeze the plot or run off a phone's screen.
    legend=alt.LegendConfig(
        labelFontSize=12,
        titleFontSize=12,
        labelColor="#222222",
        titleColor="#222222",
        orient="bottom",
        direction="vertical",
        labelLimit=0,
        titleLimit=0,
    ),
    title=alt.TitleConfig(fontSize=15, anchor="start", color="#222222", limit=0, subtitleColor="#333333"),
)


#: Fit the width to the page, keep the plot's height: the title, the axes and the legends under the
#: plot add to it (Streamlit's default, "fit", would squeeze the plot to make room for them).
_FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The common look: grey panel, light grid, no chart border; a single or layered chart keeps its
    plot height (concatenated charts keep Streamlit's sizing, which handles them)."""
    styled = chart.copy(deep=False)
    styled.config = _CONFIG
    if isinstance(styled, (alt.Chart, alt.LayerChart)):
        styled.autosize = _FIT_WIDTH
    return styled


#: Validate every chart against the Vega-Lite schema when drawing it. The test suite
#: turns this on (tests/conftest.py); the app skips it, because JSON-schema validation
#: was about 45% of a chart-heavy page's script time and the specs it would check are
#: the same ones the tests have already validated.
VALIDATE_SPECS = os.environ.get("GD_VALIDATE_CHARTS") == "1"


def _without_validation(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Make ``chart.to_dict()`` (what Streamlit calls) skip schema validation."""
    if not VALIDATE_SPECS:
        # Set on the instance, bypassing Altair's attribute handling, so that the
        # spec itself is unchanged.
        object.__setattr__(chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False))
    return chart


@dataclass(frozen=True)
class Cached:
    """A chart to build only when its finished spec is not cached yet: ``builder(*args, **kwargs)``.

    Made by :func:`cached`; :func:`show` draws it.
    """

    builder: Callable[..., alt.TopLevelMixin]
    args: tuple
    kwargs: dict


def cached(builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> Cached:
    """``builder(*args, **kwargs)``, drawn by :func:`show` from a cache of finished specs.

    The arguments are the cache key (Streamlit hashes them by value: numbers, tuples, frozen
    dataclasses and their arrays), so a rerun that changes none of them neither builds the
    chart nor serialises its data again: on a chart-heavy page that was most of the script's
    time. The builder must be a pure function of its arguments.
    """
    return Cached(builder, args, kwargs)


#: Finished specs held at once, across sessions: a contour's is about 60 KiB, most others a
#: few KiB, so the worst case stays near 15 MiB (``tests/ui/test_results.py`` checks it).
SPEC_CACHE_ENTRIES = 256


@st.cache_data(max_entries=SPEC_CACHE_ENTRIES, show_spinner=False)
def _finished_spec(name: str, _builder: Callable[..., alt.TopLevelMixin], args: tuple, kwargs: dict) -> dict:
    """The Vega-Lite spec of ``_builder(*args, **kwargs)`` in the common look, its data as Arrow bytes.

    ``name`` (the builder's module and name) stands for the builder in the key; Streamlit
    does not hash arguments whose names start with an underscore.
    """
    chart = _without_validation(style(_builder(*args, **kwargs)))
    return _convert_altair_to_vega_lite_spec(chart)


def show(
    chart: alt.TopLevelMixin | Cached,
    summary: str,
    *,
    key: str | None = None,
    on_select: Any = "ignore",
    selection_mode: str | Sequence[str] | None = None,
) -> Any:
    """Draw ``chart`` full width with its text summary; returns the selection state.

    A :class:`Cached` chart is drawn from its finished spec (see :func:`cached`).
    """
    options = {"width": "stretch", "theme": None, "key": key, "on_select": on_select, "alt": summary}
    options["selection_mode"] = selection_mode
    if isinstance(chart, Cached):
        name = f"{chart.builder.__module__}.{chart.builder.__qualname__}"
        spec = _finished_spec(name, chart.builder, chart.args, chart.kwargs)
        result = st.vega_lite_chart(spec=spec, **options)
    else:
        result = st.altair_chart(_without_validation(style(chart)), **options)
    st.caption(summary)
    return result


def _scale(domain: Sequence[float] | None) -> alt.Scale:
    if domain is None:
        return alt.Scale(zero=False, nice=False)
    return alt.Scale(domain=[float(domain[0]), float(domain[1])], zero=False, nice=False)


def padded(values: Iterable[float], pad: float = 0.05, book: Sequence[float] | None = None) -> tuple[float, float]:
    """A domain covering ``values`` (finite ones) with a margin; the book's
    fixed domain when it already covers them, so the defaults look like the book."""
    arr = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float).ravel()
    arr = arr[np.isfinite(arr)]  # vectorised: this runs on up to a million values per chart
    if arr.size == 0:
        return tuple(book) if book else (0.0, 1.0)
    lo, hi = float(arr.min()), float(arr.max())
    if book is not None and book[0] <= lo and hi <= book[1]:
        return float(book[0]), float(book[1])
    span = hi - lo or 1.0
    return lo - pad * span, hi + pad * span


def clip_to(values: np.ndarray, domain: Sequence[float]) -> np.ndarray:
    """Keep values far outside ``domain`` from reaching a chart (and never inf/NaN)."""
    lo, hi = domain
    span = (hi - lo) or 1.0
    arr = np.asarray(values, dtype=np.float64)
    arr = np.nan_to_num(
        arr, nan=hi + CLIP_FACTOR * span, posinf=hi + CLIP_FACTOR * span, neginf=lo - CLIP_FACTOR * span
    )
    return np.clip(arr, lo - CLIP_FACTOR * span, hi + CLIP_FACTOR * span)


# --- data and model lines -------------------------------------------------


def scatter(
    x: np.ndarray,
    y: np.ndarray,
    color: str,
    title: str = "",
    *,
    x_domain=None,
    y_domain=None,
    x_title: str = "x",
    y_title: str = "y",
    size: int = 40,
    legend: str | None = None,
    extra_fields: dict[str, np.ndarray] | None = None,
) -> alt.Chart:
    """Points (x, y) in one colour, with tooltips."""
    frame = pd.DataFrame({"x": np.asarray(x, float), "y": np.asarray(y, float)})
    tooltip = [
        alt.Tooltip(field="x", type="quantitative", format=D3_FORMAT),
        alt.Tooltip(field="y", type="quantitative", format=D3_FORMAT),
    ]
    for name, values in (extra_fields or {}).items():
        frame[name] = values
        tooltip.append(
            alt.Tooltip(field=name, type="quantitative", format=D3_FORMAT)
            if np.issubdtype(np.asarray(values).dtype, np.number)
            else alt.Tooltip(field=name, type="nominal")
        )
    enc = dict(
        # Eleven ticks: on the book's window (−0.05, 1.05) they fall on 0, 0.1, …, 1 (a finer count
        # starts at −0.05 and labels every other tick), on a phone every other one of those.
        x=alt.X(field="x", type="quantitative", title=x_title, scale=_scale(x_domain), axis=alt.Axis(tickCount=11)),
        y=alt.Y(field="y", type="quantitative", title=y_title, scale=_scale(y_domain)),
        tooltip=tooltip,
    )
    if legend:
        frame["series"] = legend
        enc["color"] = alt.Color(
            field="series", type="nominal", scale=alt.Scale(domain=[legend], range=[color]), title=None
        )
        mark = alt.Chart(frame).mark_circle(size=size, opacity=0.8)
    else:
        mark = alt.Chart(frame).mark_circle(size=size, opacity=0.8, color=color)
    return mark.encode(**enc).properties(title=title, height=HEIGHT)


@dataclass(frozen=True)
class Line:
    """A model line ``b + w x`` to draw."""

    b: float
    w: float
    label: str
    color: str
    dashed: bool = True
    #: The dash pattern (on, off, … in pixels) instead of the usual one.
    dash: tuple[int, ...] | None = None


def model_lines(lines: Sequence[Line], x_domain: Sequence[float], *, y_domain=None) -> alt.Chart:
    """Straight lines b + w x across ``x_domain``, each in the legend."""
    x0, x1 = float(x_domain[0]), float(x_domain[1])
    rows = []
    for line in lines:
        for xv in (x0, x1):
            rows.append({"x": xv, "y": line.b + line.w * xv, "model": line.label, "b": line.b, "w": line.w})
    frame = pd.DataFrame(rows)
    if y_domain is not None:
        frame["y"] = clip_to(frame["y"].to_numpy(), y_domain)
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=2.5, clip=True)
        .encode(
            x=alt.X(field="x", type="quantitative", scale=_scale(x_domain)),
            y=alt.Y(field="y", type="quantitative", scale=_scale(y_domain)),
            color=alt.Color(
                field="model",
                type="nominal",
                scale=alt.Scale(domain=[line.label for line in lines], range=[line.color for line in lines]),
                title=None,
            ),
            strokeDash=alt.StrokeDash(
                field="model",
                type="nominal",
                scale=alt.Scale(
                    domain=[line.label for line in lines],
                    range=[list(line.dash or ((6, 4) if line.dashed else (1, 0))) for line in lines],
                ),
                title=None,
            ),  # same field and title as colour: one merged legend of dashed, coloured lines
            tooltip=[
                alt.Tooltip(field="model", type="nominal"),
                alt.Tooltip(field="b", type="quantitative", format=D3_FORMAT),
                alt.Tooltip(field="w", type="quantitative", format=D3_FORMAT),
            ],
        )
    )


def xy(
    x_domain: Sequence[float] | None = None,
    y_domain: Sequence[float] | None = None,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    x: str = "x",
    y: str = "y",
) -> dict:
    """The x and y channels of a layer as explicit Altair objects (fields ``x``, ``y`` by default).

    A shorthand string (``"x:Q"``) makes Altair look the channel up in its JSON
    schema, about 8 ms per ``encode()``; these objects skip that. A domain, when
    given, fixes the scale (no zero, no nicing).
    """
    x_kw: dict = {} if x_title is None else {"title": x_title}
    y_kw: dict = {} if y_title is None else {"title": y_title}
    if x_domain is not None:
        x_kw["scale"] = _scale(x_domain)
    if y_domain is not None:
        y_kw["scale"] = _scale(y_domain)
    return {"x": alt.X(field=x, type="quantitative", **x_kw), "y": alt.Y(field=y, type="quantitative", **y_kw)}


def label(
    x: float,
    y: float,
    text: str,
    color: str = "#000000",
    *,
    angle: float = 0,
    size: int = 13,
    align: str = "left",
    baseline: str = "middle",
    dx: int = 0,
    dy: int = 0,
) -> alt.LayerChart:
    """A text annotation at data coordinates, in a readable shade of ``color`` (:func:`ink`), on a :func:`halo`."""
    frame = pd.DataFrame({"x": [float(x)], "y": [float(y)], "text": [text]})
    return halo(
        alt.Chart(frame)
        .mark_text(
            color=ink(color), angle=angle, fontSize=size, align=align, baseline=baseline, dx=dx, dy=dy, clip=True
        )
        .encode(**xy(), text=alt.Text(field="text", type="nominal"))
    )


def line_anchor(
    line: Line,
    text: str,
    x_domain: Sequence[float],
    y_domain: Sequence[float],
    *,
    avoid_x: Sequence[float] = (),
    avoid_y: Sequence[float] = (),
    others: Sequence[Line] = (),
    avoid_boxes: Sequence[tuple[float, float, float, float]] = (),
    height: int = HEIGHT,
) -> Anchor:
    """Where :func:`line_label` puts ``text``: the emptiest place under or over ``line``, at its left or
    its middle (:func:`best_anchor`), away from the points (``avoid_x``, ``avoid_y``), from the
    ``others`` lines, from the line itself and from labels already placed (``avoid_boxes``)."""
    x0, x1 = float(x_domain[0]), float(x_domain[1])
    along = np.linspace(x0, x1, 80)
    drawn = (line, *others)
    anchors = [
        Anchor(xa, line.b + line.w * xa, "left", 0, dy)
        for dy in (14, -14, 30, -30)
        for xa in (x0 + 0.05 * (x1 - x0), x0 + 0.5 * (x1 - x0))
    ]
    return best_anchor(
        anchors,
        text,
        x_domain,
        y_domain,
        avoid_x=np.concatenate([np.asarray(avoid_x, float), *(along for _ in drawn)]),
        avoid_y=np.concatenate([np.asarray(avoid_y, float), *(ln.b + ln.w * along for ln in drawn)]),
        avoid_boxes=avoid_boxes,
        size=LINE_LABEL_SIZE,
        height=height,
    )


#: The font size of a line's label.
LINE_LABEL_SIZE = 13


def line_label(line: Line, text: str, x_domain: Sequence[float], y_domain: Sequence[float], **avoid: Any):
    """``text`` beside ``line``, in its colour, where :func:`line_anchor` (``avoid`` as there) puts it."""
    a = line_anchor(line, text, x_domain, y_domain, **avoid)
    return label(a.x, a.y, text, line.color, align=a.align, dx=a.dx, dy=a.dy, size=LINE_LABEL_SIZE)


#: The plot width assumed when judging what a label covers: a phone's, the narrowest a chart gets.
LABEL_PLOT_WIDTH = 330


@dataclass(frozen=True)
class Anchor:
    """A place to try for a label: the point (x, y) in data units, the text's alignment there and its
    offset in pixels (``dy`` down)."""

    x: float
    y: float
    align: str = "left"
    dx: int = 0
    dy: int = 0


def label_box(
    a: Anchor, text: str, size: int, x_domain: Sequence[float], y_domain: Sequence[float], height: int, rows: int = 1
) -> tuple[float, float, float, float]:
    """The box (left, right, bottom, top, in data units) a label at ``a`` covers, estimated from its
    length (0.6 em a character) on a plot :data:`LABEL_PLOT_WIDTH` wide and ``height`` high; ``rows``
    lines of it, each :data:`ROW_PX` under the last."""
    per_px_x = (x_domain[1] - x_domain[0]) / LABEL_PLOT_WIDTH
    per_px_y = ((y_domain[1] - y_domain[0]) or 1.0) / height
    width, tall = 0.6 * size * len(text) + 6, 1.3 * size
    shift = {"left": 0.0, "center": width / 2, "right": width}[a.align]
    left = a.x + (a.dx - shift) * per_px_x
    middle = a.y - a.dy * per_px_y
    return (
        left,
        left + width * per_px_x,
        middle - (tall / 2 + (rows - 1) * ROW_PX) * per_px_y,
        middle + tall / 2 * per_px_y,
    )


#: The distance between the lines of a label of several rows, in pixels.
ROW_PX = 22
#: A point this close to a label's box (in pixels, about a dot's radius) counts as under it.
POINT_MARGIN_PX = 4


def best_anchor(
    anchors: Sequence[Anchor],
    text: str,
    x_domain: Sequence[float],
    y_domain: Sequence[float],
    *,
    avoid_x: Sequence[float] = (),
    avoid_y: Sequence[float] = (),
    avoid_levels: Sequence[float] = (),
    avoid_boxes: Sequence[tuple[float, float, float, float]] = (),
    size: int = 12,
    height: int = HEIGHT,
    rows: int = 1,
) -> Anchor:
    """The first of ``anchors`` where a label ``text`` (``rows`` lines as long as it) covers the fewest
    things: the points (``avoid_x``, ``avoid_y``), the horizontal lines at ``avoid_levels`` and the
    labels already placed (``avoid_boxes``, from :func:`label_box`); a place that would run out of the
    window comes last."""
    ax, ay = np.asarray(avoid_x, float), np.asarray(avoid_y, float)

    # A dot touching the text is as bad as one under it: points count within a dot's radius of the box.
    mx = POINT_MARGIN_PX * (x_domain[1] - x_domain[0]) / LABEL_PLOT_WIDTH
    my = POINT_MARGIN_PX * ((y_domain[1] - y_domain[0]) or 1.0) / height

    def cover(a: Anchor) -> float:
        left, right, bottom, top = label_box(a, text, size, x_domain, y_domain, height, rows)
        hits = np.count_nonzero((ax >= left - mx) & (ax <= right + mx) & (ay >= bottom - my) & (ay <= top + my))
        hits += 50 * sum(bottom <= level <= top for level in avoid_levels)
        hits += 100 * sum(left < r and lo < right and bottom < t and b < top for lo, r, b, t in avoid_boxes)
        outside = left < x_domain[0] or right > x_domain[1] or bottom < y_domain[0] or top > y_domain[1]
        return hits + 1000 * outside

    return min(anchors, key=cover)  # the first of equals: anchors come in order of preference


def free_label(
    anchors: Sequence[Anchor],
    text: str,
    color: str,
    x_domain: Sequence[float],
    y_domain: Sequence[float],
    *,
    size: int = 12,
    **avoid: Any,
) -> alt.LayerChart:
    """``text`` at the :func:`best_anchor` (``avoid`` as there), drawn by :func:`label`."""
    a = best_anchor(anchors, text, x_domain, y_domain, size=size, **avoid)
    return label(a.x, a.y, text, color, align=a.align, dx=a.dx, dy=a.dy, size=size)


def segments(
    frame: pd.DataFrame, color: str, *, dashed: bool = False, width: float = 2, x_domain=None, y_domain=None
) -> alt.Chart:
    """Straight segments from columns x, y, x2, y2."""
    return (
        alt.Chart(frame)
        .mark_rule(color=color, strokeWidth=width, strokeDash=[5, 3] if dashed else [1, 0], clip=True)
        .encode(**xy(x_domain, y_domain), x2=alt.X2(field="x2"), y2=alt.Y2(field="y2"))
    )


def points(
    frame: pd.DataFrame, color: str, *, size: int = 90, shape: str = "circle", tooltip: Sequence[str] = ()
) -> alt.Chart:
    """Marked points from columns x, y (plus tooltip columns)."""
    return (
        alt.Chart(frame)
        .mark_point(filled=True, color=color, size=size, shape=shape, opacity=1, clip=True)
        .encode(
            **xy(),
            tooltip=[alt.Tooltip(field=c, type="quantitative", format=D3_FORMAT) for c in tooltip] or alt.Undefined,
        )
    )


# --- loss surface -----------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """A labelled point on a contour: the minimum, the start, a step."""

    b: float
    w: float
    label: str
    color: str = "#000000"
    shape: str = "circle"
    loss: float | None = None
    #: Where the label sits relative to the dot, in pixels (right/up by default).
    dx: int = 8
    dy: int = -14
    align: str = "left"
    baseline: str = "middle"


#: :class:`Marker` label placement under the dot, to its left (the start, away from the path leaving it).
BELOW_LEFT = {"dx": -8, "dy": 17, "align": "right"}


def label_place(b: float, b_dom: Sequence[float], *, below: bool = False, flip_at: float = 0.5) -> dict:
    """:class:`Marker` label placement that keeps the text inside the window: to the
    right of the dot, or to its left once ``b`` lies past ``flip_at`` of the width;
    above the dot, or under it with ``below``."""
    left = b > b_dom[0] + flip_at * (b_dom[1] - b_dom[0])
    return {"dx": -8 if left else 8, "dy": 17 if below else -14, "align": "right" if left else "left"}


def surface_domains(surface: Surface, *, half_cell: bool = True) -> tuple[tuple[float, float], tuple[float, float]]:
    """The b and w extent of a :func:`contour`: the grid plus half a cell on every side
    (``half_cell=False``: the outermost grid nodes)."""
    bv, wv = surface.b_values, surface.w_values
    db, dw = ((bv[1] - bv[0]) / 2, (wv[1] - wv[0]) / 2) if half_cell else (0.0, 0.0)
    return (float(bv[0] - db), float(bv[-1] + db)), (float(wv[0] - dw), float(wv[-1] + dw))


CLICK_PARAM = "start"


def contour(
    surface: Surface,
    *,
    markers: Sequence[Marker] = (),
    vlines: Sequence[tuple[float, str]] = (),
    hlines: Sequence[tuple[float, str]] = (),
    paths: Sequence[tuple[np.ndarray, np.ndarray, str, str]] = (),
    extra: Sequence[alt.TopLevelMixin] = (),
    title: str = "",
    clickable: bool = False,
    height: int = HEIGHT + 40,
    legend: bool = True,
    b_title: str = "b (intercept)",
    w_title: str = "w (slope)",
) -> alt.LayerChart:
    """The loss surface seen from above: a raster of the loss, labelled contour
    lines, and optional cross-section lines, paths, extra layers and markers.

    Parameters
    ----------
    vlines, hlines : sequence of (value, colour)
        Lines at fixed b (vertical, the red cut) and at fixed w (horizontal).
    paths : sequence of (b values, w values, name, colour)
        Parameter paths (:func:`path_layer`): dots joined in order, cut where they leave the window.
    extra : sequence of charts
        Layers drawn over the paths and under the markers (they share the window's scales).
    clickable : bool
        Add a click layer; the clicked (b, w) comes back through
        :func:`clicked_point`.
    legend : bool
        Show the loss colour bar (the levels stay labelled on the lines either way).
    """
    bv, wv = surface.b_values, surface.w_values
    b_dom, w_dom = surface_domains(surface)
    xs, ys = _scale(b_dom), _scale(w_dom)
    image = (
        alt.Chart(pd.DataFrame({"x": [b_dom[0]], "x2": [b_dom[1]], "y": [w_dom[0]], "y2": [w_dom[1]]}))
        .mark_image(url=surface.png, aspect=False, align="left", baseline="bottom")
        .encode(**xy(b_dom, w_dom, x_title=b_title, y_title=w_title), x2=alt.X2(field="x2"), y2=alt.Y2(field="y2"))
    )
    layers: list[alt.TopLevelMixin] = [image]

    # A coarse, invisible grid: tooltips, the colour legend and the click target.
    step = max(1, bv.size // 25)
    cb, cw = np.meshgrid(bv[::step], wv[::step])
    coarse = pd.DataFrame({"b": cb.ravel(), "w": cw.ravel(), "loss": surface.losses[::step, ::step].ravel()})
    half_b, half_w = step * (bv[1] - bv[0]) / 2, step * (wv[1] - wv[0]) / 2
    coarse["b1"], coarse["b2"] = coarse.b - half_b, coarse.b + half_b
    coarse["w1"], coarse["w2"] = coarse.w - half_w, coarse.w + half_w
    catcher = (
        alt.Chart(coarse)
        .mark_rect(opacity=0.001)
        .encode(
            x=alt.X(field="b1", type="quantitative", scale=xs),
            x2=alt.X2(field="b2"),
            y=alt.Y(field="w1", type="quantitative", scale=ys),
            y2=alt.Y2(field="w2"),
            color=alt.Color(
                field="loss",
                type="quantitative",
                scale=alt.Scale(scheme="viridis", type="sqrt", domain=[surface.low, surface.high]),
                legend=alt.Legend(
                    title="loss", orient="bottom", direction="horizontal", gradientLength=200, gradientOpacity=1
                )
                if legend
                else None,
            ),
            tooltip=[
                alt.Tooltip(field="b", type="quantitative", format=D3_FORMAT_2),
                alt.Tooltip(field="w", type="quantitative", format=D3_FORMAT_2),
                alt.Tooltip(field="loss", type="quantitative", format=D3_FORMAT),
            ],
        )
    )
    if clickable:
        catcher = catcher.add_params(
            alt.selection_point(name=CLICK_PARAM, fields=["b", "w"], on="click", clear=False, toggle=False)
        )
    layers.append(catcher)

    seg = surface.segments
    if len(seg["x"]):
        frame = pd.DataFrame({k: np.asarray(v, np.float32) for k, v in seg.items()})
        layers.append(
            alt.Chart(frame)
            .mark_rule(color="white", strokeWidth=1, opacity=0.75)
            .encode(**xy(b_dom, w_dom), x2=alt.X2(field="x2"), y2=alt.Y2(field="y2"))
        )
        layers.append(_level_labels(frame, xs, ys))
    for value, color in vlines:
        layers.append(
            segments(
                pd.DataFrame({"x": [value], "x2": [value], "y": [w_dom[0]], "y2": [w_dom[1]]}),
                color,
                dashed=True,
                x_domain=b_dom,
                y_domain=w_dom,
            )
        )
    for value, color in hlines:
        layers.append(
            segments(
                pd.DataFrame({"x": [b_dom[0]], "x2": [b_dom[1]], "y": [value], "y2": [value]}),
                color,
                dashed=True,
                x_domain=b_dom,
                y_domain=w_dom,
            )
        )
    for b_path, w_path, name, color in paths:
        layers.append(path_layer(b_path, w_path, name, color, b_dom, w_dom))
    layers.extend(extra)
    if markers:
        layers.extend(_marker_layers(markers, b_dom, w_dom))
    return alt.layer(*layers, title=title, height=height)


def marker_layer(
    markers: Sequence[Marker],
    b_dom: Sequence[float],
    w_dom: Sequence[float],
    *,
    loss_at: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    color: str | None = None,
) -> alt.LayerChart:
    """Labelled dots on a loss contour (a white rim, the label beside each dot).

    Positions far outside the window are clipped. Each marker's label sits
    where its ``dx``, ``dy``, ``align`` and ``baseline`` put it (one text layer
    per placement).

    Parameters
    ----------
    loss_at : callable, optional
        ``loss_at(b, w)``: the tooltip's loss computed at each drawn position;
        otherwise the markers' own ``loss`` (left out unless every marker has a finite one).
    color : str, optional
        Draw every marker in this colour (no colour column); otherwise each in its own.
    """
    return alt.layer(*_marker_layers(markers, b_dom, w_dom, loss_at=loss_at, color=color))


def _marker_layers(
    markers: Sequence[Marker],
    b_dom: Sequence[float],
    w_dom: Sequence[float],
    *,
    loss_at: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    color: str | None = None,
) -> list[alt.Chart]:
    """The layers of :func:`marker_layer`: the dots, then one text layer per label placement."""
    frame = pd.DataFrame(
        {
            "x": clip_to([m.b for m in markers], b_dom),
            "y": clip_to([m.w for m in markers], w_dom),
            "label": [m.label for m in markers],
        }
    )
    if color is None:
        frame["color"] = [m.color for m in markers]
    if loss_at is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            frame["loss"] = clip_to(loss_at(frame.x.to_numpy(), frame.y.to_numpy()), (0.0, 1e300))
    elif all(m.loss is not None and math.isfinite(m.loss) for m in markers):
        frame["loss"] = [float(m.loss) for m in markers]  # a missing loss would travel as NaN
    paint = {"color": alt.Color(field="color", type="nominal", scale=None)} if color is None else {}
    mark_color = {} if color is None else {"color": color}
    text_paint = {"color": alt.Color(field="ink", type="nominal", scale=None)} if color is None else {}
    text_color = {} if color is None else {"color": ink(color)}
    # Each label in its marker's readable shade, looked up in the browser: the data stay as they are.
    to_ink = f"{json.dumps({m.color: ink(m.color) for m in markers})}[datum.color] || datum.color"
    tooltip = [
        alt.Tooltip(field="label", type="nominal"),
        alt.Tooltip(field="x", type="quantitative", title="b", format=D3_FORMAT),
        alt.Tooltip(field="y", type="quantitative", title="w", format=D3_FORMAT),
    ]
    if "loss" in frame:
        tooltip.append(alt.Tooltip(field="loss", type="quantitative", format=D3_FORMAT))
    enc = xy(b_dom, w_dom)
    layers = [
        alt.Chart(frame)
        .mark_point(filled=True, size=110, opacity=1, stroke="white", strokeWidth=1, clip=True, **mark_color)
        .encode(**enc, **paint, tooltip=tooltip)
    ]
    places = [(m.dx, m.dy, m.align, m.baseline) for m in markers]
    for place in dict.fromkeys(places):
        dx, dy, align, baseline = place
        rows = frame[[p == place for p in places]]
        layers.append(
            halo(
                (alt.Chart(rows).transform_calculate(ink=to_ink) if color is None else alt.Chart(rows))
                .mark_text(
                    align=align,
                    baseline=baseline,
                    dx=dx,
                    dy=dy,
                    fontSize=13,
                    fontWeight="bold",
                    clip=True,
                    **text_color,
                )
                .encode(**enc, **text_paint, text=alt.Text(field="label", type="nominal"))
            )
        )
    return layers


def _level_labels(frame: pd.DataFrame, xs: alt.Scale, ys: alt.Scale) -> alt.LayerChart:
    """One label per contour level, at its segment nearest the top-right corner."""
    # Stay off the outer 8% of the window so a label is never cut by the edge.
    x_lo, x_hi, y_lo, y_hi = frame.x.min(), frame.x.max(), frame.y.min(), frame.y.max()
    mx, my = 0.08 * (x_hi - x_lo), 0.08 * (y_hi - y_lo)
    inner = frame[(frame.x > x_lo + mx) & (frame.x < x_hi - mx) & (frame.y > y_lo + my) & (frame.y < y_hi - my)]
    frame = (inner if inner["level"].nunique() == frame["level"].nunique() else frame).copy()
    frame["score"] = frame.x + frame.y
    picks = frame.loc[frame.groupby("level")["score"].idxmax()]
    picks = picks.assign(text=[short(v) for v in picks.level])
    return halo(
        alt.Chart(picks)
        .mark_text(color=LEVEL_TEXT, fontSize=11, dx=-6, dy=8, fontWeight="bold")
        .encode(
            x=alt.X(field="x", type="quantitative", scale=xs),
            y=alt.Y(field="y", type="quantitative", scale=ys),
            text=alt.Text(field="text", type="nominal"),
        ),
        LEVEL_HALO,
    )


#: Most points of one path sent to a chart.
MAX_PATH_DRAWN = 300


def thin_indices(upto: int, max_points: int = MAX_PATH_DRAWN) -> np.ndarray:
    """Indices 0..upto (inclusive) to draw: all of them when few, else the
    first 60 and then log-spaced ones (descent moves fastest early), ending at ``upto``."""
    upto = max(0, int(upto))
    if upto + 1 <= max_points:
        return np.arange(upto + 1)
    head = np.arange(60)
    tail = np.geomspace(60, upto, max_points - 60).round().astype(int)
    return np.unique(np.concatenate([head, tail, [upto]]))


@dataclass(frozen=True)
class VisiblePath:
    """The part of a path a window can show.

    ``b``, ``w`` and ``epoch`` are the (thinned) points up to the first epoch
    outside the window; that last point is moved onto the window's edge, where
    the segment towards it leaves. ``exit_epoch`` is that epoch (None when the
    whole path stays inside).
    """

    b: np.ndarray
    w: np.ndarray
    epoch: np.ndarray
    exit_epoch: int | None

    @property
    def edge(self) -> tuple[float, float] | None:
        """Where the path leaves the window (None when it never does)."""
        return None if self.exit_epoch is None else (float(self.b[-1]), float(self.w[-1]))


def visible_path(
    b: np.ndarray,
    w: np.ndarray,
    b_dom: Sequence[float],
    w_dom: Sequence[float],
    upto: int | None = None,
    max_points: int = MAX_PATH_DRAWN,
) -> VisiblePath:
    """Cut a path where it first leaves the window (a diverging run), so no
    line is drawn from far outside back across the chart."""
    b = np.asarray(b, float)[: None if upto is None else upto + 1]
    w = np.asarray(w, float)[: None if upto is None else upto + 1]
    (b_lo, b_hi), (w_lo, w_hi) = b_dom, w_dom
    inside = np.isfinite(b) & np.isfinite(w) & (b >= b_lo) & (b <= b_hi) & (w >= w_lo) & (w <= w_hi)
    exit_epoch = None if inside.all() else int(np.argmin(inside))
    last = b.size - 1 if exit_epoch is None else exit_epoch
    idx = thin_indices(last, max_points)
    bb, ww = b[idx].copy(), w[idx].copy()
    if exit_epoch is not None:
        if exit_epoch == 0:
            bb[-1] = float(np.clip(np.nan_to_num(bb[-1]), b_lo, b_hi))
            ww[-1] = float(np.clip(np.nan_to_num(ww[-1]), w_lo, w_hi))
        else:
            bb[-1], ww[-1] = _edge_point(
                (b[exit_epoch - 1], w[exit_epoch - 1]), (b[exit_epoch], w[exit_epoch]), b_dom, w_dom
            )
    return VisiblePath(bb, ww, idx, exit_epoch)


def _edge_point(
    p: tuple[float, float], q: tuple[float, float], b_dom: Sequence[float], w_dom: Sequence[float]
) -> tuple[float, float]:
    """Where the segment from p (inside the window) to q (outside) crosses its edge."""
    t = 1.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k, (lo, hi) in enumerate((b_dom, w_dom)):
            d = q[k] - p[k]
            if not math.isfinite(d):
                t = 0.0
            elif q[k] > hi and d > 0:
                t = min(t, (hi - p[k]) / d)
            elif q[k] < lo and d < 0:
                t = min(t, (lo - p[k]) / d)
        t = max(0.0, min(1.0, t))
        out = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
    if not all(math.isfinite(v) for v in out):
        out = p
    return float(np.clip(out[0], *b_dom)), float(np.clip(out[1], *w_dom))


def _finite(values: np.ndarray) -> np.ndarray:
    """Values safe to send to a chart as data (not drawn): NaN as 0, ±inf as ±1e300."""
    return np.clip(np.nan_to_num(np.asarray(values, float)), -1e300, 1e300)


def path_layer(
    b_path: np.ndarray,
    w_path: np.ndarray,
    name: str,
    color: str,
    b_dom: Sequence[float],
    w_dom: Sequence[float],
    *,
    dashed: bool = False,
) -> alt.Chart:
    """A descent path: dots joined in order, cut where it first leaves the window
    (:func:`visible_path`); the tooltips give each point's actual b and w."""
    path = visible_path(b_path, w_path, b_dom, w_dom)
    frame = pd.DataFrame(
        {
            "b": path.b,
            "w": path.w,
            "step": path.epoch,
            "path": name,
            "b_value": _finite(np.asarray(b_path, float)[path.epoch]),
            "w_value": _finite(np.asarray(w_path, float)[path.epoch]),
        }
    )
    dots = alt.OverlayMarkDef(color=color, size=28, opacity=0.9, filled=True)
    return (
        alt.Chart(frame)
        .mark_line(color=color, strokeWidth=1.5, strokeDash=[4, 3] if dashed else [1, 0], point=dots, clip=True)
        .encode(
            **xy(b_dom, w_dom, x="b", y="w"),
            order=alt.Order(field="step", type="quantitative"),
            tooltip=[
                alt.Tooltip(field="path", type="nominal"),
                alt.Tooltip(field="step", type="quantitative"),
                alt.Tooltip(field="b_value", type="quantitative", title="b", format=D3_FORMAT),
                alt.Tooltip(field="w_value", type="quantitative", title="w", format=D3_FORMAT),
            ],
        )
    )


def clicked_point(state: Any) -> tuple[float, float] | None:
    """The (b, w) a learner clicked on a :func:`contour` with ``clickable=True``.

    Accepts the object ``st.altair_chart(..., on_select="rerun")`` returns
    (or a plain dict); returns None when nothing usable was clicked.
    """
    try:
        selection = state["selection"] if isinstance(state, dict) else state.selection
        picked = selection[CLICK_PARAM] if isinstance(selection, dict) else getattr(selection, CLICK_PARAM)
    except (AttributeError, KeyError, TypeError):
        return None
    if not picked:
        return None
    first = picked[0] if isinstance(picked, (list, tuple)) else picked
    try:
        b, w = float(first["b"]), float(first["w"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(b) and math.isfinite(w)):
        return None
    return b, w


# --- cross-sections and curves ------------------------------------------------


def curve(
    x: np.ndarray,
    y: np.ndarray,
    color: str,
    *,
    name: str = "",
    dashed: bool = True,
    width: float = 2.5,
    x_domain=None,
    y_domain=None,
    x_title: str = "",
    y_title: str = "loss (MSE)",
) -> alt.Chart:
    """A curve y(x), clipped to the domain, with tooltips."""
    y_arr = np.asarray(y, float)
    if y_domain is not None:
        y_arr = clip_to(y_arr, y_domain)
    frame = pd.DataFrame({"x": np.asarray(x, float), "y": y_arr, "curve": name or "curve"})
    return (
        alt.Chart(frame)
        .mark_line(color=color, strokeWidth=width, strokeDash=[6, 4] if dashed else [1, 0], clip=True)
        .encode(
            x=alt.X(field="x", type="quantitative", title=x_title, scale=_scale(x_domain)),
            y=alt.Y(field="y", type="quantitative", title=y_title, scale=_scale(y_domain)),
            tooltip=[
                alt.Tooltip(field="curve", type="nominal"),
                alt.Tooltip(field="x", type="quantitative", title=x_title or "x", format=D3_FORMAT_3),
                alt.Tooltip(field="y", type="quantitative", title="loss", format=D3_FORMAT),
            ],
        )
    )


def cross_section(
    values: np.ndarray,
    losses: np.ndarray,
    param: str,
    fixed_text: str,
    *,
    dots: Sequence[tuple[float, float]] = (),
    y_domain: Sequence[float] = (-0.1, 15.1),
    x_domain=None,
    name: str = "",
) -> alt.LayerChart:
    """Loss along one parameter with the other fixed (red for w, black for b)."""
    color = cut_color(param)
    layers = [
        curve(
            values,
            losses,
            color,
            name=name or f"loss along {param}",
            x_domain=x_domain,
            y_domain=y_domain,
            x_title=param,
        )
    ]
    if dots:
        frame = pd.DataFrame({"x": [d[0] for d in dots], "y": clip_to([d[1] for d in dots], y_domain)})
        frame["loss"] = [d[1] for d in dots]
        layers.append(points(frame, color, tooltip=("x", "loss")))
    return alt.layer(*layers).properties(title=fixed_text, height=HEIGHT)


def cross_section_domain(f: TrainSummary, start: tuple[float, float], is_book: bool) -> tuple[float, float]:
    """Fixed loss axis for the cross-section panels (the book's [-0.1, 6.1] by default).

    ``f`` is anything with the training set's ``stats`` and ``min_loss`` (a
    :class:`~ui.results.TrainSummary`, or the Rinse and Repeat page's ``Facts``).
    """
    if is_book:
        return (-0.1, 6.1)
    top = max(2.2 * float(f.stats.loss(*start)), 4.0 * f.min_loss, 1e-6)
    return (-0.02 * top, top)


def loss_over_epochs(
    epochs: np.ndarray,
    series: dict[str, tuple[np.ndarray, str]],
    *,
    title: str = "Loss over epochs",
    y_title: str = "loss (MSE)",
) -> alt.LayerChart:
    """Loss curves per epoch (train, validation, ...) on a log axis.

    Values that are not positive and finite are left out.
    """
    frames = []
    for name, (values, _color) in series.items():
        v = np.asarray(values, float)
        keep = np.isfinite(v) & (v > 0)
        frames.append(pd.DataFrame({"epoch": np.asarray(epochs)[keep], "loss": v[keep], "series": name}))
    frame = pd.concat(frames, ignore_index=True)
    frame = _thin(frame, "series", 600)
    names = list(series)
    chart = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2, clip=True)
        .encode(
            x=alt.X(field="epoch", type="quantitative", title="epoch"),
            y=alt.Y(field="loss", type="quantitative", title=y_title, scale=alt.Scale(type="log")),
            color=alt.Color(
                field="series",
                type="nominal",
                scale=alt.Scale(domain=names, range=[series[n][1] for n in names]),
                title=None,
            ),
            tooltip=[
                alt.Tooltip(field="series", type="nominal"),
                alt.Tooltip(field="epoch", type="quantitative"),
                alt.Tooltip(field="loss", type="quantitative", format=D3_SIG6),
            ],
        )
    )
    return alt.layer(chart).properties(title=title, height=HEIGHT)


def _thin(frame: pd.DataFrame, by: str, max_rows: int) -> pd.DataFrame:
    """Keep at most ``max_rows`` evenly spaced rows per group (ends included)."""
    parts = []
    for _, part in frame.groupby(by, sort=False):
        if len(part) > max_rows:
            idx = np.unique(np.linspace(0, len(part) - 1, max_rows).round().astype(int))
            part = part.iloc[idx]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# --- the rotatable 3-D surface (Plotly) --------------------------------------


def surface_3d(surface: Surface, markers: Sequence[Marker] = (), title: str = "Loss surface"):
    """A rotatable 3-D loss surface with markers at their true heights."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(
        go.Surface(
            x=surface.b_values,
            y=surface.w_values,
            z=surface.losses.astype(np.float32),
            colorscale="Viridis",
            opacity=0.85,
            showscale=False,
            contours={"z": {"show": True, "usecolormap": True, "project": {"z": True}}},
            hovertemplate=f"b=%{{x:{D3_FORMAT_2}}}<br>w=%{{y:{D3_FORMAT_2}}}<br>loss=%{{z:{D3_FORMAT}}}<extra></extra>",
        )
    )
    if markers:
        fig.add_trace(
            go.Scatter3d(
                x=[m.b for m in markers],
                y=[m.w for m in markers],
                z=[m.loss if m.loss is not None else np.nan for m in markers],
                mode="markers+text",
                text=[m.label for m in markers],
                textposition="top center",
                marker={"size": 6, "color": [m.color for m in markers]},
                hovertemplate=f"%{{text}}<br>b=%{{x:{D3_FORMAT}}}<br>w=%{{y:{D3_FORMAT}}}<br>loss=%{{z:{D3_FORMAT}}}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        height=460,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        paper_bgcolor=BACKGROUND,
        font={"color": "#222222"},
        showlegend=False,
        scene={
            "xaxis_title": "b",
            "yaxis_title": "w",
            "zaxis_title": "loss",
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.6},
            # The book's view: elevation 40 degrees, azimuth 260 degrees.
            "camera": {"eye": {"x": -0.29, "y": -1.66, "z": 1.41}},
        },
    )
    return fig
