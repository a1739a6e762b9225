"""The shared sidebar: one validated settings object, kept in the session and the URL.

Every page calls :func:`sidebar`. The values live in one place,
``st.session_state[STATE_KEY]``, so they survive page switches (including
values that arrived with a link), and are mirrored into the URL after every
run, so the address bar always holds a link that reproduces the view.

URL values are checked before use: a value that is not a number, is not
finite or is out of range is replaced (by the default, or clamped into the
allowed range) and the page shows a warning naming the parameter, the value
received and the value used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

import streamlit as st

import gdcore

from . import sources
from .sources import BOOK, DataKey

STATE_KEY = "gd_settings"
WRITTEN_KEY = "gd_query_written"
WARNINGS_KEY = "gd_url_warnings"
WIDGET_PREFIX = "gd_widget_"
#: What a teacher's link locks and hides (tuples of setting names), and the settings it carried
#: (what "Reset" restores for those); written by :mod:`ui.classroom`.
LOCKED_KEY = "gd_locked"
HIDDEN_KEY = "gd_hidden"
LINK_SETTINGS_KEY = "gd_link_settings"


@dataclass(frozen=True)
class Settings:
    """Everything the sidebar controls, validated.

    ``batch`` is the mini-batch size; 0 means all training points (batch
    descent). ``b0`` and ``w0`` are the starting point; ``None`` means the
    random initialisation drawn from ``seed``.
    """

    seed: int = 42
    n: int = 100
    noise: float = 0.1
    true_b: float = 1.0
    true_w: float = 2.0
    lr: float = 0.1
    epochs: int = 1000
    batch: int = 0
    b0: float | None = None
    w0: float | None = None
    data: str = BOOK

    @property
    def data_key(self) -> DataKey:
        """What the data set depends on: the first argument of every cached result."""
        return sources.key_for(self.data, self.seed, self.n, self.noise, self.true_b, self.true_w)

    @property
    def is_synthetic(self) -> bool:
        """True on the book's generated data (a true line exists; N, noise and the true b, w apply)."""
        return self.data_key.is_synthetic

    @property
    def n_train(self) -> int:
        return sources.split_counts(self.data_key)[0]

    @property
    def batch_size(self) -> int | None:
        """Batch size for :func:`gdcore.descend` (``None`` for batch descent)."""
        return gdcore.descent_batch_size(self.batch, self.n_train)

    @property
    def start(self) -> tuple[float, float]:
        """The starting (b, w): the typed/clicked one, or the random one."""
        b_rand, w_rand = gdcore.init_params(self.seed)
        return (
            b_rand if self.b0 is None else self.b0,
            w_rand if self.w0 is None else self.w0,
        )

    @property
    def is_book_run(self) -> bool:
        """True when a descent run's book numbers apply: the data, start, η, epochs and batch are the book's."""
        d = DEFAULTS
        return self.is_book and (self.lr, self.epochs, self.batch) == (d.lr, d.epochs, d.batch)

    @property
    def is_book(self) -> bool:
        """True when the data and start are the book's (its numbers apply)."""
        d = DEFAULTS
        return (self.data, self.seed, self.n, self.noise, self.true_b, self.true_w, self.b0, self.w0) == (
            d.data,
            d.seed,
            d.n,
            d.noise,
            d.true_b,
            d.true_w,
            d.b0,
            d.w0,
        )


DEFAULTS = Settings()


@dataclass(frozen=True)
class Param:
    """How one setting is parsed, bounded, labelled and drawn."""

    name: str
    kind: type
    low: float
    high: float
    label: str
    help: str
    optional: bool = False


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param("seed", int, 0, gdcore.MAX_SEED, "Seed", "Seeds the data and the random start (the book uses 42)."),
        Param("n", int, 10, 1_000_000, "Points N", "How many points to generate; 80% train, 20% validation."),
        Param("noise", float, 0.0, 1.0, "Noise σ", "Standard deviation of the noise ε added to y."),
        Param("true_b", float, -5.0, 5.0, "True b", "Intercept of the line that generates the data."),
        Param("true_w", float, -5.0, 5.0, "True w", "Slope of the line that generates the data."),
        # Down to 10⁻⁶: data in large units (a weight in pounds) need rates far below the book's.
        Param("lr", float, 1e-6, 2.5, "Learning rate η", "Step size of every update."),
        Param("epochs", int, 1, 10_000, "Epochs", "Passes over the training set."),
        Param(
            "batch",
            int,
            0,
            1_000_000,
            "Mini-batch size",
            "Points per update; 0 uses all training points (batch descent).",
        ),
        Param("b0", float, -10.0, 10.0, "Start b", "Starting intercept; empty uses the random one.", optional=True),
        Param("w0", float, -10.0, 10.0, "Start w", "Starting slope; empty uses the random one.", optional=True),
    )
}

#: What a teacher's link can lock or hide, with the label it is shown by: every setting and the data source.
LINKED_SETTINGS: dict[str, str] = {name: param.label for name, param in PARAMS.items()} | {"data": "Data source"}

#: The link parameter naming the data source (:data:`ui.sources.LINK_NAMES`), the name it gives an
#: upload, and the parameter carrying a small upload's points.
DATA_PARAM = "data"
UPLOAD_NAME = "csv"
INLINE_PARAM = "rows"
#: Every parameter the settings own in a link (others, such as a teacher's, are left alone).
LINK_KEYS = (*PARAMS, DATA_PARAM, INLINE_PARAM)
#: The settings that make the book's synthetic data (they do not apply to other data).
GENERATING_SETTINGS = ("n", "noise", "true_b", "true_w")

#: Settings shown on every page; pages ask for the rest.
#: The settings the data set depends on (the fields of :class:`DataKey`).
DATA_SETTINGS = ("seed", "n", "noise", "true_b", "true_w")
CORE = (*DATA_SETTINGS, "lr")


def _format(value: float | int | None) -> str:
    if value is None:
        return "random"
    if isinstance(value, int):
        return str(value)
    return f"{value:g}"


def _quote(raw: str) -> str:
    """Make a URL value safe to show inside a Markdown code span."""
    text = "".join(ch for ch in raw if ch.isprintable()).replace("`", "'")
    return text[:40] + ("…" if len(text) > 40 else "")


def parse_value(param: Param, raw: str, fallback: float | int | None) -> tuple[float | int | None, str | None]:
    """Parse one URL value; return (value to use, warning or None).

    Never raises: junk becomes ``fallback``, a finite number outside the range
    is clamped into it, and integers given with a fraction are rounded.
    """
    text = raw.strip()
    if param.optional and text.lower() in ("", "random", "none"):
        return None, None
    try:
        number = float(text)
    except ValueError:
        return fallback, f"`{param.name}` = `{_quote(raw)}` is not a number; using {_format(fallback)}."
    if not math.isfinite(number):
        return fallback, f"`{param.name}` = `{_quote(raw)}` is not a finite number; using {_format(fallback)}."
    value: float | int = number
    note = None
    if param.kind is int:
        value = int(round(number))
        if value != number:
            note = f"`{param.name}` = `{_quote(raw)}` must be a whole number; using {value}."
    if value < param.low or value > param.high:
        clamped = min(max(value, param.low), param.high)
        value = param.kind(clamped)
        note = (
            f"`{param.name}` = `{_quote(raw)}` is outside {_format(param.kind(param.low))} … "
            f"{_format(param.kind(param.high))}; using {_format(value)}."
        )
    return value, note


def settings_from_query(query: dict[str, list[str]], base: Settings = DEFAULTS) -> tuple[Settings, list[str]]:
    """Apply URL parameters to ``base``; unknown keys are ignored.

    ``query`` maps each key to all its values (a key may repeat in a URL; the
    last one wins, with a warning).
    """
    values = asdict(base)
    warnings: list[str] = []
    for name, raws in query.items():
        param = PARAMS.get(name)
        if (param is None and name != DATA_PARAM) or not raws:
            continue
        if len(raws) > 1:
            warnings.append(f"`{name}` appears {len(raws)} times in the link; using the last one.")
        if param is None:
            value, note = parse_source(raws[-1], values[name])
        else:
            value, note = parse_value(param, raws[-1], values[name])
        values[name] = value
        if note:
            warnings.append(note)
    settings, more = _consistent(Settings(**values))
    return settings, warnings + more


def parse_source(raw: str, fallback: str) -> tuple[str, str | None]:
    """Parse the ``data`` parameter: the book's data or a real data set by name; return (source, warning).

    ``csv`` (an upload) is only the name: the points travel in :data:`INLINE_PARAM`, which
    :func:`_sync_from_url` decodes. Junk keeps ``fallback``, the data already in use.
    """
    name = raw.strip().lower()
    if name == BOOK or name in sources.REAL_SETS:
        return name, None
    if name == UPLOAD_NAME:
        return fallback, None
    known = ", ".join(sources.LINK_NAMES)
    return (
        fallback,
        f"`{DATA_PARAM}` = `{_quote(raw)}` is not a data set this app knows ({known}); keeping the data in use.",
    )


def _consistent(settings: Settings) -> tuple[Settings, list[str]]:
    """Fix combinations that are invalid together (a batch larger than the data)."""
    warnings = []
    n_train = settings.n_train
    if settings.batch > n_train:
        warnings.append(
            f"`batch` = {settings.batch} is larger than the {n_train} training points; "
            "using all of them (batch descent)."
        )
        settings = replace(settings, batch=0)
    return settings, warnings


def to_query(settings: Settings) -> dict[str, str]:
    """The URL parameters that reproduce ``settings`` (start only when set).

    On other data than the book's, the generating settings (N, noise, true b and w) do not apply and are
    left out; an upload is named ``data=csv`` (its points, when few enough, are added by :func:`_write_url`).
    """
    out = {}
    synthetic = settings.data == BOOK
    for name, value in asdict(settings).items():
        if value is None or (name == DATA_PARAM and synthetic):
            continue
        if not synthetic and name in GENERATING_SETTINGS:
            continue
        if name == DATA_PARAM and sources.is_upload(value):
            value = UPLOAD_NAME
        out[name] = _format(value) if isinstance(value, float) else str(value)
    return out


def current() -> Settings:
    """The session's settings (defaults before the first :func:`sidebar`)."""
    return st.session_state.get(STATE_KEY, DEFAULTS)


def locked(name: str) -> bool:
    """True when a teacher's link locks setting ``name`` (shown, but it cannot be changed)."""
    return name in st.session_state.get(LOCKED_KEY, ())


def hidden(name: str) -> bool:
    """True when a teacher's link hides setting ``name`` from the sidebar."""
    return name in st.session_state.get(HIDDEN_KEY, ())


def set_settings(**changes) -> tuple[str, ...]:
    """Change some settings (e.g. from a click on a chart) and keep them valid.

    A setting the link locks is not changed (a toast says so); returns the names refused.
    """
    refused = tuple(name for name in changes if locked(name))
    for name in refused:
        st.toast(f"{LINKED_SETTINGS[name]} is fixed by this link.", icon=":material/lock:")
        del changes[name]
    if not changes:
        return refused
    updated, _ = _consistent(replace(current(), **changes))
    st.session_state[STATE_KEY] = updated
    for name in changes:
        st.session_state.pop(WIDGET_PREFIX + name, None)
    return refused


def reset_to_book() -> None:
    """Callback of the reset button: every setting back to the book's value, except those a
    teacher's link locks or hides, which go back to the link's value."""
    link = st.session_state.get(LINK_SETTINGS_KEY, DEFAULTS)
    kept = {name: getattr(link, name) for name in LINKED_SETTINGS if locked(name) or hidden(name)}
    st.session_state[STATE_KEY] = _consistent(replace(DEFAULTS, **kept))[0]
    for name in PARAMS:
        st.session_state.pop(WIDGET_PREFIX + name, None)
    st.session_state[WARNINGS_KEY] = []


def _read_query() -> dict[str, list[str]]:
    qp = st.query_params
    return {key: qp.get_all(key) for key in qp}


def _sync_from_url() -> None:
    """Take URL parameters that differ from what this session last wrote.

    On a fresh session that is the whole link; after a page switch the URL is
    empty (or ours) and the session's values stay.
    """
    query = _read_query()
    written = st.session_state.get(WRITTEN_KEY, {})
    incoming = {k: v for k, v in query.items() if k in LINK_KEYS and [written.get(k)] != v}
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = DEFAULTS
    if incoming:
        settings, warnings = settings_from_query(incoming, current())
        source, note = _upload_from_link(query, incoming, settings.data)
        if source != current().data and "lr" not in query:
            # A link that names other data but no η (typed by hand) gets a rate that suits those data.
            settings = replace(
                settings, lr=sources.starting_lr(sources.key_for(source, *_data_fields(settings)), DEFAULTS.lr)
            )
        settings = _consistent(replace(settings, data=source))[0]
        st.session_state[STATE_KEY] = settings
        st.session_state[WARNINGS_KEY] = warnings + ([note] if note else [])
        for name in incoming:
            st.session_state.pop(WIDGET_PREFIX + name, None)
    _check_upload_held()


def _data_fields(settings: Settings) -> tuple[int, int, float, float, float]:
    return settings.seed, settings.n, settings.noise, settings.true_b, settings.true_w


def _upload_from_link(
    query: dict[str, list[str]], incoming: dict[str, list[str]], fallback: str
) -> tuple[str, str | None]:
    """The source a link's ``data=csv`` names: its inline points, decoded and checked like a file.

    Returns (source, warning). Without inline points, or with points that do not read, the data already
    in use stays (on a fresh session, the book's).
    """
    names = query.get(DATA_PARAM, [])
    inline = query.get(INLINE_PARAM, [])
    wants_upload = (names and names[-1].strip().lower() == UPLOAD_NAME) or bool(inline)
    if not wants_upload or not (DATA_PARAM in incoming or INLINE_PARAM in incoming):
        return fallback, None
    if not inline:
        kept = "the book's data open instead" if fallback == BOOK else "the data already in use stay"
        return fallback, (
            f"`{DATA_PARAM}` = `{UPLOAD_NAME}`: this link was made on an uploaded file, and only files of up to "
            f"{sources.INLINE_MAX_ROWS} rows travel in a link; {kept}."
        )
    source, error = sources.upload_from_link(inline[-1])
    if error:
        return fallback, f"`{INLINE_PARAM}`: the data in this link do not read: {error}"
    return source, None


def _check_upload_held() -> None:
    """An upload's name without its points (a new server, a reset session) falls back to the book's data."""
    settings = current()
    if sources.is_upload(settings.data) and sources.upload_for(settings.data) is None:
        st.session_state[STATE_KEY] = _consistent(replace(settings, data=BOOK))[0]
        st.session_state.setdefault(WARNINGS_KEY, []).append(
            "the uploaded data are no longer held by this session; showing the book's data."
        )


def _reproduces(query: dict[str, list[str]], settings: Settings) -> bool:
    """True when a link's settings parameters (absent ones at the book's values) give exactly ``settings``."""
    return all(len(raws) == 1 for raws in query.values()) and settings_from_query(query) == (settings, [])


def _write_url(settings: Settings) -> None:
    wanted = to_query(settings)
    qp = st.query_params
    inline = sources.upload_link_value(settings.data)
    if inline is not None:
        wanted[INLINE_PARAM] = inline
    present = {k: qp.get_all(k) for k in qp if k in LINK_KEYS}
    if present != {k: [v] for k, v in wanted.items()}:
        if _reproduces(present, settings):
            # The link already holds this view: leave it alone. Any write replaces the whole address,
            # and the browser's copy then loses its #section (the page would not scroll to it).
            wanted = {k: raws[-1] for k, raws in present.items()}
        else:
            for key in list(qp.keys()):
                if key in LINK_KEYS:
                    del qp[key]
            qp.update(wanted)
    st.session_state[WRITTEN_KEY] = wanted


def _on_widget_change(name: str, key: str | None = None) -> None:
    """Store setting ``name`` from its widget (``key``, by default the setting's own widget)."""
    raw = st.session_state.get(key or WIDGET_PREFIX + name)
    value = None if PARAMS[name].optional and raw is None else PARAMS[name].kind(raw)
    updated, warnings = _consistent(replace(current(), **{name: value}))
    st.session_state[STATE_KEY] = updated
    st.session_state[WARNINGS_KEY] = warnings


#: Key of the number box beside the learning-rate slider: η typed exactly (a drag or a tap on a
#: 200-pixel slider rarely lands on a round value).
TYPED_LR_KEY = WIDGET_PREFIX + "lr_typed"


#: The η slider's usual low end and step; a smaller η (data in large units) moves both down to it.
LR_SLIDER_LOW = 0.001


def lr_slider_scale(value: float) -> tuple[float, float, str]:
    """(low end, step, format) of an η slider or box showing ``value``.

    The book's rates read well on 0.001 … 2.5 in steps of 0.001 with four decimals. Data in large
    units need rates such as 0.00001, which those would show as 0.0000: then the scale starts at the
    value itself and the numbers show in scientific notation.
    """
    if value >= LR_SLIDER_LOW:
        return LR_SLIDER_LOW, LR_SLIDER_LOW, "%.4f"
    return value, value, "%.2e"


def _typed_lr(value: float, disabled: bool = False) -> None:
    """The number box that sets η exactly; it writes the same setting (and URL) as the slider."""
    param = PARAMS["lr"]
    st.session_state[TYPED_LR_KEY] = value
    _, step, shown = lr_slider_scale(value)
    st.number_input(
        "η, typed exactly",
        param.low,
        param.high,
        step=step,
        format=shown,
        key=TYPED_LR_KEY,
        help=f"Any learning rate from {param.low:g} to {param.high:g}; the slider follows.",
        on_change=_on_widget_change,
        args=("lr", TYPED_LR_KEY),
        disabled=disabled,
    )


def near_limit(critical: float) -> list[tuple[str, float]]:
    """Presets just below and just above a divergence limit: about 5% either side, at two significant
    digits, each only where η's range has room for it (a run that converges beside one that diverges)."""
    param = PARAMS["lr"]
    if not (critical > 0 and math.isfinite(critical)):
        return []

    def two_digits(value: float, rounding: Callable[[float], int]) -> float:
        unit = 10.0 ** (math.floor(math.log10(value)) - 1)
        steps = round(value / unit, 9)  # 1.9 / 0.1 is 18.999999999999996 in floating point
        return float(f"{rounding(steps) * unit:.2g}")

    below, above = two_digits(critical * 0.95, math.floor), two_digits(critical * 1.05, math.ceil)
    presets = []
    if param.low <= below < critical and below <= param.high:
        presets.append((f"{below:g} (just below the limit)", below))
    if critical < above <= param.high and above >= param.low:
        presets.append((f"{above:g} (just above)", above))
    return presets


def _preset_lr(key: str, value: float) -> None:
    """A preset's button: its η goes through the box's own change handler (the same setting and link)."""
    st.session_state[key] = value
    _on_widget_change("lr", key)


def lr_control(where: str, presets: Sequence[tuple[str, float]] = ()) -> None:
    """η on the page itself, so nobody needs the sidebar's drawer for it (a phone hides the sidebar).

    A number box for η typed exactly and one button per preset, ``(label, value)``; the preset in
    use is highlighted. They write the same setting and ``lr`` link parameter as the sidebar's
    slider. ``where`` makes the widget keys (``{where}_eta``, ``{where}_preset_{value}``) and must
    be unique per page. A value listed twice gets one button (the first label).
    """
    if hidden("lr"):
        return  # a teacher's link hides η: not in the sidebar, not on the page
    param = PARAMS["lr"]
    key = f"{where}_eta"
    lr = current().lr
    fixed = locked("lr")
    st.session_state[key] = lr
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key=f"{where}_eta_control"):
        st.number_input(
            param.label,
            param.low,
            param.high,
            step=0.01 if lr >= LR_SLIDER_LOW else lr,
            format=lr_slider_scale(lr)[2],
            key=key,
            width=170,
            help=f"Type any learning rate from {param.low:g} to {param.high:g}; the sidebar follows.",
            on_change=_on_widget_change,
            args=("lr", key),
            disabled=fixed,
        )
        buttons: dict[float, str] = {}
        for label, value in presets:
            buttons.setdefault(value, label)
        for value, label in buttons.items():
            st.button(
                label,
                key=f"{where}_preset_{value:g}",
                type="primary" if abs(lr - value) < 1e-12 else "secondary",
                on_click=_preset_lr,
                args=(key, value),
                disabled=fixed,
            )


def _widget(name: str, settings: Settings) -> None:
    """Draw one setting's widget, initialised from the session's value."""
    param = PARAMS[name]
    key = WIDGET_PREFIX + name
    value = getattr(settings, name)
    st.session_state[key] = value
    fixed = locked(name)
    help_text = param.help + (" Fixed by this link." if fixed else "")
    common: dict = dict(key=key, help=help_text, on_change=_on_widget_change, args=(name,), disabled=fixed)
    if name == "lr":
        low, step, shown = lr_slider_scale(value)
        slider_format = "%.3f" if shown == "%.4f" else shown
        st.slider(param.label, low, param.high, step=step, format=slider_format, **common)
        _typed_lr(value, disabled=fixed)
    elif name == "noise":
        st.slider(param.label, param.low, param.high, step=0.01, format="%.2f", **common)
    elif name in ("true_b", "true_w"):
        st.slider(param.label, param.low, param.high, step=0.1, format="%.1f", **common)
    elif param.kind is int:
        step = {"n": 10, "epochs": 10}.get(name, 1)
        st.number_input(param.label, int(param.low), int(param.high), step=step, **common)
    else:
        st.number_input(param.label, param.low, param.high, step=0.1, format="%.4f", placeholder="random", **common)


def sidebar(
    extra: tuple[str, ...] = (),
    on_settings: Callable[[Settings], None] | None = None,
    data_panel: Callable[[Settings], None] | None = None,
) -> Settings:
    """Draw the shared sidebar and return the validated settings.

    Parameters
    ----------
    extra : tuple of str
        Settings this page needs beyond :data:`CORE` (``"epochs"``,
        ``"batch"``, ``"b0"``, ``"w0"``).
    data_panel : callable, optional
        Draws the choice of data source at the top of the Data fold (:func:`ui.data_panel.show`).
    """
    _sync_from_url()
    settings = current()
    with st.sidebar:
        st.header("Settings")
        # Descent first, so η is in view on a laptop; the data settings fold away (a link that
        # changes them opens them).
        descent_shown = [name for name in ("lr",) + tuple(n for n in extra if n in PARAMS) if not hidden(name)]
        if descent_shown:  # a link may hide them all: then no empty heading either
            st.subheader("Descent")
        for name in descent_shown:
            _widget(name, settings)
        # The generating settings apply to the book's synthetic data only; the seed splits any data.
        data_shown = [name for name in DATA_SETTINGS if not hidden(name) and (settings.is_synthetic or name == "seed")]
        if data_shown or data_panel is not None:
            with st.expander("Data", expanded=settings.data_key != DEFAULTS.data_key):
                if data_panel is not None:
                    data_panel(settings)
                for name in data_shown:
                    _widget(name, settings)
        kept = st.session_state.get(LOCKED_KEY, ()) + st.session_state.get(HIDDEN_KEY, ())
        st.button(
            "Reset to the book's values",
            on_click=reset_to_book,
            width="stretch",
            help="Settings this link fixes or hides go back to the link's values." if kept else None,
        )
        st.caption("The address bar always holds a link to this exact view — share it.")
    for note in st.session_state.get(WARNINGS_KEY, []):
        st.warning("Link parameter ignored: " + note, icon=":material/warning:")
    _write_url(settings)
    return settings
