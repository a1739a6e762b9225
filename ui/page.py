"""Page furniture shared by every step: config, the menu, headings, numbers, navigation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitPageNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import classroom, data_panel
from .linked import anchor_for, section_link
from .registry import APP_NAME, HOME, HOME_LABEL, STEPS, step
from .reproduce import show_reproduce
from .settings import Settings
from .settings import sidebar as settings_sidebar

#: The app's one global style sheet (:func:`setup` adds it to every page).
#:
#: A display equation wider than its column scrolls sideways and shows that it does: a thin
#: scrollbar that stays visible, and a fade on the side that has more to show (where the browser
#: supports scroll-driven animations; an equation that fits has no scroll timeline, so no fade).
#: On a phone, equations are set a little smaller so that most fit.
#:
#: Keyboard focus shows as a ring on every control, also where Streamlit draws none (toggles,
#: checkboxes, radio options, chart toolbars) or only a faint background (the menu's links); drawn
#: in the text colour, it stands out in the light and the dark theme. Small text reads at 4.5:1 or
#: more in both themes (the axe audit, tests/e2e/test_axe.py): captions less faded, and the two
#: colours that fell short made darker in light and lighter in dark (``light-dark``, which follows
#: the theme Streamlit sets on the app).
PAGE_CSS = """<style>
.katex-display {
  overflow-x: auto;
  overflow-y: hidden;
  padding: 0.15em 0.25em 0.45em;  /* room for the last glyph's overhang: no scrollbar for 2 px */
  scrollbar-width: thin;
  scrollbar-color: rgba(128, 128, 128, 0.75) transparent;
}
@supports (animation-timeline: scroll()) {
  .katex-display {
    animation: equation-scroll-hint linear both;
    animation-timeline: scroll(self inline);
  }
}
@keyframes equation-scroll-hint {
  0% { mask-image: linear-gradient(to right, #000 calc(100% - 3em), transparent); }
  50% { mask-image: linear-gradient(to right, transparent, #000 3em, #000 calc(100% - 3em), transparent); }
  100% { mask-image: linear-gradient(to right, transparent, #000 3em); }
}
@media (max-width: 640px) {
  .katex-display > .katex { font-size: 1em; }
}
[data-testid="stPageLink-NavLink"]:focus-visible,
[data-testid="stBaseButton-elementToolbar"]:focus-visible,
[data-testid="stCheckbox"] label:has(input:focus-visible),
[data-testid="stRadio"] label:has(input:focus-visible) {
  outline: 2px solid currentColor;
  outline-offset: 2px;
  border-radius: 0.25rem;
}
[data-testid="stApp"] [data-testid="stCaptionContainer"] { opacity: 0.72; }
[data-testid="stApp"] [data-testid="stSliderThumbValue"] { color: light-dark(rgb(197, 57, 72), rgb(244, 135, 146)); }
[data-testid="stApp"] [data-testid="stCode"] :is(.token.string, .token.triple-quoted-string) {
  color: light-dark(rgb(21, 122, 54), rgb(92, 210, 128));
}
</style>"""


def setup(number: int = 0) -> None:
    """Page config for step ``number`` (0: the landing page); must be a page's first Streamlit call."""
    label, icon = (HOME_LABEL, "📉") if number == 0 else (step(number).label, step(number).icon)
    classroom.sync_from_url()  # before the config: presenter mode folds the sidebar away
    st.session_state.pop(_LEAD_KEY, None)  # the last run's lead box: a page without a header has none
    st.set_page_config(
        page_title=f"{label} · {APP_NAME}",
        page_icon=icon,
        layout="wide",
        initial_sidebar_state="collapsed" if classroom.presenting() else "auto",
    )
    st.html(PAGE_CSS)  # style only: Streamlit puts it where it takes no room on the page


def sidebar(
    extra: tuple[str, ...] = (), on_settings: Callable[[Settings], None] | None = None, number: int = 0
) -> Settings:
    """The shared sidebar of page ``number``: the menu of pages, then the settings (see
    :func:`ui.settings.sidebar`) and the classroom tools (:mod:`ui.classroom`).

    In the main area it puts a teacher's task first (on a step in presenter mode, beside the title: see
    :func:`header`), then any link warnings.
    """
    menu()
    classroom.presenter_css()
    top = st.container()  # the task goes first, once the settings (which its link holds) are read
    settings = settings_sidebar(extra, on_settings, data_panel=data_panel.show)
    if number == 0 or not classroom.presenting():  # a step in presenter mode: beside its title (header)
        with top:
            classroom.show_task(number)
    classroom.show_warnings()
    classroom.share_panel(number)
    classroom.write_url()
    return settings


def start(number: int, intro: str | Callable[[Settings], str], extra: tuple[str, ...] = ()) -> Settings:
    """Open step ``number``: page config, the sidebar (menu and settings) and the heading with ``intro``.

    ``extra`` names the settings this page adds to the shared ones (see :func:`ui.settings.sidebar`).
    """
    setup(number)
    settings = sidebar(extra, number=number)
    # A page whose introduction depends on the data (generated or real) passes a function of the settings.
    header(number, intro(settings) if callable(intro) else intro)
    return settings


def finish(number: int, settings: Settings, **reproduce_options) -> None:
    """Close step ``number``: "Reproduce this page in code", then the previous/next links.

    ``reproduce_options`` go to :func:`ui.reproduce.show_reproduce` (what the page chose beyond the settings).
    """
    show_reproduce(number, settings, **reproduce_options)
    navigation(number)


def menu() -> None:
    """The menu at the top of the sidebar: the overview and the numbered steps, from the registry.

    Streamlit's own page list is switched off (``client.showSidebarNavigation``): it would name the
    landing page after its file, "streamlit app".
    """
    with st.sidebar.container(key="menu"):
        link(HOME, HOME_LABEL, icon=":material/home:")
        for number, entry in enumerate(STEPS, start=1):
            link(entry.file, f"{number} · {entry.label}")


def header(number: int, intro: str) -> None:
    """Step number, title (from the registry) and the short teaching introduction.

    In presenter mode a teacher's task sits beside the title, the box that :func:`lead` fills comes
    next, and the introduction folds after it: the teacher says it, and the room sees the figure sooner.
    """
    title = f"Step {number} · {step(number).title}"
    if classroom.presenting() and classroom.current().is_teacher_link:
        # The task beside the title, on one row: the figure keeps the first screen.
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.title(title, width="content")
            classroom.show_task(number, compact=True)
    else:
        st.title(title)
    if classroom.presenting():
        st.session_state[_LEAD_KEY] = st.container(key="gd_lead")  # filled by the page through lead()
        with st.expander("What this step is about"):
            st.markdown(intro)
    else:
        st.markdown(intro)


#: Session-state key of this run's lead container (presenter mode), set by :func:`header`.
_LEAD_KEY = "_gd_lead"


@contextmanager
def lead() -> Iterator[None]:
    """Draw the page's key figure and numbers in reading order, or, in presenter mode, first.

    In presenter mode they go to a box right under the title, before the folded introduction and
    the self-check, in the order the page draws them, so that on a projector at 1280 × 720 the
    room sees them without scrolling; the rest of the page follows in the book's order. Outside
    presenter mode (and on the landing page, which has no header) this does nothing.
    Use it around whole sections, or around the one row of numbers a section shares with the lead.
    """
    box = st.session_state.get(_LEAD_KEY) if classroom.presenting() else None
    if box is None:
        yield
        return
    notes: list[tuple[str, str | None]] = []
    token = _LEAD_NOTES.set(notes)
    try:
        with box:
            yield
            for text, caption in notes:  # folded, after the figures they explain
                _about_this_figure(text, caption)
    finally:
        _LEAD_NOTES.reset(token)


#: The figure notes of the lead being drawn (presenter mode): they fold at its end (:func:`figure_note`).
_LEAD_NOTES: ContextVar[list[tuple[str, str | None]] | None] = ContextVar("lead_notes", default=None)


def figure_note(text: str, caption: str | None = None) -> None:
    """A paragraph about the figure that follows, and an optional smaller ``caption`` after it.

    In presenter mode it folds (the teacher says it), and in a :func:`lead` it moves after the
    lead's figures and numbers, so that they come up the screen. Its text should not say where the
    figure is ("above", "below"). Call it at a section's level, never inside an expander (the fold
    is one, and Streamlit does not nest them).
    """
    if not classroom.presenting():
        _note_text(text, caption)
        return
    notes = _LEAD_NOTES.get()
    if notes is None:
        _about_this_figure(text, caption)
    else:
        notes.append((text, caption))


def _about_this_figure(text: str, caption: str | None) -> None:
    with st.expander("About this figure"):
        _note_text(text, caption)


def _note_text(text: str, caption: str | None) -> None:
    st.markdown(text)
    if caption:
        st.caption(caption)


def figures_and_numbers(figures: int, *, beside: bool = True) -> tuple[list[DeltaGenerator], AbstractContextManager]:
    """``figures`` columns side by side, and where the numbers about them go.

    The numbers go under the figures. In presenter mode, so that a projector's short screen holds
    both, they stack in a narrow column at the figures' right (:func:`metrics` drawn there puts
    one number a row), or with ``beside=False`` they go above the figures: for figures whose
    shape is the lesson (a round bowl must stay round), which a narrower column would distort.
    """
    if not classroom.presenting():
        return st.columns(figures), st.container()
    if not beside:
        numbers = st.container()
        return st.columns(figures), numbers
    *columns, column = st.columns([2] * figures + [1.3])
    return columns, _one_number_a_row(column.container(key="gd_numbers_beside"))


@contextmanager
def _one_number_a_row(box: DeltaGenerator) -> Iterator[None]:
    """Draw in ``box``, with :func:`metrics` putting one number a row."""
    token = _NUMBERS_BESIDE.set(True)
    try:
        with box:
            yield
    finally:
        _NUMBERS_BESIDE.reset(token)


#: True while :func:`metrics` draws in the narrow column of :func:`figures_and_numbers`.
_NUMBERS_BESIDE: ContextVar[bool] = ContextVar("numbers_beside", default=False)


#: A long heading wraps its words beside the link control instead of pushing the control onto a line
#: of its own (a phone).
_SECTION_CSS = (
    '<style>[class*="st-key-section_"] { flex-wrap: nowrap; }'
    ' [class*="st-key-section_"] > div:first-child { flex: 0 1 auto; min-width: 0; }</style>'
)


def section(title: str, anchor: str | None = None) -> str:
    """A section heading with a stable ``#anchor`` and, beside it, a control that copies a link to it.

    ``anchor`` defaults to the title's words (``closed-form-versus-descent``); give one when the
    title holds numbers that change with the settings. Returns the anchor.
    """
    anchor = anchor or anchor_for(title)
    st.html(_SECTION_CSS)  # a style alone takes no room on the page
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"section_{anchor}"):
        st.subheader(title, anchor=anchor, width="content")
        section_link(anchor)
    return anchor


def metrics(items: Sequence[tuple[str, str, str | None]], columns: int | None = None) -> None:
    """Labelled numbers, (label, value text, help or None): ``columns`` a row (default: all in one).

    In presenter mode up to four share a row whatever ``columns`` says, and beside a figure
    (:func:`figures_and_numbers`) each takes its own row.
    """
    # A projector is wide and short: in presenter mode a row holds up to four numbers, except in the
    # narrow column beside a figure (figures_and_numbers), which takes one.
    presenting = classroom.presenting()
    if presenting and _NUMBERS_BESIDE.get():
        per_row = 1
    elif presenting and len(items) <= 4:
        per_row = len(items)
    else:
        per_row = columns or len(items)
    # One st.columns row per group, so a phone (where columns stack) reads them in order.
    for start in range(0, len(items), per_row):
        for col, (label, value, help_text) in zip(st.columns(per_row), items[start : start + per_row]):
            with col:
                st.metric(label, value, help=help_text)


def for_the_curious(topic: str):
    """A folded section for what a newcomer can skip on a first read (implementation notes, the
    details behind a result, how a page differs from the book): ``with for_the_curious("…"):``."""
    return st.expander(f"For the curious: {topic}", icon=":material/lightbulb:")


def differences_from_the_book(items: Sequence[str]) -> None:
    """How a page differs from the book, one bullet per item, folded (:func:`for_the_curious`)."""
    with for_the_curious("how this page differs from the book"):
        st.markdown("\n".join(f"- {item}" for item in items))


def book_check(is_book: bool, text: str) -> None:
    """Tell the learner whether the numbers on screen are the book's."""
    if is_book:
        st.success(f"With the book's settings: {text}", icon=":material/menu_book:")
    else:
        # Set apart and labelled: a shared link to other settings must not read as if this run
        # had produced the book's numbers.
        st.info(
            "**Your settings differ from the book's**, so every number above is your own run's. "
            f"For comparison, the book's reference: {text} **Reset to the book's values** in the "
            "sidebar brings them back.",
            icon=":material/info:",
        )


def csv_download(label: str, build: Callable[..., bytes], *args, file_name: str, key: str | None = None) -> None:
    """A download button whose CSV is built only when clicked: ``build(*args)``.

    The button keeps its callable for as long as the session lives. A lambda
    written in a page would keep that page's whole namespace with it (at
    N = 10⁶, tens of MiB per session); a ``partial`` keeps only ``args``.
    """
    st.download_button(label, partial(build, *args), file_name=file_name, mime="text/csv", key=key)


def link(path: str, label: str, container=st, icon: str | None = None) -> None:
    """A link to another page that keeps the session (and so the settings).

    A page run on its own (as the tests run them) knows no other pages; it
    then shows a plain link instead of failing.
    """
    try:
        container.page_link(path, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        name = Path(path).stem.split("_", 1)[-1] if path.startswith("pages/") else ""
        container.markdown(f"[{label}](/{name})")


#: Keyboard shortcuts of the previous and next step links. Letters with Alt: the player takes the
#: bare arrows, space, Home and End (and ignores keys with Alt); Alt with an arrow is the browser's
#: back and forward; Streamlit takes no punctuation keys. Alt+P and Alt+N are free in Chromium and
#: Firefox, and Streamlit shows them on the buttons (as ⌥ on a Mac).
PREVIOUS_SHORTCUT = "Alt+P"
NEXT_SHORTCUT = "Alt+N"


def _known_page(path: str) -> bool:
    """True when the running app serves ``path`` (a page run on its own, as in the tests, knows no other)."""
    ctx = get_script_run_ctx()
    try:
        target = str((Path(ctx.main_script_path).parent / path).resolve())
        return any(page["script_path"] == target for page in ctx.pages_manager.get_pages().values())
    except AttributeError:  # no script context, or a Streamlit without these internals
        return False


def step_link(path: str, label: str, container, *, shortcut: str, key: str, help: str) -> None:
    """A previous/next link as a button with a keyboard shortcut; it switches page and keeps the session."""
    if not _known_page(path):
        link(path, label, container)
        return
    if container.button(label, key=key, shortcut=shortcut, help=f"{help} ({shortcut})", type="tertiary"):
        st.switch_page(path)


def navigation(number: int) -> None:
    """Previous/next links at the foot of a step page, with :data:`PREVIOUS_SHORTCUT` and
    :data:`NEXT_SHORTCUT` (they keep the session)."""
    st.divider()
    row = st.container(horizontal=True, horizontal_alignment="distribute", key="step_links")
    left, right = row.container(width="content"), row.container(width="content")
    back = (step(number - 1).file, step(number - 1).label) if number > 1 else (HOME, HOME_LABEL)
    step_link(back[0], f"← {back[1]}", left, shortcut=PREVIOUS_SHORTCUT, key="step_previous", help="Previous step")
    if number < len(STEPS):
        forward = step(number + 1)
        step_link(forward.file, f"{forward.label} →", right, shortcut=NEXT_SHORTCUT, key="step_next", help="Next step")
