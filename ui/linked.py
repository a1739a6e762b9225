"""What a learner looks at, in the link: the pages' toggles, the player's epoch, and section links.

The settings have their parameters in :mod:`ui.settings`. A view is more than its settings: a
mistake switched on, the 3-D surface shown, the player paused on an epoch, the section being read.
This module puts those into the address bar too, so a teacher can share "look at this":

- :func:`linked_toggle` draws a toggle whose state is a URL parameter (``seq=1``);
- :func:`linked_frame` and :func:`remember_frame` keep the player's epoch in one (``epoch=120``);
- :func:`section_link` is the small "copy a link to this section" control beside a heading, whose
  link is the current address with ``#anchor`` (a cold load of it scrolls to the heading).

The rules are the settings' ones. A link's value is read when it arrives (a fresh session, or a
link this session did not write); a bad value is replaced and reported with the usual
"Link parameter ignored" warning. The page writes a parameter back only when the view changes,
and never while the address already says the same: any write replaces the whole address, which
loses its ``#section``. The settings' own parameters are never touched here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from .settings import PARAMS, _quote

#: What each linked parameter last held in the address bar, as this session wrote or read it
#: (name -> text, None when absent). A different value in the URL is a link arriving.
WRITTEN_KEY = "gd_linked_written"
#: Link warnings of linked parameters (name -> text), shown beside their control.
NOTES_KEY = "gd_linked_notes"
#: The player's frame a link or a pause chose, with the frames it belongs to (name -> (ident, frame)).
FRAMES_KEY = "gd_linked_frames"

_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")
#: A parameter name: short, lower case (checked, so two pages cannot collide with a setting).
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


def _check_name(name: str) -> None:
    if not _NAME.match(name) or name in PARAMS:
        raise ValueError(f"{name!r} cannot name a linked parameter (short, lower case, not a setting's name)")


def _url_value(name: str) -> str | None:
    """The link's value of ``name`` (the last one when it repeats), or None when absent."""
    raws = st.query_params.get_all(name)
    return raws[-1] if raws else None


def _written() -> dict[str, str | None]:
    return st.session_state.setdefault(WRITTEN_KEY, {})


def _arriving(name: str) -> str | None:
    """The URL's value of ``name`` when a link brought it (it differs from what this session last
    saw there); None otherwise. Either way it is remembered as seen."""
    raw = _url_value(name)
    written = _written()
    if name in written and written[name] == raw:
        return None
    written[name] = raw
    return raw


def _note(name: str, text: str | None) -> None:
    notes = st.session_state.setdefault(NOTES_KEY, {})
    if text is None:
        notes.pop(name, None)
    else:
        notes[name] = text


def _show_note(name: str) -> None:
    text = st.session_state.get(NOTES_KEY, {}).get(name)
    if text:
        st.warning("Link parameter ignored: " + text, icon=":material/warning:")


def _write(name: str, value: str | None) -> None:
    """Make the address bar hold ``name=value`` (absent for None), writing only if it does not yet."""
    _written()[name] = value
    if _url_value(name) == value and len(st.query_params.get_all(name)) <= 1:
        return
    if name in st.query_params:
        del st.query_params[name]
    if value is not None:
        st.query_params[name] = value


def parse_switch(name: str, raw: str, default: bool) -> tuple[bool, str | None]:
    """A link's on/off value: (value to use, warning or None). Junk gives ``default`` and a warning."""
    text = raw.strip().lower()
    if text in _ON:
        return True, None
    if text in _OFF:
        return False, None
    used = "on" if default else "off"
    return default, f"`{name}` = `{_quote(raw)}` is not on or off (1 or 0); using {used}."


# --- toggles ----------------------------------------------------------------------------------


def _toggled(name: str, key: str, default: bool) -> None:
    """The learner flipped the toggle: its link warning is answered, the address follows."""
    _note(name, None)
    value = bool(st.session_state.get(key, default))
    _write(name, None if value == default else ("1" if value else "0"))


def linked_toggle(label: str, name: str, key: str, default: bool = False, help: str | None = None) -> bool:
    """A toggle whose state is the URL parameter ``name`` (``1`` on, ``0`` off; absent: ``default``).

    Parameters
    ----------
    label, help : what the toggle says
    name : the parameter, short and unique across the pages (``seq``, ``3d``)
    key : the widget's key
    default : the state without a link
    """
    _check_name(name)
    raw = _arriving(name)
    if raw is not None:
        value, note = parse_switch(name, raw, default)
        _note(name, note)
        st.session_state[key] = value
        if note is not None:
            _write(name, None)  # the junk leaves the address bar
    elif key not in st.session_state:
        st.session_state[key] = default
    _show_note(name)
    return st.toggle(label, key=key, help=help, on_change=_toggled, args=(name, key, default))


# --- the player's frame -----------------------------------------------------------------------


def parse_epoch(name: str, raw: str, epochs: Sequence[int], fallback: int) -> tuple[int, str | None]:
    """The frame a link's epoch asks for: (frame index, warning or None).

    An epoch between two frames (a long run sends every k-th epoch) picks the frame before it; one
    outside the run is clamped to its first or last epoch; junk gives ``fallback``.
    """
    first, last = int(epochs[0]), int(epochs[-1])
    try:
        number = float(raw.strip())
    except ValueError:
        return fallback, f"`{name}` = `{_quote(raw)}` is not a number; using epoch {epochs[fallback]}."
    if not math.isfinite(number):
        return fallback, f"`{name}` = `{_quote(raw)}` is not a finite number; using epoch {epochs[fallback]}."
    epoch = int(round(number))
    note = None
    if epoch != number:
        note = f"`{name}` = `{_quote(raw)}` must be a whole number; using {epoch}."
    if not first <= epoch <= last:
        epoch = min(max(epoch, first), last)
        note = f"`{name}` = `{_quote(raw)}` is outside this run's epochs {first} … {last}; using {epoch}."
    frame = max(i for i, e in enumerate(epochs) if int(e) <= epoch)
    return frame, note


def linked_frame(name: str, epochs: Sequence[int], ident: str, default: int) -> int:
    """The frame the player should open on: the link's ``name=epoch`` while the frames are the ones
    it was given for, else ``default``. A link's epoch does not outlive its frames: new data, rate
    or start drop it from the address, and the player opens where the page opens it."""
    _check_name(name)
    frames = st.session_state.setdefault(FRAMES_KEY, {})
    raw = _arriving(name)
    if raw is not None:
        frame, note = parse_epoch(name, raw, epochs, default)
        _note(name, note)
        frames[name] = (ident, frame)
        if note is not None:
            _write(name, None if frame == default else str(int(epochs[frame])))
    bound = frames.get(name)
    if bound is not None and bound[0] == ident:
        _show_note(name)
        return min(max(int(bound[1]), 0), len(epochs) - 1)
    frames.pop(name, None)
    _note(name, None)
    _write(name, None)
    return default


def remember_frame(name: str, epochs: Sequence[int], ident: str, frame: int, default: int) -> None:
    """The learner stopped the player on ``frame``: the address holds its epoch (none at ``default``)."""
    frames = st.session_state.setdefault(FRAMES_KEY, {})
    if frames.get(name) == (ident, frame) or (name not in frames and frame == default):
        return
    frames[name] = (ident, frame)
    _note(name, None)
    _write(name, None if frame == default else str(int(epochs[frame])))


# --- section links ----------------------------------------------------------------------------


def anchor_for(title: str) -> str:
    """A heading's anchor from its words: ``"Closed form versus descent"`` -> ``closed-form-versus-descent``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"


_HERE = Path(__file__).parent / "linked_component"
_mount_link = st.components.v2.component(
    "gd_section_link",
    html=(_HERE / "section_link.html").read_text(encoding="utf-8"),
    css=(_HERE / "section_link.css").read_text(encoding="utf-8"),
    js=(_HERE / "section_link.js").read_text(encoding="utf-8"),
    isolate_styles=True,
)


def section_link(anchor: str) -> None:
    """The "copy a link to this section" control for the heading with ``anchor``.

    In the browser it copies the current address with ``#anchor`` (and puts that hash in the
    address bar, so the link can be copied from there too). On a cold load of such a link it
    keeps the heading in view while the charts above it load and push it down.
    """
    _mount_link(key=f"section_link_{anchor}", data={"anchor": anchor}, width="content")
