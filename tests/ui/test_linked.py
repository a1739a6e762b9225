"""Everything a learner looks at is in the link: η on the page, toggles, the player's epoch, section
anchors; and a diverged run's player opens where its charts still show the data and the bowl."""

from __future__ import annotations

import pytest
from kit import metrics, page_text, player_data, run_page, stop_player_on
from streamlit.testing.v1 import AppTest

import gdcore
from ui.linked import anchor_for, parse_epoch, parse_switch
from ui.settings import PARAMS, TYPED_LR_KEY, near_limit

LR_PAGES = {"learning_rate": "lr", "rinse_and_repeat": "rinse"}
PLAYERS = {"learning_rate": ("lr_player", "step"), "rinse_and_repeat": ("rinse_player", "epoch")}


def _query(at, name: str) -> str | None:
    """The last value of ``name`` the page left in the address bar (None when absent)."""
    if name not in at.query_params:
        return None
    value = at.query_params[name]
    return value if isinstance(value, str) else value[-1]


def _link_warnings(at) -> list[str]:
    return [str(w.value) for w in at.warning if str(w.value).startswith("Link parameter ignored")]


# --- η on the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", LR_PAGES)
def test_on_page_eta_box_sets_the_same_state_and_link_as_the_slider(page):
    where = LR_PAGES[page]
    typed = run_page(page)
    typed.number_input(key=f"{where}_eta").set_value(0.3217).run()
    slid = run_page(page)
    slid.slider(key="gd_widget_lr").set_value(0.3217).run()
    for at in (typed, slid):
        assert not at.exception
        assert _query(at, "lr") == "0.3217"
        assert at.slider(key="gd_widget_lr").value == pytest.approx(0.3217)
        assert at.number_input(key=TYPED_LR_KEY).value == pytest.approx(0.3217)
        assert at.number_input(key=f"{where}_eta").value == pytest.approx(0.3217)
    assert metrics(typed) == metrics(slid)


def test_presets_set_eta_and_the_one_in_use_is_highlighted():
    at = run_page("rinse_and_repeat")
    assert at.button(key="rinse_preset_0.1").proto.type == "primary"  # the book's η, the default
    at.button(key="rinse_preset_2.5").click().run()
    assert not at.exception
    assert _query(at, "lr") == "2.5" and at.slider(key="gd_widget_lr").value == pytest.approx(2.5)
    assert at.button(key="rinse_preset_2.5").proto.type == "primary"
    assert at.button(key="rinse_preset_0.1").proto.type == "secondary"
    assert "The run blew up" in page_text(at)


@pytest.mark.parametrize("page", LR_PAGES)
def test_presets_either_side_of_this_datas_limit(page):
    where = LR_PAGES[page]
    at = run_page(page, {"seed": "7", "n": "60"})
    critical = gdcore.critical_lr(gdcore.make_data(n=60, seed=7).x_train)
    (_, below), (_, above) = near_limit(critical)
    assert below < critical < above
    at.button(key=f"{where}_preset_{below:g}").click().run()
    assert float(_query(at, "lr")) == pytest.approx(below)
    assert "converges" in page_text(at).lower()
    at.button(key=f"{where}_preset_{above:g}").click().run()
    assert float(_query(at, "lr")) == pytest.approx(above)
    assert "diverges" in page_text(at).lower()


@pytest.mark.parametrize(
    ("critical", "want"),
    [(0.8055, (0.76, 0.85)), (0.5, (0.47, 0.53)), (1.0, (0.95, 1.1)), (0.0573, (0.054, 0.061)), (2.0, (1.9, 2.1))],
)
def test_near_limit_is_round_and_on_either_side(critical, want):
    (_, below), (_, above) = near_limit(critical)
    assert (below, above) == want
    assert below < critical < above and above / below < 1.2  # close to the limit, on both sides


def test_near_limit_keeps_inside_etas_range():
    high, low = PARAMS["lr"].high, PARAMS["lr"].low
    beyond = [value for _, value in near_limit(0.97 * high)]
    assert len(beyond) == 1 and beyond[0] < 0.97 * high  # "just above" would be out of range
    assert [value for _, value in near_limit(1.02 * low)] == [1.1 * low]  # "just below" would be
    assert near_limit(0.0) == [] and near_limit(float("inf")) == []
    assert all(low <= v <= high for c in (1e-5, 0.3, 7.0) for _, v in near_limit(c))


def _two_presets_of_one_value() -> None:
    from ui.settings import lr_control

    lr_control("t", [("0.8 (the book's high)", 0.8), ("0.8 (just below the limit)", 0.8), ("2.5", 2.5)])


def test_a_preset_listed_twice_gets_one_button():
    at = AppTest.from_function(_two_presets_of_one_value).run()  # data whose "just below" is a book rate
    assert not at.exception
    assert [(b.key, b.label) for b in at.button] == [("t_preset_0.8", "0.8 (the book's high)"), ("t_preset_2.5", "2.5")]
    at.button(key="t_preset_0.8").click().run()
    assert at.session_state["gd_settings"].lr == 0.8 and at.number_input(key="t_eta").value == pytest.approx(0.8)


def test_rinse_points_at_the_on_page_control():
    text = page_text(run_page("rinse_and_repeat"))
    assert "buttons at the top of the page" in text and "in the sidebar to watch it blow up" not in text


# --- toggles in the link ------------------------------------------------------------------------

TOGGLES = [
    ("update", "mistake", "update_sequential"),
    ("loss", "view3d", "loss_show_3d"),
    ("rinse_and_repeat", "seq", "rinse_sequential"),
    ("rinse_and_repeat", "sum", "rinse_sum_loss"),
    ("rinse_and_repeat", "figstart", "rinse_paths_book_start"),
]


@pytest.mark.parametrize(("page", "name", "key"), TOGGLES, ids=[t[1] for t in TOGGLES])
def test_toggle_round_trips_through_the_link(page, name, key):
    at = run_page(page)
    assert at.toggle(key=key).value is False and _query(at, name) is None
    at.toggle(key=key).set_value(True).run()
    assert not at.exception and _query(at, name) == "1"
    linked = run_page(page, {name: "1"})  # the copied link, opened afresh
    assert linked.toggle(key=key).value is True and _query(linked, name) == "1"
    assert not _link_warnings(linked)
    linked.toggle(key=key).set_value(False).run()
    assert _query(linked, name) is None  # off is the default: nothing in the link


def test_a_linked_toggle_shows_what_it_switches_on():
    off, on = run_page("update"), run_page("update", {"mistake": "on"})
    assert "Sequential: w" in metrics(on) and "Sequential: w" not in metrics(off)
    assert _query(on, "mistake") == "on"  # a valid spelling is left as the link wrote it


@pytest.mark.parametrize("raw", ["maybe", "<b>x</b>", "2"])
def test_bad_toggle_value_warns_and_falls_back(raw):
    at = run_page("rinse_and_repeat", {"seq": raw, "sum": "1"})
    assert not at.exception
    (note,) = [w for w in _link_warnings(at) if "`seq`" in w]
    assert "is not on or off" in note and "using off" in note
    assert at.toggle(key="rinse_sequential").value is False
    assert at.toggle(key="rinse_sum_loss").value is True
    assert _query(at, "seq") is None and _query(at, "sum") == "1"
    at.toggle(key="rinse_sequential").set_value(True).run()
    assert not [w for w in _link_warnings(at) if "`seq`" in w]  # answered by the learner's choice


def test_parse_switch():
    assert parse_switch("seq", " TRUE ", False) == (True, None)
    assert parse_switch("seq", "off", True) == (False, None)
    value, note = parse_switch("seq", "maybe`", True)
    assert value is True and "`maybe'`" in note and "using on" in note


# --- the player's epoch in the link -------------------------------------------------------------


@pytest.mark.parametrize("page", PLAYERS)
def test_player_epoch_round_trips_through_the_link(page):
    key, name = PLAYERS[page]
    at = run_page(page)
    default = player_data(at, key)["start"]
    assert _query(at, name) is None
    stop_player_on(at, key, 12)
    assert _query(at, name) == "12"
    linked = run_page(page, {name: "12"})
    assert player_data(linked, key)["start"] == 12 and _query(linked, name) == "12"
    assert not _link_warnings(linked)
    stop_player_on(linked, key, default)
    assert _query(linked, name) is None  # back where the page opens: nothing in the link


def test_linked_epoch_shows_that_epochs_numbers():
    at = run_page("learning_rate", {"step": "1"})
    assert metrics(at)["Epoch"] == "1" and metrics(at)["b at this epoch"] == "0.8012"  # the book's first update


@pytest.mark.parametrize(
    ("raw", "start", "says"),
    [
        ("5000", 30, "outside this run's epochs 0 … 30; using 30"),
        ("-3", 0, "outside this run's epochs 0 … 30; using 0"),
        ("abc", 0, "is not a number; using epoch 0"),
        ("nan", 0, "is not a finite number"),
        ("2.6", 3, "must be a whole number; using 3"),
    ],
)
def test_bad_epoch_warns_and_is_clamped(raw, start, says):
    at = run_page("learning_rate", {"step": raw})
    assert not at.exception
    assert player_data(at, "lr_player")["start"] == start
    (note,) = [w for w in _link_warnings(at) if "`step`" in w]
    assert says in note
    assert _query(at, "step") == (None if start == 0 else str(start))


def test_a_links_epoch_does_not_outlive_its_run():
    at = run_page("rinse_and_repeat", {"epoch": "40"})
    assert player_data(at, "rinse_player")["start"] == 40
    at.button(key="rinse_preset_0.76").click().run()  # new η: new frames
    assert player_data(at, "rinse_player")["start"] == 1000 and _query(at, "epoch") is None


def test_parse_epoch_picks_the_frame_at_or_before_it():
    epochs = [0, 5, 10, 15, 17]  # a long run sends every k-th epoch, and the last
    assert parse_epoch("epoch", "12", epochs, 0) == (2, None)
    assert parse_epoch("epoch", "17", epochs, 0) == (4, None)
    frame, note = parse_epoch("epoch", "1e9", epochs, 0)
    assert frame == 4 and "using 17" in note


# --- section anchors ----------------------------------------------------------------------------


def test_section_anchors_are_stable_and_unique():
    at = run_page("rinse_and_repeat", {"epochs": "300"})
    anchors = [h.proto.anchor for h in at.subheader if h.proto.anchor]
    assert "closed-form-versus-descent" in anchors and "epochs-of-batch-descent" in anchors
    assert len(anchors) == len(set(anchors))
    assert anchor_for("Where does η stop working?") == "where-does-stop-working"
    assert anchor_for("Closed form versus descent") == "closed-form-versus-descent"


# --- a diverged run ------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", ["1.1", "1.5", "2.5"])
@pytest.mark.parametrize("page", PLAYERS)
def test_diverged_run_opens_at_epoch_0_inside_its_windows(page, lr):
    key, _ = PLAYERS[page]
    at = run_page(page, {"lr": lr})
    assert not at.exception
    data = player_data(at, key)
    assert data["start"] == 0 and data["epoch"][0] == 0
    b0, w0, loss0 = data["b"][0], data["w"][0], data["loss"][0]
    (b_lo, b_hi), (w_lo, w_hi) = data["surface"]["b"], data["surface"]["w"]
    b_star, w_star = data["surface"]["minimum"]
    # The bowl stays in view: the window holds the start and the minimum and is not blown up by the run.
    assert b_lo < min(b0, b_star) and max(b0, b_star) < b_hi and w_lo < min(w0, w_star) and max(w0, w_star) < w_hi
    assert b_hi - b_lo < 12 and w_hi - w_lo < 12
    lo, hi = data["cuts"]["loss"]
    assert lo <= loss0 <= hi  # the cuts show the opening point
    if data["data"] is not None:
        (x_lo, x_hi), (y_lo, y_hi) = data["data"]["x_dom"], data["data"]["y_dom"]
        assert x_lo <= min(data["data"]["x"]) and max(data["data"]["x"]) <= x_hi
        assert y_lo <= min(data["data"]["y"]) and max(data["data"]["y"]) <= y_hi
        y_line = [b0 + w0 * x for x in (x_lo, x_hi)]
        assert any(y_lo <= y <= y_hi for y in y_line)  # the opening line crosses the data's window
