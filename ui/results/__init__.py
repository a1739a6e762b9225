"""Every cached result and its type, keyed by :class:`~ui.settings.DataKey`.

``common`` holds what several pages share (the data set, its features, the training
summary, surfaces, curvature and descent runs); each other module holds the results of one
page or topic. What is N-sized lives in the byte-bounded :data:`DATA_CACHE`; everything else
is O(1), O(grid) or O(epochs) per setting and goes through ``st.cache_data`` with an entry limit.
"""

from .common import (
    DATA_CACHE,
    FEATURES,
    MAX_SCATTER_POINTS,
    Curvature,
    Features,
    Prediction,
    Snapped,
    Surface,
    TrainSummary,
    curvature,
    data_csv,
    data_file_name,
    dataset,
    display_points,
    display_sample,
    features,
    history,
    history_csv,
    history_for,
    prediction,
    surface,
    train_summary,
)

__all__ = [
    "Curvature",
    "DATA_CACHE",
    "FEATURES",
    "Features",
    "MAX_SCATTER_POINTS",
    "Prediction",
    "Snapped",
    "Surface",
    "TrainSummary",
    "curvature",
    "data_csv",
    "data_file_name",
    "dataset",
    "display_points",
    "display_sample",
    "features",
    "history",
    "history_csv",
    "history_for",
    "prediction",
    "surface",
    "train_summary",
]
