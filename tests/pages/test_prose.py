"""AppTest: the sentences the pages build from the numbers read well at any setting: no clause said
twice in one sentence ("the w step is safe …; the b step is safe …" becomes "both steps are safe …"),
and no "1 epochs"."""

from __future__ import annotations

import re

import pytest
from kit import run_page

#: Pages whose sentences are built from the settings' numbers.
PROSE_PAGES = ("update", "learning_rate", "bad_feature", "scaling", "rinse_and_repeat")
#: The book's settings and three others: an overshooting rate, a diverging one on other data, and
#: a short run on few points with the smallest batch (where "1 epoch", "1 point" appear).
SETTINGS = {
    "book": {},
    "overshoots": {"lr": "0.9"},
    "diverges": {"lr": "1.5", "seed": "7", "noise": "0.3"},
    "short run": {"n": "12", "epochs": "1", "batch": "1", "lr": "0.05"},
}
#: Words repeated in this many places in a row inside one sentence are a clause said twice.
REPEAT_WORDS = 6
#: Counted nouns the pages use; after "1" they must be singular.
NOUNS = ("epochs", "points", "updates", "steps", "batches", "mini-batches", "rows", "times", "runs", "values")


def sentences(at) -> list[str]:
    """Every sentence of the page's prose (markdown, captions and callouts), without Markdown marks."""
    texts = [e.value for kind in ("markdown", "caption", "success", "info", "warning", "error") for e in at.get(kind)]
    out = []
    for text in texts:
        plain = re.sub(r"\$[^$]*\$|`[^`]*`|[*_]", " ", str(text))  # maths and code are not prose
        pieces = re.split(r"(?<=[.!?])\s+|\n+", plain)
        out.extend(s for s in pieces if s.strip() and not s.lstrip().startswith("|"))  # a table row is no sentence
    return out


def repeated_run(sentence: str, size: int = REPEAT_WORDS) -> str | None:
    """The first run of ``size`` words that occurs twice in ``sentence`` (None when none does)."""
    words = re.findall(r"[\w'’·−]+(?:-[\w'’·−]+)*", sentence.lower())
    seen: set[tuple[str, ...]] = set()
    for i in range(len(words) - size + 1):
        run = tuple(words[i : i + size])
        if run in seen:
            return " ".join(run)
        seen.add(run)
    return None


def test_the_repeat_finder_finds_the_old_sentence():
    old = (
        "the w step is a safe step that stays on the same side of the valley; "
        "the b step is a safe step that stays on the same side of the valley"
    )
    assert repeated_run(old) == "step is a safe step that"
    assert repeated_run("both steps are safe steps that stay on the same side of the valley") is None


@pytest.mark.parametrize("page", PROSE_PAGES)
def test_generated_sentences_say_each_clause_once(page):
    problems = []
    for name, query in SETTINGS.items():
        at = run_page(page, query)
        assert not at.exception, (name, at.exception)
        for sentence in sentences(at):
            run = repeated_run(sentence)
            if run:
                problems.append(f"{name}: {run!r} twice in: {sentence}")
            for noun in NOUNS:
                if re.search(rf"(?<![\d.,])\b1 {noun}\b", sentence):
                    problems.append(f"{name}: '1 {noun}' in: {sentence}")
    assert not problems, "\n".join(problems)
