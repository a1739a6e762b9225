"""The choice of data in the sidebar's Data fold: the book's, a real data set, or the learner's CSV.

A file is read only when the learner presses "Use this data": then its chosen columns are checked
(:mod:`ui.csvdata`) and, if they pass, become the session's one upload (:func:`ui.sources.store_upload`)
and the data every page runs on. If they do not, a message names the row, column and value at fault,
and the data already in use stay. Either way the uploader is emptied: the server keeps the checked
points (at most 100,000), never the file.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from . import csvdata, sources
from .numbers import count, short
from .settings import DEFAULTS, WIDGET_PREFIX, Settings, current, hidden, locked, set_settings

#: The source selector's widget, its option for "your own CSV", and the upload's widgets.
SOURCE_KEY = WIDGET_PREFIX + "data"
UPLOAD_OPTION = "csv"
FILE_KEY = WIDGET_PREFIX + "upload_file"
PASTE_KEY = WIDGET_PREFIX + "upload_paste"
COLUMN_KEYS = {role: f"{WIDGET_PREFIX}upload_{role}" for role in ("x", "y", "split")}
#: A generation number in each uploader key: a new number empties the uploader (and drops the file).
_GENERATION_KEY = "gd_upload_generation"
_ERROR_KEY = "gd_upload_error"
_NOTICE_KEY = "gd_upload_notice"
_NAMES_KEY = "gd_upload_columns"
#: Longest pasted text; a larger file is uploaded instead.
PASTE_MAX_CHARS = 200_000
NO_SPLIT = "(none: split 80/20 with the seed)"
#: Names a split column is often given; the first match is offered first.
_SPLIT_NAMES = ("split", "set", "subset", "is_validation", "is_val", "validation", "fold")


def _options() -> list[str]:
    return [sources.BOOK, *sources.REAL_SETS, UPLOAD_OPTION]


def _label(option: str) -> str:
    if option == sources.BOOK:
        return "The book's synthetic data"
    if option in sources.REAL_SETS:
        # The name alone: "Iris: petal length → petal width" is cut off in a sidebar's select box; the caption
        # under it names the columns, units and source.
        return sources.REAL_SETS[option].name
    return "Your own CSV"


def _shown_option(settings: Settings) -> str:
    """The selector's option for the data in use, or "csv" while the learner is choosing a file."""
    if sources.is_upload(settings.data):
        return UPLOAD_OPTION
    if st.session_state.get(SOURCE_KEY) == UPLOAD_OPTION:
        return UPLOAD_OPTION  # picked, no file used yet: the previous data stay in use meanwhile
    return settings.data


def _on_source_change() -> None:
    choice = st.session_state.get(SOURCE_KEY)
    st.session_state.pop(_ERROR_KEY, None)
    if choice == UPLOAD_OPTION:
        held = sources.upload()
        if held is not None:
            _switch_to(sources.UPLOAD_PREFIX + held.digest)
        return
    _switch_to(choice)


def _switch_to(source: str) -> None:
    """Make ``source`` the data in use, with a learning rate that suits it (the book's 0.1 diverges on data
    in larger units); say so when η changes."""
    before = current().lr
    set_settings(data=source)
    lr = sources.starting_lr(current().data_key, DEFAULTS.lr)
    if lr != before and not set_settings(lr=lr):
        st.toast(
            f"η is now {short(lr)}, a rate at which descent on these data never overshoots.", icon=":material/tune:"
        )


def show(settings: Settings) -> None:
    """The source selector, then what the chosen source needs (its description, or the upload form).

    A teacher's link may hide the choice (``hide=data``) or fix it (``lock=data``): then the data in use
    are described, and nothing can be uploaded.
    """
    if hidden("data"):
        return
    fixed = locked("data")
    st.session_state[SOURCE_KEY] = _shown_option(settings)
    st.selectbox(
        "Data source",
        _options(),
        format_func=_label,
        key=SOURCE_KEY,
        on_change=_on_source_change,
        disabled=fixed,
        help="The book's generated line, a real data set shipped with scikit-learn, or a CSV file of yours."
        + (" Fixed by this link." if fixed else ""),
    )
    option = st.session_state[SOURCE_KEY]
    if option in sources.REAL_SETS:
        _describe_real(settings)
    elif option == UPLOAD_OPTION and fixed:
        held = sources.upload_for(settings.data)
        if held is not None:
            st.caption(_held_text(held))
    elif option == UPLOAD_OPTION:
        _upload_form(settings)


def _describe_real(settings: Settings) -> None:
    entry = sources.REAL_SETS.get(settings.data)
    if entry is None:
        return
    n_train, n_val = sources.split_counts(settings.data_key)
    st.caption(
        f"{entry.x_title} against {entry.y_title}. {count(entry.size)} points: {count(n_train)} to train on, "
        f"{count(n_val)} to validate (80/20, shuffled with the seed). {entry.origin}"
    )


def _upload_form(settings: Settings) -> None:
    held = sources.upload_for(settings.data)
    if held is not None:
        st.caption(_held_text(held))
    elif sources.upload() is None:
        st.caption("Until you use a file, the pages keep the data already in use.")
    generation = st.session_state.get(_GENERATION_KEY, 0)
    st.file_uploader(
        "CSV file",
        type=["csv", "txt", "tsv"],
        key=f"{FILE_KEY}_{generation}",
        help=f"Comma, semicolon or tab separated, with a header row; up to {count(csvdata.MAX_ROWS)} rows "
        f"(the lesson samples {count(csvdata.MAX_POINTS)} of a larger file).",
    )
    st.text_area(
        "…or paste CSV text",
        key=PASTE_KEY,
        max_chars=PASTE_MAX_CHARS,
        height=90,
        placeholder="x,y\n0.5,2.1\n…",
    )
    raw = _pending_bytes()
    if raw is not None:
        _column_pickers(raw)
        st.button("Use this data", on_click=_use, args=(settings.seed,), type="primary", width="stretch")
    if st.session_state.get(_ERROR_KEY):
        st.error(st.session_state[_ERROR_KEY], icon=":material/error:")
    elif st.session_state.get(_NOTICE_KEY):
        st.info(st.session_state[_NOTICE_KEY], icon=":material/info:")


def _held_text(held: csvdata.Selection) -> str:
    split = f"split by {csvdata.plain_value(held.split_name)}" if held.split_name else "split 80/20 with the seed"
    return (
        f"In use: {csvdata.plain_value(held.x_name)} → {csvdata.plain_value(held.y_name)}, "
        f"{count(held.x.size)} points, {split}."
    )


def _pending_bytes() -> bytes | None:
    """The file in the uploader, or else the pasted text, as bytes (None when there is neither)."""
    uploaded = st.session_state.get(f"{FILE_KEY}_{st.session_state.get(_GENERATION_KEY, 0)}")
    if uploaded is not None:
        return uploaded.getvalue()
    pasted = st.session_state.get(PASTE_KEY) or ""
    return pasted.encode("utf-8") if pasted.strip() else None


def _column_pickers(raw: bytes) -> None:
    """x, y and split pickers over the file's column names (read once per file, numbers skipped)."""
    names = _column_names(raw)
    if names is None:
        return
    for role, default in (("x", 0), ("y", 1)):
        key = COLUMN_KEYS[role]
        if st.session_state.get(key) not in names:
            st.session_state[key] = names[min(default, len(names) - 1)]
        st.selectbox(f"{role} column", names, key=key)
    split_options = [NO_SPLIT, *names]
    key = COLUMN_KEYS["split"]
    if st.session_state.get(key) not in split_options:
        guess = next((n for n in names if n.strip().lower() in _SPLIT_NAMES), NO_SPLIT)
        st.session_state[key] = guess
    st.selectbox(
        "split column", split_options, key=key, help="A column marking rows as training or validation, if any."
    )


def _column_names(raw: bytes) -> list[str] | None:
    """The file's column names, read once per file (numbers skipped); None when the file does not read.

    The names (or the file's error) are kept with the file's fingerprint, so reruns while the learner
    picks columns do not read the file again.
    """
    fingerprint = hashlib.sha256(raw).hexdigest()
    cached = st.session_state.get(_NAMES_KEY)
    if cached is None or cached[0] != fingerprint:
        try:
            cached = (fingerprint, list(csvdata.read_table(raw, usecols=()).columns), None)
        except csvdata.DataError as error:
            cached = (fingerprint, None, f"This file cannot be used, so the data in use stay: {error}")
        st.session_state[_NAMES_KEY] = cached
        st.session_state.pop(_ERROR_KEY, None)
    if cached[2] is not None:
        st.session_state[_ERROR_KEY] = cached[2]
    return cached[1]


def _use(seed: int) -> None:
    """Callback of "Use this data": check the chosen columns; on success they become the data in use."""
    raw = _pending_bytes()
    st.session_state.pop(_NOTICE_KEY, None)
    if raw is None:
        return
    x, y = st.session_state.get(COLUMN_KEYS["x"]), st.session_state.get(COLUMN_KEYS["y"])
    split = st.session_state.get(COLUMN_KEYS["split"])
    split = None if split in (None, NO_SPLIT) else split
    try:
        table = csvdata.read_table(raw, usecols=[name for name in (x, y, split) if name])
        selection = csvdata.select(table, x, y, split, seed=seed)
    except csvdata.DataError as error:
        st.session_state[_ERROR_KEY] = f"This file cannot be used, so the data in use stay: {error}"
    else:
        st.session_state.pop(_ERROR_KEY, None)
        st.session_state[_NOTICE_KEY] = selection.notice
        _switch_to(sources.store_upload(selection))
        st.session_state[PASTE_KEY] = ""
    # Empty the uploader either way: the server keeps the checked points, never the file.
    st.session_state[_GENERATION_KEY] = st.session_state.get(_GENERATION_KEY, 0) + 1
    st.session_state.pop(_NAMES_KEY, None)
