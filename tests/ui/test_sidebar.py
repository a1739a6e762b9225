"""The shared sidebar: η can be typed exactly, the descent settings come first, the data settings fold."""

from __future__ import annotations

import pytest
from kit import metrics, run_page

from ui.settings import TYPED_LR_KEY


def test_typed_learning_rate_sets_the_same_state_and_link_as_the_slider():
    typed = run_page("update")
    typed.number_input(key=TYPED_LR_KEY).set_value(0.3217).run()
    slid = run_page("update")
    slid.slider(key="gd_widget_lr").set_value(0.3217).run()
    for at in (typed, slid):
        assert not at.exception
        assert at.query_params["lr"] in ("0.3217", ["0.3217"])
        assert at.slider(key="gd_widget_lr").value == pytest.approx(0.3217)
        assert at.number_input(key=TYPED_LR_KEY).value == pytest.approx(0.3217)
    assert metrics(typed) == metrics(slid)


def test_typed_learning_rate_follows_a_link_and_the_slider():
    at = run_page("learning_rate", {"lr": "1.2"})
    assert at.number_input(key=TYPED_LR_KEY).value == pytest.approx(1.2)
    at.slider(key="gd_widget_lr").set_value(0.05).run()
    assert at.number_input(key=TYPED_LR_KEY).value == pytest.approx(0.05)


def test_descent_settings_come_before_the_data_settings():
    at = run_page("rinse_and_repeat")
    headings = [h.value for h in at.sidebar.subheader]
    assert headings[0] == "Descent"
    labels = [w.label for w in at.sidebar.slider]
    assert labels.index("Learning rate η") < labels.index("Noise σ")


@pytest.mark.parametrize(("query", "open_"), [({}, False), ({"seed": "7"}, True), ({"lr": "0.5"}, False)])
def test_data_settings_fold_unless_a_link_changes_them(query, open_):
    at = run_page("data", query)
    (data,) = [e for e in at.sidebar.expander if e.label == "Data"]
    assert data.proto.expanded is open_
