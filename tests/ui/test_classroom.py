"""ui.classroom: teacher links (lock, hide, task), the share panel's link, reset and locks, presenter mode."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from kit import FORBIDDEN, FUZZ_SETS, PAGES, page_text, run_app, run_page
from streamlit.testing.v1 import AppTest

from ui.classroom import (
    CLASS_KEY,
    TASK_MAX,
    Classroom,
    classroom_from_query,
    clean_task,
    parse_names,
    to_link_query,
)
from ui.settings import DEFAULTS, PARAMS, STATE_KEY, TYPED_LR_KEY, WIDGET_PREFIX, Settings

# --- parsing and validation -------------------------------------------------------------


def test_lock_and_hide_take_known_names_in_the_settings_order():
    names, warnings = parse_names("lock", ["lr, seed", "W0,,b0 "])
    assert names == ("seed", "lr", "b0", "w0")
    assert warnings == []


@pytest.mark.parametrize("raw", ["learning_rate", "<img src=x onerror=alert(1)>", "`x`", "n0ise"])
def test_unknown_names_get_a_named_warning(raw):
    names, warnings = parse_names("hide", [f"noise,{raw}"])
    assert names == ("noise",)
    assert len(warnings) == 1
    assert warnings[0].startswith("`hide` names `") and warnings[0].endswith("which is not a setting; ignoring it.")
    # The name is shown inside a code span: no backtick of its own can close it.
    assert warnings[0].count("`") == 4


def test_a_task_keeps_its_text_and_line_breaks_and_drops_control_characters():
    assert clean_task("  Find η\u0000 where\r\nit diverges.\u200b  ") == ("Find η where\nit diverges.", None)


def test_an_over_long_task_is_cut_with_a_warning():
    task, warning = clean_task("x" * (TASK_MAX + 20))
    assert task == "x" * TASK_MAX
    assert warning == f"`task` is {TASK_MAX + 20} characters long; showing the first {TASK_MAX}."
    assert clean_task("y" * TASK_MAX) == ("y" * TASK_MAX, None)


def test_a_link_round_trips_through_its_query():
    classroom = Classroom(lock=("seed", "lr"), hide=("noise",), task="Try η = 1.1 & 0.9?", present=True)
    query = {k: [v] for k, v in to_link_query(classroom).items()}
    assert classroom_from_query(query) == (classroom, [])


def test_hidden_names_are_not_also_locked_and_present_is_checked():
    classroom, warnings = classroom_from_query({"lock": ["lr,noise"], "hide": ["noise"], "present": ["maybe"]})
    assert classroom == Classroom(lock=("lr",), hide=("noise",))
    assert warnings == ["`present` = `maybe` is not 1 or 0; presenter mode stays off."]
    assert classroom_from_query({"task": ["a", "b"]}) == (
        Classroom(task="b"),
        ["`task` appears 2 times in the link; using the last one."],
    )


# --- a teacher's link on a page ---------------------------------------------------------


def _classroom(at: AppTest) -> Classroom:
    return at.session_state[CLASS_KEY]


def _settings(at: AppTest) -> Settings:
    return at.session_state[STATE_KEY]


def _sidebar_labels(at: AppTest) -> dict[str, bool]:
    """Every sidebar slider and number box: label -> disabled."""
    return {w.label: w.disabled for w in [*at.sidebar.slider, *at.sidebar.number_input]}


def test_locked_settings_are_disabled_and_hidden_ones_absent():
    at = run_page("init", {"lock": "lr,seed,b0", "hide": "noise,true_b,w0", "lr": "0.5", "seed": "7"})
    assert not at.exception
    shown = _sidebar_labels(at)
    for name in ("lr", "seed", "b0"):
        assert shown[PARAMS[name].label] is True, name
    assert shown["η, typed exactly"] is True  # the typed box is the same setting as the slider
    for name in ("n", "true_w"):
        assert shown[PARAMS[name].label] is False, name
    for name in ("noise", "true_b", "w0"):
        assert PARAMS[name].label not in shown, name
    assert _settings(at).lr == 0.5 and _settings(at).seed == 7
    # The address bar keeps the whole teacher's link.
    assert at.query_params["lock"] in ("seed,lr,b0", ["seed,lr,b0"])
    assert at.query_params["hide"] in ("noise,true_b,w0", ["noise,true_b,w0"])


def _sidebar_headings(at: AppTest) -> list[str]:
    return [h.value for h in at.sidebar.subheader]


def test_a_link_that_hides_every_descent_setting_leaves_no_empty_heading():
    assert "Descent" in _sidebar_headings(run_page("init"))
    at = run_page("init", {"hide": "lr,b0,w0"})
    assert not at.exception
    assert "Descent" not in _sidebar_headings(at)
    assert PARAMS["seed"].label in _sidebar_labels(at)  # the data settings are still there


def test_unknown_names_and_a_long_task_are_reported_on_the_page():
    at = run_page("landing", {"lock": "lr,speed", "task": "t" * 300})
    warnings = [w.value for w in at.warning]
    assert "Link parameter ignored: `lock` names `speed`, which is not a setting; ignoring it." in warnings
    assert f"Link parameter ignored: `task` is 300 characters long; showing the first {TASK_MAX}." in warnings
    assert [t.value for t in at.text] == ["t" * TASK_MAX]
    assert _classroom(at).lock == ("lr",)


@pytest.mark.parametrize("fuzz", ["html", "markdown", "unicode", "repeated"])
def test_the_task_is_plain_text_whatever_the_link_carries(fuzz):
    payloads = [v if isinstance(v, str) else v[-1] for v in FUZZ_SETS[fuzz].values()]
    raw = "\n".join(payloads)
    at = run_page("landing", {"task": raw})
    assert not at.exception
    expected, _ = clean_task(raw)
    # Drawn by st.text (never interpreted), character for character.
    assert [t.value for t in at.text] == [expected]
    # Nothing of it reached an element that renders Markdown or HTML (the share panel's st.code
    # shows the link, percent-encoded, as plain text too).
    rendered = page_text(at).replace(expected, "")
    for code in at.code:
        rendered = rendered.replace(code.value, "")
    for bad in FORBIDDEN:
        assert bad not in rendered, bad
    for payload in payloads:
        if len(payload) > 3:
            assert payload not in rendered, payload


def test_the_task_and_locks_stay_across_a_page_switch():
    at = run_page("landing", {"lock": "lr", "task": "Watch η.", "lr": "0.3"})
    at.query_params.clear()  # a menu link: the address bar starts empty, the session keeps its values
    at.switch_page("pages/06_Update.py").run()
    assert not at.exception
    assert [t.value for t in at.text] == ["Watch η."]
    assert _sidebar_labels(at)[PARAMS["lr"].label] is True
    assert _settings(at).lr == 0.3
    assert at.query_params["task"] in ("Watch η.", ["Watch η."])


def test_open_freely_links_to_the_same_view_without_the_teachers_parameters():
    at = run_page("loss", {"lock": "lr", "hide": "seed", "task": "Go.", "lr": "0.3", "seed": "7"})
    (button,) = [b for b in at.get("link_button") if b.proto.label == "Open freely"]
    url = urlsplit(button.proto.url)
    assert url.path == "/Loss"
    query = parse_qs(url.query)
    assert not set(query) & {"lock", "hide", "task"}
    assert query["lr"] == ["0.3"] and query["seed"] == ["7"]


def test_no_task_callout_without_a_teachers_link():
    at = run_page("landing", {"lr": "0.3"})
    assert list(at.text) == []
    assert [b for b in at.get("link_button") if b.proto.label == "Open freely"] == []


# --- the share panel ------------------------------------------------------------------


def _share_link(at: AppTest) -> str:
    (code,) = [c.value for c in at.sidebar.code]
    return code


def test_the_share_panels_link_round_trips():
    at = run_page("learning_rate", {"lr": "0.7", "seed": "3", "b0": "1.5"})
    at.multiselect(key="gd_share_lock").set_value(["lr", "b0"])
    at.multiselect(key="gd_share_hide").set_value(["noise", "true_w"])
    task = "Predict, then press play: <b>does</b> it *converge*?"
    at.text_area(key="gd_share_task").input(task)
    at.run()
    assert not at.exception
    link = _share_link(at)
    url = urlsplit(link)
    assert url.path == "/Learning_Rate"
    query = parse_qs(url.query, keep_blank_values=True)
    # The teacher's own session is not locked by drafting a link.
    assert _classroom(at) == Classroom()
    assert _sidebar_labels(at)[PARAMS["lr"].label] is False

    learner = run_app(PAGES["learning_rate"], query)
    assert not learner.exception
    assert _classroom(learner) == Classroom(lock=("lr", "b0"), hide=("noise", "true_w"), task=task)
    assert _settings(learner) == _settings(at)
    assert _settings(learner).lr == 0.7 and _settings(learner).seed == 3 and _settings(learner).b0 == 1.5
    assert [t.value for t in learner.text] == [task]
    # The learner's address bar holds the same link, and so does their share panel.
    assert {k: [v] if isinstance(v, str) else v for k, v in dict(learner.query_params).items()} == query
    assert _share_link(learner) == link


def test_the_share_panel_counts_the_task():
    at = run_page("landing")
    at.text_area(key="gd_share_task").input("Twelve chars").run()
    assert any(c.value.startswith(f"12 of {TASK_MAX} characters.") for c in at.sidebar.caption)


# --- reset and locks --------------------------------------------------------------------


def test_reset_restores_the_links_values_for_locked_and_hidden_settings():
    at = run_page("init", {"lock": "lr,b0", "hide": "seed", "lr": "0.5", "b0": "2", "seed": "7", "n": "50"})
    at.number_input(key=WIDGET_PREFIX + "n").set_value(200).run()
    assert _settings(at).n == 200
    next(b for b in at.sidebar.button if b.label == "Reset to the book's values").click().run()
    assert not at.exception
    expected = Settings(lr=0.5, b0=2.0, seed=7)  # the link's locked and hidden values, the book's others
    assert _settings(at) == expected
    assert at.number_input(key=WIDGET_PREFIX + "n").value == DEFAULTS.n


def _lock_then_set(changes: dict) -> None:
    """A tiny app: a link locks lr and b0, then the page tries to set ``changes``."""
    import streamlit as st

    from ui.page import setup, sidebar
    from ui.settings import set_settings

    setup()
    sidebar()
    if "tried" not in st.session_state:
        st.session_state["tried"] = set_settings(**changes)
        st.rerun()


def test_set_settings_refuses_a_locked_name():
    at = AppTest.from_function(_lock_then_set, args=({"lr": 2.0, "b0": 3.0, "w0": -1.0},), default_timeout=30)
    at.query_params.update(lock="lr,b0", lr="0.4", b0="1")
    at.run()
    assert not at.exception
    assert at.session_state["tried"] == ("lr", "b0")
    settings = _settings(at)
    assert (settings.lr, settings.b0, settings.w0) == (0.4, 1.0, -1.0)
    assert [t.body for t in at.toast] == [
        f"{PARAMS['lr'].label} is fixed by this link.",
        f"{PARAMS['b0'].label} is fixed by this link.",
    ]


def test_without_a_lock_set_settings_changes_everything():
    at = AppTest.from_function(_lock_then_set, args=({"lr": 2.0, "b0": 3.0},), default_timeout=30)
    at.run()
    assert at.session_state["tried"] == ()
    assert (_settings(at).lr, _settings(at).b0) == (2.0, 3.0)


# --- presenter mode ---------------------------------------------------------------------


def test_presenter_mode_from_the_link_and_the_toggle():
    at = run_page("landing", {"present": "1"})
    assert _classroom(at).present is True
    assert at.toggle(key="gd_widget_present").value is True
    assert any("Presenter mode" in h.proto.body for h in at.get("html"))
    at.toggle(key="gd_widget_present").set_value(False).run()
    assert _classroom(at).present is False
    assert "present" not in at.query_params
    assert not any("Presenter mode" in h.proto.body for h in at.get("html"))


def test_typed_lr_box_is_the_locked_setting_too():
    at = run_page("update", {"lock": "lr"})
    assert at.number_input(key=TYPED_LR_KEY).disabled is True


def test_presenter_mode_folds_the_introduction_and_keeps_the_numbers():
    normal, presenting = run_page("data"), run_page("data", {"present": "1"})
    intro = normal.markdown[0].value
    assert intro.startswith("Before any learning we need data.")
    folded = [e for e in presenting.expander if e.label == "What this step is about"]
    assert len(folded) == 1 and folded[0].markdown[0].value == intro
    assert {m.label: m.value for m in presenting.metric} == {m.label: m.value for m in normal.metric}


def _lead_and_rest(at: AppTest) -> tuple[list[str], list[str]]:
    """Presenter mode: the element types in the lead box (right under the title) and the labels of
    the expanders after it, in page order."""
    blocks = list(at.main.children.values())
    title = next(i for i, b in enumerate(blocks) if b.type == "title")  # after the (empty) task box
    lead = blocks[title + 1]
    assert lead.proto.id.endswith("-gd_lead"), "the lead box is not right under the title"
    kinds: list[str] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            kinds.append(child.type)
            walk(child)

    walk(lead)
    after = [b.label for b in blocks[title + 2 :] if b.type == "expander"]
    return kinds, after


def _figures(at: AppTest) -> int:
    return len(at.get("vega_lite_chart")) + len(at.get("bidi_component"))


#: The steps whose key figure is the player.
PLAYER_PAGES = ("learning_rate", "rinse_and_repeat")


@pytest.mark.parametrize("name", [name for name in PAGES if name != "landing"])
def test_presenter_mode_puts_the_key_figure_and_numbers_first_and_keeps_everything(name):
    normal, presenting = run_page(name), run_page(name, {"present": "1"})
    kinds, expanders_after = _lead_and_rest(presenting)
    if name in PLAYER_PAGES:  # the player: its panels, and its own line of numbers for the frame shown
        assert kinds.count("bidi_component") == kinds.count("subheader") + 1  # each heading has a link control
    else:
        assert "metric" in kinds
        if name != "init":  # Init's key picture is its equations with their numbers
            assert "vega_lite_chart" in kinds
    # The introduction and the self-check follow the lead.
    assert expanders_after[0] == "What this step is about"
    # Moved, not lost or repeated: the same numbers and as many figures as outside presenter mode.
    assert sorted((m.label, m.value) for m in presenting.metric) == sorted((m.label, m.value) for m in normal.metric)
    assert _figures(presenting) == _figures(normal) >= (name != "init")
    # ... and the same text: the folded introduction and figure notes keep every word.
    for kind in ("markdown", "caption", "latex"):
        assert sorted(e.value for e in presenting.get(kind)) == sorted(e.value for e in normal.get(kind)), kind
    assert not any(b.proto.id.endswith("-gd_lead") for b in normal.main.children.values() if hasattr(b, "children"))


def test_in_presenter_mode_the_task_sits_beside_the_title_on_one_row():
    query = {"lock": "lr", "task": "Try η = 1.1 <b>now</b>"}
    presenting = run_page("update", {**query, "present": "1"})
    blocks = list(presenting.main.children.values())
    row = next(b for b in blocks if hasattr(b, "children") and any(c.type == "title" for c in b.children.values()))
    assert [c.type for c in row.children.values()] == ["title", "flex_container"]  # the title, then the task box
    assert [t.value for t in presenting.text] == ["Try η = 1.1 <b>now</b>"]  # plain text, once
    assert not any(c.value.startswith("Fixed by this link") for c in presenting.caption)
    # Outside presenter mode: the full box above the title, with what the link fixes.
    normal = run_page("update", query)
    assert [t.value for t in normal.text] == ["Try η = 1.1 <b>now</b>"]
    assert any(c.value.startswith("Fixed by this link: Learning rate η") for c in normal.caption)
    top = list(normal.main.children.values())
    title = next(i for i, b in enumerate(top) if b.type == "title")
    task = next(i for i, b in enumerate(top) if hasattr(b, "children") and b.text and b.text[0].value.startswith("Try"))
    assert task < title
