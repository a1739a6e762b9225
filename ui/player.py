"""Step-through and playback of a descent: one frame index shared by every panel.

The page computes the whole history once; :func:`player` draws the controls
(first, back, play/pause, forward, last, a scrubber and the speed) and calls
``render(frame)`` so every panel shows the same iteration. Playback reruns
only this fragment on a timer, so the rest of the page stays still.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

#: Frames advanced per tick while playing, by speed name.
SPEEDS = {"1 per tick": 1, "5 per tick": 5, "25 per tick": 25, "100 per tick": 100}
TICK_SECONDS = 0.4


def clamp_frame(frame: int, n_frames: int) -> int:
    """Keep a frame index inside 0 … n_frames - 1."""
    return max(0, min(int(frame), n_frames - 1))


def _keys(key: str) -> tuple[str, str, str]:
    return f"{key}_frame", f"{key}_playing", f"{key}_speed"


def _scrubbed(key: str, n_frames: int) -> None:
    """The learner dragged the scrubber: jump there (ignored while playing).

    While playing, a timer rerun can carry the browser's previous slider
    value; taking it would stop playback and jump back, so it is ignored.
    """
    frame_key, playing_key, _ = _keys(key)
    if st.session_state.get(playing_key):
        return
    st.session_state[frame_key] = clamp_frame(st.session_state[f"{key}_scrub"], n_frames)


def is_playing(key: str) -> bool:
    """True while the player ``key`` is playing (e.g. to pause chart clicks)."""
    return bool(st.session_state.get(_keys(key)[1]))


def _move(key: str, n_frames: int, delta: int | None = None, to: int | None = None) -> None:
    frame_key, playing_key, _ = _keys(key)
    current = st.session_state.get(frame_key, 0)
    target = to if to is not None else current + (delta or 0)
    st.session_state[frame_key] = clamp_frame(target, n_frames)
    st.session_state[playing_key] = False


def player(key: str, n_frames: int, render: Callable[[int], None], *, label: str = "epoch",
           start_at_end: bool = False) -> None:
    """Draw the controls and the frame they select.

    Parameters
    ----------
    key : str
        Unique per page; the frame lives in ``st.session_state[key + "_frame"]``.
    n_frames : int
        Number of frames (epochs + 1 for a batch history).
    render : callable
        Draws every panel for one frame index.
    label : str
        What a frame is called ("epoch", "update").
    start_at_end : bool
        Show the last frame the first time (the result), rather than the start.
    """
    frame_key, playing_key, speed_key = _keys(key)
    n_frames = max(1, int(n_frames))
    if frame_key not in st.session_state:
        st.session_state[frame_key] = n_frames - 1 if start_at_end else 0
    st.session_state[frame_key] = clamp_frame(st.session_state[frame_key], n_frames)
    st.session_state.setdefault(playing_key, False)
    st.session_state.setdefault(speed_key, "5 per tick")
    playing = bool(st.session_state[playing_key]) and n_frames > 1

    @st.fragment(run_every=TICK_SECONDS if playing else None)
    def _frame() -> None:
        if st.session_state.get(playing_key):
            step = SPEEDS.get(st.session_state.get(speed_key), 1)
            nxt = st.session_state[frame_key] + step
            if nxt >= n_frames - 1:
                st.session_state[frame_key] = n_frames - 1
                st.session_state[playing_key] = False
                st.rerun(scope="app")  # stops the timer
            st.session_state[frame_key] = nxt
        cols = st.columns([1, 1, 1.3, 1, 1, 2.2], vertical_alignment="bottom")
        cols[0].button("First", icon=":material/first_page:", key=f"{key}_first", help=f"First {label}", on_click=_move,
                       args=(key, n_frames), kwargs={"to": 0}, width="stretch")
        cols[1].button("◀", key=f"{key}_back", help=f"Step back one {label}", on_click=_move,
                       args=(key, n_frames, -1), width="stretch")
        # Two buttons with their own keys, not one toggle: a click that arrives twice
        # (a slow machine, a double click) then says "play" or "pause", never "flip".
        was_playing = bool(st.session_state[playing_key])
        if cols[2].button("⏸ Pause" if was_playing else "▶ Play", key=f"{key}_{'pause' if was_playing else 'play'}",
                          help="Pause" if was_playing else "Play", width="stretch", type="primary"):
            if not was_playing and st.session_state[frame_key] >= n_frames - 1:
                st.session_state[frame_key] = 0
            st.session_state[playing_key] = not was_playing
            st.rerun(scope="app")  # (re)starts or stops the timer
        cols[3].button("▶", key=f"{key}_forward", help=f"Step forward one {label}", on_click=_move,
                       args=(key, n_frames, 1), width="stretch")
        cols[4].button("Last", icon=":material/last_page:", key=f"{key}_last", help=f"Last {label}", on_click=_move,
                       args=(key, n_frames), kwargs={"to": n_frames - 1}, width="stretch")
        cols[5].selectbox("Speed", list(SPEEDS), key=speed_key, help=f"{label.capitalize()}s advanced per tick")
        if n_frames > 1:
            # The slider has its own key, set from the frame on every run, so
            # the frame stays the one source of truth.
            st.session_state[f"{key}_scrub"] = st.session_state[frame_key]
            st.slider(f"{label.capitalize()} (drag to scrub)", 0, n_frames - 1, key=f"{key}_scrub",
                      on_change=_scrubbed, args=(key, n_frames), disabled=bool(st.session_state[playing_key]))
        render(int(st.session_state[frame_key]))

    _frame()
