"""Smoke test: the landing page loads in a real browser, shows its title, and is clean."""

from __future__ import annotations

import ast
import os
import re
import time
from pathlib import Path


def _expected_title(entry: Path) -> str | None:
    """The landing page's title: $LANDING_TITLE, else the first literal ``st.title("...")``
    in the entry script, else None (then any non-empty h1 will do)."""
    if os.environ.get("LANDING_TITLE"):
        return os.environ["LANDING_TITLE"]
    try:
        tree = ast.parse(entry.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "title"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            return node.args[0].value
    return None


def test_landing_page_loads(page, app_server, app_entry, open_page, screenshot_dir):
    t0 = time.monotonic()
    open_page(page, app_server, "/")
    load_s = time.monotonic() - t0

    heading = page.locator('[data-testid="stMain"] h1').first
    heading.wait_for(state="visible")
    text = heading.inner_text().strip()
    expected = _expected_title(app_entry)
    if expected is not None:
        # Markdown in st.title (e.g. **bold**, :emoji:) changes the rendered text; compare words.
        words = re.findall(r"\w+", expected)
        assert words, f"expected title {expected!r} has no words"
        for word in words:
            assert word in text, f"title {text!r} lacks {word!r} (expected {expected!r})"
    else:
        assert text, "the landing page shows an empty h1"

    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).first.inner_text()
    page.screenshot(path=str(screenshot_dir / "landing.png"), full_page=True)
    assert page.console_errors == [], "\n".join(page.console_errors)
    print(f"landing page ready in {load_s:.2f} s")
