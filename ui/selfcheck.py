"""Predict, then check: one or two questions on every step page, built from the page's own numbers.

Each step page calls ``show_self_check(number, questions_for(number, settings))`` once. A
:class:`Question` holds its prompt, its kind (a number to type, or one of a few choices), the right
answer, the tolerance a typed number may be off by, and the explanation shown once the learner
has checked. The answers come from :mod:`ui.results` and :mod:`gdcore`, the same values the page
shows, never from arithmetic done here; the prompts and explanations format them with
:mod:`ui.numbers`.

The session remembers every question checked (:func:`score`), and the landing page shows how
many the learner has answered and got right (:func:`show_score`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import streamlit as st

import gdcore

from . import results
from .numbers import TABLE_FORMAT, count, fmt, short
from .results import descent as descent_results
from .results import loss as loss_results
from .results import scaling as scaling_results
from .results import update as update_results
from .settings import Settings

#: Every question checked in this session: question id -> whether the latest answer was right.
ANSWERS_KEY = "selfcheck_answers"
#: Per question slot: (question id, the answer given) of the latest check, to show its verdict.
VERDICT_PREFIX = "selfcheck_verdict_"

#: How batch descent behaves at a learning rate (:func:`gdcore.lr_zone`'s 0, 1, 2).
BEHAVIOURS = ("Converges smoothly", "Oscillates but converges", "Diverges")


@dataclass(frozen=True)
class Question:
    """One "predict, then check" question.

    Attributes
    ----------
    prompt : the question, with the page's numbers (Markdown, the app's own text)
    kind : "number" (typed, right within ``tolerance``) or "choice" (one of ``options``)
    answer : the right number, or the right option
    explanation : why, with the page's numbers; shown after a check, right or wrong
    tolerance : how far a typed number may be from ``answer`` (0: exactly; counts)
    options : the choices of a "choice" question
    """

    prompt: str
    kind: Literal["number", "choice"]
    answer: float | str
    explanation: str
    tolerance: float = 0.0
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "choice" and self.answer not in self.options:
            raise ValueError(f"the answer {self.answer!r} is not one of the options {self.options}")
        if self.kind == "number" and not math.isfinite(float(self.answer)):
            raise ValueError("a number question needs a finite answer")

    @property
    def ident(self) -> str:
        """A short id that changes when the question does (its prompt holds the page's numbers)."""
        return hashlib.sha1(self.prompt.encode()).hexdigest()[:10]

    @property
    def whole(self) -> bool:
        """True when the answer is a count, typed as a whole number."""
        return self.kind == "number" and self.tolerance == 0 and float(self.answer).is_integer()

    def is_right(self, given: float | str | None) -> bool:
        """Whether ``given`` is the answer (a number within :attr:`tolerance`)."""
        if given is None:
            return False
        if self.kind == "choice":
            return given == self.answer
        value = float(given)
        # A little slack for the typed number's own rounding (0.01 means "to 2 decimals").
        return math.isfinite(value) and abs(value - float(self.answer)) <= self.tolerance * (1 + 1e-9) + 1e-12

    def given_text(self, given: float | str) -> str:
        """The learner's answer as the verdict repeats it."""
        if self.kind == "choice":
            return str(given)
        return count(int(given)) if self.whole else short(float(given))


# --- the questions of each step -----------------------------------------------------------------

#: A typed number is right within this much: "to 2 decimals".
TWO_DECIMALS = 0.01


def _counted(n: int, one: str, many: str) -> str:
    """A count with its noun: ``1 point``, ``1,000 points``."""
    return f"{count(n)} {one if n == 1 else many}"


def _epochs_needed(fast: scaling_results.FastestDescent) -> str:
    """``34 epochs``, ``1 epoch`` or ``more than 5,000 epochs``: what a fastest run needed."""
    return f"{fast.epochs_text()} {'epoch' if fast.epochs == 1 else 'epochs'}"


def _generated(s: Settings) -> bool:
    """True when the points come from the line the settings name (the book's kind of data), so its
    true b and w mean something; a real or uploaded data set has none."""
    return getattr(s, "data", "book") == "book"


def _data(s: Settings) -> tuple[Question, ...]:
    """Step 1: how the points split, and where the first one would lie without noise."""
    t = results.train_summary(s.data_key)
    n_train = t.n_train
    n_val = results.features(s.data_key, "original").x_val.size
    questions = [
        Question(
            f"Of the {count(n_train + n_val)} points, how many go into the **training set**?",
            "number",
            n_train,
            f"{count(n_train)}: they train the model; the other {count(n_val)} are kept aside for validation.",
        )
    ]
    if _generated(s):
        clean = float(gdcore.predict(s.true_b, s.true_w, [t.first_x])[0])
        noise = -float(gdcore.errors(s.true_b, s.true_w, [t.first_x], [t.first_y])[0])
        questions.append(
            Question(
                f"The first training point has x = {fmt(t.first_x)}. Without the noise, where would the true line "
                f"y = {short(s.true_b)} + {short(s.true_w)}·x put its y? (2 decimals)",
                "number",
                clean,
                f"y = {short(s.true_b)} + {short(s.true_w)} × {fmt(t.first_x)} = {fmt(clean)}. The point's real y "
                f"is {fmt(t.first_y)}: its noise ε moved it by {fmt(noise)}.",
                TWO_DECIMALS,
            )
        )
    return tuple(questions)


def _init(s: Settings) -> tuple[Question, ...]:
    """Step 2: which starting parameter is further from the truth (none on data without a true line)."""
    if not _generated(s):
        return ()
    b0, w0 = s.start
    off_b, off_w = abs(b0 - s.true_b), abs(w0 - s.true_w)
    further = "w" if off_w > off_b else "b"
    return (
        Question(
            f"Gradient descent starts from b = {fmt(b0)}, w = {fmt(w0)}; the data come from b = {short(s.true_b)}, "
            f"w = {short(s.true_w)}. Which parameter starts **further** from its true value?",
            "choice",
            further,
            f"{further}: b is {fmt(off_b)} away ({fmt(b0)} against {short(s.true_b)}), w is {fmt(off_w)} away "
            f"({fmt(w0)} against {short(s.true_w)}).",
            options=("b", "w"),
        ),
    )


def _predict(s: Settings) -> tuple[Question, ...]:
    """Step 3: the prediction for the first point, and whether the line runs above or below the points."""
    t = results.train_summary(s.data_key)
    pred = results.prediction(s.data_key, *s.start)
    b, w = s.start
    miss = float(gdcore.errors(b, w, [t.first_x], [t.first_y])[0])
    side = "above" if pred.mean > t.stats.mean_y else "below"
    return (
        Question(
            f"With b = {fmt(b)} and w = {fmt(w)}, what does the model predict for the first training point, "
            f"x₀ = {fmt(t.first_x)}? (2 decimals)",
            "number",
            pred.first,
            f"ŷ₀ = {fmt(b)} + ({fmt(w)}) × {fmt(t.first_x)} = {fmt(pred.first)}. The point's label is "
            f"y₀ = {fmt(t.first_y)}, so the prediction is off by {fmt(miss)}.",
            TWO_DECIMALS,
        ),
        Question(
            "On average over the training points, does the line run above or below them?",
            "choice",
            side,
            f"{side.capitalize()}: the mean prediction is {fmt(pred.mean)} and the mean label is "
            f"{fmt(t.stats.mean_y)}.",
            options=("above", "below"),
        ),
    )


def _loss(s: Settings) -> tuple[Question, ...]:
    """Step 4: one point's squared error, and which way the MSE goes when w moves."""
    b, w = s.start
    led = loss_results.ledger(s.data_key, b, w)
    first = led.frame.iloc[0]
    stats = results.train_summary(s.data_key).stats
    raised = float(stats.loss(b, w + 1.0))
    way = "down" if raised < led.mse else "up"
    return (
        Question(
            f"With b = {fmt(b)} and w = {fmt(w)} the model predicts ŷ₀ = {fmt(first['ŷ'])} for the first training "
            f"point, whose label is y₀ = {fmt(first['y'])}. What is its **squared error**? (2 decimals)",
            "number",
            float(first["error²"]),
            f"(ŷ₀ − y₀)² = ({fmt(first['error'])})² = {fmt(first['error²'])}. The MSE is the mean of these squares "
            f"over all {_counted(led.n_train, 'training point', 'training points')}: {fmt(led.mse)}.",
            TWO_DECIMALS,
        ),
        Question(
            f"The MSE at the start is {fmt(led.mse)}. Raise w by 1, to {fmt(w + 1.0)}, and keep b = {fmt(b)}: "
            "does the MSE go up or down?",
            "choice",
            way,
            f"{way.capitalize()}: at w = {fmt(w + 1.0)} the MSE is {fmt(raised)}, against {fmt(led.mse)}.",
            options=("up", "down"),
        ),
    )


def _gradients(s: Settings) -> tuple[Question, ...]:
    """Step 5: which gradient is steeper, and which way b should move."""
    led = loss_results.ledger(s.data_key, *s.start)
    steeper = "b" if abs(led.grad_b) >= abs(led.grad_w) else "w"
    way = "up" if led.grad_b < 0 else "down"
    sign = "negative: the loss falls as b grows" if led.grad_b < 0 else "positive: the loss rises with b"
    return (
        Question(
            "At the starting point, which parameter has the **steeper** gradient, b or w?",
            "choice",
            steeper,
            f"{steeper}: ∂MSE/∂b = {fmt(led.grad_b)} and ∂MSE/∂w = {fmt(led.grad_w)}; the larger size wins, "
            "whatever the sign.",
            options=("b", "w"),
        ),
        Question(
            "To lower the loss, should b go up or down?",
            "choice",
            way,
            f"{way.capitalize()}: ∂MSE/∂b = {fmt(led.grad_b)} is {sign}, and descent moves against the "
            "gradient's sign.",
            options=("up", "down"),
        ),
    )


def _update(s: Settings) -> tuple[Question, ...]:
    """Step 6: w after one update, and whether the loss falls."""
    upd = update_results.one_update(s.data_key, *s.start, s.lr)
    lower = upd.loss_after < upd.loss_before
    return (
        Question(
            f"At w = {fmt(upd.w)} the gradient is ∂MSE/∂w = {fmt(upd.dw)}. With η = {short(upd.lr)}, what is "
            "w after one update? (2 decimals)",
            "number",
            upd.w_new,
            f"w − η·∂MSE/∂w = {fmt(upd.w)} − {short(upd.lr)} × ({fmt(upd.dw)}) = {fmt(upd.w_new)}.",
            TWO_DECIMALS,
        ),
        Question(
            f"Will this update (both b and w, η = {short(upd.lr)}) lower the training loss?",
            "choice",
            "yes" if lower else "no",
            (
                f"Yes: the loss goes from {fmt(upd.loss_before)} to {fmt(upd.loss_after)}."
                if lower
                else f"No: the loss rises from {fmt(upd.loss_before)} to {fmt(upd.loss_after)}; the step is "
                "too large and jumps past the valley."
            ),
            options=("yes", "no"),
        ),
    )


def _learning_rate(s: Settings) -> tuple[Question, ...]:
    """Step 7: what batch descent does at this η, and which cross-section tolerates the larger step."""
    curv = results.curvature(s.data_key)
    b0, w0 = s.start
    zone = gdcore.lr_zone(s.lr, curv.critical_lr)
    eta = short(s.lr)
    why = (
        f"η = {eta} is at most {fmt(curv.smooth)}, so no step overshoots the valley (descent diverges only above "
        f"{fmt(curv.critical_lr)})",
        f"η = {eta} is above {fmt(curv.smooth)}, so every step overshoots the valley, but below "
        f"{fmt(curv.critical_lr)}, so each swing is smaller than the last",
        f"η = {eta} is above {fmt(curv.critical_lr)}, the largest rate this data allows, so every swing is larger "
        "than the last",
    )[zone]
    wider = "w" if curv.limit_w > curv.limit_b else "b"
    return (
        Question(
            f"Starting from b = {fmt(b0)}, w = {fmt(w0)} with η = {eta}, what will batch gradient descent do?",
            "choice",
            BEHAVIOURS[zone],
            f"{BEHAVIOURS[zone]}: {why}.",
            options=BEHAVIOURS,
        ),
        Question(
            "Moving one parameter alone (the other fixed), which one tolerates the **larger** η before its "
            "step diverges, b or w?",
            "choice",
            wider,
            f"{wider}: a b-only step diverges above η = {fmt(curv.limit_b)}, a w-only step above "
            f"{fmt(curv.limit_w)}. The steeper cross-section has the lower limit.",
            options=("b", "w"),
        ),
    )


def _bad_feature(s: Settings) -> tuple[Question, ...]:
    """Step 8: does this η survive x × 10, and which feature needs more epochs."""
    orig, bad = results.curvature(s.data_key, "original"), results.curvature(s.data_key, "bad")
    diverges = gdcore.lr_zone(s.lr, bad.critical_lr) == 2
    fast = {kind: scaling_results.fastest_descent(s.data_key, kind, *s.start) for kind in ("original", "bad")}
    before, after = _epochs_or_more(fast["original"]), _epochs_or_more(fast["bad"])
    slow = "the same" if before == after else ("x × 10" if after > before else "the original x")
    return (
        Question(
            f"Multiply x by 10. Does batch descent with η = {short(s.lr)} still converge?",
            "choice",
            "no, it diverges" if diverges else "yes",
            f"With x × 10 batch descent diverges above η = {fmt(bad.critical_lr)} (with the original x, above "
            f"{fmt(orig.critical_lr)}), so η = {short(s.lr)} " + ("diverges." if diverges else "still converges."),
            options=("yes", "no, it diverges"),
        ),
        Question(
            "Each at its fastest learning rate, which needs **more** epochs to converge: the original x or x × 10?",
            "choice",
            slow,
            f"The original x needs {_epochs_needed(fast['original'])}, x × 10 needs "
            f"{_epochs_needed(fast['bad'])}" + (": its bowl is a long, narrow valley." if slow == "x × 10" else "."),
            options=("the original x", "x × 10", "the same"),
        ),
    )


def _epochs_or_more(fast: scaling_results.FastestDescent) -> int:
    """Epochs a run needed; one more than the cap when none converged within it."""
    return fast.epochs if fast.epochs is not None else fast.cap + 1


def _scaling(s: Settings) -> tuple[Question, ...]:
    """Step 9: which feature is fastest, and the standardised feature's critical η."""
    kinds = {"original": "the original x", "bad": "x × 10", "scaled": "standardised x"}
    curv = {kind: results.curvature(s.data_key, kind) for kind in kinds}
    fast = {kind: scaling_results.fastest_descent(s.data_key, kind, *s.start) for kind in kinds}
    fastest = min(kinds, key=lambda kind: _epochs_or_more(fast[kind]))
    scaled = curv["scaled"]
    epochs = ", ".join(f"{kinds[k]} {fast[k].epochs_text()}" for k in kinds)
    return (
        Question(
            "Each at its fastest learning rate, which version of the feature converges in the **fewest** epochs?",
            "choice",
            kinds[fastest],
            f"{kinds[fastest].capitalize()}. Epochs needed: {epochs}.",
            options=tuple(kinds.values()),
        ),
        Question(
            "The standardised feature has mean 0 and standard deviation 1 on the training set. Above which η does "
            "batch descent on it diverge? (2 decimals)",
            "number",
            scaled.critical_lr,
            f"{fmt(scaled.critical_lr)}: its bowl is round, with curvature {fmt(scaled.lam_max)} in every "
            f"direction, so the limit is 2 / {fmt(scaled.lam_max)}. The original x diverges above "
            f"{fmt(curv['original'].critical_lr)}.",
            TWO_DECIMALS,
        ),
    )


def _rinse_and_repeat(s: Settings) -> tuple[Question, ...]:
    """Step 10: updates per epoch of mini-batch descent, and where batch descent ends."""
    f = descent_results.facts(s.data_key)
    k = gdcore.minibatch_size(s.batch, f.n_train)
    updates = gdcore.updates_per_epoch(f.n_train, k)
    h = results.history_for(s, batch=0)
    b_star, w_star = f.minimum
    questions = [
        Question(
            f"Mini-batch descent with mini-batches of {_counted(k, 'point', 'points')} over "
            f"{_counted(f.n_train, 'training point', 'training points')}: "
            "how many updates make one epoch?",
            "number",
            updates,
            f"{count(updates)}: one update per mini-batch, until every training point has been used once. Batch "
            f"descent makes 1 update per epoch, stochastic descent {count(f.n_train)}.",
        )
    ]
    b_end, w_end = h.final
    if gdcore.lr_zone(s.lr, f.curvature.critical_lr) < 2 and math.isfinite(w_end):
        questions.append(
            Question(
                f"After {_counted(h.epochs_run, 'epoch', 'epochs')} of batch descent at η = {short(s.lr)}, where is w? "
                "(2 decimals)",
                "number",
                w_end,
                f"w = {fmt(w_end)} (and b = {fmt(b_end)}); the least-squares line has w* = {fmt(w_star)}, "
                f"b* = {fmt(b_star)}.",
                TWO_DECIMALS,
            )
        )
    else:
        questions.append(
            Question(
                f"Will batch descent at η = {short(s.lr)} reach the least-squares line?",
                "choice",
                "no, it diverges",
                f"No: η = {short(s.lr)} is above 2/λ_max = {fmt(f.curvature.critical_lr)}, so every swing across "
                "the valley is larger than the last"
                + (f" (the numbers stop being finite in epoch {count(h.diverged_at)})." if h.diverged else "."),
                options=("yes", "no, it diverges"),
            )
        )
    return tuple(questions)


#: The question builders, by step number.
BUILDERS: dict[int, Callable[[Settings], tuple[Question, ...]]] = {
    1: _data,
    2: _init,
    3: _predict,
    4: _loss,
    5: _gradients,
    6: _update,
    7: _learning_rate,
    8: _bad_feature,
    9: _scaling,
    10: _rinse_and_repeat,
}


def questions_for(number: int, settings: Settings) -> tuple[Question, ...]:
    """The questions of step ``number`` at these settings (none for a step without a builder)."""
    build = BUILDERS.get(number)
    return build(settings) if build else ()


# --- drawing and scoring --------------------------------------------------------------------------


def _answers() -> dict[str, bool]:
    return st.session_state.setdefault(ANSWERS_KEY, {})


def score() -> tuple[int, int]:
    """(questions answered, of which right) in this session; a question counts once, by its latest check."""
    answers = _answers()
    return len(answers), sum(answers.values())


def _question_id(number: int, slot: int, question: Question) -> str:
    return f"{number}.{slot}.{question.ident}"


def show_self_check(number: int, questions: tuple[Question, ...]) -> None:
    """Step ``number``'s questions, folded under "Predict, then check": each in a small form with a
    number box or radio buttons and a Check button; once checked, right or wrong and why."""
    if not questions:
        return
    label = "Predict, then check: " + ("one question" if len(questions) == 1 else f"{len(questions)} questions")
    with st.expander(label, icon=":material/quiz:"):
        st.caption("Decide before you read on, then check. The answers come from this page's own numbers.")
        for slot, question in enumerate(questions):
            _show_question(number, slot, question)


def _show_question(number: int, slot: int, q: Question) -> None:
    """One question: its form, and the verdict of its latest check while it is the same question."""
    qid = _question_id(number, slot, q)
    widget_key = f"selfcheck_{number}_{slot}_{q.ident}"  # a new question gets a fresh, empty answer
    with st.form(key=f"selfcheck_form_{number}_{slot}", border=False, enter_to_submit=True):
        st.markdown(f"**{slot + 1}.** {q.prompt}")
        if q.kind == "choice":
            given = st.radio("Your answer", q.options, index=None, key=widget_key, horizontal=True)
        elif q.whole:
            given = st.number_input("Your answer", value=None, step=1, key=widget_key, placeholder="a whole number")
        else:
            given = st.number_input(
                "Your answer", value=None, step=q.tolerance, format=TABLE_FORMAT, key=widget_key, placeholder="a number"
            )
        checked = st.form_submit_button("Check", key=f"selfcheck_check_{number}_{slot}")
    verdict_key = f"{VERDICT_PREFIX}{number}_{slot}"
    if checked:
        if given is None:
            st.session_state.pop(verdict_key, None)
            st.info("Give an answer first, then check it.", icon=":material/edit:")
            return
        _answers()[qid] = q.is_right(given)
        st.session_state[verdict_key] = (qid, given)
    last = st.session_state.get(verdict_key)
    if last is None or last[0] != qid:
        return  # never checked, or the numbers (and so the question) changed since
    given = last[1]
    if q.is_right(given):
        st.success(f"Right. {q.explanation}", icon=":material/check_circle:")
    else:
        st.error(f"Not quite: you said {q.given_text(given)}. {q.explanation}", icon=":material/cancel:")


def show_score() -> None:
    """The landing page's line on the self-checks answered in this session."""
    answered, right = score()
    if answered == 0:
        st.markdown(
            "Every step page has a **Predict, then check** section: questions on that page's numbers. "
            "Your score in this session shows here."
        )
        return
    questions = "question" if answered == 1 else "questions"
    st.markdown(
        f"**Self-checks this session:** you have answered {count(answered)} {questions} and got {count(right)} right."
    )
