"""For the classroom: teacher links (``lock``, ``hide``, ``task``), the share panel, presenter mode.

A teacher's link carries, besides the settings, up to four parameters:

- ``lock=lr,seed``: those settings are shown but cannot be changed from the page (the sidebar's
  widgets are disabled, and :func:`ui.settings.set_settings` refuses them, so a click on a chart
  cannot move them either);
- ``hide=noise,true_b``: those settings are not drawn in the sidebar;
- ``task=…``: a short task (at most :data:`TASK_MAX` characters) shown at the top of every page, as
  plain text;
- ``present=1``: presenter mode, for a projector (larger type, the sidebar collapsed; pages may ask
  :func:`presenting` to fold long prose).

They are read once, when a link brings them, then kept in the session and written back into the
address bar after every run, as the settings are (:mod:`ui.settings`), so they survive page switches
and the address bar always holds the whole link. Unknown names and an over-long task are reported
with the settings' "Link parameter ignored" warning. Nothing here is security: anyone can edit a
link, and the page itself offers the unlocked view ("Open freely").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from .registry import step
from .settings import (
    HIDDEN_KEY,
    LINK_SETTINGS_KEY,
    LINKED_SETTINGS,
    LOCKED_KEY,
    _quote,
    settings_from_query,
)

#: The link parameters this module owns, in the order they are written into a link.
LINK_PARAMS = ("lock", "hide", "task", "present")
#: The longest task a link may carry (a tweet's length: it has to fit above the page's first chart).
TASK_MAX = 280

CLASS_KEY = "gd_classroom"
WRITTEN_KEY = "gd_classroom_written"
WARNINGS_KEY = "gd_classroom_warnings"
PRESENT_TOGGLE_KEY = "gd_widget_present"
SHARE_PREFIX = "gd_share_"

#: Values of ``present`` that switch presenter mode on, and those that leave it off.
_YES = ("1", "true", "yes", "on")
_NO = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Classroom:
    """What a teacher's link asks for, validated: setting names in :data:`ui.settings.LINKED_SETTINGS` order."""

    lock: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    task: str = ""
    present: bool = False

    @property
    def is_teacher_link(self) -> bool:
        """True when the link fixes, hides or asks for something (presenter mode alone does not)."""
        return bool(self.lock or self.hide or self.task)


FREE = Classroom()


def parse_names(param: str, raws: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Setting names from ``lock`` or ``hide`` values (comma-separated, the key may repeat).

    Returns the known names in :data:`ui.settings.LINKED_SETTINGS` order and one warning per unknown name.
    """
    wanted: set[str] = set()
    warnings = []
    for raw in raws:
        for item in raw.split(","):
            name = item.strip().lower()
            if not name:
                continue
            if name in LINKED_SETTINGS:
                wanted.add(name)
            else:
                warnings.append(f"`{param}` names `{_quote(item.strip())}`, which is not a setting; ignoring it.")
    return tuple(name for name in LINKED_SETTINGS if name in wanted), warnings


def clean_task(raw: str) -> tuple[str, str | None]:
    """The task as shown: printable characters and line breaks only, at most :data:`TASK_MAX` of them.

    Returns (task, warning or None). The text is never interpreted: it is drawn with ``st.text``.
    """
    lines = ["".join(ch for ch in line if ch.isprintable()) for line in raw.strip().splitlines()]
    task = "\n".join(lines).strip()
    if len(task) <= TASK_MAX:
        return task, None
    return task[:TASK_MAX].rstrip(), f"`task` is {len(task)} characters long; showing the first {TASK_MAX}."


def classroom_from_query(query: dict[str, list[str]]) -> tuple[Classroom, list[str]]:
    """Validate the classroom parameters of a link (other keys are ignored); never raises."""
    warnings: list[str] = []
    lock, notes = parse_names("lock", query.get("lock", []))
    warnings += notes
    hide, notes = parse_names("hide", query.get("hide", []))
    warnings += notes
    task = ""
    if query.get("task"):
        raws = query["task"]
        if len(raws) > 1:
            warnings.append(f"`task` appears {len(raws)} times in the link; using the last one.")
        task, note = clean_task(raws[-1])
        warnings += [note] if note else []
    present = False
    if query.get("present"):
        raw = query["present"][-1].strip().lower()
        present = raw in _YES
        if raw not in _YES + _NO:
            warnings.append(f"`present` = `{_quote(query['present'][-1])}` is not 1 or 0; presenter mode stays off.")
    # A hidden setting is not drawn at all, so it need not also be locked.
    lock = tuple(name for name in lock if name not in hide)
    return Classroom(lock, hide, task, present), warnings


def to_link_query(classroom: Classroom) -> dict[str, str]:
    """The link parameters that reproduce ``classroom`` (only those that are set)."""
    out = {}
    if classroom.lock:
        out["lock"] = ",".join(classroom.lock)
    if classroom.hide:
        out["hide"] = ",".join(classroom.hide)
    if classroom.task:
        out["task"] = classroom.task
    if classroom.present:
        out["present"] = "1"
    return out


def current() -> Classroom:
    """The session's classroom parameters (none before the first :func:`sync_from_url`)."""
    return st.session_state.get(CLASS_KEY, FREE)


def presenting() -> bool:
    """True in presenter mode: pages and page helpers may fold long prose (the equations and numbers stay)."""
    return current().present


def _store(classroom: Classroom) -> None:
    """Make ``classroom`` the session's, and tell :mod:`ui.settings` what is locked and hidden."""
    st.session_state[CLASS_KEY] = classroom
    st.session_state[LOCKED_KEY] = classroom.lock
    st.session_state[HIDDEN_KEY] = classroom.hide


def _read_query() -> dict[str, list[str]]:
    qp = st.query_params
    return {key: qp.get_all(key) for key in qp}


def sync_from_url() -> None:
    """Take the classroom parameters of a link this session has not written itself.

    A fresh session reads the whole link: its classroom parameters, and the settings it carries as
    the link's own values (what "Reset" restores for a locked or hidden setting). After a page
    switch the address bar is empty (or ours) and the session's values stay. Called by
    :func:`ui.page.setup`, before the page config (presenter mode collapses the sidebar).
    """
    query = _read_query()
    written = st.session_state.get(WRITTEN_KEY, {})
    incoming = {k: v for k, v in query.items() if k in LINK_PARAMS and [written.get(k)] != v}
    if CLASS_KEY not in st.session_state:
        _store(FREE)
    if not incoming:
        return
    # A link's classroom parameters replace the session's whole: absent ones are off.
    classroom, warnings = classroom_from_query({k: v for k, v in query.items() if k in LINK_PARAMS})
    _store(classroom)
    st.session_state[WARNINGS_KEY] = warnings
    if classroom.is_teacher_link:
        link_settings, _ = settings_from_query({k: v for k, v in query.items() if k not in LINK_PARAMS})
        st.session_state[LINK_SETTINGS_KEY] = link_settings


def write_url() -> None:
    """Mirror the session's classroom parameters into the address bar (after the settings)."""
    wanted = to_link_query(current())
    qp = st.query_params
    ours = [(k, qp.get_all(k)) for k in qp if k in LINK_PARAMS]
    at_end = list(qp)[len(qp) - len(ours) :] == [k for k, _ in ours]  # after the settings, as link() puts them
    if not at_end or ours != [(k, [v]) for k, v in wanted.items()]:
        for key in LINK_PARAMS:
            if key in qp:
                del qp[key]
        qp.update(wanted)
    st.session_state[WRITTEN_KEY] = wanted


def show_warnings() -> None:
    """The classroom parameters' link warnings, worded as the settings' are."""
    for note in st.session_state.get(WARNINGS_KEY, []):
        st.warning("Link parameter ignored: " + note, icon=":material/warning:")


def page_path(number: int) -> str:
    """The path a page is served at: ``/`` for the landing page, ``/Loss`` for step 4."""
    return "/" if number == 0 else "/" + step(number).url_path


def link(classroom: Classroom, number: int) -> str:
    """The whole link to page ``number`` with the session's settings and ``classroom``.

    The settings' part is what :mod:`ui.settings` wrote into the address bar this run, so the link
    is the one the address bar holds (with ``classroom``'s parameters in place of the session's).
    The address comes from the browser when it has told the server (``st.context.url``); a test run
    has none, and the link is then relative to the server's root.
    """
    qp = st.query_params
    settings_part = [(key, value) for key in qp if key not in LINK_PARAMS for value in qp.get_all(key)]
    query = settings_part + list(to_link_query(classroom).items())
    base = st.context.url or page_path(number)
    return f"{base}?{urlencode(query)}" if query else base


# --- what the learner sees -------------------------------------------------------------


def show_task(number: int, *, compact: bool = False) -> None:
    """At the top of the page: the teacher's task (plain text) and the "Open freely" link.

    The task is drawn with ``st.text``, which never interprets Markdown or HTML, so whatever a link
    carries shows as the characters it is. ``compact`` (presenter mode, beside the title) puts the
    task and the link on one row and leaves out the note on what the link fixes: the room reads the
    task from the projector, and each learner's own copy of the link has the full box.
    """
    classroom = current()
    if not classroom.is_teacher_link:
        return
    free = link(Classroom(present=classroom.present), number)
    with st.container(border=True, key="gd_task"):
        if compact:
            with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False, key="gd_task_row"):
                if classroom.task:
                    st.markdown("**:material/assignment: Your task**", width="content")
                    st.text(classroom.task, width="stretch")
                st.link_button("Open freely", free, icon=":material/lock_open:")
            return
        if classroom.task:
            st.markdown("**:material/assignment: Your task**")
            st.text(classroom.task)
        # No help tooltip on the button (Streamlit then draws the link twice), and no row beside the
        # caption (on a phone the row squeezes the button to nothing): the caption says what it does.
        fixed = [LINKED_SETTINGS[name] for name in classroom.lock]
        st.caption(
            ("Fixed by this link: " + ", ".join(fixed) + ". " if fixed else "")
            + "Open freely: this page and its settings in a new tab, with nothing fixed or hidden."
        )
        st.link_button("Open freely", free, icon=":material/lock_open:")


# --- what the teacher uses -------------------------------------------------------------

_PRESENTER_CSS = """
<style>
/* Presenter mode: a projector at 1280 x 720 seen from the back of the room. Streamlit sizes its
   type in rem, so the root size scales the text, the metrics and the equations together. */
html { font-size: 18px; }
/* The header bar only holds the sidebar's chevron and the menu, at the edges: let the title sit
   under it (see-through) instead of below it, so the page's first chart comes higher. */
@media (min-width: 641px) {  /* on a phone the chevron would sit on the title: the header stays */
  [data-testid="stHeader"] { background: transparent; }
  [data-testid="stMainBlockContainer"] { padding-top: 1.25rem; padding-bottom: 2rem; }
}
[data-testid="stMain"] h2 { padding-top: 0.75rem; }
[data-testid="stMain"] .katex-display { margin: 0.25em 0; }
[data-testid="stMain"] h1 { font-size: 2rem; padding-top: 0; }
[data-testid="stMain"] [data-testid="stMetricValue"] { font-size: 2.1rem; }
/* The task beside the title (show_task, compact) keeps one row; on a phone its text takes a line. */
.st-key-gd_task:has(.st-key-gd_task_row) { padding: 0.5rem 0.75rem; }
@media (max-width: 640px) {
  .st-key-gd_task_row { flex-wrap: wrap; }
  .st-key-gd_task_row > div:has([data-testid="stText"]) { flex: 1 1 100%; }
}
/* The page's key figure and numbers (ui.page.lead) sit closer together, to fit one screen. */
.st-key-gd_lead, .st-key-gd_lead [data-testid="stVerticalBlock"] { gap: 0.6rem; }
.st-key-gd_lead h2 { padding-top: 0.25rem; padding-bottom: 0.25rem; }
/* Numbers in the narrow column beside a figure (ui.page.figures_and_numbers): a smaller value, and
   a label or value that wraps rather than being cut off. */
.st-key-gd_numbers_beside [data-testid="stMetricValue"] { font-size: 1.5rem; }
.st-key-gd_numbers_beside [data-testid="stMetric"] :is(label, div, p) {
  white-space: normal; text-overflow: clip; overflow: visible;
}
</style>
"""


def presenter_css() -> None:
    """Presenter mode's style, once per run (a style-only ``st.html`` takes no room on the page)."""
    if presenting():
        st.html(_PRESENTER_CSS)


def _toggle_present() -> None:
    st.session_state[CLASS_KEY] = _replace_present(bool(st.session_state.get(PRESENT_TOGGLE_KEY)))


def _replace_present(on: bool) -> Classroom:
    c = current()
    return Classroom(c.lock, c.hide, c.task, on)


def _draft(name: str, value) -> str:
    """Initialise a share-panel widget from the session's draft (kept across page switches)."""
    key = SHARE_PREFIX + name
    store = SHARE_PREFIX + "draft_" + name
    st.session_state[key] = st.session_state.get(store, value)
    return key


def _keep_draft(name: str) -> None:
    st.session_state[SHARE_PREFIX + "draft_" + name] = st.session_state.get(SHARE_PREFIX + name)


def _names_picker(param: str, label: str, names: tuple[str, ...]) -> list[str]:
    """A multiselect over the settings (by their labels) for ``lock`` or ``hide``."""
    return st.multiselect(
        label,
        list(LINKED_SETTINGS),
        key=_draft(param, list(names)),
        format_func=LINKED_SETTINGS.__getitem__,
        on_change=_keep_draft,
        args=(param,),
    )


def share_panel(number: int) -> None:
    """The sidebar's "Share with a class" panel and the presenter-mode toggle.

    In the sidebar, not on the landing page: a teacher sets up the very page they want the class to
    see (say Learning Rate at η = 1.1), and the link points at that page with those settings.
    """
    classroom = current()
    with st.sidebar:
        st.session_state[PRESENT_TOGGLE_KEY] = classroom.present
        st.toggle(
            "Presenter mode",
            key=PRESENT_TOGGLE_KEY,
            on_change=_toggle_present,
            help="Larger type for a projector, and the sidebar folded away; the same as `present=1` in the link.",
        )
        with st.expander("Share with a class", icon=":material/school:"):
            lock = _names_picker("lock", "Lock (shown, cannot be changed)", classroom.lock)
            hide = _names_picker("hide", "Hide (not shown)", classroom.hide)
            task_key = _draft("task", classroom.task)
            task = st.text_area(
                "Task for the class",
                key=task_key,
                max_chars=TASK_MAX,
                placeholder="e.g. Find the largest η that still converges.",
                help=f"Shown as plain text at the top of every page; at most {TASK_MAX} characters.",
                on_change=_keep_draft,
                args=("task",),
            )
            draft, _ = classroom_from_query({"lock": [",".join(lock)], "hide": [",".join(hide)], "task": [task or ""]})
            st.caption(
                f"{len(draft.task)} of {TASK_MAX} characters. The link holds this page and its current "
                "settings; copy it with the button at its right."
            )
            st.code(link(draft, number), language=None, wrap_lines=True)
