"""Predict, then check (ui.selfcheck): every step's answers against gdcore, the form on the page, the score.

The expected answers are computed here from gdcore directly (the data, the start, the gradients, a
descent run), not read from ui.results, so a slip in a question builder or in the cached results
shows up as a difference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from kit import PAGES, page_text, run_app, run_page

import gdcore
from ui import selfcheck
from ui.registry import STEPS
from ui.results import scaling as scaling_results
from ui.selfcheck import BEHAVIOURS, Question, questions_for
from ui.settings import Settings

#: The book's settings and three others: other data and η (converging, at the edge, diverging), a
#: typed start, mini-batches and fewer epochs.
SETTINGS = {
    "book": Settings(),
    "other data": Settings(seed=7, n=50, noise=0.3, lr=0.5),
    "diverging": Settings(seed=3, n=1000, noise=0.2, true_b=-1.0, true_w=3.0, lr=1.1, b0=2.0, w0=-1.0),
    "mini-batch": Settings(seed=123, n=20, lr=0.05, epochs=200, batch=4, b0=0.0, w0=0.0),
}


def _query(s: Settings) -> dict[str, str]:
    """The link that holds these settings."""
    query = {
        name: str(getattr(s, name)) for name in ("seed", "n", "noise", "true_b", "true_w", "lr", "epochs", "batch")
    }
    query |= {name: str(getattr(s, name)) for name in ("b0", "w0") if getattr(s, name) is not None}
    return query


class Reference:
    """What each question should answer, computed from gdcore alone."""

    def __init__(self, s: Settings):
        self.s = s
        data = gdcore.make_data(s.n, s.true_b, s.true_w, s.noise, s.seed)
        self.x, self.y = data.x_train, data.y_train
        rb, rw = gdcore.init_params(s.seed)
        self.b = rb if s.b0 is None else s.b0
        self.w = rw if s.w0 is None else s.w0

    def answers(self, number: int) -> list:
        s, x, y, b, w = self.s, self.x, self.y, self.b, self.w
        if number == 1:
            return [x.size, s.true_b + s.true_w * x[0]]
        if number == 2:
            return ["w" if abs(w - s.true_w) > abs(b - s.true_b) else "b"]
        if number == 3:
            yhat = b + w * x
            return [yhat[0], "above" if yhat.mean() > y.mean() else "below"]
        if number == 4:
            up = gdcore.mse(b, w + 1.0, x, y) > gdcore.mse(b, w, x, y)
            return [(b + w * x[0] - y[0]) ** 2, "up" if up else "down"]
        if number == 5:
            db, dw = gdcore.gradients(b, w, x, y)
            return ["b" if abs(db) >= abs(dw) else "w", "up" if db < 0 else "down"]
        if number == 6:
            db, dw = gdcore.gradients(b, w, x, y)
            w_new = w - s.lr * dw
            lower = gdcore.mse(b - s.lr * db, w_new, x, y) < gdcore.mse(b, w, x, y)
            return [w_new, "yes" if lower else "no"]
        if number == 7:
            critical = 2.0 / np.linalg.eigvalsh(gdcore.hessian(x)).max()
            zone = 0 if s.lr <= critical / 2 else (1 if s.lr < critical else 2)
            limit_b, limit_w = 2.0 / 2.0, 2.0 / (2.0 * np.mean(x**2))  # 2 / (d²MSE/db²), 2 / (d²MSE/dw²)
            return [BEHAVIOURS[zone], "w" if limit_w > limit_b else "b"]
        if number == 8:
            critical_bad = 2.0 / np.linalg.eigvalsh(gdcore.hessian(10 * x)).max()
            return ["no, it diverges" if s.lr >= critical_bad else "yes", None]
        if number == 9:
            scaled = (x - x.mean()) / x.std()
            return [None, 2.0 / np.linalg.eigvalsh(gdcore.hessian(scaled)).max()]
        if number == 10:
            k = gdcore.minibatch_size(s.batch, x.size)
            critical = 2.0 / np.linalg.eigvalsh(gdcore.hessian(x)).max()
            last = "no, it diverges"
            if s.lr < critical:
                last = gdcore.descend(x, y, b, w, s.lr, s.epochs).w[-1]
            return [math.ceil(x.size / k), last]
        raise ValueError(number)


@pytest.mark.parametrize("name", SETTINGS)
def test_every_answer_agrees_with_gdcore(name):
    s = SETTINGS[name]
    ref = Reference(s)
    for number in range(1, len(STEPS) + 1):
        questions = questions_for(number, s)
        assert 1 <= len(questions) <= 2, number
        for q, expected in zip(questions, ref.answers(number), strict=False):
            assert q.explanation and q.prompt
            if expected is None:
                continue  # checked below against the page's own results
            if q.kind == "number":
                assert float(q.answer) == pytest.approx(float(expected), rel=1e-9, abs=1e-9), (number, q.prompt)
                assert q.is_right(float(expected) + 0.9 * q.tolerance) and not q.is_right(float(expected) + 0.02)
            else:
                assert q.answer == expected, (number, q.prompt)
                assert q.is_right(expected) and not any(q.is_right(o) for o in q.options if o != expected)


def test_the_book_numbers_appear_in_the_questions():
    """At the book's settings the prompts and explanations quote the page's numbers."""
    book = SETTINGS["book"]
    text = {n: " ".join(q.prompt + " " + q.explanation for q in questions_for(n, book)) for n in range(1, 11)}
    assert "0.4967" in text[2] and "-0.1383" in text[2]
    assert "2.7422" in text[4]
    assert "-3.0448" in text[5] and "-1.8338" in text[5]
    assert "0.0451" in text[6]
    assert "0.8055" in text[7] and "1.0000" in text[7] and "3.1547" in text[7]
    assert "1.9690" in text[10] and "1.0235" in text[10]
    # The Learning Rate check is short and plain: no Hessian talk.
    assert all(len(q.explanation) < 200 and "Hessian" not in q.explanation for q in questions_for(7, book))


@pytest.mark.parametrize("name", SETTINGS)
def test_epoch_questions_follow_the_fastest_runs(name):
    """Bad Feature and Scaling compare the epochs the page reports for its fastest runs."""
    s = SETTINGS[name]
    epochs = {
        kind: scaling_results.fastest_descent(s.data_key, kind, *s.start).epochs or math.inf
        for kind in ("original", "bad", "scaled")
    }
    slower = questions_for(8, s)[1]
    if epochs["bad"] == epochs["original"]:
        assert slower.answer == "the same"
    else:
        assert slower.answer == ("x × 10" if epochs["bad"] > epochs["original"] else "the original x")
    fastest = questions_for(9, s)[0]
    names = {"original": "the original x", "bad": "x × 10", "scaled": "standardised x"}
    assert fastest.answer == names[min(epochs, key=epochs.get)]
    assert fastest.answer == "standardised x"  # the round bowl: one epoch at its best rate


def test_a_question_checks_its_own_answer():
    q = Question("w after one update?", "number", 0.0451, "because", tolerance=0.01)
    assert q.is_right(0.05) and q.is_right(0.0351) and not q.is_right(0.06) and not q.is_right(None)
    assert not q.is_right(float("nan"))
    count = Question("updates?", "number", 5, "because")
    assert count.whole and count.is_right(5) and not count.is_right(6) and count.given_text(6) == "6"
    choice = Question("which?", "choice", "b", "because", options=("b", "w"))
    assert choice.is_right("b") and not choice.is_right("w")
    with pytest.raises(ValueError):
        Question("which?", "choice", "x", "because", options=("b", "w"))
    with pytest.raises(ValueError):
        Question("how much?", "number", math.inf, "because")


def _answer(at, number: int, slot: int, value):
    """Type or pick ``value`` for question ``slot`` of step ``number`` and press its Check button."""
    q = questions_for(number, _settings_of(at))[slot]
    key = f"selfcheck_{number}_{slot}_{q.ident}"
    widget = at.radio(key=key) if q.kind == "choice" else at.number_input(key=key)
    widget.set_value(value)
    at.button(key=f"selfcheck_check_{number}_{slot}").click().run()
    assert not at.exception, [e.value for e in at.exception]


def _settings_of(at) -> Settings:
    return at.session_state["gd_settings"]


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("data", "other data"),
        ("update", "diverging"),
        ("learning_rate", "book"),
        ("rinse_and_repeat", "mini-batch"),
    ],
)
def test_the_page_marks_right_and_wrong(page, name):
    s = SETTINGS[name]
    number = next(i for i, entry in enumerate(STEPS, start=1) if entry.url_path.lower() == page)
    at = run_page(page, _query(s))
    assert not at.exception
    assert _settings_of(at) == s
    expected = Reference(s).answers(number)[0]
    q = questions_for(number, s)[0]
    wrong = next(o for o in q.options if o != expected) if q.kind == "choice" else float(expected) + 1.0
    _answer(at, number, 0, wrong)
    errors = [e.value for e in at.error if e.value.startswith("Not quite")]
    assert len(errors) == 1 and q.explanation in errors[0]
    _answer(at, number, 0, expected)
    assert [m.value for m in at.success if m.value.startswith("Right.")] == [f"Right. {q.explanation}"]
    assert not any(e.value.startswith("Not quite") for e in at.error)
    assert at.session_state[selfcheck.ANSWERS_KEY] == {f"{number}.0.{q.ident}": True}


def test_the_learning_rate_verdict_goes_when_the_rate_changes():
    at = run_page("learning_rate")
    _answer(at, 7, 0, "Diverges")
    assert any(e.value.startswith("Not quite: you said Diverges.") and "0.8055" in e.value for e in at.error)
    at.query_params["lr"] = "1.1"  # a new rate asks a new question: the old verdict does not carry over
    at.run()
    assert not any(e.value.startswith("Not quite") for e in at.error)
    assert "with η = 1.1, what will batch gradient descent do?" in page_text(at)


def test_checking_without_an_answer_asks_for_one():
    at = run_page("update")
    at.button(key="selfcheck_check_6_0").click().run()
    assert any(i.value == "Give an answer first, then check it." for i in at.info)
    assert selfcheck.ANSWERS_KEY not in at.session_state  # nothing counted


def test_the_landing_page_counts_the_answers():
    at = run_app(PAGES["landing"])
    assert "Your score in this session shows here" in page_text(at)
    book = Reference(SETTINGS["book"])
    at.switch_page("pages/05_Gradients.py").run()
    right = book.answers(5)
    _answer(at, 5, 0, right[0])
    _answer(at, 5, 1, "down" if right[1] == "up" else "up")
    at.switch_page("pages/03_Predict.py").run()
    _answer(at, 3, 0, book.answers(3)[0])
    at.switch_page("streamlit_app.py").run()
    assert "you have answered 3 questions and got 2 right" in page_text(at)
