"""Page furniture shared by every step: config, headings, numbers, navigation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

#: The steps in the book's order: (file under pages/, menu label).
STEPS: tuple[tuple[str, str], ...] = (
    ("pages/01_Data.py", "Data"),
    ("pages/02_Init.py", "Init"),
    ("pages/03_Predict.py", "Predict"),
    ("pages/04_Loss.py", "Loss"),
    ("pages/05_Gradients.py", "Gradients"),
    ("pages/06_Update.py", "Update"),
    ("pages/07_Learning_Rate.py", "Learning Rate"),
    ("pages/08_Bad_Feature.py", "Bad Feature"),
    ("pages/09_Scaling.py", "Scaling"),
    ("pages/10_Rinse_and_Repeat.py", "Rinse and Repeat"),
)


def setup(title: str, icon: str = "📉") -> None:
    """Page config; must be the first Streamlit call of a page."""
    st.set_page_config(
        page_title=f"{title} · Gradient Descent, Step by Step",
        page_icon=icon,
        layout="wide",
        initial_sidebar_state="auto",
    )


def header(step: int, title: str, intro: str) -> None:
    """Step number, title and the short teaching introduction."""
    st.title(f"Step {step} · {title}" if step else title)
    st.markdown(intro)


def metrics(items: Sequence[tuple[str, str, str | None]], columns: int | None = None) -> None:
    """A row of labelled numbers: (label, value text, help or None)."""
    cols = st.columns(columns or len(items))
    for i, (label, value, help_text) in enumerate(items):
        with cols[i % len(cols)]:
            st.metric(label, value, help=help_text)


def book_check(is_book: bool, text: str) -> None:
    """Tell the learner whether the numbers on screen are the book's."""
    if is_book:
        st.success(f"With the book's settings: {text}", icon=":material/menu_book:")
    else:
        st.info(
            "These numbers come from your settings; press **Reset to the book's values** "
            "in the sidebar to see the book's.",
            icon=":material/info:",
        )


def csv_download(label: str, build: Callable[..., bytes], *args, file_name: str, key: str | None = None) -> None:
    """A download button whose CSV is built only when clicked: ``build(*args)``.

    The button keeps its callable for as long as the session lives. A lambda
    written in a page would keep that page's whole namespace with it (at
    N = 10⁶, tens of MiB per session); a ``partial`` keeps only ``args``.
    """
    st.download_button(label, partial(build, *args), file_name=file_name, mime="text/csv", key=key)


def link(path: str, label: str, container=st) -> None:
    """A link to another page that keeps the session (and so the settings).

    A page run on its own (as the tests run them) knows no other pages; it
    then shows a plain link instead of failing.
    """
    try:
        container.page_link(path, label=label)
    except StreamlitPageNotFoundError:
        name = Path(path).stem.split("_", 1)[-1] if path.startswith("pages/") else ""
        container.markdown(f"[{label}](/{name})")


def navigation(step: int) -> None:
    """Previous/next links at the foot of a step page (they keep the session)."""
    st.divider()
    left, _, right = st.columns([1, 2, 1])
    if step > 1:
        path, name = STEPS[step - 2]
        link(path, f"← {name}", left)
    else:
        link("streamlit_app.py", "← Overview", left)
    if step < len(STEPS):
        path, name = STEPS[step]
        link(path, f"{name} →", right)
