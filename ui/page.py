"""Page furniture shared by every step: config, the menu, headings, numbers, navigation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from . import classroom
from .registry import APP_NAME, HOME, HOME_LABEL, STEPS, step
from .reproduce import show_reproduce
from .settings import Settings
from .settings import sidebar as settings_sidebar


def setup(number: int = 0) -> None:
    """Page config for step ``number`` (0: the landing page); must be a page's first Streamlit call."""
    label, icon = (HOME_LABEL, "📉") if number == 0 else (step(number).label, step(number).icon)
    classroom.sync_from_url()  # before the config: presenter mode folds the sidebar away
    st.set_page_config(
        page_title=f"{label} · {APP_NAME}",
        page_icon=icon,
        layout="wide",
        initial_sidebar_state="collapsed" if classroom.presenting() else "auto",
    )


def sidebar(
    extra: tuple[str, ...] = (), on_settings: Callable[[Settings], None] | None = None, number: int = 0
) -> Settings:
    """The shared sidebar of page ``number``: the menu of pages, then the settings (see
    :func:`ui.settings.sidebar`) and the classroom tools (:mod:`ui.classroom`).

    In the main area it puts a teacher's task first, then any link warnings.
    """
    menu()
    classroom.presenter_css()
    top = st.container()  # the task goes first, once the settings (which its link holds) are read
    settings = settings_sidebar(extra, on_settings)
    with top:
        classroom.show_task(number)
    classroom.show_warnings()
    classroom.share_panel(number)
    classroom.write_url()
    return settings


def start(number: int, intro: str, extra: tuple[str, ...] = ()) -> Settings:
    """Open step ``number``: page config, the sidebar (menu and settings) and the heading with ``intro``.

    ``extra`` names the settings this page adds to the shared ones (see :func:`ui.settings.sidebar`).
    """
    setup(number)
    settings = sidebar(extra, number=number)
    header(number, intro)
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
    """Step number, title (from the registry) and the short teaching introduction."""
    st.title(f"Step {number} · {step(number).title}")
    st.markdown(intro)


def metrics(items: Sequence[tuple[str, str, str | None]], columns: int | None = None) -> None:
    """A row of labelled numbers: (label, value text, help or None)."""
    per_row = columns or len(items)
    # One st.columns row per group, so a phone (where columns stack) reads them in order.
    for start in range(0, len(items), per_row):
        for col, (label, value, help_text) in zip(st.columns(per_row), items[start : start + per_row]):
            with col:
                st.metric(label, value, help=help_text)


def differences_from_the_book(items: Sequence[str]) -> None:
    """How a page differs from the book, one bullet per item, in a closed expander."""
    with st.expander("How this page differs from the book"):
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


def navigation(number: int) -> None:
    """Previous/next links at the foot of a step page (they keep the session)."""
    st.divider()
    row = st.container(horizontal=True, horizontal_alignment="distribute", key="step_links")
    left, right = row.container(width="content"), row.container(width="content")
    if number > 1:
        link(step(number - 1).file, f"← {step(number - 1).label}", left)
    else:
        link(HOME, f"← {HOME_LABEL}", left)
    if number < len(STEPS):
        link(step(number + 1).file, f"{step(number + 1).label} →", right)
