"""Where the points come from: the book's synthetic data, a real data set, or the learner's own CSV.

A data source is named by one short string, the ``data`` setting:

- ``"book"``: the chapter's generated line with noise (seed, N, noise, true b and w);
- a key of :data:`REAL_SETS` (``"iris"``, ``"diabetes"``, ``"linnerud"``): one feature against one target of a
  data set that ships inside scikit-learn, so it loads offline;
- ``"csv:<digest>"``: columns the learner picked from an uploaded or pasted file. The points live in this
  session only (:func:`store_upload`), at most one data set per session, and go when the session ends.

:class:`DataKey` is everything a data set depends on, and so the key of every cached result.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import streamlit as st

import gdcore

from . import csvdata
from .csvdata import Selection
from .numbers import count

BOOK = "book"
UPLOAD_PREFIX = "csv:"
#: Where this session keeps its upload (a :class:`ui.csvdata.Selection`, at most 100,000 points), and
#: the upload as a link parameter (computed once; None when it has too many rows to travel).
UPLOAD_KEY = "gd_upload"
UPLOAD_LINK_KEY = "gd_upload_link"


@dataclass(frozen=True)
class DataKey:
    """What a data set depends on: the one key of every cached result (see :mod:`ui.results`).

    For the book's data all five numbers matter. For a real data set or an upload only ``seed`` (the
    80/20 shuffle) and ``source`` do; the others are fixed (``n`` is the set's size) so that equal data
    share cache entries. Streamlit's cache hashes a frozen dataclass by its fields.
    """

    seed: int = 42
    n: int = 100
    noise: float = 0.1
    true_b: float = 1.0
    true_w: float = 2.0
    source: str = BOOK

    @property
    def is_synthetic(self) -> bool:
        """True for generated data: a true line exists and the book's windows apply."""
        return self.source == BOOK


@dataclass(frozen=True)
class RealSet:
    """One feature against one target of a data set bundled with scikit-learn."""

    key: str
    name: str
    loader: str  # the sklearn.datasets function
    x_name: str
    x_unit: str
    y_name: str
    y_unit: str
    size: int
    origin: str
    # Where x and y are in the loader's result: its ``data`` or ``target`` array, and the column
    # (None: the array is 1-D). Iris keeps both measures in ``data``; Linnerud keeps the body
    # measures (weight, waist, pulse) in ``target`` and the exercises in ``data``.
    x_from: str
    x_column: int
    y_from: str
    y_column: int | None = None
    loader_kwargs: tuple[tuple[str, object], ...] = ()

    @property
    def x_title(self) -> str:
        return f"{self.x_name} ({self.x_unit})"

    @property
    def y_title(self) -> str:
        return f"{self.y_name} ({self.y_unit})"


REAL_SETS: dict[str, RealSet] = {
    s.key: s
    for s in (
        RealSet(
            "iris",
            "Iris",
            "load_iris",
            "petal length",
            "cm",
            "petal width",
            "cm",
            150,
            "Fisher's iris flowers (1936): 150 flowers of three species, measured by Edgar Anderson.",
            x_from="data",
            x_column=2,
            y_from="data",
            y_column=3,
        ),
        RealSet(
            "diabetes",
            "Diabetes",
            "load_diabetes",
            "BMI",
            "kg/m²",
            "disease progression",
            "score one year after baseline",
            442,
            "Efron, Hastie, Johnstone and Tibshirani (2004): 442 diabetes patients, in raw units.",
            x_from="data",
            x_column=2,
            y_from="target",
            loader_kwargs=(("scaled", False),),
        ),
        RealSet(
            "linnerud",
            "Linnerud",
            "load_linnerud",
            "weight",
            "lb",
            "waist",
            "in",
            20,
            "Tenenhaus (1998): 20 middle-aged men at a fitness club; weight against waist size.",
            x_from="target",
            x_column=0,
            y_from="target",
            y_column=1,
        ),
    )
}
#: Most rows an upload may have to travel in a link.
INLINE_MAX_ROWS = csvdata.INLINE_MAX_ROWS
#: The names a ``data=`` link accepts.
LINK_NAMES = (BOOK, *REAL_SETS, "csv")


@functools.lru_cache(maxsize=len(REAL_SETS))
def real_points(key: str) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) of a real data set, read-only. They are small (at most 442 points) and kept."""
    import sklearn.datasets  # imported here: only pages on a real data set pay for it

    entry = REAL_SETS[key]
    bunch = getattr(sklearn.datasets, entry.loader)(**dict(entry.loader_kwargs))
    x = np.asarray(getattr(bunch, entry.x_from), dtype=float)[:, entry.x_column]
    y = np.asarray(getattr(bunch, entry.y_from), dtype=float)
    y = y if entry.y_column is None else y[:, entry.y_column]
    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def upload() -> Selection | None:
    """This session's uploaded data, if any."""
    return st.session_state.get(UPLOAD_KEY)


def store_upload(selection: Selection) -> str:
    """Keep ``selection`` as this session's one upload (replacing any other); return its source name."""
    st.session_state[UPLOAD_KEY] = selection
    st.session_state.pop(UPLOAD_LINK_KEY, None)
    return UPLOAD_PREFIX + selection.digest


def upload_link_value(source: str) -> str | None:
    """The inline link parameter of the session's upload when ``source`` names it and it is small enough."""
    held = upload_for(source)
    if held is None or held.x.size > INLINE_MAX_ROWS:
        return None
    if UPLOAD_LINK_KEY not in st.session_state:
        st.session_state[UPLOAD_LINK_KEY] = csvdata.encode_inline(held)
    return st.session_state[UPLOAD_LINK_KEY]


def upload_from_link(text: str) -> tuple[str | None, str | None]:
    """Decode a link's inline points, checked like an upload; keep them. Returns (source, error message)."""
    try:
        selection = csvdata.decode_inline(text)
    except csvdata.DataError as error:
        return None, str(error)
    return store_upload(selection), None


def upload_for(source: str) -> Selection | None:
    """The session's upload when ``source`` names it, else None."""
    held = upload()
    return held if held is not None and source == UPLOAD_PREFIX + held.digest else None


def is_upload(source: str) -> bool:
    return source.startswith(UPLOAD_PREFIX)


def key_for(source: str, seed: int, n: int, noise: float, true_b: float, true_w: float) -> DataKey:
    """The :class:`DataKey` of a source, with the settings that do not apply to it fixed."""
    if source in REAL_SETS:
        return DataKey(seed, REAL_SETS[source].size, 0.0, 0.0, 0.0, source)
    held = upload_for(source)
    if held is not None:
        # A file with its own split column does not use the seed: one key for every seed.
        return DataKey(seed if held.is_val is None else 0, int(held.x.size), 0.0, 0.0, 0.0, source)
    return DataKey(seed, n, noise, true_b, true_w, BOOK)


def load(key: DataKey) -> gdcore.Dataset:
    """The data set a key names, split into training and validation (O(N): call it through the cache)."""
    if key.source == BOOK:
        return gdcore.make_data(key.n, key.true_b, key.true_w, key.noise, key.seed)
    if key.source in REAL_SETS:
        x, y = real_points(key.source)
        return gdcore.split_data(x, y, key.seed)
    held = upload_for(key.source)
    if held is None:
        raise LookupError(f"no uploaded data named {key.source!r} in this session")
    if held.is_val is not None:
        return gdcore.split_by_mask(held.x, held.y, held.is_val)
    return gdcore.split_data(held.x, held.y, key.seed)


def starting_lr(key: DataKey, book_lr: float) -> float:
    """The learning rate a newly chosen data set starts with: the book's on the book's data, else a round rate
    that never overshoots on it (:func:`gdcore.smooth_lr`), since the book's 0.1 diverges on data in larger units."""
    if key.source == BOOK:
        return book_lr
    return gdcore.smooth_lr(load(key).x_train)


def split_counts(key: DataKey) -> tuple[int, int]:
    """(training, validation) point counts of a key's data set, without loading it."""
    if key.source != BOOK:
        held = upload_for(key.source)
        if held is not None and held.is_val is not None:
            n_val = int(np.count_nonzero(held.is_val))
            return key.n - n_val, n_val
    return gdcore.split_sizes(key.n)


@dataclass(frozen=True)
class Description:
    """How the pages name a source: title, axis titles and where it comes from."""

    title: str
    x_title: str
    y_title: str
    origin: str


def describe(key: DataKey) -> Description:
    """Name, units and origin of the data a key names, as Markdown-safe text."""
    if key.source in REAL_SETS:
        s = REAL_SETS[key.source]
        return Description(f"{s.name} data set", s.x_title, s.y_title, s.origin)
    held = upload_for(key.source)
    if held is not None:
        # The learner's column names, as code spans: Markdown shows them as typed, never rendered.
        return Description(
            "your data",
            csvdata.plain_value(held.x_name),
            csvdata.plain_value(held.y_name),
            f"your file ({count(held.n_rows_read)} rows read)",
        )
    return Description("the book's synthetic data", "x", "y", "generated: y = b + w x + noise")
