"""Away from the book's settings, the book's numbers show as its labelled reference, apart from this run's."""

from __future__ import annotations

import pytest
from kit import PAGES, run_page

STEP_PAGES = [name for name in PAGES if name != "landing"]


@pytest.mark.parametrize("name", STEP_PAGES)
def test_book_reference_is_labelled_when_the_settings_differ(name):
    at = run_page(name, {"seed": "7", "lr": "0.3"})
    assert not at.exception
    assert not any("With the book's settings" in box.value for box in at.success)
    (reference,) = [box.value for box in at.info if "the book's reference" in box.value]
    assert reference.startswith("**Your settings differ from the book's**")


def test_a_diverging_link_reads_as_this_runs_result_beside_the_books_reference():
    at = run_page("rinse_and_repeat", {"lr": "1.1"})
    assert not at.exception
    (reference,) = [box.value for box in at.info if "the book's reference" in box.value]
    assert "after 1,000 epochs at η = 0.1, b = 1.0235 and w = 1.9690" in reference
    assert any("blew up" in box.value or "diverge" in box.value.lower() for box in at.error)
